import { createHash } from 'node:crypto';
import OpenAI, { APIConnectionError, APIConnectionTimeoutError, APIError, APIUserAbortError } from 'openai';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { parseJudgeOutput } from './judge-output';
import type { Judge, JudgeInput, JudgeResult, TokenUsage } from './judge.types';
import { dimensionsToScore } from './policy-contract';

export const PROVIDER_PROMPT_VERSION = 'provider-v1';

export interface ProviderJudgeOptions {
  apiKey: string | null | undefined;
  /** An OpenAI-compatible server; empty = the SDK default (which itself honours OPENAI_BASE_URL). */
  baseURL?: string | null;
  model: string | null | undefined;
  /** Per attempt: the SDK retries timeouts, so the worst case is (maxRetries + 1) × timeoutMs plus back-off. */
  timeoutMs: number;
  /** SDK retries on 408/409/429/5xx, connection errors and timeouts. */
  maxRetries: number;
  /** Outbound calls go through the guarded HTTP client in production; tests and the SDK default use globalThis.fetch. */
  fetch?: typeof globalThis.fetch;
}

export const PROVIDER_SYSTEM_PROMPT = `You are Greenlight's evaluation judge. You score one answer of an AI agent against one golden-set test case, and you treat the evaluation profile you are given as a strict policy.

Rules:
- Judge only from the case, the agent's actual output and sources, and the profile.
- evaluation_mode "answer": answer_correct is true when the output states the expected answer (wording may differ, meaning may not), false otherwise. source_correct is true when every expected source is among the cited sources (ignore http(s)://, "www.", letter case and trailing slashes), false when one is missing, and null when the case expects no sources. criteria_scores is null.
- evaluation_mode "criteria": score every dimension in case.dimensions_to_score, and only those, as an integer on the profile's criteria scale, following the rubric in case.criteria and each dimension's description. answer_correct and source_correct are null.
- quality_score: the overall quality of the answer on the profile's quality scale (min to max, at most one decimal). A score at or above pass_threshold means the answer is good enough to ship.
- issue_tags: the problems you found, only from profile.issue_tags; [] when there are none.
- reasoning: two or three sentences that explain the scores.

Answer with one JSON object and nothing else, with exactly these keys:
{"answer_correct": true|false|null, "source_correct": true|false|null, "quality_score": number, "criteria_scores": {"<dimension key>": number} | null, "issue_tags": [string], "reasoning": string}`;

// The user message layout is part of the prompt: its description joins the hash so a change to either moves it.
const USER_MESSAGE_LAYOUT = 'user: JSON {evaluation_mode, case, actual{output,sources}, profile{name,scales,pass_threshold,dimensions,issue_tags}}';

/** An LLM judge through the OpenAI chat completions API (or any server that speaks it). */
export class ProviderJudge implements Judge {
  readonly mode = 'provider' as const;
  readonly prompt_version = PROVIDER_PROMPT_VERSION;
  readonly prompt_hash = createHash('sha256').update(`${PROVIDER_PROMPT_VERSION}\n${PROVIDER_SYSTEM_PROMPT}\n${USER_MESSAGE_LAYOUT}`).digest('hex');
  readonly model: string;
  private readonly client: OpenAI;
  private readonly timeoutMs: number;

  /** Same as the constructor; reads better at call sites that treat construction as validation. */
  static create(options: ProviderJudgeOptions): ProviderJudge {
    return new ProviderJudge(options);
  }

  constructor(options: ProviderJudgeOptions) {
    const apiKey = options.apiKey?.trim();
    const model = options.model?.trim();
    if (!apiKey) throw configError('the provider judge needs an API key (OPENAI_API_KEY)', { missing: 'api_key' });
    if (!model) throw configError('the provider judge needs a model name', { missing: 'model' });
    if (!Number.isFinite(options.timeoutMs) || options.timeoutMs <= 0) {
      throw configError('the provider judge timeout must be a positive number of milliseconds', { timeout_ms: options.timeoutMs });
    }
    if (!Number.isInteger(options.maxRetries) || options.maxRetries < 0) {
      throw configError('the provider judge max retries must be a non-negative integer', { max_retries: options.maxRetries });
    }
    const baseURL = options.baseURL?.trim() || undefined;
    if (baseURL && !isHttpUrl(baseURL)) throw configError('the provider judge base URL must be an http(s) URL', { base_url: baseURL });

    this.model = model;
    this.timeoutMs = options.timeoutMs;
    this.client = new OpenAI({
      apiKey,
      baseURL,
      timeout: options.timeoutMs,
      maxRetries: options.maxRetries,
      fetch: timeoutAwareFetch(options.fetch),
    });
  }

  async judge(input: JudgeInput): Promise<JudgeResult> {
    const messages = buildJudgeMessages(input);
    const request = {
      model: this.model,
      temperature: 0,
      response_format: { type: 'json_object' as const },
      messages,
    };
    const started = performance.now();
    let completion: OpenAI.Chat.Completions.ChatCompletion;
    try {
      completion = await this.client.chat.completions.create(request);
    } catch (err) {
      throw judgeProviderError(err, this.timeoutMs);
    }
    const latency = Math.round(performance.now() - started);

    const choice = completion.choices?.[0];
    const content = choice?.message?.content ?? null;
    const { verdict, parsed } = parseJudgeOutput(content, input, { response_id: completion.id ?? null, finish_reason: choice?.finish_reason ?? null });
    return {
      verdict,
      trace: {
        judge_input: request,
        judge_output: { parsed, raw_content: content, finish_reason: choice?.finish_reason ?? null },
        latency_ms: latency,
        token_usage: tokenUsage(completion.usage),
        response_id: completion.id ?? null,
      },
    };
  }
}

/** The chat messages for one case: the fixed system prompt and the case as one JSON document. */
export function buildJudgeMessages(input: JudgeInput): { role: 'system' | 'user'; content: string }[] {
  const { profile } = input;
  const dims = (keys: string[]) =>
    keys.map((key) => {
      const d = profile.dimensions.find((x) => x.key === key);
      return d ? { key, name: d.name, description: d.description, weight: d.weight } : { key, name: key, description: '', weight: 1 };
    });
  const caseDoc =
    input.mode === 'criteria'
      ? { input: input.case.input, criteria: input.case.criteria, dimensions_to_score: dims(dimensionsToScore(input)) }
      : { input: input.case.input, expected_answer: input.case.expected_answer, expected_sources: input.case.expected_sources };
  const { pass_threshold, ...scales } = profile.scoring_scale;
  const user = {
    evaluation_mode: input.mode,
    case: caseDoc,
    actual: { output: input.actual.output, sources: input.actual.sources },
    profile: {
      name: profile.name,
      scales,
      pass_threshold,
      dimensions: profile.dimensions.map((d) => ({ key: d.key, name: d.name, description: d.description, weight: d.weight, required: d.required })),
      issue_tags: profile.issue_tags,
    },
  };
  return [
    { role: 'system', content: PROVIDER_SYSTEM_PROMPT },
    { role: 'user', content: JSON.stringify(user) },
  ];
}

/** Maps an SDK failure to EVAL_JUDGE_PROVIDER_ERROR; messages carry status and code, never the request or the key. */
export function judgeProviderError(err: unknown, timeoutMs: number): DomainError {
  if (err instanceof DomainError) return err;
  const make = (message: string, status: number | null, providerCode: string, retryable: boolean) =>
    new DomainError(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR, message, { status, provider_code: providerCode, retryable });
  if (err instanceof APIConnectionTimeoutError) {
    return make(`the judge provider did not answer within ${timeoutMs} ms`, null, 'timeout', true);
  }
  if (err instanceof APIUserAbortError) return make('the judge provider call was aborted', null, 'aborted', true);
  if (err instanceof APIConnectionError) {
    // The guarded HTTP client refuses some URLs outright (OutboundError.kind); retrying those cannot help.
    const kind = (err.cause as { kind?: unknown } | undefined)?.kind;
    if (kind === 'timeout') return make(`the judge provider did not answer within ${timeoutMs} ms`, null, 'timeout', true);
    if (typeof kind === 'string') {
      const retryable = !['invalid_url', 'blocked_address', 'redirect', 'too_large'].includes(kind);
      return make(`the judge provider could not be reached (${kind})`, null, `outbound_${kind}`, retryable);
    }
    return make('the judge provider could not be reached', null, 'connection_error', true);
  }
  if (err instanceof APIError) {
    const status = typeof err.status === 'number' ? err.status : null;
    const code = safeCode(err.code) ?? safeCode(err.type) ?? (status ? `http_${status}` : 'api_error');
    const retryable = status === null || status === 408 || status === 409 || status === 429 || status >= 500;
    return make(`the judge provider answered HTTP ${status ?? 'error'} (${code})`, status, code, retryable);
  }
  return make('the judge provider call failed unexpectedly', null, 'unexpected', false);
}

/**
 * The SDK tells its own timeout from other failures by the rejection's name (AbortError). A fetch
 * from another realm (jest's sandbox) or a wrapping client can reject with an error that lost that
 * name, which would turn a timeout into a generic connection error. The judge never passes a signal
 * of its own, so an aborted signal here always means the SDK's timeout fired.
 */
function timeoutAwareFetch(inner?: typeof globalThis.fetch): typeof globalThis.fetch {
  const base = inner ?? ((input, init) => globalThis.fetch(input, init));
  return async (input, init) => {
    try {
      return await base(input, init);
    } catch (err) {
      if (init?.signal?.aborted) {
        const abort = new Error('the request was aborted', { cause: err });
        abort.name = 'AbortError';
        throw abort;
      }
      throw err;
    }
  };
}

function tokenUsage(usage: OpenAI.Completions.CompletionUsage | undefined | null): TokenUsage | null {
  if (!usage) return null;
  const n = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return { prompt_tokens: n(usage.prompt_tokens), completion_tokens: n(usage.completion_tokens), total_tokens: n(usage.total_tokens) };
}

/** Provider error codes are identifiers; anything else (free text) stays out of our messages. */
function safeCode(v: unknown): string | null {
  return typeof v === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(v) ? v : null;
}

function isHttpUrl(s: string): boolean {
  try {
    const u = new URL(s);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

function configError(message: string, details: Record<string, unknown>): DomainError {
  return new DomainError(ErrorCode.EVAL_JUDGE_CONFIG_ERROR, message, details);
}
