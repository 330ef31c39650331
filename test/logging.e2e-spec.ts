import { spawn } from 'node:child_process';
import { Writable } from 'node:stream';
import { ErrorCode } from '@greenlight/contracts';
import { AgentsService } from '@greenlight/accounts';
import { DomainError } from '@greenlight/platform';
import { resolveLogFormat, setLogDestinationForTests } from '@greenlight/http';
import { waitUntil } from './support/e2e-helpers';
import { ApiHarness, bearer, globalAdmin, startApi } from './support/harness';
import { API_MAIN, freePort } from './support/processes';
// eslint-disable-next-line no-control-regex -- ESC starts the colour codes the test looks for.
const ANSI = /\u001b\[/;

type Line = Record<string, any>;

/** Lines a JSON logger writes to a stream, parsed. */
function collector(): { stream: Writable; lines: Line[]; raw: string[] } {
  const raw: string[] = [];
  let pending = '';
  const stream = new Writable({
    write(chunk, _enc, done) {
      pending += chunk.toString();
      const parts = pending.split('\n');
      pending = parts.pop()!;
      raw.push(...parts.filter(Boolean));
      done();
    },
  });
  return {
    stream,
    raw,
    get lines() {
      return raw.map((l) => JSON.parse(l) as Line);
    },
  };
}

/** The first line of `lines` that `match` accepts, once it has been written. */
function loggedLine(lines: () => Line[], what: string, match: (l: Line) => boolean): Promise<Line> {
  return waitUntil(what, async () => lines().find(match), 2000);
}

/**
 * Starts the built api with stdout on a pipe (as when it writes to a log file), makes `requests`,
 * waits until its output shows `logged`, stops it; answers its stdout.
 */
async function builtApiOutput(env: Record<string, string>, requests: (base: string) => Promise<void>, logged: RegExp): Promise<string> {
  const port = await freePort();
  const child = spawn(process.execPath, [API_MAIN], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'log', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.on('exit', () => r()));
  try {
    const base = `http://127.0.0.1:${port}`;
    const healthy = () =>
      fetch(`${base}/health`).then(
        (r) => r.ok,
        () => false,
      );
    await waitUntil('the built api to answer /health', healthy, 15_000);
    await requests(base);
    await waitUntil(`the built api to log ${logged}`, async () => logged.test(out), 5000);
  } finally {
    process.kill(-child.pid!, 'SIGTERM');
    const timer = setTimeout(() => process.kill(-child.pid!, 'SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }
  return out;
}

describe('logs', () => {
  it('LOG_FORMAT=auto: pretty on a terminal, JSON otherwise; json and pretty as asked', () => {
    expect(resolveLogFormat('auto', true)).toBe('pretty');
    expect(resolveLogFormat('auto', false)).toBe('json');
    expect(resolveLogFormat('json', true)).toBe('json');
    expect(resolveLogFormat('pretty', false)).toBe('pretty');
  });

  describe('JSON logs in the api', () => {
    let h: ApiHarness;
    const out = collector();

    beforeAll(async () => {
      setLogDestinationForTests(out.stream);
      h = await startApi({ LOG_FORMAT: 'json', LOG_LEVEL: 'log' });
    });
    afterAll(async () => {
      await h.close();
      setLogDestinationForTests(undefined);
    });

    it('every line is one JSON object without colour codes; each request ends with a line carrying its request id', async () => {
      await h.http.get('/api/v1/agents').set('X-Request-Id', 'log-test-401').expect(401);
      const done = await loggedLine(
        () => out.lines,
        'the request line of log-test-401',
        (l) => l.request_id === 'log-test-401',
      );
      for (const l of out.raw) expect(l).not.toMatch(ANSI);
      const lines = out.lines;
      expect(lines.find((l) => l.context === 'InstanceLoader')).toMatchObject({ level: 'info', service: 'api' });
      expect(done).toMatchObject({ level: 'info', msg: 'GET /api/v1/agents 401', req: { method: 'GET', path: '/api/v1/agents' }, res: { status_code: 401 } });
      expect(typeof done!.duration_ms).toBe('number');
      expect(typeof done!.time).toBe('string');
      // No headers in logs: they carry API keys.
      expect(JSON.stringify(lines)).not.toMatch(/authorization/i);
    });

    it('what the app logs while handling a request carries that request id (a 500 and its stack)', async () => {
      const admin = await globalAdmin(h.config);
      const failing = jest.spyOn(h.app.get(AgentsService), 'list').mockRejectedValueOnce(new Error('disk on fire'));
      await h.http.get('/api/v1/agents').set(bearer(admin.api_key)).set('X-Request-Id', 'log-test-500').expect(500);
      failing.mockRestore();
      await loggedLine(
        () => out.lines,
        'the request line of log-test-500',
        (l) => l.msg === 'GET /api/v1/agents 500',
      );
      const mine = out.lines.filter((l) => l.request_id === 'log-test-500');
      const failure = mine.find((l) => l.context === 'ApiExceptionFilter');
      expect(failure).toMatchObject({ level: 'error' });
      expect(failure!.msg).toContain('disk on fire');
      expect(failure!.msg).toContain('at '); // the stack, for whoever quotes the request id
      expect(mine.find((l) => l.msg === 'GET /api/v1/agents 500')).toMatchObject({ level: 'warn' });
      expect(mine.find((l) => l.msg === 'GET /api/v1/agents 500')!.err).toBeUndefined();
    });
  });

  describe('failures the product knows', () => {
    let h: ApiHarness;
    const out = collector();

    beforeAll(async () => {
      setLogDestinationForTests(out.stream);
      h = await startApi({ LOG_FORMAT: 'json', LOG_LEVEL: 'warn' });
    });
    afterAll(async () => {
      await h.close();
      setLogDestinationForTests(undefined);
    });

    it('a 5xx with a product error code (an agent or provider down) is one warning with its code, no stack', async () => {
      const admin = await globalAdmin(h.config);
      const failing = jest
        .spyOn(h.app.get(AgentsService), 'list')
        .mockRejectedValueOnce(new DomainError(ErrorCode.SERVICE_UNAVAILABLE, 'the database is restarting', null));
      await h.http.get('/api/v1/agents').set(bearer(admin.api_key)).set('X-Request-Id', 'log-test-503').expect(503);
      failing.mockRestore();
      await loggedLine(
        () => out.lines,
        'the request line of log-test-503',
        (l) => l.msg === 'GET /api/v1/agents 503',
      );
      const mine = out.lines.filter((l) => l.request_id === 'log-test-503');
      expect(mine.find((l) => l.context === 'ApiExceptionFilter')).toMatchObject({
        level: 'warn',
        msg: 'request log-test-503 GET /api/v1/agents answered 503 SERVICE_UNAVAILABLE: the database is restarting',
      });
      expect(mine.every((l) => l.level !== 'error')).toBe(true);
      expect(JSON.stringify(mine)).not.toMatch(/\n\s+at /);
    });
  });

  describe('the built api writing to a file or pipe', () => {
    it('by default: JSON lines, no colour codes, the request id on the request line', async () => {
      const out = await builtApiOutput(
        {},
        async (base) => {
          await fetch(`${base}/api/v1/agents`, { headers: { 'X-Request-Id': 'built-req-1' } });
        },
        /"request_id":"built-req-1"/,
      );
      const lines = out.split('\n').filter(Boolean);
      expect(out).not.toMatch(ANSI);
      for (const l of lines) expect(() => JSON.parse(l)).not.toThrow();
      const parsed = lines.map((l) => JSON.parse(l));
      expect(parsed.find((l) => l.request_id === 'built-req-1')).toMatchObject({ msg: 'GET /api/v1/agents 401', service: 'api' });
      expect(parsed.some((l) => /listening on 127\.0\.0\.1:/.test(l.msg))).toBe(true);
    }, 60_000);

    it('LOG_FORMAT=pretty: readable lines, still without colour codes when not on a terminal', async () => {
      const out = await builtApiOutput({ LOG_FORMAT: 'pretty' }, async () => undefined, /Nest application successfully started/);
      expect(out).not.toMatch(ANSI);
      expect(out).toMatch(/\[Nest\] \d+ +- .*LOG \[NestApplication\] Nest application successfully started/);
      expect(out.split('\n').some((l) => l.startsWith('{'))).toBe(false);
    }, 60_000);
  });
});
