import 'reflect-metadata';
import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { generateOpenApiJson, OPENAPI_FILE } from './openapi-document';

/**
 * `npm run openapi:write`: writes the api's OpenAPI document to openapi.json at the repository root
 * (the file SDK generation reads and CI compares with what the app serves). Needs no database.
 */
async function main(): Promise<void> {
  const target = process.argv[2] ? resolve(process.argv[2]) : OPENAPI_FILE;
  const { json, problems } = await generateOpenApiJson(OPENAPI_FILE);
  writeFileSync(target, json);
  process.stdout.write(`openapi:write  wrote ${target} (${json.length} bytes)\n`);
  for (const p of problems) process.stderr.write(`openapi:write  warning: ${p.where}: ${p.problem}\n`);
}

main().catch((err) => {
  process.stderr.write(`openapi:write failed: ${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
