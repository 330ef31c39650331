import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Benchmark agent: answers every POST after exactly LATENCY_MS with `{"output": "ok"}`, so the
 * time a run takes beyond N × latency / concurrency is the platform's own. Prints its port.
 */
const latency = Number(process.env.LATENCY_MS ?? 20);
const server = createServer((req, res) => {
  req.resume();
  req.on('end', () => setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end('{"output":"ok","sources":[]}'), latency));
});
server.keepAliveTimeout = 60_000;
server.listen(Number(process.env.PORT ?? 0), '127.0.0.1', () => {
  process.stdout.write(`${(server.address() as AddressInfo).port}\n`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
