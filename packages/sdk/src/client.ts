import type { ClientOptions } from './config';
import { ApiCore } from './core';
import { AgentsApi, CompareApi, EvalRunsApi, GoldenSetsApi, LaunchApi, QueueApi, RegistryApi } from './resources';

export type { RequestArgs } from './core';

/**
 * The Greenlight API client. Each call returns the `data` of the answer, typed from the OpenAPI
 * document; errors are `GreenlightApiError` (the API answered) or `GreenlightTransportError` (it did
 * not). Retries, idempotency keys and timeouts are described on `ClientOptions` and `CallOptions`.
 */
export class GreenlightClient extends ApiCore {
  readonly agents: AgentsApi;
  readonly goldenSets: GoldenSetsApi;
  readonly evalRuns: EvalRunsApi;
  readonly compare: CompareApi;
  readonly registry: RegistryApi;
  readonly queue: QueueApi;
  readonly launch: LaunchApi;

  constructor(options: ClientOptions = {}) {
    super(options);
    this.agents = new AgentsApi(this);
    this.goldenSets = new GoldenSetsApi(this);
    this.evalRuns = new EvalRunsApi(this);
    this.compare = new CompareApi(this);
    this.registry = new RegistryApi(this);
    this.queue = new QueueApi(this);
    this.launch = new LaunchApi(this);
  }
}
