import { INestApplication } from '@nestjs/common';
import request from 'supertest';
import type TestAgent from 'supertest/lib/agent';
import { AppConfig } from '@greenlight/config';
import { createApiApp } from '../../apps/api/src/create-api-app';
import { bootstrapOrg } from '../../scripts/bootstrap';

export interface ApiHarness {
  app: INestApplication;
  http: TestAgent;
  config: AppConfig;
  close(): Promise<void>;
}

/** Boots the real api app (same factory as production) on this run's database and Redis prefix. */
export async function startApi(overrides: Record<string, string> = {}): Promise<ApiHarness> {
  const config = AppConfig.fromEnv({ ...process.env, ...overrides });
  const app = await createApiApp(config);
  await app.init();
  return { app, http: request(app.getHttpServer()), config, close: () => app.close() };
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
