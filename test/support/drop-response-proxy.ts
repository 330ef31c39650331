import { createServer, request, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface DropResponseProxy {
  url: string;
  /** Requests forwarded, with what became of their answers. */
  log: { method: string; url: string; idempotencyKey: string | undefined; status: number; dropped: boolean; replayed: boolean }[];
  /** The next `count` requests matching `method` are forwarded, answered by the target, and their answer thrown away (connection closed). */
  dropNextResponses(method: string, count: number): void;
  close(): Promise<void>;
}

/**
 * An HTTP proxy on 127.0.0.1 in front of `target` that can lose answers: the request reaches the
 * target and is done there, but the client sees its connection close. What a client must survive
 * when a load balancer or a network drops a response.
 */
export async function startDropResponseProxy(target: string): Promise<DropResponseProxy> {
  const upstream = new URL(target);
  const log: DropResponseProxy['log'] = [];
  const drops = new Map<string, number>();
  const sockets = new Set<Socket>();
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const method = req.method ?? 'GET';
    const left = drops.get(method) ?? 0;
    const drop = left > 0;
    if (drop) drops.set(method, left - 1);
    const forward = request(
      { host: upstream.hostname, port: upstream.port, method, path: req.url, headers: { ...req.headers, host: upstream.host } },
      (answer) => {
        const chunks: Buffer[] = [];
        answer.on('data', (c: Buffer) => chunks.push(c));
        answer.on('end', () => {
          log.push({
            method,
            url: req.url ?? '',
            idempotencyKey: req.headers['idempotency-key'] as string | undefined,
            status: answer.statusCode ?? 0,
            dropped: drop,
            replayed: answer.headers['idempotency-replayed'] === 'true',
          });
          if (drop) return req.socket.destroy();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          res.end(Buffer.concat(chunks));
        });
      },
    );
    forward.on('error', () => req.socket.destroy());
    req.pipe(forward);
  });
  server.on('connection', (s: Socket) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    log,
    dropNextResponses(method, count) {
      drops.set(method.toUpperCase(), count);
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
