import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface ReceivedWebhook {
  /** The request path, e.g. `/hooks/name-1a2b3c4d`. */
  path: string;
  body: string;
  headers: IncomingMessage['headers'];
  at: number;
}

export type ReceiverBehaviour = (hook: ReceivedWebhook, count: number) => { status?: number; headers?: Record<string, string>; delay_ms?: number };

export interface WebhookReceiver {
  url: string;
  port: number;
  received: ReceivedWebhook[];
  behave(b: ReceiverBehaviour): void;
  /** Stops listening (the receiver is down) until `start` listens again on the same port. */
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

/** A local webhook receiver for e2e tests: records every POST (raw body, headers) and answers as told. */
export async function startWebhookReceiver(initial: ReceiverBehaviour = () => ({ status: 200 }), fixedPort = 0): Promise<WebhookReceiver> {
  let behaviour = initial;
  const received: ReceivedWebhook[] = [];
  let server: Server | null = null;
  let port = fixedPort;
  const listen = async () => {
    server = createServer((req: IncomingMessage, res: ServerResponse) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const hook = { path: req.url ?? '', body: Buffer.concat(chunks).toString('utf8'), headers: req.headers, at: Date.now() };
        received.push(hook);
        const out = behaviour(hook, received.length);
        const send = () => res.writeHead(out.status ?? 200, { 'content-type': 'text/plain', ...(out.headers ?? {}) }).end('ok');
        if (out.delay_ms) setTimeout(send, out.delay_ms);
        else send();
      });
    });
    await new Promise<void>((r) => server!.listen(port, '127.0.0.1', r));
    port = (server!.address() as AddressInfo).port;
  };
  const stop = () =>
    new Promise<void>((r) => {
      if (!server) return r();
      server.closeAllConnections();
      server.close(() => r());
      server = null;
    });
  await listen();
  return {
    url: `http://127.0.0.1:${port}/hooks`,
    port,
    received,
    behave: (b) => (behaviour = b),
    stop,
    start: listen,
    close: stop,
  };
}
