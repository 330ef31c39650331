import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { ApiKeyEntity, buildDataSourceOptions, OrgEntity } from '@greenlight/database';
import { ApiKeysService, hashApiKey, OrgsService } from '@greenlight/accounts';

/**
 * `npm run bootstrap -- --org "<name>"`: creates the org (or reuses it) and a new global admin key,
 * then prints one JSON line `{"org_id": "...", "api_key": "..."}`. Safe to run again.
 */
export async function bootstrapOrg(config: AppConfig, orgName: string): Promise<{ org_id: string; api_key: string; created_org: boolean }> {
  const ds = new DataSource({ ...buildDataSourceOptions(config), extra: { max: 2 } });
  await ds.initialize();
  try {
    const orgs = new OrgsService(ds.getRepository(OrgEntity));
    const keys = new ApiKeysService(ds.getRepository(ApiKeyEntity), orgs, config);
    let org = await orgs.findByName(orgName);
    let createdOrg = false;
    if (!org) {
      try {
        org = await orgs.createUnchecked(orgName);
        createdOrg = true;
      } catch (err) {
        // Another bootstrap created it between our lookup and insert.
        org = await orgs.findByName(orgName);
        if (!org) throw err;
      }
    }
    const key = await keys.createUnchecked({ name: `bootstrap admin (${org.name})`, role: 'admin', org_id: null });
    return { org_id: org.id, api_key: key.api_key, created_org: createdOrg };
  } finally {
    await ds.destroy();
  }
}

/**
 * Revokes an active global key given its plaintext (the quick start retires its previous demo key this
 * way). Answers whether a key was revoked: false for an unknown, org-scoped or already revoked key.
 */
export async function revokeGlobalKey(config: AppConfig, plaintext: string): Promise<boolean> {
  const ds = new DataSource({ ...buildDataSourceOptions(config), extra: { max: 1 } });
  await ds.initialize();
  try {
    const result = await ds
      .getRepository(ApiKeyEntity)
      .createQueryBuilder()
      .update()
      .set({ status: 'revoked', revoked_at: () => 'now()' })
      .where('key_hash = :hash AND org_id IS NULL AND status = :active', { hash: hashApiKey(plaintext), active: 'active' })
      .execute();
    return (result.affected ?? 0) > 0;
  } finally {
    await ds.destroy();
  }
}

function parseArgs(argv: string[]): { org: string } {
  const idx = argv.indexOf('--org');
  const inline = argv.find((a) => a.startsWith('--org='));
  const org = inline ? inline.slice('--org='.length) : idx >= 0 ? argv[idx + 1] : undefined;
  if (!org || !org.trim()) {
    process.stderr.write('usage: npm run bootstrap -- --org "<org name>"\n');
    process.exit(64); // EX_USAGE
  }
  return { org: org.trim() };
}

if (require.main === module) {
  const { org } = parseArgs(process.argv.slice(2));
  bootstrapOrg(AppConfig.fromEnv(), org)
    .then((r) => process.stdout.write(`${JSON.stringify({ org_id: r.org_id, api_key: r.api_key })}\n`))
    .catch((err) => {
      const msg = (err as Error).message;
      const hint = /relation .* does not exist/.test(msg) ? ' (run `npm run migration:run` first)' : '';
      process.stderr.write(`bootstrap failed: ${msg}${hint}\n`);
      process.exit(1);
    });
}
