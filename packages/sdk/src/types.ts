import type { components, paths } from './generated/openapi';

/** The API's schemas by name, e.g. `Schemas['AgentView']`. */
export type Schemas = components['schemas'];
export type ApiPath = keyof paths;
export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

type Operation<P extends ApiPath, M extends Method> = NonNullable<paths[P][M]>;

/** Paths that have an operation for `M`. */
export type PathsFor<M extends Method> = { [P in ApiPath]: paths[P][M] extends undefined ? never : P }[ApiPath];

type Params<P extends ApiPath, M extends Method> = Operation<P, M> extends { parameters: infer X } ? X : never;

/** Path parameters of an operation, e.g. `{ agent_id: string }`. */
export type PathParams<P extends ApiPath, M extends Method> = Params<P, M> extends { path: infer X } ? (X extends Record<string, unknown> ? X : never) : never;
/** Query parameters of an operation. */
export type QueryOf<P extends ApiPath, M extends Method> = Params<P, M> extends { query?: infer X } ? (X extends Record<string, unknown> ? X : never) : never;
/** The JSON request body of an operation. */
export type BodyOf<P extends ApiPath, M extends Method> = [RequestBody<P, M>] extends [never]
  ? never
  : RequestBody<P, M> extends { content: { 'application/json': infer B } }
    ? B
    : never;
type RequestBody<P extends ApiPath, M extends Method> = Operation<P, M> extends { requestBody?: infer R } ? NonNullable<R> : never;

type SuccessContent<R> = R extends { 200: { content: { 'application/json': infer C } } }
  ? C
  : R extends { 201: { content: { 'application/json': infer C } } }
    ? C
    : R extends { 202: { content: { 'application/json': infer C } } }
      ? C
      : never;

/** `data` of an operation's success answer. */
export type DataOf<P extends ApiPath, M extends Method> = SuccessContent<Operation<P, M>['responses']> extends { data: infer D } ? D : never;

/** Items of a list operation (its `data` is a page). */
export type ItemOf<P extends ApiPath> = DataOf<P, 'get'> extends { items: (infer I)[] } ? I : never;
/** GET paths whose answer is a page of items. */
export type ListPath = { [P in PathsFor<'get'>]: DataOf<P, 'get'> extends { items: unknown[]; total: number } ? P : never }[PathsFor<'get'>];
