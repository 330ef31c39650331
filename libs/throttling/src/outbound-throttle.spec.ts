import Redis from 'ioredis';
import type { DataSource } from 'typeorm';
import { AppConfig } from '@greenlight/config';
import { JudgeInput, ProviderJudge } from '@greenlight/judging';
import { OutboundThrottle } from './outbound-throttle';
import { withWaitLedger } from './wait-ledger';

/** The judge's fetch and the agent slot of two "workers" (two throttles, two connections) sharing one Redis prefix. */
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const PREFIX = `throttle-ot-${process.pid}-${Date.now().toString(36)}`;
const clients: Redis[] = [];

afterAll(async () => {
  const keys = await clients[0].keys(`${PREFIX}:*`);
  if (keys.length) await clients[0].del(...keys);
  await Promise.all(clients.map((c) => c.quit()));
});

function agentsTable(limits: Record<string, number | null>) {
  const queries: string[] = [];
  const ds = {
    query: async (_sql: string, [id]: [string]) => {
      queries.push(id);
      return id in limits ? [{ max_calls_per_second: limits[id] }] : [];
    },
  };
  return { ds: ds as unknown as DataSource, queries };
}

function worker(env: Record<string, string>, limits: Record<string, number | null> = {}) {
  const redis = new Redis(REDIS_URL, { maxRetriesPerRequest: 1 });
  clients.push(redis);
  const table = agentsTable(limits);
  const config = AppConfig.fromEnv({ REDIS_PREFIX: PREFIX, THROTTLE_GUARD_MS: '20', ...env });
  return { throttle: new OutboundThrottle(redis, config, table.ds), redis, queries: table.queries };
}

interface Sent {
  at: number;
  signal: AbortSignal | null | undefined;
}

/** A provider stand-in: answers with `reply(n)` for the n-th request and records when each was sent. */
function provider(reply: (n: number) => Response) {
  const sent: Sent[] = [];
  const fetch: typeof globalThis.fetch = async (_input, init) => {
    sent.push({ at: Date.now(), signal: init?.signal });
    return reply(sent.length);
  };
  return { fetch, sent };
}

const json = (body: unknown, status = 200, headers: Record<string, string> = {}) =>
  new Response(JSON.stringify(body), { status, headers: { 'content-type': 'application/json', ...headers } });
const body = (text: string) => ({ method: 'POST', body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: text }] }) });

describe('OutboundThrottle', () => {
  it('a 429 with Retry-After on one worker holds back the next request of every worker until the pause ends', async () => {
    const a = worker({});
    const b = worker({});
    const p = provider((n) => (n === 1 ? json({ error: { message: 'slow down' } }, 429, { 'retry-after': '1' }) : json({ ok: true })));
    const first = await a.throttle.judgeFetch('pause-model', p.fetch)('http://provider/v1/chat/completions', body('one'));
    expect(first.status).toBe(429);
    const pausedAt = Date.now();
    expect(await a.redis.pttl(`${PREFIX}:throttle:judge:pause-model:pause`)).toBeGreaterThan(800);

    const { value, ledger } = await withWaitLedger(() => b.throttle.judgeFetch('pause-model', p.fetch)('http://provider/v1/chat/completions', body('two')));
    expect(value.status).toBe(200);
    expect(p.sent[1].at - pausedAt).toBeGreaterThanOrEqual(900);
    expect(ledger.judge_wait_ms).toBeGreaterThanOrEqual(900);
    // other models are not paused
    const other = worker({});
    const started = Date.now();
    await other.throttle.judgeFetch('other-model', p.fetch)('http://provider/v1/chat/completions', body('three'));
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('a 429 without Retry-After sets no pause', async () => {
    const a = worker({});
    const p = provider(() => json({ error: {} }, 429));
    await a.throttle.judgeFetch('no-header-model', p.fetch)('http://provider/v1/chat/completions', body('x'));
    expect(await a.redis.exists(`${PREFIX}:throttle:judge:no-header-model:pause`)).toBe(0);
  });

  it('requests per window are shared: the third of a 2-per-window model waits for the first to leave the window', async () => {
    const env = { JUDGE_RATE_LIMITS: JSON.stringify({ 'rpm-model': { rpm: 2 } }), THROTTLE_WINDOW_MS: '1000' };
    const [a, b] = [worker(env), worker(env)];
    const p = provider(() => json({ ok: true }));
    const send = (w: typeof a) => w.throttle.judgeFetch('rpm-model', p.fetch, 5000)('http://provider/v1/chat/completions', body('q'));
    await Promise.all([send(a), send(b), send(a)]);
    const times = p.sent.map((s) => s.at).sort((x, y) => x - y);
    expect(times[2] - times[0]).toBeGreaterThanOrEqual(1000);
    // the request that waited went out with a timer of its own, not the caller's
    expect(p.sent.filter((s) => s.signal instanceof AbortSignal)).toHaveLength(1);
  });

  it('reserves an estimate of the tokens and keeps what the answer reports as used', async () => {
    const a = worker({ JUDGE_RATE_LIMIT_TPM: '100000', JUDGE_COMPLETION_TOKENS_ESTIMATE: '500' });
    const total = `${PREFIX}:throttle:judge:tpm-model:token-total`;
    let during: string | null = null;
    const fetch: typeof globalThis.fetch = async () => {
      during = await a.redis.get(total);
      return json({ choices: [], usage: { prompt_tokens: 70, completion_tokens: 30, total_tokens: 100 } });
    };
    const res = await a.throttle.judgeFetch('tpm-model', fetch)('http://provider/v1/chat/completions', body('x'.repeat(400)));
    // the answer still reads in full after its clone was read
    expect(await res.json()).toMatchObject({ usage: { total_tokens: 100 } });
    expect(Number(during)).toBeGreaterThan(600);
    expect(await a.redis.get(total)).toBe('100');

    // an error answer keeps the estimate: it is not read
    await a.throttle.judgeFetch('tpm-model', async () => json({ usage: { total_tokens: 1 } }, 500))('http://provider/v1/chat/completions', body('y'));
    expect(Number(await a.redis.get(total))).toBeGreaterThan(600);
  });

  it('a judge request that cannot get a slot in time is answered by a 429 of its own that the SDK does not retry, and never sent', async () => {
    const env = { JUDGE_RATE_LIMITS: JSON.stringify({ 'full-model': { rpm: 1 } }), THROTTLE_MAX_WAIT_MS: '200' };
    const a = worker(env);
    const p = provider(() => json({ ok: true }));
    await a.throttle.judgeFetch('full-model', p.fetch)('http://provider/v1/chat/completions', body('first'));
    const { value: res, ledger } = await withWaitLedger(() =>
      a.throttle.judgeFetch('full-model', p.fetch)('http://provider/v1/chat/completions', body('second')),
    );
    expect(res.status).toBe(429);
    expect(res.headers.get('x-should-retry')).toBe('false');
    expect(await res.json()).toMatchObject({
      error: { code: 'rate_limit_wait', message: expect.stringMatching(/judge model full-model: no slot within 200 ms/) },
    });
    expect(p.sent).toHaveLength(1);
    expect(ledger.judge_wait_ms).toBeGreaterThanOrEqual(150);
    // our own 429 sets no pause
    expect(await a.redis.exists(`${PREFIX}:throttle:judge:full-model:pause`)).toBe(0);
  });

  it('through the provider judge: a held-back request ends as a retryable EVAL_JUDGE_PROVIDER_ERROR without SDK retries', async () => {
    const a = worker({ JUDGE_RATE_LIMITS: JSON.stringify({ 'judge-full': { rpm: 1 } }), THROTTLE_MAX_WAIT_MS: '150' });
    const p = provider(() => json({ ok: true }));
    await a.throttle.judgeFetch('judge-full', p.fetch)('http://provider/v1/chat/completions', body('first'));
    const judge = new ProviderJudge({
      apiKey: 'sk-test',
      baseURL: 'http://provider.invalid/v1',
      model: 'judge-full',
      timeoutMs: 5000,
      maxRetries: 3,
      fetch: a.throttle.judgeFetch('judge-full', p.fetch, 5000),
    });
    const input: JudgeInput = {
      mode: 'answer',
      case: { input: 'Capital of France?', expected_answer: 'Paris', expected_sources: [], criteria: null, dimensions: [] },
      actual: { output: 'Paris', sources: [] },
      profile: {
        id: '00000000-0000-4000-8000-000000000001',
        name: 'Search',
        version: 1,
        dimensions: [{ key: 'relevance', name: 'Relevance', description: 'On the question.', weight: 1, required: true }],
        scoring_scale: {
          criteria: { type: 'likert', min: 1, max: 5 },
          quality: { type: 'likert', min: 1, max: 5 },
          answer: { type: 'binary', values: ['correct', 'incorrect'] },
          source: { type: 'binary', values: ['correct', 'incorrect'] },
          pass_threshold: 4,
        },
        issue_tags: [],
      },
    };
    const started = Date.now();
    const err = await judge.judge(input).catch((e) => e);
    expect(err).toMatchObject({ code: 'EVAL_JUDGE_PROVIDER_ERROR', details: { status: 429, provider_code: 'rate_limit_wait', retryable: true } });
    expect(Date.now() - started).toBeLessThan(1000);
    expect(p.sent).toHaveLength(1);
  });

  it('waits for the agent limit read from the agent, cached, and not at all for an unlimited agent', async () => {
    const a = worker({ AGENT_LIMIT_CACHE_MS: '60000' }, { limited: 2, open: null });
    const started = Date.now();
    const waits = [];
    for (let i = 0; i < 3; i++) waits.push(await a.throttle.agentSlot('limited'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(waits[2]).toBeGreaterThanOrEqual(900);
    expect(a.queries.filter((q) => q === 'limited')).toHaveLength(1);
    expect(await a.throttle.agentSlot('open')).toBe(0);
    expect(await a.throttle.agentSlot('missing')).toBe(0);
    expect(await a.redis.exists(`${PREFIX}:throttle:agent:open:calls`)).toBe(0);
  });

  it('an agent wait ends when the call is cancelled', async () => {
    const a = worker({}, { busy: 1 });
    await a.throttle.agentSlot('busy');
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(a.throttle.agentSlot('busy', controller.signal)).rejects.toMatchObject({ kind: 'aborted' });
  });
});
