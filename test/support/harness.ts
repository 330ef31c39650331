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
