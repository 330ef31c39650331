// Finds the agent's golden set uploaded by this action from the same file content. Usage:
//   node find-golden-set.mjs find <file>   (GREENLIGHT_API_URL, GREENLIGHT_API_KEY, AGENT_ID set)
//   node find-golden-set.mjs hash <file>   (only the content hash, no API call)
// Prints `sha256=<hex>` and, when a set with that content exists, `golden_set_id=<id>` and
// `case_count=<n>` (the newest such set). The upload step records the hash as `content-sha256=<hex>`
// in each set's description. Exit 2 on a usage or API error.
/* global AbortSignal, fetch, process */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';

const PAGE = 200;
const MAX_PAGES = 5;

function fail(message) {
  process.stderr.write(`error: ${message}\n`);
  process.exit(2);
}

async function getJson(url, key) {
  let res;
  try {
    res = await fetch(url, { headers: { authorization: `Bearer ${key}`, accept: 'application/json' }, signal: AbortSignal.timeout(30_000) });
  } catch (e) {
    fail(`NETWORK_ERROR: ${url}: ${e instanceof Error ? e.message : String(e)}`);
  }
  const body = await res.json().catch(() => null);
  if (!res.ok) {
    const err = body?.error ?? {};
    fail(`${err.code ?? `HTTP_${res.status}`}: ${err.message ?? res.statusText} (HTTP ${res.status}, request id ${body?.meta?.request_id ?? 'none'})`);
  }
  return body?.data;
}

/** The newest set of the agent whose description carries the hash (newest sets come first). */
async function findSet(sha256) {
  const apiUrl = (process.env.GREENLIGHT_API_URL ?? '').replace(/\/+$/, '');
  const key = process.env.GREENLIGHT_API_KEY ?? '';
  const agent = process.env.AGENT_ID ?? '';
  if (!apiUrl || !key || !agent) fail('USAGE: GREENLIGHT_API_URL, GREENLIGHT_API_KEY and AGENT_ID must be set');
  const marker = `content-sha256=${sha256}`;
  for (let page = 0; page < MAX_PAGES; page++) {
    const url = `${apiUrl}/api/v1/agents/${encodeURIComponent(agent)}/golden-sets?limit=${PAGE}&offset=${page * PAGE}`;
    const data = await getJson(url, key);
    const items = Array.isArray(data?.items) ? data.items : [];
    const hit = items.find((s) => typeof s.description === 'string' && s.description.includes(marker));
    if (hit) return hit;
    if (items.length < PAGE) return null;
  }
  return null;
}

const [mode, file] = process.argv.slice(2);
if (!['find', 'hash'].includes(mode) || !file) fail('USAGE: node find-golden-set.mjs find|hash <file>');
let content;
try {
  content = readFileSync(file);
} catch (e) {
  fail(`USAGE: cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
}
const sha256 = createHash('sha256').update(content).digest('hex');
const lines = [`sha256=${sha256}`];
if (mode === 'find') {
  const set = await findSet(sha256);
  if (set) lines.push(`golden_set_id=${set.id}`, `case_count=${set.case_count}`);
}
process.stdout.write(lines.join('\n') + '\n');
