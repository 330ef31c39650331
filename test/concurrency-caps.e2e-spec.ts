import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { QueueName } from '@greenlight/contracts';
import { JobProducer } from '@greenlight/queue';
import { expectSuccess, isTerminalRun, newRunOfCases, waitForRun } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, OrgKeys, orgWithKeys, startApi } from './support/harness';

/**
 * A slow agent that counts the calls it is answering at this moment, in total and per path (one path
 * per org), and remembers the highest counts it has seen.
 */
interface RecordingAgent {
  urlFor(label: string): string;
  maxInFlight(label?: string): number;
  /** Labels that had a call in flight while `label` had one too. */
  overlappedWith(label: string): Set<string>;
  close(): Promise<void>;
}

async function startRecordingAgent(latencyMs: number): Promise<RecordingAgent> {
  const inFlight = new Map<string, number>();
  const max = new Map<string, number>();
  const overlaps = new Map<string, Set<string>>();
  let total = 0;
  let maxTotal = 0;
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const label = (req.url ?? '/').split('/')[1] ?? '';
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const now = (inFlight.get(label) ?? 0) + 1;
      inFlight.set(label, now);
      max.set(label, Math.max(max.get(label) ?? 0, now));
      total += 1;
      maxTotal = Math.max(maxTotal, total);
      for (const [other, n] of inFlight) {
        if (other === label || n === 0) continue;
        if (!overlaps.has(label)) overlaps.set(label, new Set());
        if (!overlaps.has(other)) overlaps.set(other, new Set());
        overlaps.get(label)!.add(other);
        overlaps.get(other)!.add(label);
      }
      let input = '';
      try {
        input = String(JSON.parse(Buffer.concat(chunks).toString('utf8')).input ?? '');
      } catch {
        input = '';
      }
      const i = /case (\d+)/.exec(input)?.[1] ?? '0';
      setTimeout(() => {
        inFlight.set(label, inFlight.get(label)! - 1);
        total -= 1;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ output: `answer ${i}` }));
      }, latencyMs);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    urlFor: (label) => `http://127.0.0.1:${port}/${label}/invoke`,
    maxInFlight: (label) => (label === undefined ? maxTotal : (max.get(label) ?? 0)),
    overlappedWith: (label) => overlaps.get(label) ?? new Set(),
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const BASE_ENV = {
  OUTBOUND_ALLOWED_HOSTS: '127.0.0.1',
  EVAL_WORKER_CHUNK_SIZE: '2',
  // Far more case slots than either cap: whatever holds the calls back is the cap, not the worker.
  EVAL_WORKER_CONCURRENCY: '12',
  EVAL_WORKER_BACKOFF_MS: '50',
  EVAL_WORKER_MAX_BACKOFF_MS: '200',
  EVAL_WORKER_LOCK_MS: '5000',
  EVAL_AGENT_TIMEOUT_MS: '5000',
};

/** An api with an in-process worker under `env`, two orgs and a recording agent, for one describe block. */
function capWorld(env: Record<string, string>): { h: ApiHarness; A: OrgKeys; B: OrgKeys; agent: RecordingAgent } {
  const w = {} as { h: ApiHarness; A: OrgKeys; B: OrgKeys; agent: RecordingAgent };
  beforeAll(async () => {
    w.agent = await startRecordingAgent(80);
    w.h = await startApi({ ...BASE_ENV, ...env }, { worker: true });
    const g = await globalAdmin(w.h.config);
    [w.A, w.B] = await Promise.all([orgWithKeys(w.h, g.api_key), orgWithKeys(w.h, g.api_key)]);
  });
  afterAll(async () => {
    await w.h?.close();
    await w.agent?.close();
  });
  return w;
}

const start = async (h: ApiHarness, keys: OrgKeys, id: string) =>
  expectSuccess(await h.http.post(`/api/v1/eval/runs/${id}/start`).set(bearer(keys.member)), 202);

/** Samples how many eval-runs jobs are active in BullMQ until stopped; returns the highest count seen. */
function sampleActiveJobs(h: ApiHarness): { stop(): Promise<number> } {
  const queue = h.app.get(JobProducer).queue(QueueName.EvalRuns);
  let max = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      max = Math.max(max, await queue.getActiveCount());
      await new Promise((r) => setTimeout(r, 15));
    }
  })();
  return {
    stop: async () => {
      running = false;
      await loop;
      return max;
    },
  };
}

describe('EVAL_WORKER_MAX_CONCURRENCY_GLOBAL: jobs and agent calls across every org', () => {
  const CAP = 3;
  // The global cap is stored on the queue in Redis: a prefix of its own keeps it from other tests.
  const world = capWorld({ EVAL_WORKER_MAX_CONCURRENCY_GLOBAL: String(CAP), REDIS_PREFIX: `${process.env.REDIS_PREFIX}_gcap` });

  it(`never more than ${CAP} jobs or agent calls at once, whichever orgs they belong to`, async () => {
    const { h, A, B, agent } = world;
    const [a, b] = await Promise.all([newRunOfCases(h, A, agent.urlFor('a'), 12), newRunOfCases(h, B, agent.urlFor('b'), 12)]);
    const sampler = sampleActiveJobs(h);
    await Promise.all([start(h, A, a), start(h, B, b)]);
    const [runA, runB] = await Promise.all([waitForRun(h, A.viewer, a, isTerminalRun), waitForRun(h, B.viewer, b, isTerminalRun)]);
    const maxActive = await sampler.stop();

    expect([runA.status, runB.status]).toEqual(['completed', 'completed']);
    expect([runA.result_count, runB.result_count]).toEqual([12, 12]);
    expect(maxActive).toBeLessThanOrEqual(CAP);
    expect(agent.maxInFlight()).toBeLessThanOrEqual(CAP);
    // the cap was reached, so it is what held the other calls back (the worker alone would run 12)
    expect(agent.maxInFlight()).toBe(CAP);
  });
});

describe('EVAL_WORKER_MAX_CONCURRENCY_PER_ORG: one org at its cap does not block another', () => {
  const CAP = 2;
  const world = capWorld({ EVAL_WORKER_MAX_CONCURRENCY_PER_ORG: String(CAP), REDIS_PREFIX: `${process.env.REDIS_PREFIX}_ocap` });

  it(`each org has at most ${CAP} agent calls at once; a small run of another org finishes while a big one is held at the cap`, async () => {
    const { h, A, B, agent } = world;
    const [big, small] = await Promise.all([newRunOfCases(h, A, agent.urlFor('a'), 30), newRunOfCases(h, B, agent.urlFor('b'), 6)]);
    await start(h, A, big);
    await waitForRun(h, A.viewer, big, (r) => r.status === 'running' && r.completed_cases >= 2);
    await start(h, B, small);
    const smallDone = await waitForRun(h, B.viewer, small, isTerminalRun);
    expect(smallDone).toMatchObject({ status: 'completed', result_count: 6 });
    const bigThen = expectSuccess(await h.http.get(`/api/v1/eval/runs/${big}`).set(bearer(A.viewer)), 200);
    expect(bigThen.status).toBe('running');
    const bigDone = await waitForRun(h, A.viewer, big, isTerminalRun);
    expect(bigDone).toMatchObject({ status: 'completed', result_count: 30 });

    expect(agent.maxInFlight('a')).toBe(CAP);
    expect(agent.maxInFlight('b')).toBeLessThanOrEqual(CAP);
    // B's calls ran alongside A's capped calls: more calls at once than one org's cap allows
    expect(agent.overlappedWith('b').has('a')).toBe(true);
    expect(agent.maxInFlight()).toBeGreaterThan(CAP);
    expect(agent.maxInFlight()).toBeLessThanOrEqual(2 * CAP);
  });
});
