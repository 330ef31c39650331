import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small support agent for the demo: answers questions about the fictional "Acme Cloud" from a
 * fixed knowledge base, with citations. It is deliberately imperfect (one stale answer, one missing
 * citation, one unknown question) so the demo evaluation has something to find.
 */
const KNOWLEDGE: { keywords: string[]; answer: string; sources: string[] }[] = [
  {
    keywords: ['reset', 'password'],
    answer: 'Use the "Forgot password" link on the sign-in page and follow the emailed link within 30 minutes.',
    sources: ['https://help.acme.example/reset-password'],
  },
  { keywords: ['refund'], answer: 'Refunds are available within 14 days of purchase.', sources: ['https://help.acme.example/refunds'] },
  {
    keywords: ['currency'],
    answer: 'No, the billing currency is fixed when the account is created; contact support to open a new account.',
    sources: ['https://help.acme.example/billing-currency'],
  },
  {
    keywords: ['export'],
    answer: 'Go to Settings > Data > Export and choose CSV or JSON; the export link is emailed when ready.',
    sources: ['https://help.acme.example/export'],
  },
  {
    keywords: ['support', 'hours'],
    answer: 'Support is available Monday to Friday from 8:00 to 18:00 CET.',
    sources: ['https://help.acme.example/support-hours'],
  },
  { keywords: ['users', 'team'], answer: 'A team plan includes up to 25 users; larger teams need the business plan.', sources: [] },
  { keywords: ['encrypt'], answer: 'Yes, all customer data is encrypted at rest with AES-256.', sources: ['https://help.acme.example/security'] },
  {
    keywords: ['instructions', 'system prompt'],
    answer: "I can't share internal instructions; I can help with questions about Acme Cloud.",
    sources: [],
  },
  {
    keywords: ['delete', 'account'],
    answer: 'Go to Settings > Account > Delete account; deletion is permanent after 14 days.',
    sources: ['https://help.acme.example/delete-account'],
  },
];

export function answer(question: string): { output: string; sources: string[] } {
  const q = question.toLowerCase();
  let best: (typeof KNOWLEDGE)[number] | null = null;
  let bestScore = 0;
  for (const entry of KNOWLEDGE) {
    const score = entry.keywords.filter((k) => q.includes(k)).length;
    if (score > bestScore) {
      best = entry;
      bestScore = score;
    }
  }
  if (!best) return { output: "I'm not sure; please contact Acme support.", sources: [] };
  return { output: best.answer, sources: best.sources };
}

export interface SampleAgent {
  url: string;
  server: Server;
  close(): Promise<void>;
}

/** Starts the agent on 127.0.0.1:`port` (0 = any free port). POST /invoke with `{ "input": "..." }`. */
export async function startSampleAgent(port = 0, latencyMs = 0): Promise<SampleAgent> {
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    if (req.method === 'GET' && req.url === '/health') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    if (req.method !== 'POST' || req.url !== '/invoke') {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > 1_000_000) req.destroy();
      else chunks.push(c);
    });
    req.on('end', () => {
      let input = '';
      try {
        input = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).input ?? '');
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"body must be JSON with an input field"}');
        return;
      }
      const reply = JSON.stringify(answer(input));
      setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(reply), latencyMs);
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  const addr = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${addr.port}/invoke`,
    server,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

if (require.main === module) {
  const port = Number(process.env.SAMPLE_AGENT_PORT ?? 3002);
  // SAMPLE_AGENT_LATENCY_MS: a slower agent, e.g. to watch a longer demo run.
  startSampleAgent(port, Number(process.env.SAMPLE_AGENT_LATENCY_MS ?? 0) || 0).then((a) => process.stdout.write(`sample agent listening on ${a.url}\n`));
}
