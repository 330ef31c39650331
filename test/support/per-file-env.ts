// Runs before each e2e test file: a Redis prefix of its own, so BullMQ workers a previous file left
// running cannot take this file's jobs; and a generous timeout for tests that wait on workers.
import { randomBytes } from 'node:crypto';

process.env.REDIS_PREFIX = `${process.env.REDIS_PREFIX ?? 'gltest'}_${randomBytes(3).toString('hex')}`;
jest.setTimeout(60_000);
