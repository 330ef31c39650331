import 'reflect-metadata';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateOpenApiJson, OPENAPI_FILE, openApiDifferences } from './openapi-document';

/**
 * `npm run openapi:check`: regenerates the document into a temp file and fails (exit 1) when it differs
 * from the committed openapi.json, printing which paths and schemas changed, when an error response
 * documents a code that answers another status, or when a schema is untyped (see untypedSchemas). Linting is the next step of the npm script.
 */
async function main(): Promise<number> {
  const committedPath = OPENAPI_FILE;
  const dir = mkdtempSync(join(tmpdir(), 'greenlight-openapi-'));
  const code = await compare(committedPath, dir);
  // Kept on drift so the fresh copy can be inspected.
  if (code === 0) rmSync(dir, { recursive: true, force: true });
  return code;
}

async function compare(committedPath: string, dir: string): Promise<number> {
  const { json, problems } = await generateOpenApiJson(OPENAPI_FILE);
  const freshPath = join(dir, 'openapi.json');
  writeFileSync(freshPath, json);
  let failed = false;
  for (const p of problems) {
    process.stderr.write(`openapi:check  ${p.where}: ${p.problem}\n`);
    failed = true;
  }
  if (!existsSync(committedPath)) {
    process.stderr.write(`openapi:check  ${committedPath} is missing: run npm run openapi:write\n`);
    return 1;
  }
  const committed = readFileSync(committedPath, 'utf8');
  if (committed !== json) {
    const lines = openApiDifferences(JSON.parse(committed), JSON.parse(json));
    process.stderr.write(`openapi:check  openapi.json differs from what the api serves (fresh copy: ${freshPath}):\n`);
    for (const line of lines.length ? lines : ['~ formatting or key order only']) process.stderr.write(`  ${line}\n`);
    process.stderr.write('openapi:check  run `npm run openapi:write` and commit openapi.json\n');
    return 1;
  }
  if (failed) return 1;
  process.stdout.write('openapi:check  openapi.json matches the api\n');
  return 0;
}

main().then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`openapi:check failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exit(1);
  },
);
