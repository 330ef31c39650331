import { Command } from 'commander';
import { GreenlightApiError, GreenlightClient } from '@greenlight/sdk';
import { action, RunState } from '../command';
import { compareMarkdown, compareText } from '../compare-report';
import { CliContext } from '../context';
import { ExitCode } from '../errors';
import { decideGate, GateRules } from '../gate-decision';
import { fraction, integer, isUuid, uuid } from '../parse';
import { compareBody, PairOptions, runIdOf } from './compare';

interface GateOptions extends PairOptions {
  agent: string;
  requireSignificance?: boolean;
  maxRegressions: number;
  nonInferiorityMargin?: number;
  minPassRate?: number;
  maxPassRateDrop?: number;
  allowMissingBaseline?: boolean;
  minPairedCases: number;
}

/** Whether the baseline reference names nothing yet (a new agent, before its first promotion). */
async function baselineMissing(client: GreenlightClient, agentId: string, ref: string): Promise<boolean> {
  if (isUuid(ref)) return false;
  try {
    await client.registry.resolve(agentId, { kind: 'baseline', ref });
    return false;
  } catch (err) {
    if (err instanceof GreenlightApiError && err.status === 404) return true;
    throw err;
  }
}

/** No baseline to compare with: the gate passes, and says so everywhere a reader looks. */
async function passWithoutBaseline(ctx: CliContext, opts: GateOptions): Promise<number> {
  const candidate = await runIdOf(ctx.client(), opts.agent, 'candidate', opts.candidate);
  const reason = `the agent has no ${opts.baseline} baseline yet, so there is nothing to regress against (promote a run to set one)`;
  ctx.out.github.outputs({
    verdict: 'no_baseline',
    compare_verdict: '',
    compare_id: '',
    baseline_run_id: '',
    candidate_run_id: candidate,
    regression_count: '',
  });
  ctx.out.github.summary(`## Greenlight gate: ⚪ no baseline\n\nCandidate run \`${candidate}\` of agent \`${opts.agent}\` passes: ${reason}.\n`);
  ctx.out.result(
    { verdict: 'no_baseline', reasons: [], warnings: [reason], checks: [], candidate_run_id: candidate, compare: null },
    () => `Gate: PASS (no baseline): ${reason}`,
  );
  return ExitCode.ok;
}

/** `gate`: fails a CI job when the candidate regressed against the baseline. */
export function registerGate(program: Command, state: RunState): void {
  program
    .command('gate')
    .description('Compare a candidate run with the baseline and decide: exit 0 pass, 1 regressed, 2 error')
    .requiredOption('--agent <agent_id>', 'the agent', uuid)
    .requiredOption('--candidate <run>', 'a run id, or a reference: latest, active or a registry name')
    .option('--baseline <run>', 'a run id or a reference', 'active')
    .option('--alpha <alpha>', 'significance level of the paired tests (default 0.05)', fraction(0.0001, 0.4999))
    .option(
      '--require-significance',
      "fail only on a statistically significant regression: the compare's verdict regressed (exact McNemar on pass/fail, or Wilcoxon signed-rank on scores, at --alpha), not any regressed case",
    )
    .option('--max-regressions <n>', 'without --require-significance: regressed cases tolerated', integer(0), 0)
    .option('--non-inferiority-margin <m>', "fail when the pass-rate difference's lower confidence bound is below −m (e.g. 0.02)", fraction(0, 1))
    .option('--min-pass-rate <r>', "fail when the candidate's pass rate is below r (e.g. 0.9)", fraction(0, 1))
    .option('--max-pass-rate-drop <d>', 'fail when the pass rate drops by more than d against the baseline (e.g. 0.05)', fraction(0, 1))
    .option('--allow-missing-baseline', 'pass (verdict no_baseline) when the agent has no baseline yet')
    .option('--min-paired-cases <n>', 'fail when fewer cases pair with the baseline (0 turns it off, e.g. once, after changing the golden set)', integer(0), 1)
    .action(
      action<GateOptions>(state, async (ctx, opts) => {
        const client = ctx.client();
        if (opts.allowMissingBaseline && (await baselineMissing(client, opts.agent, opts.baseline))) return passWithoutBaseline(ctx, opts);
        const rules: GateRules = {
          requireSignificance: Boolean(opts.requireSignificance),
          maxRegressions: opts.maxRegressions,
          nonInferiorityMargin: opts.nonInferiorityMargin,
          minPassRate: opts.minPassRate,
          maxPassRateDrop: opts.maxPassRateDrop,
          minPairedCases: opts.minPairedCases,
        };
        const compare = await client.compare.create(await compareBody(client, opts));
        const decision = decideGate(compare, rules);
        ctx.out.github.outputs({
          verdict: decision.verdict,
          compare_verdict: compare.verdict,
          compare_id: compare.id,
          baseline_run_id: compare.baseline_run_id,
          candidate_run_id: compare.candidate_run_id,
          regression_count: compare.regression_count,
        });
        ctx.out.github.summary(compareMarkdown(compare, (p) => ctx.link(p), decision));
        ctx.out.result({ ...decision, rules, compare }, () => compareText(compare, decision));
        return decision.verdict === 'pass' ? ExitCode.ok : ExitCode.failed;
      }),
    );
}
