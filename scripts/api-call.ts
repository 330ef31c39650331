/** A tiny client for the scripts (demo, benchmarks): calls the API with a key and unwraps the envelope. */
export function apiCaller(base: string, key: string) {
  return async function call<T = any>(method: string, path: string, body?: unknown): Promise<T> {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const json = (await res.json()) as { data?: T; error?: { code: string; message: string } };
    if (!res.ok) throw new Error(`${method} ${path} → ${res.status} ${json.error?.code}: ${json.error?.message}`);
    return json.data as T;
  };
}
