import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { apiCaller, pacedDelay } from './api-call';

/** The quick start's demo: register the sample agent, upload the sample golden set, run an evaluation. */
export interface DemoResult {
  agent_id: string;
  golden_set_id: string;
  run_id: string;
  summary: {
    total_cases: number;
    result_count: number;
    error_count: number;
    answer: { rate: number; correct: number; evaluated: number };
    source: { rate: number; correct: number; evaluated: number };
    quality: { average_score: number; pass_rate: number };
    pass_rate: number;
  };
  failing: { input: string; actual_output: string | null; issue_tags: string[] }[];
}

/** Polling rhythm: quick while cases complete, slower while nothing moves. */
const POLL_MIN_MS = 250;
const POLL_MAX_MS = 2_000;
/** Calls kept in the rate-limit window for after the run ends (summary, failing results, cases) and one spare. */
const CALLS_AFTER_RUN = 4;

export interface DemoOptions {
  /** A run not finished after this long is reported as such (default 120 s). */
  deadlineMs?: number;
  /** Told when the key's rate limit makes the demo wait. */
  onRateLimited?: (waitMs: number) => void;
}

export async function runDemo(
  base: string,
  key: string,
  orgId: string,
  agentUrl: string,
  samplesDir: string,
  onProgress: (done: number, total: number, status: string) => void = () => undefined,
  opts: DemoOptions = {},
): Promise<DemoResult> {
  const deadlineMs = opts.deadlineMs ?? 120_000;
  const callApi = apiCaller(base, key, { onRateLimited: (ms) => opts.onRateLimited?.(ms) });
  const name = 'Acme Support Assistant';
  const agents = await callApi<{ items: { id: string; name: string }[] }>('GET', `/api/v1/agents?org_id=${orgId}&limit=200`);
  const agent =
    agents.items.find((a) => a.name === name) ??
    (await callApi<{ id: string }>('POST', '/api/v1/agents', {
      org_id: orgId,
      name,
      agent_type: 'search_retrieval',
      status: 'active',
      api_endpoint: agentUrl,
      description: 'Bundled sample agent answering Acme Cloud support questions',
    }));
  const csv = readFileSync(join(samplesDir, 'support-faq.csv'));
  const upload = await callApi<{ golden_set: { id: string } }>('POST', '/api/v1/golden-sets/upload-file', {
    agent_id: agent.id,
    name: `Support FAQ ${new Date().toISOString()}`,
    filename: 'support-faq.csv',
    content_base64: csv.toString('base64'),
  });
  const run = await callApi<{ id: string }>('POST', '/api/v1/eval/runs', {
    agent_id: agent.id,
    golden_set_id: upload.golden_set.id,
    name: 'quick start demo',
    executor_mode: 'agent_http',
  });
  // Through the worker: start enqueues, the worker executes; progress is polled until the run ends.
  await callApi('POST', `/api/v1/eval/runs/${run.id}/start`);
  // The polls share the key's rate limit with everything else the demo asks: they back off while
  // nothing moves and are spread over what is left of the window, so a long run never hits 429.
  let last = -1;
  let idlePolls = 0;
  const deadline = Date.now() + deadlineMs;
  for (;;) {
    const r = await callApi<{ status: string; completed_cases: number; total_cases: number }>('GET', `/api/v1/eval/runs/${run.id}`);
    if (r.completed_cases !== last) {
      onProgress(r.completed_cases, r.total_cases, r.status);
      last = r.completed_cases;
      idlePolls = 0;
    } else {
      idlePolls += 1;
    }
    if (['completed', 'failed', 'cancelled'].includes(r.status)) break;
    if (Date.now() > deadline) {
      throw new Error(
        `run ${run.id} is still ${r.status} (${r.completed_cases}/${r.total_cases}) after ${deadlineMs / 1000} s: see .greenlight/logs/worker.log`,
      );
    }
    const rhythm = Math.min(POLL_MAX_MS, POLL_MIN_MS * 1.5 ** idlePolls);
    const wait = Math.min(pacedDelay(rhythm, callApi.budget(), CALLS_AFTER_RUN), Math.max(0, deadline - Date.now()) + 100);
    await new Promise((resolve) => setTimeout(resolve, wait));
  }
  const executed = { summary: await callApi<DemoResult['summary']>('GET', `/api/v1/eval/runs/${run.id}/summary`) };
  const failing = await callApi<{ items: { case_id: string; actual_output: string | null; issue_tags: string[] }[] }>(
    'GET',
    `/api/v1/eval/runs/${run.id}/results?passed=false&limit=5`,
  );
  const cases = await callApi<{ items: { id: string; input: string }[] }>('GET', `/api/v1/golden-sets/${upload.golden_set.id}/cases?limit=200`);
  const inputs = new Map(cases.items.map((c) => [c.id, c.input]));
  return {
    agent_id: agent.id,
    golden_set_id: upload.golden_set.id,
    run_id: run.id,
    summary: executed.summary,
    failing: failing.items.map((r) => ({ input: inputs.get(r.case_id) ?? r.case_id, actual_output: r.actual_output, issue_tags: r.issue_tags })),
  };
}

const pct = (x: number) => `${(x * 100).toFixed(0)}%`;

export function formatDemo(d: DemoResult, base: string): string {
  const s = d.summary;
  const lines = [
    `Demo evaluation of the bundled sample agent (run ${d.run_id}):`,
    `  cases ${s.total_cases}, results ${s.result_count}, errors ${s.error_count}`,
    `  answers correct ${pct(s.answer.rate)} (${s.answer.correct}/${s.answer.evaluated}), sources correct ${pct(s.source.rate)} (${s.source.correct}/${s.source.evaluated})`,
    `  average quality ${s.quality.average_score.toFixed(2)} / 5, quality pass ${pct(s.quality.pass_rate)}, cases passed ${pct(s.pass_rate)}`,
  ];
  if (d.failing.length) {
    lines.push('  failing cases:');
    for (const f of d.failing) lines.push(`    - ${f.input.slice(0, 70)}  [${f.issue_tags.join(', ') || 'no tags'}]`);
  }
  lines.push(`  summary: ${base}/api/v1/eval/runs/${d.run_id}/summary`);
  return lines.join('\n');
}
