import { resolve, sep } from 'node:path';
import { ErrorExampleProblem, untypedSchemas } from '@greenlight/http';
import { buildApiOpenApiDocument } from '../apps/api/src/create-api-app';
import { canonicalOpenApiJson } from './openapi-canonical';

/** openapi.json at the repository root (this file runs from scripts/ under ts-jest and from dist/scripts/ when built). */
export const OPENAPI_FILE = resolve(__dirname, __dirname.includes(`${sep}dist${sep}`) ? '../..' : '..', 'openapi.json');

/** The committed text: the canonical JSON as the repository's Prettier settings print it (`format:check` reads it too). */
export async function formatOpenApiJson(json: string, filePath: string): Promise<string> {
  // Loaded here, not at the top: Prettier 3 cannot be loaded inside a jest test, which imports this file for OPENAPI_FILE.
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(filePath)) ?? {};
  return prettier.format(json, { ...options, filepath: filePath });
}

/** The api's document without connecting to a database or Redis, in its committed form. */
export async function generateOpenApiJson(filePath: string): Promise<{ json: string; problems: ErrorExampleProblem[] }> {
  const { document, problems } = await buildApiOpenApiDocument();
  const untyped = untypedSchemas(document).map((u) => ({ where: u.split(':')[0], problem: u.split(': ')[1] }));
  return { json: await formatOpenApiJson(canonicalOpenApiJson(document), filePath), problems: [...problems, ...untyped] };
}

export { canonicalOpenApiJson, openApiDifferences } from './openapi-canonical';
