import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** One request as the scripted server saw it. */
export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
  at: number;
}

/** What the server does with the next request. */
export type Step =
  | { status: number; headers?: Record<string, string>; body?: unknown }
  /** Closes the connection without answering. */
  | { drop: true }
  /** Never answers (the client's timeout must end it). */
  | { hang: true };

export interface ScriptedServer {
  url: string;
  seen: SeenRequest[];
  /** Steps for the coming requests, in order; once used up, `fallback` answers. */
  script(steps: Step[], fallback?: Step): void;
  close(): Promise<void>;
}

/** An HTTP server on 127.0.0.1 that answers each request with the next scripted step. */
export async function startScriptedServer(): Promise<ScriptedServer> {
  let steps: Step[] = [];
  let fallback: Step = { status: 200, body: { data: { ok: true }, meta: { request_id: 'scripted' } } };
  const seen: SeenRequest[] = [];
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: Date.now() });
      const step = steps.shift() ?? fallback;
      if ('drop' in step) return req.socket.destroy();
      if ('hang' in step) return;
      res.writeHead(step.status, { 'content-type': 'application/json', 'x-request-id': `scripted-${seen.length}`, ...step.headers });
      res.end(step.body === undefined ? '' : JSON.stringify(step.body));
    });
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    seen,
    script(next, fb) {
      steps = [...next];
      if (fb) fallback = fb;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
