import * as http from 'node:http';
// The module object itself (not an import-star copy), so a test can stand in for the resolver.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeDns: typeof import('node:dns') = require('node:dns');
import * as net from 'node:net';
import * as zlib from 'node:zlib';
import { AddressInfo } from 'node:net';
import OpenAI from 'openai';
import { AppConfig } from '@greenlight/config';
import { GuardedHttpClient, OutboundError } from '@greenlight/platform';

/**
 * The guarded client against real sockets. Every server here listens on 127.0.0.1; refused
 * destinations (metadata, private ranges) are asserted to fail before any socket connects.
 */

interface TestServer {
  port: number;
  url: string;
  hits: Array<{ method: string; url: string; headers: http.IncomingHttpHeaders; body: Buffer }>;
  close(): Promise<void>;
}

async function startServer(handler: (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => void): Promise<TestServer> {
  const hits: TestServer['hits'] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      hits.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    port,
    url: `http://127.0.0.1:${port}`,
    hits,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function makeClient(allowed: string, extra: Record<string, string> = {}): GuardedHttpClient {
  return new GuardedHttpClient(AppConfig.fromEnv({ ...process.env, OUTBOUND_ALLOWED_HOSTS: allowed, ...extra }));
}

async function failure(p: Promise<unknown>): Promise<OutboundError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(OutboundError);
    return err as OutboundError;
  }
  throw new Error('expected the call to fail');
}

/** Counts socket connection attempts, to prove a refusal happened before connecting. */
function watchConnects(): { count: () => number; restore: () => void } {
  const spy = jest.spyOn(net.Socket.prototype, 'connect');
  return { count: () => spy.mock.calls.length, restore: () => spy.mockRestore() };
}

describe('GuardedHttpClient (local servers)', () => {
  const servers: TestServer[] = [];
  const serve = async (handler: Parameters<typeof startServer>[0]) => {
    const s = await startServer(handler);
    servers.push(s);
    return s;
  };
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
  });

  describe('with an empty allow-list', () => {
    const client = makeClient('');

    it('refuses 127.0.0.1 as blocked_address before any connection', async () => {
      const s = await serve((_req, res) => res.end('should not happen'));
      const connects = watchConnects();
      try {
        const err = await failure(client.request({ url: `${s.url}/x`, method: 'POST', body: '{}', timeout_ms: 2000 }));
        expect(err.kind).toBe('blocked_address');
        expect(err.details).toMatchObject({ host: '127.0.0.1', reason: 'loopback' });
        expect(err.message).toContain('127.0.0.1');
        expect((await failure(client.fetch(`${s.url}/y`))).kind).toBe('blocked_address');
        expect((await failure(client.assertAllowedUrl(`${s.url}/z`))).kind).toBe('blocked_address');
        expect(connects.count()).toBe(0);
      } finally {
        connects.restore();
      }
      expect(s.hits).toHaveLength(0);
    });

    it('refuses localhost (resolves to loopback) in the lookup, before connecting', async () => {
      const s = await serve((_req, res) => res.end('should not happen'));
      const connects = watchConnects();
      try {
        const err = await failure(client.request({ url: `http://localhost:${s.port}/`, timeout_ms: 2000 }));
        expect(err.kind).toBe('blocked_address');
        expect(err.details).toMatchObject({ host: 'localhost' });
        // connect() is entered (it runs the guarded lookup), but the lookup refuses before any TCP connect.
        expect(connects.count()).toBeLessThanOrEqual(1);
      } finally {
        connects.restore();
      }
      expect(s.hits).toHaveLength(0);
    });

    it.each([
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:169.254.169.254]/',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://10.0.0.1/',
      'http://2852039166/',
    ])('refuses %s without attempting a connection', async (url) => {
      const connects = watchConnects();
      try {
        const started = performance.now();
        const err = await failure(client.request({ url, timeout_ms: 5000 }));
        expect(err.kind).toBe('blocked_address');
        expect(performance.now() - started).toBeLessThan(500);
        expect(connects.count()).toBe(0);
      } finally {
        connects.restore();
      }
    });
  });

  describe('with 127.0.0.1 allow-listed', () => {
    const client = makeClient('127.0.0.1');

    it('round-trips a JSON POST', async () => {
      const s = await serve((req, res, body) => {
        res.setHeader('Content-Type', 'application/json');
        res.setHeader('X-Multi', ['a', 'b']);
        res.setHeader('Set-Cookie', ['s=1', 't=2']);
        res.statusCode = 201;
        // A little late, so the measured latency is visibly the call's own.
        setTimeout(() => res.end(JSON.stringify({ echoed: JSON.parse(body.toString('utf8')), method: req.method, path: req.url })), 60);
      });
      const started = performance.now();
      const res = await client.request({
        url: `${s.url}/invoke?x=1`,
        method: 'POST',
        headers: { 'Content-Type': 'application/json', 'X-Greenlight-Case-Id': 'c1' },
        body: JSON.stringify({ input: 'héllo' }),
        timeout_ms: 5000,
      });
      expect(res.status).toBe(201);
      expect(res.headers['content-type']).toBe('application/json');
      expect(res.headers['x-multi']).toBe('a, b');
      expect(res.headers['set-cookie']).toBe('s=1, t=2');
      expect(Object.keys(res.headers).every((k) => k === k.toLowerCase())).toBe(true);
      expect(JSON.parse(res.body.toString('utf8'))).toEqual({ echoed: { input: 'héllo' }, method: 'POST', path: '/invoke?x=1' });
      expect(res.remote_address).toBe('127.0.0.1');
      expect(res.latency_ms).toBeGreaterThanOrEqual(55);
      expect(res.latency_ms).toBeLessThanOrEqual(Math.ceil(performance.now() - started));
      expect(s.hits).toHaveLength(1);
      expect(s.hits[0].headers['x-greenlight-case-id']).toBe('c1');
      expect(s.hits[0].headers['content-length']).toBe(String(Buffer.byteLength(JSON.stringify({ input: 'héllo' }))));
    });

    it('does not follow a redirect: 302 is a redirect error and the target never hears of it', async () => {
      const target = await serve((_req, res) => res.end('secret'));
      const s = await serve((_req, res) => {
        res.writeHead(302, { Location: `${target.url}/internal` });
        res.end();
      });
      const err = await failure(client.request({ url: `${s.url}/start`, timeout_ms: 5000 }));
      expect(err.kind).toBe('redirect');
      expect(err.details).toMatchObject({ status: 302, location: `${target.url}/internal` });
      expect(s.hits).toHaveLength(1);
      expect(target.hits).toHaveLength(0);
    });

    it('times out a server that never answers, within the timeout', async () => {
      const s = await serve(() => undefined);
      const started = performance.now();
      const err = await failure(client.request({ url: s.url, timeout_ms: 300 }));
      const elapsed = performance.now() - started;
      expect(err.kind).toBe('timeout');
      expect(err.message).toMatch(/timed out after 300 ms/);
      expect(elapsed).toBeGreaterThanOrEqual(290);
      expect(elapsed).toBeLessThan(300 + 200);
    });

    it('one timer covers the body too: a trickling body times out', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/plain' });
        const t = setInterval(() => (res.writableEnded || res.destroyed ? clearInterval(t) : res.write('.')), 50);
        res.on('close', () => clearInterval(t));
      });
      const started = performance.now();
      const err = await failure(client.request({ url: s.url, timeout_ms: 400 }));
      expect(err.kind).toBe('timeout');
      expect(performance.now() - started).toBeLessThan(400 + 200);
    });

    it('an external signal aborts the call', async () => {
      const s = await serve(() => undefined);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 100);
      const started = performance.now();
      const err = await failure(client.request({ url: s.url, timeout_ms: 10_000, signal: ac.signal }));
      expect(err.details).toMatchObject({ aborted: true });
      expect(performance.now() - started).toBeLessThan(1000);
    });

    it('refuses a declared content-length over the cap early', async () => {
      const big = Buffer.alloc(5 * 1024 * 1024, 0x61);
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-length': big.length });
        res.end(big);
      });
      const err = await failure(client.request({ url: s.url, timeout_ms: 5000, max_response_bytes: 1024 * 1024 }));
      expect(err.kind).toBe('too_large');
      expect(err.details).toMatchObject({ max_response_bytes: 1024 * 1024, content_length: big.length });
    });

    it('stops reading a chunked body once it passes the cap', async () => {
      let written = 0;
      let serverClosed: (early: boolean) => void = () => undefined;
      const closedEarly = new Promise<boolean>((resolve) => (serverClosed = resolve));
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'application/octet-stream' }); // chunked, no length
        const chunk = Buffer.alloc(64 * 1024, 0x62);
        const pump = () => {
          while (written < 5 * 1024 * 1024 && !res.destroyed) {
            written += chunk.length;
            if (!res.write(chunk)) return void res.once('drain', pump);
          }
          if (!res.destroyed) res.end();
        };
        res.on('close', () => serverClosed(!res.writableFinished));
        pump();
      });
      const err = await failure(client.request({ url: s.url, timeout_ms: 5000 })); // config default cap: 1 MiB
      expect(err.kind).toBe('too_large');
      expect(err.details).toMatchObject({ max_response_bytes: 1024 * 1024 });
      // The connection is torn down before the server could finish writing.
      expect(await closedEarly).toBe(true);
      expect(written).toBeLessThan(5 * 1024 * 1024);
    });

    it('reports connection refused as network', async () => {
      const probe = net.createServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
      const port = (probe.address() as AddressInfo).port;
      await new Promise<void>((r) => probe.close(() => r()));
      const err = await failure(client.request({ url: `http://127.0.0.1:${port}/`, timeout_ms: 5000 }));
      expect(err.kind).toBe('network');
      expect(err.details).toMatchObject({ host: '127.0.0.1', code: 'ECONNREFUSED' });
      expect(err.message).toContain('127.0.0.1');
      expect(err.message).not.toMatch(/\n\s+at /);
    });

    it('reports a server that hangs up mid-response as network', async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-length': 1000 });
        res.write('partial');
        setTimeout(() => res.socket?.destroy(), 20);
      });
      const err = await failure(client.request({ url: s.url, timeout_ms: 5000 }));
      expect(err.kind).toBe('network');
    });

    it('reports an unresolvable name as dns', async () => {
      // The resolver answers NXDOMAIN itself, so the test sends no query to a real DNS server.
      const lookup = jest.spyOn(nodeDns, 'lookup').mockImplementation(((host: string, _opts: unknown, cb: (err: NodeJS.ErrnoException) => void) => {
        const err: NodeJS.ErrnoException = new Error(`getaddrinfo ENOTFOUND ${host}`);
        err.code = 'ENOTFOUND';
        process.nextTick(cb, err);
      }) as unknown as typeof nodeDns.lookup);
      try {
        const err = await failure(client.request({ url: 'http://greenlight-test.invalid/', timeout_ms: 5000 }));
        expect(err.kind).toBe('dns');
        expect(err.details).toMatchObject({ host: 'greenlight-test.invalid', code: 'ENOTFOUND' });
        expect(err.message).toContain('greenlight-test.invalid');
        expect((await failure(client.assertAllowedUrl('https://greenlight-test.invalid/x'))).kind).toBe('dns');
        expect(lookup).toHaveBeenCalled();
      } finally {
        lookup.mockRestore();
      }
    });

    it('reports a TLS failure as network', async () => {
      const s = await serve((_req, res) => res.end('plain http'));
      const err = await failure(client.request({ url: `https://127.0.0.1:${s.port}/`, timeout_ms: 5000 }));
      expect(err.kind).toBe('network');
      expect(err.message).toContain('127.0.0.1');
    });

    it('checks the DNS answer at connect time, not only when the URL was saved (rebinding)', async () => {
      const s = await serve((_req, res) => res.end('internal'));
      const strict = makeClient('');
      const answers = [['93.184.215.14'], ['127.0.0.1']];
      const resolve = jest
        .spyOn(strict as unknown as { resolve: (h: string, f: number) => Promise<Array<{ address: string; family: number }>> }, 'resolve')
        .mockImplementation(async () => (answers.shift() ?? ['127.0.0.1']).map((address) => ({ address, family: 4 })));
      await expect(strict.assertAllowedUrl(`http://rebind.example.test:${s.port}/`)).resolves.toBeUndefined();
      const err = await failure(strict.request({ url: `http://rebind.example.test:${s.port}/`, timeout_ms: 2000 }));
      expect(err.kind).toBe('blocked_address');
      expect(err.details).toMatchObject({ host: 'rebind.example.test', address: '127.0.0.1' });
      expect(resolve).toHaveBeenCalledTimes(2);
      expect(s.hits).toHaveLength(0);
    });

    it('connects to the address the guarded lookup checked', async () => {
      const s = await serve((req, res) => res.end(String(req.headers.host)));
      const byName = makeClient('127.0.0.1');
      jest
        .spyOn(byName as unknown as { resolve: (h: string, f: number) => Promise<Array<{ address: string; family: number }>> }, 'resolve')
        .mockResolvedValue([{ address: '127.0.0.1', family: 4 }]);
      const res = await byName.request({ url: `http://agent.example.test:${s.port}/`, timeout_ms: 2000 });
      expect(res.remote_address).toBe('127.0.0.1');
      expect(res.body.toString()).toBe(`agent.example.test:${s.port}`);
    });

    it('still refuses localhost when only another private range is allowed', async () => {
      const s = await serve((_req, res) => res.end('no'));
      const onlyTen = makeClient('10.0.0.0/8');
      const err = await failure(onlyTen.request({ url: `http://localhost:${s.port}/`, timeout_ms: 2000 }));
      expect(err.kind).toBe('blocked_address');
      expect(err.details).toMatchObject({ host: 'localhost', reason: 'loopback' });
      expect((await failure(onlyTen.assertAllowedUrl(`http://localhost:${s.port}/`))).kind).toBe('blocked_address');
      expect(s.hits).toHaveLength(0);
    });

    it('allows localhost by host name', async () => {
      const s = await serve((_req, res) => res.end('ok'));
      const byName = makeClient('LOCALHOST');
      await expect(byName.assertAllowedUrl(`http://localhost:${s.port}/`)).resolves.toBeUndefined();
      const res = await byName.request({ url: `http://localhost:${s.port}/`, timeout_ms: 2000 });
      expect(res.body.toString()).toBe('ok');
      expect(['127.0.0.1', '::1']).toContain(res.remote_address);
    });
  });

  describe('fetch', () => {
    const client = makeClient('127.0.0.1');

    it('is a fetch: Request/URL input, Headers, form bodies, real Response', async () => {
      const s = await serve((req, res, body) => {
        res.writeHead(200, { 'content-type': 'application/json', 'x-seen': String(req.headers['x-test']) });
        res.end(JSON.stringify({ method: req.method, type: req.headers['content-type'], body: body.toString('utf8') }));
      });
      const { fetch } = client; // unbound use, as the SDK does
      const r1 = await fetch(new URL(`${s.url}/a`), {
        method: 'post',
        headers: new Headers({ 'X-Test': 'yes' }),
        body: new URLSearchParams({ q: 'a b' }),
      });
      expect(r1).toBeInstanceOf(Response);
      expect(r1.ok).toBe(true);
      expect(r1.headers.get('x-seen')).toBe('yes');
      expect(await r1.json()).toEqual({ method: 'POST', type: 'application/x-www-form-urlencoded;charset=UTF-8', body: 'q=a+b' });

      const r2 = await fetch(`${s.url}/b`, { method: 'PUT', body: new Uint8Array([104, 105]), headers: { 'content-type': 'text/plain' } });
      expect(await r2.json()).toMatchObject({ method: 'PUT', body: 'hi' });

      const r3 = await fetch(new Request(`${s.url}/c`, { method: 'POST', body: Buffer.from('buf'), headers: { 'X-Test': 'req' } }));
      expect(r3.headers.get('x-seen')).toBe('req');
      expect(await r3.json()).toMatchObject({ method: 'POST', body: 'buf' });

      const r4 = await fetch(`${s.url}/d`, { method: 'POST', body: 'plain string' });
      expect(await r4.json()).toMatchObject({ body: 'plain string', type: 'text/plain;charset=UTF-8' });
    });

    it('returns non-2xx statuses as responses and 204 without a body', async () => {
      const s = await serve((req, res) => {
        if (req.url === '/none') {
          res.writeHead(204);
          res.end();
        } else {
          res.writeHead(429, { 'retry-after': '3' });
          res.end('slow down');
        }
      });
      const r = await client.fetch(`${s.url}/busy`);
      expect(r.status).toBe(429);
      expect(r.headers.get('retry-after')).toBe('3');
      expect(await r.text()).toBe('slow down');
      const empty = await client.fetch(`${s.url}/none`);
      expect(empty.status).toBe(204);
      expect(empty.body).toBeNull();
    });

    it('rejects redirects and refused addresses instead of following or sending', async () => {
      const target = await serve((_req, res) => res.end('secret'));
      const s = await serve((_req, res) => {
        res.writeHead(307, { Location: `${target.url}/` });
        res.end();
      });
      expect((await failure(client.fetch(s.url))).kind).toBe('redirect');
      expect((await failure(client.fetch('http://169.254.169.254/'))).kind).toBe('blocked_address');
      expect(target.hits).toHaveLength(0);
    });

    it('decodes a gzip body like fetch does, within the size cap', async () => {
      const text = 'compressible '.repeat(1000);
      const s = await serve((req, res) => {
        const gz = zlib.gzipSync(req.url === '/bomb' ? Buffer.alloc(8 * 1024 * 1024) : Buffer.from(text));
        res.writeHead(200, { 'content-type': 'text/plain', 'content-encoding': 'gzip', 'content-length': gz.length });
        res.end(gz);
      });
      const r = await client.fetch(`${s.url}/text`, { headers: { 'accept-encoding': 'gzip' } });
      expect(r.headers.get('content-encoding')).toBeNull();
      expect(await r.text()).toBe(text);
      const raw = await client.request({ url: `${s.url}/text`, timeout_ms: 2000 });
      expect(raw.headers['content-encoding']).toBe('gzip');
      expect((await failure(client.fetch(`${s.url}/bomb`))).kind).toBe('too_large');
    });

    it('honours init.signal with an AbortError', async () => {
      const s = await serve(() => undefined);
      const ac = new AbortController();
      setTimeout(() => ac.abort(), 50);
      await expect(client.fetch(s.url, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' });
    });

    it('works as the fetch of the openai SDK', async () => {
      const s = await serve((req, res, body) => {
        if (req.method !== 'POST' || req.url !== '/v1/chat/completions') {
          res.writeHead(404);
          res.end();
          return;
        }
        const payload = JSON.parse(body.toString('utf8'));
        res.writeHead(200, { 'content-type': 'application/json', 'x-request-id': 'req_1' });
        res.end(
          JSON.stringify({
            id: 'chatcmpl-1',
            object: 'chat.completion',
            created: 1_700_000_000,
            model: payload.model,
            choices: [
              {
                index: 0,
                message: { role: 'assistant', content: `you said ${payload.messages[0].content}`, refusal: null },
                finish_reason: 'stop',
                logprobs: null,
              },
            ],
            usage: { prompt_tokens: 3, completion_tokens: 3, total_tokens: 6 },
          }),
        );
      });
      const openai = new OpenAI({ apiKey: 'x', baseURL: `${s.url}/v1`, fetch: client.fetch, maxRetries: 0 });
      const completion = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0].message.content).toBe('you said hi');
      expect(completion.model).toBe('m');
      expect(s.hits).toHaveLength(1);
      expect(s.hits[0].headers.authorization).toBe('Bearer x');
    });

    it('surfaces a refused SDK call as a connection error', async () => {
      const blocked = makeClient('');
      const openai = new OpenAI({ apiKey: 'x', baseURL: 'http://127.0.0.1:9/v1', fetch: blocked.fetch, maxRetries: 0 });
      const err = await openai.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
      expect((err as { cause?: unknown }).cause).toBeInstanceOf(OutboundError);
    });
  });
});
