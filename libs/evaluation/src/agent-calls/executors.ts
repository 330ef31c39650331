import { ErrorCode, RequestedRunExecutorMode, RunExecutorConfig, RunExecutorMode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import type { GuardedHttpClient } from '@greenlight/platform';
import { OutboundError } from '@greenlight/platform';
import { ThrottleWaitError } from '@greenlight/throttling';
import { extractAgentResponse, ResponseMapping, storableText } from './agent-response';

export type ExecutorMode = RunExecutorMode;
export type RequestedExecutorMode = RequestedRunExecutorMode;
export const EXECUTOR_MODES: RequestedExecutorMode[] = ['auto', 'simulated', 'agent_http'];

/** The executor part of a run's frozen config. `auto` is resolved when the run is created. */
export type ExecutorConfig = RunExecutorConfig;

export interface CaseToExecute {
  id: string;
  input: string;
  evaluation_mode: 'answer' | 'criteria';
  expected_answer: string | null;
  expected_sources: string[];
  criteria: string | null;
  dimensions: string[];
}

export interface ExecutionOutput {
  output: string;
  sources: string[];
  latency_ms: number;
  trace: Record<string, unknown>;
}

export interface Executor {
  readonly mode: ExecutorMode;
  execute(c: CaseToExecute, signal?: AbortSignal): Promise<ExecutionOutput>;
}

/** An agent call that failed. `retryable` tells the async runner whether trying again can help. */
export class ExecutorError extends DomainError {
  constructor(
    message: string,
    readonly retryable: boolean,
    details: Record<string, unknown>,
  ) {
    super(ErrorCode.EVAL_EXECUTOR_RUNTIME_ERROR, message, details);
  }
}

/** Resolves the requested mode against the agent: `auto` uses the agent's endpoint when it has one. */
export function resolveExecutorConfig(
  requested: RequestedExecutorMode,
  agentEndpoint: string | null,
  options: { timeout_ms: number; mapping?: ResponseMapping },
): ExecutorConfig {
  const mode: ExecutorMode = requested === 'auto' ? (agentEndpoint ? 'agent_http' : 'simulated') : requested;
  if (mode === 'agent_http' && !agentEndpoint) {
    throw new DomainError(ErrorCode.EVAL_EXECUTOR_CONFIG_ERROR, 'executor_mode agent_http needs the agent to have an api_endpoint', {
      executor_mode: requested,
    });
  }
  return {
    requested_mode: requested,
    mode,
    endpoint: mode === 'agent_http' ? agentEndpoint : null,
    timeout_ms: options.timeout_ms,
    mapping: options.mapping ?? {},
  };
}

/**
 * Answers without calling anything: the expected answer and sources (answer mode) or a restatement
 * of the rubric (criteria mode). Deterministic, for dry runs and agents without an endpoint.
 */
export class SimulatedExecutor implements Executor {
  readonly mode = 'simulated' as const;

  async execute(c: CaseToExecute): Promise<ExecutionOutput> {
    const started = performance.now();
    const output =
      c.evaluation_mode === 'answer'
        ? (c.expected_answer ?? '')
        : `Response to "${c.input.slice(0, 200)}" addressing ${[c.criteria, ...c.dimensions].filter(Boolean).join('; ')}`;
    return {
      output,
      sources: c.evaluation_mode === 'answer' ? [...c.expected_sources] : [],
      latency_ms: Math.round(performance.now() - started),
      trace: { executor: 'simulated' },
    };
  }
}

/**
 * Waits until the agent may be called (its shared calls-per-second limit); answers how long it waited.
 * Throws when the wait is cancelled or would be too long.
 */
export type AgentCallGate = (signal?: AbortSignal) => Promise<number>;

/** POSTs `{ "input": ... }` to the agent endpoint through the guarded client and reads its answer. */
export class HttpAgentExecutor implements Executor {
  readonly mode = 'agent_http' as const;

  constructor(
    private readonly client: GuardedHttpClient,
    private readonly config: ExecutorConfig,
    private readonly gate?: AgentCallGate,
  ) {}

  async execute(c: CaseToExecute, signal?: AbortSignal): Promise<ExecutionOutput> {
    const endpoint = this.config.endpoint!;
    const waited = await this.waitForTurn(endpoint, signal);
    const res = await invokeAgent(this.client, endpoint, c.input, this.config.timeout_ms, { 'X-Greenlight-Case-Id': c.id }, signal);
    const extracted = extractAgentResponse(res.body, this.config.mapping);
    if (extracted.output === null) {
      throw new ExecutorError('the agent response has no output field', false, {
        endpoint,
        status: res.status,
        response_preview: res.preview,
        looked_for: this.config.mapping.output_path ?? 'output, answer, response, text, content, result, message',
      });
    }
    return {
      output: extracted.output,
      sources: extracted.sources,
      latency_ms: res.latency_ms,
      trace: {
        executor: 'agent_http',
        endpoint,
        status: res.status,
        content_type: res.content_type,
        output_key: extracted.output_key,
        sources_key: extracted.sources_key,
        remote_address: res.remote_address,
        ...(waited > 0 ? { rate_limit_wait_ms: waited } : {}),
      },
    };
  }

  /** The agent's rate limit; a wait that cannot end in time is a retryable agent failure. */
  private async waitForTurn(endpoint: string, signal?: AbortSignal): Promise<number> {
    if (!this.gate) return 0;
    try {
      return await this.gate(signal);
    } catch (err) {
      if (err instanceof ThrottleWaitError) {
        throw new ExecutorError(`agent call not made: ${err.message}`, true, { endpoint, failure: err.kind, waited_ms: err.waited_ms });
      }
      throw err;
    }
  }
}

export interface AgentInvocation {
  status: number;
  content_type: string;
  body: unknown;
  raw: Buffer;
  preview: string;
  latency_ms: number;
  remote_address: string;
}

/** The request headers every agent call sends; a call adds its own (case id, contract check) on top. */
const AGENT_REQUEST_HEADERS: Readonly<Record<string, string>> = Object.freeze({
  'content-type': 'application/json',
  accept: 'application/json, text/plain;q=0.5',
  'user-agent': 'Greenlight-Eval/1',
});

const PREVIEW_CHARS = 500;

/** The first PREVIEW_CHARS characters of a body, storable: what errors and contract checks show. */
function previewOf(raw: Buffer): string {
  return storableText(raw.subarray(0, PREVIEW_CHARS).toString('utf8'), PREVIEW_CHARS);
}

/** One call of an agent endpoint; failures are ExecutorErrors that say whether a retry may help. */
export async function invokeAgent(
  client: GuardedHttpClient,
  endpoint: string,
  input: string,
  timeoutMs: number,
  extraHeaders: Record<string, string> = {},
  signal?: AbortSignal,
): Promise<AgentInvocation> {
  let res;
  try {
    res = await client.request({
      url: endpoint,
      method: 'POST',
      headers: { ...AGENT_REQUEST_HEADERS, ...extraHeaders },
      body: JSON.stringify({ input }),
      timeout_ms: timeoutMs,
      signal,
    });
  } catch (err) {
    if (err instanceof OutboundError) {
      const retryable = err.kind === 'timeout' || err.kind === 'network' || err.kind === 'dns';
      throw new ExecutorError(`agent call failed (${err.kind}): ${err.message}`, retryable, { endpoint, failure: err.kind, ...err.details });
    }
    throw err;
  }
  const raw = res.body;
  const contentType = res.headers['content-type'] ?? '';
  if (res.status < 200 || res.status > 299) {
    const retryable = res.status === 429 || res.status >= 500;
    throw new ExecutorError(`agent answered HTTP ${res.status}`, retryable, {
      endpoint,
      status: res.status,
      retry_after: res.headers['retry-after'] ?? null,
      response_preview: previewOf(raw),
    });
  }
  let body: unknown = raw.toString('utf8');
  if (/json/i.test(contentType) || /^\s*[{[]/.test(body as string)) {
    try {
      body = JSON.parse(body as string);
    } catch {
      if (/json/i.test(contentType)) {
        throw new ExecutorError('agent answered invalid JSON', false, { endpoint, status: res.status, response_preview: previewOf(raw) });
      }
    }
  }
  // The preview is only read when something goes wrong (or by a contract check): made on first use.
  let preview: string | undefined;
  return {
    status: res.status,
    content_type: contentType,
    body,
    raw,
    get preview() {
      return (preview ??= previewOf(raw));
    },
    latency_ms: res.latency_ms,
    remote_address: res.remote_address,
  };
}
