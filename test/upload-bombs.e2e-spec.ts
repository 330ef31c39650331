import { ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { AppConfig } from '@greenlight/config';
import { makeLargeCsv, makeXlsxLyingBomb, makeXlsxRowBomb } from '@greenlight/testing';
import { sleep, waitUntil } from './support/e2e-helpers';
import { globalAdmin, uniqueName } from './support/harness';

const API_MAIN = join(__dirname, '..', 'dist', 'apps', 'api', 'src', 'main.js');
const MiB = 1024 * 1024;
/** The most /health may wait while an upload is being read. */
const HEALTH_BUDGET_MS = 100;

interface Answer {
  status: number;
  body: any;
}

/**
 * Uploads built to hurt (a million-row workbook, a zip entry lying about its size, a 200k-row csv)
 * against a real built api process, with /health polled all the while: the files are read in
 * worker threads, so /health must keep answering quickly, and the process must stay small.
 * `npm test` builds dist/ first (pretest).
 */
describe('upload bombs against a running api', () => {
  let child: ChildProcess;
  let port: number;
  let memberKey: string;
  let agentId: string;
  const uploads = new Agent({ keepAlive: true });
  const probes = new Agent({ keepAlive: true, maxSockets: 1 });
  const report: string[] = [];

  function call(method: string, path: string, opts: { key?: string; body?: Buffer | string; type?: string; agent?: Agent } = {}): Promise<Answer> {
    return new Promise((resolve, reject) => {
      const headers: Record<string, string | number> = {};
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      if (opts.body !== undefined) {
        headers['content-type'] = opts.type ?? 'application/json';
        headers['content-length'] = Buffer.byteLength(opts.body);
      }
      const req = request({ host: '127.0.0.1', port, method, path, headers, agent: opts.agent ?? uploads }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: any = text;
          try {
            body = JSON.parse(text);
          } catch {
            // not JSON
          }
          resolve({ status: res.statusCode ?? 0, body });
        });
      });
      req.on('error', reject);
      req.end(opts.body);
    });
  }

  const json = (method: string, path: string, key: string, body: unknown) => call(method, path, { key, body: JSON.stringify(body) });

  function multipart(fields: Record<string, string>, file: { name: string; data: Buffer }): { body: Buffer; type: string } {
    const boundary = `----greenlight${Date.now().toString(16)}`;
    const parts: Buffer[] = [];
    for (const [k, v] of Object.entries(fields)) parts.push(Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${k}"\r\n\r\n${v}\r\n`));
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="${file.name}"\r\nContent-Type: application/octet-stream\r\n\r\n`),
    );
    parts.push(file.data, Buffer.from(`\r\n--${boundary}--\r\n`));
    return { body: Buffer.concat(parts), type: `multipart/form-data; boundary=${boundary}` };
  }

  const rssMb = () => {
    const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  };

  /** The api's own longest event-loop delay since the previous scrape of /metrics (prom-client resets it). */
  const loopLagMaxMs = async () => {
    const res = await call('GET', '/metrics', { agent: probes });
    const m = /^greenlight_nodejs_eventloop_lag_max_seconds (\S+)$/m.exec(String(res.body));
    return m ? Number(m[1]) * 1000 : NaN;
  };

  /** Runs `upload` while /health is polled back to back and the api's RSS is sampled. */
  async function measured(label: string, upload: () => Promise<Answer>) {
    await loopLagMaxMs();
    let done = false;
    let healthMaxMs = 0;
    let probesSent = 0;
    const rssBefore = rssMb();
    let rssPeak = rssBefore;
    const sampler = setInterval(() => (rssPeak = Math.max(rssPeak, rssMb())), 5);
    const poller = (async () => {
      while (!done) {
        const t = performance.now();
        const res = await call('GET', '/health', { agent: probes });
        healthMaxMs = Math.max(healthMaxMs, performance.now() - t);
        probesSent++;
        expect(res.status).toBe(200);
        await sleep(5);
      }
    })();
    const started = performance.now();
    const answer = await upload();
    const tookMs = performance.now() - started;
    // Keep measuring for a while after the answer: the reading thread is stopped then, and its
    // teardown must not stall /health or grow the process either. A window, not a wait for an event.
    await sleep(300);
    done = true;
    await poller;
    clearInterval(sampler);
    const lagMs = await loopLagMaxMs();
    const line =
      `${label}: HTTP ${answer.status} in ${Math.round(tookMs)} ms; /health max ${healthMaxMs.toFixed(1)} ms over ${probesSent} probes ` +
      `(api event-loop delay max ${lagMs.toFixed(1)} ms); ` +
      `api RSS ${Math.round(rssBefore)} → peak ${Math.round(rssPeak)} MB (+${Math.round(rssPeak - rssBefore)} MB)`;
    report.push(line);
    return { answer, healthMaxMs, probesSent, rssGrowthMb: rssPeak - rssBefore };
  }

  beforeAll(async () => {
    port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    child = spawn(process.execPath, [API_MAIN], {
      env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', LOG_LEVEL: 'error', SWAGGER_ENABLED: 'false' },
      stdio: ['ignore', 'ignore', 'inherit'],
      detached: true,
    });
    const healthy = () =>
      call('GET', '/health').then(
        (r) => r.status === 200,
        () => false,
      );
    await waitUntil('the built api to answer /health', healthy, 30_000);
    const admin = await globalAdmin(AppConfig.fromEnv(process.env));
    const org = await json('POST', '/api/v1/orgs', admin.api_key, { name: uniqueName('Bombs') });
    const key = await json('POST', '/api/v1/system/api-keys', admin.api_key, { name: 'member', role: 'member', org_id: org.body.data.id });
    memberKey = key.body.data.api_key;
    const agent = await json('POST', '/api/v1/agents', memberKey, { name: uniqueName('Agent'), agent_type: 'search_retrieval' });
    agentId = agent.body.data.id;
    // One small upload first, so the measured ones do not pay for the first thread start.
    const warm = await json('POST', '/api/v1/golden-sets/upload-file', memberKey, {
      agent_id: agentId,
      name: uniqueName('Warm'),
      filename: 'warm.csv',
      content_base64: Buffer.from('input,answer\nq,a\n').toString('base64'),
    });
    expect(warm.status).toBe(201);
  }, 60_000);

  afterAll(() => {
    if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    uploads.destroy();
    probes.destroy();
    process.stdout.write(`\nupload bombs (built api, /health polled throughout):\n  ${report.join('\n  ')}\n`);
  });

  const uploadFile = (name: string, data: Buffer) => {
    const { body, type } = multipart({ agent_id: agentId, name: uniqueName(name) }, { name, data });
    return () => call('POST', '/api/v1/golden-sets/upload-file', { key: memberKey, body, type });
  };

  it('a 1,000,000-row workbook (~8 MB, ~88 MB of sheet XML) is refused at the row limit without stalling the api', async () => {
    const bomb = makeXlsxRowBomb(1_000_000);
    expect(bomb.length).toBeLessThan(10 * MiB);
    const { answer, healthMaxMs, probesSent, rssGrowthMb } = await measured(
      `row bomb ${(bomb.length / MiB).toFixed(1)} MB xlsx`,
      uploadFile('rows.xlsx', bomb),
    );
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'the file has more than 50000 data rows' });
    expect(probesSent).toBeGreaterThan(3);
    expect(healthMaxMs).toBeLessThan(HEALTH_BUDGET_MS);
    expect(rssGrowthMb).toBeLessThan(100 + bomb.length / MiB);
  });

  it('a workbook whose zip headers claim 64 KB for a 1.5 GB sheet is refused with 413 at the unpack limit without stalling the api', async () => {
    const bomb = makeXlsxLyingBomb(1.5 * 1024 ** 3);
    const body = JSON.stringify({ agent_id: agentId, name: uniqueName('Lying'), filename: 'lying.xlsx', content_base64: bomb.toString('base64') });
    const { answer, healthMaxMs, rssGrowthMb } = await measured(`lying-header bomb ${(bomb.length / MiB).toFixed(1)} MB xlsx (base64 JSON)`, () =>
      call('POST', '/api/v1/golden-sets/upload-file', { key: memberKey, body }),
    );
    expect(answer.status).toBe(413);
    expect(answer.body.error).toMatchObject({ code: 'PAYLOAD_TOO_LARGE', details: { reason: 'too_large', max_unpacked_bytes: 100 * MiB } });
    expect(answer.body.error.message).not.toMatch(/Bug|mismatch/);
    expect(healthMaxMs).toBeLessThan(HEALTH_BUDGET_MS);
    expect(rssGrowthMb).toBeLessThan(100 + bomb.length / MiB);
  });

  it('a 200,000-row csv inside the size limit is refused at the row limit without stalling the api', async () => {
    const rows = Array.from({ length: 200_000 }, (_, i) => `How do I reset password ${i}?,Use the reset link.`);
    const csv = Buffer.from(['question,answer', ...rows].join('\n'));
    expect(csv.length).toBeLessThan(10 * MiB);
    const { answer, healthMaxMs, rssGrowthMb } = await measured(`200k-row csv ${(csv.length / MiB).toFixed(1)} MB`, uploadFile('rows.csv', csv));
    expect(answer.status).toBe(400);
    expect(answer.body.error).toMatchObject({ code: 'VALIDATION_ERROR', message: 'the file has more than 50000 data rows' });
    expect(healthMaxMs).toBeLessThan(HEALTH_BUDGET_MS);
    expect(rssGrowthMb).toBeLessThan(100 + csv.length / MiB);
  });

  it('a valid 10 MB csv (~40k cases) is read and stored without stalling the api', async () => {
    const csv = makeLargeCsv(10 * MiB - 200);
    const { answer, healthMaxMs } = await measured(`valid ${(csv.length / MiB).toFixed(1)} MB csv, stored`, uploadFile('large.csv', csv));
    expect(answer.status).toBe(201);
    expect(answer.body.data.case_count).toBeGreaterThan(35_000);
    expect(healthMaxMs).toBeLessThan(HEALTH_BUDGET_MS);
  }, 120_000);
});
