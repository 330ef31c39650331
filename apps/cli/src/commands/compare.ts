import { Command } from 'commander';
import type { BodyOf, GreenlightClient } from '@greenlight/sdk';
import { action, RunState } from '../command';
import { compareMarkdown, compareText } from '../compare-report';
import { ExitCode, UsageError } from '../errors';
import { fraction, isUuid, uuid } from '../parse';

type CompareBody = BodyOf<'/api/v1/eval/compares', 'post'>;

/** Each side is a run id, or a reference of the agent (`active`, `latest`, a run-registry name). */
export interface PairOptions {
  agent?: string;
  baseline: string;
  candidate: string;
  alpha?: number;
}

/**
 * The compare request for a pair: by run ids (direct), by two references (reference mode, which the
 * compare records), or mixed — the reference side is then resolved to its run first.
 */
export async function compareBody(client: GreenlightClient, opts: PairOptions): Promise<CompareBody> {
  const base = { alpha: opts.alpha };
  if (isUuid(opts.baseline) && isUuid(opts.candidate)) return { ...base, baseline_run_id: opts.baseline, candidate_run_id: opts.candidate };
  if (!opts.agent)
    throw new UsageError('--agent is needed when --baseline or --candidate is a reference (active, latest or a registry name) rather than a run id');
  if (!isUuid(opts.baseline) && !isUuid(opts.candidate)) return { ...base, agent_id: opts.agent, baseline_ref: opts.baseline, candidate_ref: opts.candidate };
  return {
    ...base,
    baseline_run_id: await runIdOf(client, opts.agent, 'baseline', opts.baseline),
    candidate_run_id: await runIdOf(client, opts.agent, 'candidate', opts.candidate),
  };
}

/** The run a side names: a run id as it is, a reference resolved in the agent's registry for its kind. */
export async function runIdOf(client: GreenlightClient, agentId: string, kind: 'baseline' | 'candidate', ref: string): Promise<string> {
  return isUuid(ref) ? ref : (await client.registry.resolve(agentId, { kind, ref })).run_id;
}

/** `compare`: a stored statistical compare of a candidate run with a baseline. */
export function registerCompare(program: Command, state: RunState): void {
  program
    .command('compare')
    .description('Compare a candidate run with a baseline: rates, differences with intervals, paired tests, regressed cases')
    .requiredOption('--candidate <run>', 'a run id, or a reference with --agent: latest, active or a registry name')
    .option('--baseline <run>', 'a run id or a reference', 'active')
    .option('--agent <agent_id>', 'the agent, for references', uuid)
    .option('--alpha <alpha>', 'significance level of the paired tests (default 0.05)', fraction(0.0001, 0.4999))
    .action(
      action<PairOptions>(state, async (ctx, opts) => {
        const client = ctx.client();
        const compare = await client.compare.create(await compareBody(client, opts));
        ctx.out.github.outputs({ compare_id: compare.id, verdict: compare.verdict, regression_count: compare.regression_count });
        ctx.out.github.summary(compareMarkdown(compare, (p) => ctx.link(p)));
        ctx.out.result(compare, () => compareText(compare));
        return ExitCode.ok;
      }),
    );
}
