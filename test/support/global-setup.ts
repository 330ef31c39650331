import './register-paths';
import { createTestEnvironment } from '@greenlight/testing';

/** One fresh database and Redis prefix for the whole e2e run; workers read them from process.env. */
export default async function globalSetup(): Promise<void> {
  const env = await createTestEnvironment();
  Object.assign(process.env, env, {
    NODE_ENV: 'test',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'error',
    // High enough not to interfere; the rate-limit test gives its key a small limit of its own.
    API_RATE_LIMIT_PER_MINUTE: '100000',
    // Tests send many bad keys from one address on purpose; the throttle's own test sets a small limit.
    AUTH_FAILURE_LIMIT_PER_MINUTE: '100000',
    AUDIT_LOG_FLUSH_MS: '50',
  });
  (globalThis as { __GREENLIGHT_TEST_ENV__?: unknown }).__GREENLIGHT_TEST_ENV__ = env;
}
