import { chmodSync, readFileSync, writeFileSync } from 'node:fs';
import { AppConfig } from '@greenlight/config';
import { bootstrapOrg, revokeGlobalKey } from './bootstrap';

export const DEMO_ORG_NAME = 'Greenlight Demo';

export interface DemoKey {
  org_id: string;
  api_key: string;
  created_org: boolean;
  /** True when the key of the previous quick start (from the state file) was revoked. */
  revoked_previous: boolean;
}

function previousKey(stateFile: string): string | null {
  try {
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as { api_key?: unknown };
    return typeof saved.api_key === 'string' ? saved.api_key : null;
  } catch {
    return null;
  }
}

/**
 * The quick start's key: each start makes a new global admin key for the demo org and saves it in
 * `stateFile` (readable by the owner only); the key of the previous start, found in that file, is
 * revoked once the new one is saved, so repeated quick starts leave one active demo key, not one
 * more 90-day global admin key each time.
 */
export async function renewDemoKey(config: AppConfig, stateFile: string): Promise<DemoKey> {
  const previous = previousKey(stateFile);
  const demo = await bootstrapOrg(config, DEMO_ORG_NAME);
  writeFileSync(stateFile, `${JSON.stringify({ org_id: demo.org_id, api_key: demo.api_key, created_org: demo.created_org }, null, 2)}\n`);
  chmodSync(stateFile, 0o600);
  const revoked = previous !== null && previous !== demo.api_key ? await revokeGlobalKey(config, previous) : false;
  return { ...demo, revoked_previous: revoked };
}
