import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for an OpenAI-compatible server: POST /v1/chat/completions answers whatever the
 * test's handler says, and every request is recorded with its arrival time. POST
 * /<label>/v1/chat/completions does the same and records the label, so that clients given different
 * base URLs (`urlFor(label)`, e.g. one per worker process) can be told apart. Listens on 127.0.0.1
 * only, on a free port.
 */
export interface FakeOpenAiRequest {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  /** Parsed JSON body (undefined when the body is not JSON). */
  body: any;
  raw: string;
  /** When the request arrived (its headers), in ms since the epoch (this process's clock). */
  at: number;
  /** The first path segment before /v1 when the client used `urlFor(label)`; null for `url`. */
  label: string | null;
}

export interface FakeOpenAiReply {
  status?: number;
  /** Sent as JSON unless it is a string. */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
}

/** `'hang'` accepts the request and never answers (for timeouts); close() cuts such connections. */
export type FakeOpenAiHandler = (req: FakeOpenAiRequest, index: number) => FakeOpenAiReply | 'hang' | Promise<FakeOpenAiReply | 'hang'>;

export interface FakeOpenAi {
  /** Base URL for the SDK / OPENAI_BASE_URL, ending in `/v1`. */
  url: string;
  origin: string;
  /** A base URL like `url` whose requests are recorded with `label`. */
  urlFor(label: string): string;
  /** Chat-completion requests received, in order. */
  requests: FakeOpenAiRequest[];
  close(): Promise<void>;
}

export async function startFakeOpenAi(handler: FakeOpenAiHandler): Promise<FakeOpenAi> {
  const requests: FakeOpenAiRequest[] = [];
  const server = http.createServer(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const at = Date.now();
    const path = (req.url ?? '/').split('?')[0];
    const route = /^(?:\/([A-Za-z0-9_-]+))?\/v1\/chat\/completions$/.exec(path);
    if (req.method !== 'POST' || !route) {
      send(res, { status: 404, body: openAiErrorBody(`no route ${req.method} ${path}`, 'invalid_request_error', 'not_found') });
      return;
    }
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const recorded: FakeOpenAiRequest = { method: req.method, path, headers: req.headers, body, raw, at, label: route[1] ?? null };
    requests.push(recorded);
    try {
      const reply = await handler(recorded, requests.length - 1);
      if (reply === 'hang') return;
      if (reply.delayMs) await new Promise((r) => setTimeout(r, reply.delayMs));
      if (!res.destroyed) send(res, reply);
    } catch (err) {
      send(res, { status: 500, body: openAiErrorBody(`fake handler threw: ${String(err)}`, 'server_error', null) });
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const origin = `http://127.0.0.1:${port}`;
  return {
    url: `${origin}/v1`,
    origin,
    urlFor: (label) => `${origin}/${label}/v1`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

let seq = 0;

/** A chat.completion body whose first choice carries `content`. */
export function chatCompletion(
  content: string | null,
  opts: { id?: string; model?: string; usage?: { prompt_tokens: number; completion_tokens: number; total_tokens: number } | null; finish_reason?: string } = {},
): Record<string, unknown> {
  return {
    id: opts.id ?? `chatcmpl-fake-${++seq}`,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model: opts.model ?? 'fake-model',
    choices: [{ index: 0, message: { role: 'assistant', content, refusal: null }, logprobs: null, finish_reason: opts.finish_reason ?? 'stop' }],
    ...(opts.usage === null ? {} : { usage: opts.usage ?? { prompt_tokens: 120, completion_tokens: 40, total_tokens: 160 } }),
  };
}

/** A 200 reply whose content is `verdict` as JSON. */
export function verdictReply(verdict: Record<string, unknown>, opts: Parameters<typeof chatCompletion>[1] = {}): FakeOpenAiReply {
  return { status: 200, body: chatCompletion(JSON.stringify(verdict), opts) };
}

/** An OpenAI-style error reply. */
export function errorReply(
  status: number,
  message: string,
  type = 'server_error',
  code: string | null = null,
  headers: Record<string, string> = {},
): FakeOpenAiReply {
  return { status, body: openAiErrorBody(message, type, code), headers };
}

function openAiErrorBody(message: string, type: string, code: string | null) {
  return { error: { message, type, param: null, code } };
}

function send(res: http.ServerResponse, reply: FakeOpenAiReply): void {
  const text = typeof reply.body === 'string' ? reply.body : JSON.stringify(reply.body ?? {});
  res.writeHead(reply.status ?? 200, { 'content-type': 'application/json', ...reply.headers });
  res.end(text);
}
