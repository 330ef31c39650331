import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AppConfig } from '@greenlight/config';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { createWorkerApp } from '../../apps/worker/src/create-worker-app';
import { bootstrapOrg } from '../../scripts/bootstrap';

export interface ApiHarness {
  app: INestApplication;
  http: TestAgent;
  config: AppConfig;
  /** The in-process worker app, when asked for (same config). */
  worker: INestApplication | null;
  close(): Promise<void>;
}

/**
 * Boots the real api app (same factory as production) on this run's database and Redis prefix; with
 * `worker: true` also a worker app in this process, consuming the same queues. `close` stops both.
 */
export async function startApi(overrides: Record<string, string> = {}, opts: { worker?: boolean } = {}): Promise<ApiHarness> {
  const config = AppConfig.fromEnv({ ...process.env, ...overrides });
  const app = await createApiApp(config);
  await app.init();
  let worker: INestApplication | null = null;
  if (opts.worker) {
    worker = await createWorkerApp(config);
    await worker.init();
  }
  const close = async () => {
    await worker?.close();
    await app.close();
  };
  return { app, http: request(app.getHttpServer()), config, worker, close };
}

export interface OrgKeys {
  org_id: string;
  admin: string;
  member: string;
  viewer: string;
}

let counter = 0;

/** A unique name for test data. */
export function uniqueName(prefix: string): string {
  counter += 1;
  return `${prefix} ${Date.now().toString(36)}-${process.pid}-${counter}`;
}

/** A global admin key for a fresh org, made the way operators make it (the bootstrap command). */
export async function globalAdmin(config: AppConfig): Promise<{ org_id: string; api_key: string }> {
  return bootstrapOrg(config, uniqueName('Global Org'));
}

/** A fresh org with one key of each role, created through the API by a global admin. */
export async function orgWithKeys(h: ApiHarness, globalKey: string): Promise<OrgKeys> {
  const org = await h.http
    .post('/api/v1/orgs')
    .set('Authorization', `Bearer ${globalKey}`)
    .send({ name: uniqueName('Org') })
    .expect(201);
  const orgId = org.body.data.id as string;
  const keys: Partial<OrgKeys> = { org_id: orgId };
  for (const role of ['admin', 'member', 'viewer'] as const) {
    const res = await h.http
      .post('/api/v1/system/api-keys')
      .set('Authorization', `Bearer ${globalKey}`)
      .send({ name: `${role} key`, role, org_id: orgId })
      .expect(201);
    keys[role] = res.body.data.api_key;
  }
  return keys as OrgKeys;
}

export const bearer = (key: string) => ({ Authorization: `Bearer ${key}` });

/** Settings for a worker that runs small evaluations against local agents quickly. */
export const FAST_WORKER_ENV = {
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  EVAL_WORKER_CHUNK_SIZE: '5',
  EVAL_WORKER_BACKOFF_MS: '50',
  EVAL_WORKER_MAX_BACKOFF_MS: '200',
  EVAL_AGENT_TIMEOUT_MS: '3000',
};

export interface ServedApi {
  h: ApiHarness;
  /** Where the api listens, for clients outside this process (the SDK, the CLI). */
  url: string;
  globalKey: string;
  keys: OrgKeys;
}

/**
 * The api with an in-process worker, listening on a free port of 127.0.0.1, with a fresh org and its
 * keys: what a test of an HTTP client (the SDK, the CLI, the action) runs against.
 */
export async function serveApi(overrides: Record<string, string> = FAST_WORKER_ENV): Promise<ServedApi> {
  const h = await startApi(overrides, { worker: true });
  await h.app.listen(0, '127.0.0.1');
  const url = `http://127.0.0.1:${(h.app.getHttpServer().address() as { port: number }).port}`;
  const globalKey = (await globalAdmin(h.config)).api_key;
  const keys = await orgWithKeys(h, globalKey);
  return { h, url, globalKey, keys };
}
