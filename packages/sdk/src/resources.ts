import type { CallOptions } from './config';
import type { ApiCore } from './core';
import type { PaginateOptions } from './paginate';
import { sleep } from './backoff';
import { GreenlightWaitTimeoutError } from './errors';
import type { BodyOf, DataOf, QueryOf } from './types';

export type EvalRun = DataOf<'/api/v1/eval/runs/{run_id}', 'get'>;

/** How `evalRuns.wait` polls. */
export interface WaitOptions {
  /** Between polls. Default 2 s. */
  intervalMs?: number;
  /** Give up after this long (a GreenlightWaitTimeoutError naming the run and its status). Default 30 min. */
  timeoutMs?: number;
  /** Called with the run after every poll, e.g. to draw a progress bar from completed_cases / total_cases. */
  onProgress?: (run: EvalRun) => void;
  signal?: AbortSignal;
}

const TERMINAL = new Set(['completed', 'failed', 'cancelled']);

type Q<P extends Parameters<ApiCore['list']>[0]> = QueryOf<P, 'get'>;

/** Agents under evaluation. */
export class AgentsApi {
  constructor(private readonly client: ApiCore) {}
  list(query: Omit<Q<'/api/v1/agents'>, 'limit' | 'offset'> & { limit?: number; offset?: number } = {}, call?: CallOptions) {
    return this.client.list('/api/v1/agents', { query }, call);
  }
  iterate(query: Omit<Q<'/api/v1/agents'>, 'limit' | 'offset'> = {}, options?: PaginateOptions, call?: CallOptions) {
    return this.client.iterate('/api/v1/agents', { query }, options, call);
  }
  create(body: BodyOf<'/api/v1/agents', 'post'>, call?: CallOptions) {
    return this.client.request('post', '/api/v1/agents', { body }, call);
  }
  get(agentId: string, call?: CallOptions) {
    return this.client.request('get', '/api/v1/agents/{agent_id}', { path: { agent_id: agentId } }, call);
  }
  update(agentId: string, body: BodyOf<'/api/v1/agents/{agent_id}', 'patch'>, call?: CallOptions) {
    return this.client.request('patch', '/api/v1/agents/{agent_id}', { path: { agent_id: agentId }, body }, call);
  }
}

export type GoldenSetFileFormat = NonNullable<BodyOf<'/api/v1/golden-sets/upload-file', 'post'>['format']>;

/** Golden sets: the test cases an agent is evaluated on. */
export class GoldenSetsApi {
  constructor(private readonly client: ApiCore) {}
  /** A golden set from cases given inline. */
  create(body: BodyOf<'/api/v1/golden-sets/upload', 'post'>, call?: CallOptions) {
    return this.client.request('post', '/api/v1/golden-sets/upload', { body }, call);
  }
  /**
   * A golden set from a file (csv, jsonl or xlsx; json files go through `create`). The file is sent as
   * base64 in JSON, so the upload carries an Idempotency-Key like every write. A file the API rejects
   * answers GOLDEN_SET_FILE_VALIDATION_FAILED with the validation report in `details`.
   */
  uploadFile(
    input: { agent_id: string; name: string; description?: string; format?: GoldenSetFileFormat; filename?: string; content: Uint8Array | string },
    call?: CallOptions,
  ) {
    const { content, ...rest } = input;
    const content_base64 = Buffer.from(content).toString('base64');
    return this.client.request('post', '/api/v1/golden-sets/upload-file', { body: { ...rest, content_base64 } }, call);
  }
  get(goldenSetId: string, call?: CallOptions) {
    return this.client.request('get', '/api/v1/golden-sets/{golden_set_id}', { path: { golden_set_id: goldenSetId } }, call);
  }
  listForAgent(agentId: string, page: { limit?: number; offset?: number } = {}, call?: CallOptions) {
    return this.client.list('/api/v1/agents/{agent_id}/golden-sets', { path: { agent_id: agentId }, query: page }, call);
  }
}

/** Evaluation runs: create, start, follow, read results. */
export class EvalRunsApi {
  constructor(private readonly client: ApiCore) {}
  create(body: BodyOf<'/api/v1/eval/runs', 'post'>, call?: CallOptions) {
    return this.client.request('post', '/api/v1/eval/runs', { body }, call);
  }
  /** Queues the run for the worker (asynchronous execution). */
  start(runId: string, call?: CallOptions) {
    return this.client.request('post', '/api/v1/eval/runs/{run_id}/start', { path: { run_id: runId } }, call);
  }
  /** Executes a small run inside the request (larger runs answer 422 EVAL_RUN_TOO_LARGE_FOR_SYNC: use `start`). */
  execute(runId: string, call?: CallOptions) {
    return this.client.request('post', '/api/v1/eval/runs/{run_id}/execute', { path: { run_id: runId } }, call);
  }
  cancel(runId: string, call?: CallOptions) {
    return this.client.request('post', '/api/v1/eval/runs/{run_id}/cancel', { path: { run_id: runId } }, call);
  }
  get(runId: string, call?: CallOptions) {
    return this.client.request('get', '/api/v1/eval/runs/{run_id}', { path: { run_id: runId } }, call);
  }
  /**
   * Polls the run until it is completed, failed or cancelled and returns it (a failed run is returned,
   * not thrown: its failure_code says why). Each poll is an ordinary GET, retried like any call.
   */
  async wait(runId: string, options: WaitOptions = {}, call?: CallOptions): Promise<EvalRun> {
    const deadline = Date.now() + (options.timeoutMs ?? 30 * 60_000);
    for (;;) {
      const run = await this.get(runId, { signal: options.signal, ...call });
      options.onProgress?.(run);
      if (TERMINAL.has(run.status)) return run;
      if (Date.now() >= deadline) throw new GreenlightWaitTimeoutError(runId, run.status, options.timeoutMs ?? 30 * 60_000);
      await sleep(Math.min(options.intervalMs ?? 2000, Math.max(0, deadline - Date.now())), options.signal);
    }
  }
  summary(runId: string, query: QueryOf<'/api/v1/eval/runs/{run_id}/summary', 'get'> = {}, call?: CallOptions) {
    return this.client.request('get', '/api/v1/eval/runs/{run_id}/summary', { path: { run_id: runId }, query }, call);
  }
  list(query: Q<'/api/v1/eval/runs'> = {}, call?: CallOptions) {
    return this.client.list('/api/v1/eval/runs', { query }, call);
  }
  results(runId: string, query: Q<'/api/v1/eval/runs/{run_id}/results'> = {}, call?: CallOptions) {
    return this.client.list('/api/v1/eval/runs/{run_id}/results', { path: { run_id: runId }, query }, call);
  }
  iterateResults(runId: string, query: Omit<Q<'/api/v1/eval/runs/{run_id}/results'>, 'limit' | 'offset'> = {}, options?: PaginateOptions, call?: CallOptions) {
    return this.client.iterate('/api/v1/eval/runs/{run_id}/results', { path: { run_id: runId }, query }, options, call);
  }
}

/** Statistical comparisons of a candidate run with a baseline. */
export class CompareApi {
  constructor(private readonly client: ApiCore) {}
  /** Computes and stores a compare (by run ids, or by registry refs of one agent). */
  create(body: BodyOf<'/api/v1/eval/compares', 'post'>, call?: CallOptions) {
    return this.client.request('post', '/api/v1/eval/compares', { body }, call);
  }
  get(compareId: string, call?: CallOptions) {
    return this.client.request('get', '/api/v1/eval/compares/{compare_id}', { path: { compare_id: compareId } }, call);
  }
  list(query: Q<'/api/v1/eval/compares'> = {}, call?: CallOptions) {
    return this.client.list('/api/v1/eval/compares', { query }, call);
  }
}

/** The run registry: named baselines and candidates of an agent. */
export class RegistryApi {
  constructor(private readonly client: ApiCore) {}
  /** Makes the candidate the active baseline when the promotion gate allows it (409 RUN_REGISTRY_PROMOTION_BLOCKED otherwise). */
  promote(agentId: string, body: BodyOf<'/api/v1/agents/{agent_id}/run-registry/promote-candidate', 'post'> = {}, call?: CallOptions) {
    return this.client.request('post', '/api/v1/agents/{agent_id}/run-registry/promote-candidate', { path: { agent_id: agentId }, body }, call);
  }
  list(agentId: string, query: Q<'/api/v1/agents/{agent_id}/run-registry'> = {}, call?: CallOptions) {
    return this.client.list('/api/v1/agents/{agent_id}/run-registry', { path: { agent_id: agentId }, query }, call);
  }
  resolve(agentId: string, query: QueryOf<'/api/v1/agents/{agent_id}/run-registry/resolve', 'get'>, call?: CallOptions) {
    return this.client.request('get', '/api/v1/agents/{agent_id}/run-registry/resolve', { path: { agent_id: agentId }, query }, call);
  }
}

/** Queue health (admin). */
export class QueueApi {
  constructor(private readonly client: ApiCore) {}
  stats(query: QueryOf<'/api/v1/system/queue/stats', 'get'> = {}, call?: CallOptions) {
    return this.client.request('get', '/api/v1/system/queue/stats', { query }, call);
  }
}

/** Launch readiness: the launch gate of an agent. */
export class LaunchApi {
  constructor(private readonly client: ApiCore) {}
  /** Whether the agent may launch now: pass, or blocked with the blockers. */
  gate(agentId: string, call?: CallOptions) {
    return this.client.request('get', '/api/v1/agents/{agent_id}/launch-gate', { path: { agent_id: agentId } }, call);
  }
  /** Records a go / no_go / rollback decision (a go while the gate is blocked answers 409 LAUNCH_GATE_BLOCKED). */
  decide(agentId: string, body: BodyOf<'/api/v1/agents/{agent_id}/launch-decision', 'post'>, call?: CallOptions) {
    return this.client.request('post', '/api/v1/agents/{agent_id}/launch-decision', { path: { agent_id: agentId }, body }, call);
  }
}
