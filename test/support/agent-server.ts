import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface AgentCall {
  input: string;
  headers: IncomingMessage['headers'];
}

export type AgentBehaviour = (input: string, call: number) => { status?: number; body: unknown; delay_ms?: number; content_type?: string };

export interface TestAgent {
  url: string;
  calls: AgentCall[];
  behave(b: AgentBehaviour): void;
  close(): Promise<void>;
}

/** A scriptable agent on 127.0.0.1 for e2e tests: each POST is answered by the current behaviour. */
export async function startTestAgent(initial: AgentBehaviour): Promise<TestAgent> {
  let behaviour = initial;
  const calls: AgentCall[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let input = '';
      try {
        input = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).input ?? '');
      } catch {
        input = '<unparsable>';
      }
      calls.push({ input, headers: req.headers });
      const out = behaviour(input, calls.length);
      const send = () => {
        const body = typeof out.body === 'string' ? out.body : JSON.stringify(out.body);
        res.writeHead(out.status ?? 200, { 'content-type': out.content_type ?? 'application/json' }).end(body);
      };
      if (out.delay_ms) setTimeout(send, out.delay_ms);
      else send();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/invoke`,
    calls,
    behave: (b) => (behaviour = b),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}
