import type { RunResponseMapping } from '@greenlight/contracts';

// Reading an agent's answer: agents reply with JSON in many shapes, so the output and the sources are
// looked up under configurable dot paths first, then under the usual keys.

/** Dot paths of the output text (e.g. `data.answer`) and of the sources list (e.g. `data.citations`). */
export type ResponseMapping = RunResponseMapping;

export interface ExtractedResponse {
  output: string | null;
  sources: string[];
  output_key: string | null;
  sources_key: string | null;
}

/** Longest agent output kept per case; the rest is cut (and the result says so). */
export const MAX_OUTPUT_CHARS = 64 * 1024;

/**
 * Text from an agent made storable: NUL and lone surrogates (which Postgres refuses) become U+FFFD,
 * and it is cut to `max` characters. One odd answer must not fail a whole batch of results.
 */
export function storableText(s: string, max = MAX_OUTPUT_CHARS): string {
  const cut = s.length > max ? s.slice(0, max) : s;
  // Nearly every answer is clean: two native scans instead of two regex replacements.
  if (isWellFormed(cut) && !cut.includes('\u0000')) return cut;
  // Lone surrogates (what String.prototype.toWellFormed fixes; not in our ES2022 lib typings).
  return cut.replaceAll('\u0000', '\uFFFD').replace(LONE_SURROGATE, '\uFFFD');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
const nativeIsWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/** True when `s` has no lone surrogate (String.prototype.isWellFormed where the runtime has it). */
export function isWellFormed(s: string): boolean {
  if (nativeIsWellFormed) return nativeIsWellFormed.call(s);
  LONE_SURROGATE.lastIndex = 0;
  return !LONE_SURROGATE.test(s);
}

const OUTPUT_KEYS = ['output', 'answer', 'response', 'text', 'content', 'result', 'message', 'completion'];
const SOURCE_KEYS = ['sources', 'citations', 'references', 'documents', 'source_urls', 'urls'];
const SOURCE_ITEM_KEYS = ['url', 'uri', 'source', 'id', 'title', 'name'];

export function getPath(value: unknown, path: string): unknown {
  // The usual keys are single names: no split needed.
  if (!path.includes('.')) {
    if (value === null || typeof value !== 'object' || !path) return path ? undefined : value;
    return Array.isArray(value) && /^\d+$/.test(path) ? value[Number(path)] : (value as Record<string, unknown>)[path];
  }
  let cur: unknown = value;
  for (const part of path.split('.').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = Array.isArray(cur) && /^\d+$/.test(part) ? cur[Number(part)] : (cur as Record<string, unknown>)[part];
  }
  return cur;
}

function asText(v: unknown): string | null {
  if (typeof v === 'string') return v;
  if (typeof v === 'number' || typeof v === 'boolean') return String(v);
  // OpenAI-like shapes: { choices: [{ message: { content } }] } are handled by the search below.
  return null;
}

function asSources(v: unknown): string[] | null {
  if (typeof v === 'string') return v.trim() ? [v.trim()] : [];
  if (!Array.isArray(v)) return null;
  const out: string[] = [];
  for (const item of v) {
    if (typeof item === 'string') out.push(item);
    else if (item && typeof item === 'object') {
      const key = SOURCE_ITEM_KEYS.find((k) => typeof (item as Record<string, unknown>)[k] === 'string');
      if (key) out.push((item as Record<string, string>)[key]);
    }
  }
  return out.map((s) => s.trim()).filter(Boolean);
}

/** Finds the output text and sources in a parsed JSON body (or plain text), made storable. */
export function extractAgentResponse(body: unknown, mapping: ResponseMapping = {}): ExtractedResponse {
  const found = findAgentResponse(body, mapping);
  return {
    output: found.output === null ? null : storableText(found.output),
    sources: found.sources.length === 0 ? [] : found.sources.slice(0, 100).map((x) => storableText(x, 2_000)),
    output_key: found.output_key,
    sources_key: found.sources_key,
  };
}

function findAgentResponse(body: unknown, mapping: ResponseMapping): ExtractedResponse {
  if (typeof body === 'string') return { output: body, sources: [], output_key: null, sources_key: null };
  const result: ExtractedResponse = { output: null, sources: [], output_key: null, sources_key: null };
  if (mapping.output_path) {
    const v = asText(getPath(body, mapping.output_path));
    if (v !== null) Object.assign(result, { output: v, output_key: mapping.output_path });
  }
  if (mapping.sources_path) {
    const v = asSources(getPath(body, mapping.sources_path));
    if (v !== null) Object.assign(result, { sources: v, sources_key: mapping.sources_path });
  }
  const search = (prefix: string, obj: unknown) => {
    if (result.output === null) {
      for (const k of OUTPUT_KEYS) {
        const v = asText(getPath(obj, k));
        if (v !== null) {
          Object.assign(result, { output: v, output_key: `${prefix}${k}` });
          break;
        }
      }
    }
    if (result.sources_key === null) {
      for (const k of SOURCE_KEYS) {
        const v = asSources(getPath(obj, k));
        if (v !== null) {
          Object.assign(result, { sources: v, sources_key: `${prefix}${k}` });
          break;
        }
      }
    }
  };
  // Top level first, then `data`, then the first choice's message; the usual reply is done after the first.
  search('', body);
  if (result.output !== null && result.sources_key !== null) return result;
  const data = getPath(body, 'data');
  if (data && typeof data === 'object') search('data.', data);
  const firstChoice = getPath(body, 'choices.0.message');
  if (firstChoice && typeof firstChoice === 'object') search('choices.0.message.', firstChoice);
  return result;
}
