import { CallOptions, ClientOptions, ResolvedConfig, resolveConfig } from './config';
import { Page, paginate, PaginateOptions } from './paginate';
import { HttpMethod, send } from './transport';
import type { ApiPath, BodyOf, DataOf, ItemOf, ListPath, Method, PathParams, PathsFor, QueryOf } from './types';

/** What an operation takes: its path parameters, query and JSON body, each only where it has them. */
export type RequestArgs<P extends ApiPath, M extends Method> = ([PathParams<P, M>] extends [never] ? { path?: undefined } : { path: PathParams<P, M> }) &
  ([QueryOf<P, M>] extends [never] ? { query?: undefined } : { query?: QueryOf<P, M> }) &
  ([BodyOf<P, M>] extends [never] ? { body?: undefined } : { body: BodyOf<P, M> });

/** Calls any operation of the API by method and path template; the resource groups are built on it. */
export class ApiCore {
  readonly config: ResolvedConfig;

  constructor(options: ClientOptions = {}) {
    this.config = resolveConfig(options);
  }

  /** Any operation of the API by method and path template, e.g. `request('get', '/api/v1/agents/{agent_id}', { path: { agent_id } })`. */
  async request<M extends Method, P extends PathsFor<M>>(method: M, path: P, args: RequestArgs<P, M>, call?: CallOptions): Promise<DataOf<P, M>> {
    const a = args as { path?: Record<string, string>; query?: Record<string, never>; body?: unknown };
    const res = await send<{ data: DataOf<P, M> }>(
      this.config,
      { method: method.toUpperCase() as HttpMethod, path: path as string, pathParams: a.path, query: a.query, body: a.body },
      call,
    );
    return res.body?.data as DataOf<P, M>;
  }

  /** One page of a list operation. */
  async list<P extends ListPath>(path: P, args: RequestArgs<P, 'get'>, call?: CallOptions): Promise<Page<ItemOf<P>>> {
    return (await this.request('get', path, args, call)) as unknown as Page<ItemOf<P>>;
  }

  /** Every item of a list operation, fetched page by page as the loop asks for them. */
  iterate<P extends ListPath>(
    path: P,
    args: RequestArgs<P, 'get'>,
    options: PaginateOptions = {},
    call?: CallOptions,
  ): AsyncGenerator<ItemOf<P>, void, undefined> {
    const base = args as { path?: unknown; query?: Record<string, unknown> };
    return paginate<ItemOf<P>>(
      ({ limit, offset }) => this.list(path, { ...base, query: { ...base.query, limit, offset } } as RequestArgs<P, 'get'>, call),
      options,
    );
  }
}
