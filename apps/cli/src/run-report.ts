import type { DataOf, EvalRun } from '@greenlight/sdk';
import { columns, duration, markdownTable, num, pct, shortId } from './format';

export type RunSummary = DataOf<'/api/v1/eval/runs/{run_id}/summary', 'get'>;

const rate = (r: { evaluated: number; correct: number; rate: number }) => (r.evaluated > 0 ? `${pct(r.rate)} (${r.correct}/${r.evaluated})` : '–');

function usageText(s: RunSummary): string {
  const u = s.usage;
  const cost = u.estimated_cost_usd === null ? 'cost unknown' : `$${u.estimated_cost_usd.toFixed(4)}`;
  return `${u.agent_calls} agent calls; judge ${u.judge_calls} calls, ${u.judge_cache_hits} cache hits, ${u.judge_total_tokens} tokens, ${cost}`;
}

function elapsed(run: EvalRun): string | null {
  if (!run.started_at || !run.completed_at) return null;
  return duration(new Date(run.completed_at).getTime() - new Date(run.started_at).getTime());
}

function rows(s: RunSummary): [string, string][] {
  const out: [string, string][] = [
    ['pass rate', `${pct(s.pass_rate)} (${s.passed_count}/${s.result_count})`],
    ['answer', rate(s.answer)],
    ['source', rate(s.source)],
    ['quality', s.quality.evaluated > 0 ? `mean ${num(s.quality.average_score, 2)}, ${pct(s.quality.pass_rate)} at or above ${s.quality.pass_threshold}` : '–'],
    ['errors', String(s.error_count)],
    ['usage', usageText(s)],
  ];
  if (s.trials && s.trials > 1) out.push(['trials', `${s.trials} per case, ${s.flaky_cases?.length ?? 0} flaky cases`]);
  return out;
}

/** A finished (or followed) run for a terminal. */
export function runText(run: EvalRun, summary: RunSummary | null): string[] {
  const took = elapsed(run);
  const lines = [`Run ${run.id} ${run.status}${took ? ` in ${took}` : ''}: ${run.completed_cases}/${run.total_cases} cases`];
  if (run.failure_code) lines.push(`  failure: ${run.failure_code}: ${run.failure_reason ?? ''}`);
  if (summary) lines.push(...columns(rows(summary)).map((l) => `  ${l}`));
  return lines;
}

/** The run as Markdown for a job summary. */
export function runMarkdown(run: EvalRun, summary: RunSummary | null, link: (path: string) => string): string {
  const icon = run.status === 'completed' ? '✅' : run.status === 'failed' ? '❌' : '⏹️';
  const out = [
    `### Greenlight run ${icon} ${run.status}`,
    '',
    `Run [\`${shortId(run.id)}\`](${link(`/api/v1/eval/runs/${run.id}/summary`)}) of agent \`${run.agent_id}\` on golden set \`${shortId(run.golden_set_id)}\`: ${run.completed_cases}/${run.total_cases} cases`,
  ];
  if (run.failure_code) out.push('', `**${run.failure_code}**: ${run.failure_reason ?? ''}`);
  if (summary)
    out.push(
      '',
      markdownTable(
        ['', 'Value'],
        rows(summary).map(([k, v]) => [k, v]),
      ),
    );
  return out.join('\n') + '\n';
}
