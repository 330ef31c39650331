import type { CompareResult, RateDelta } from './compare-view';
import { columns, markdownTable, num, pct, pp, pValue, shortId, signed } from './format';
import type { GateDecision } from './gate-decision';

/** How many regressed cases a summary lists; the rest are counted and left to the API. */
export const LISTED_CASES = 50;

type Link = (path: string) => string;

const interval = (d: { lower: number; upper: number }, fmt: (x: number) => string) => `${fmt(d.lower)} to ${fmt(d.upper)}`;

function rateRows(c: CompareResult): { label: string; base: string; cand: string; delta: string; ci: string }[] {
  // A rate no paired case has (e.g. sources, when no case expects any) is shown as not measured.
  const row = (label: string, d: RateDelta) =>
    d.paired_cases > 0
      ? { label, base: pct(d.baseline), cand: pct(d.candidate), delta: pp(d.delta), ci: interval(d, (x) => pp(x)) }
      : { label, base: '–', cand: '–', delta: '–', ci: '–' };
  const q = c.deltas.quality;
  const boot = q.bootstrap;
  return [
    row('pass rate', c.deltas.pass_rate),
    row('answer rate', c.deltas.answer_rate),
    row('source rate', c.deltas.source_rate),
    {
      label: 'quality (mean score)',
      base: num(q.baseline_average),
      cand: num(q.candidate_average),
      delta: q.paired_cases > 0 ? signed(boot.mean) : '–',
      ci: q.paired_cases > 0 ? interval(boot, (x) => signed(x)) : '–',
    },
  ];
}

function testsLine(c: CompareResult): string {
  const pf = c.statistics.pass_fail;
  const s = c.statistics.scores;
  const parts = [`McNemar exact p = ${pValue(pf.p_value)} (${pf.regressions} regressed, ${pf.improvements} improved)`];
  if (s.paired_cases > 0) parts.push(`Wilcoxon signed-rank p = ${pValue(s.wilcoxon.p_value)}`, `sign test p = ${pValue(s.sign_test.p_value)}`);
  return parts.join(' · ');
}

/** The compare for a terminal. */
export function compareText(c: CompareResult, gate?: GateDecision): string[] {
  const confidence = Math.round(c.deltas.confidence * 100);
  const lines = [
    `Compare ${c.id ?? '(not stored)'}: baseline ${c.baseline_run_id} → candidate ${c.candidate_run_id}`,
    `  ${c.compared_case_count} paired cases (${c.paired_by_lineage_count} by lineage), ${c.unpaired_case_count} unpaired; α = ${c.alpha}`,
    '',
    ...columns([
      ['', 'baseline', 'candidate', 'difference', `${confidence}% interval`],
      ...rateRows(c).map((r) => [r.label, r.base, r.cand, r.delta, r.ci]),
    ]).map((l) => `  ${l}`),
    '',
    `  ${testsLine(c)}`,
    `  verdict of the paired tests: ${c.verdict} (${c.verdict_reason})`,
  ];
  if (gate) {
    lines.push('', `Gate: ${gate.verdict.toUpperCase()}`);
    for (const check of gate.checks) lines.push(`  ${check.passed ? 'ok  ' : 'FAIL'} ${check.name}: ${check.detail}`);
    for (const w of gate.warnings) lines.push(`  note: ${w}`);
  }
  if (c.regressions.length > 0) {
    lines.push('', `Regressed cases (${c.regression_count}):`);
    const shown = c.regressions.slice(0, LISTED_CASES);
    lines.push(
      ...columns(
        shown.map((r) => [
          r.case_id,
          `pass ${pct(r.baseline.pass_rate, 0)} → ${pct(r.candidate.pass_rate, 0)}`,
          `score ${num(r.baseline.quality_score, 2)} → ${num(r.candidate.quality_score, 2)}`,
        ]),
      ).map((l) => `  ${l}`),
    );
    if (c.regression_count > shown.length) lines.push(`  … ${c.regression_count - shown.length} more (--json lists up to 1,000)`);
  }
  return lines;
}

/** The compare (and the gate's decision) as Markdown for a pull request's job summary. */
export function compareMarkdown(c: CompareResult, link: Link, gate?: GateDecision): string {
  const runLink = (id: string) => `[\`${shortId(id)}\`](${link(`/api/v1/eval/runs/${id}/summary`)})`;
  const confidence = Math.round(c.deltas.confidence * 100);
  const title = gate ? `## Greenlight gate: ${gate.verdict === 'pass' ? '✅ pass' : '❌ regressed'}` : `## Greenlight compare: ${c.verdict}`;
  const out = [
    title,
    '',
    `Agent \`${c.agent_id}\` · baseline ${runLink(c.baseline_run_id)} → candidate ${runLink(c.candidate_run_id)}` +
      (c.id ? ` · compare [\`${shortId(c.id)}\`](${link(`/api/v1/eval/compares/${c.id}`)})` : ''),
    '',
    markdownTable(
      ['', 'Baseline', 'Candidate', 'Difference', `${confidence}% interval`],
      rateRows(c).map((r) => [r.label[0]!.toUpperCase() + r.label.slice(1), r.base, r.cand, r.delta, r.ci]),
    ),
    '',
    `**Paired tests** over ${c.compared_case_count} cases (α = ${c.alpha}): ${testsLine(c)}.`,
    `**Verdict of the tests:** \`${c.verdict}\` — ${c.verdict_reason}`,
  ];
  if (c.unpaired_case_count > 0) out.push('', `${c.unpaired_case_count} case(s) are in only one run and were not compared.`);
  if (gate) {
    out.push('', '**Gate checks**', '');
    for (const check of gate.checks) out.push(`- ${check.passed ? '✅' : '❌'} \`${check.name}\`: ${check.detail}`);
    for (const w of gate.warnings) out.push(`- ⚠️ ${w}`);
  }
  if (c.regressions.length > 0) {
    const shown = c.regressions.slice(0, LISTED_CASES);
    const caseLink = (caseId: string, runId: string) => `[\`${caseId}\`](${link(`/api/v1/eval/runs/${runId}/results?case_id=${caseId}`)})`;
    out.push(
      '',
      `<details${gate?.verdict === 'regressed' ? ' open' : ''}><summary>Regressed cases (${c.regression_count})</summary>`,
      '',
      markdownTable(
        ['Case', 'Baseline', 'Candidate', 'Decided by'],
        shown.map((r) => [
          caseLink(r.candidate_case_id, c.candidate_run_id),
          `pass ${pct(r.baseline.pass_rate, 0)} · score ${num(r.baseline.quality_score, 2)}`,
          `pass ${pct(r.candidate.pass_rate, 0)} · score ${num(r.candidate.quality_score, 2)}`,
          r.decided_by,
        ]),
      ),
    );
    if (c.regression_count > shown.length) out.push('', `… and ${c.regression_count - shown.length} more.`);
    out.push('', '</details>');
  }
  return out.join('\n') + '\n';
}
