import { Command } from 'commander';
import { GreenlightApiError } from '@greenlight/sdk';
import { action, RunState } from '../command';
import { ExitCode } from '../errors';
import { columns, shortId } from '../format';
import { fraction, integer, isUuid, uuid } from '../parse';

interface PromoteOptions {
  agent: string;
  candidate: string;
  name?: string;
  requireSignificance?: boolean;
  nonInferiorityMargin?: number;
  windowMinutes?: number;
}

/** `promote` and `launch-gate`: the decisions that follow a clean gate. */
export function registerDecisions(program: Command, state: RunState): void {
  program
    .command('promote')
    .description("Make the candidate the agent's active baseline; the API allows it only after a clean stored compare (exit 1 when blocked)")
    .requiredOption('--agent <agent_id>', 'the agent', uuid)
    .requiredOption('--candidate <run>', 'a run id, or a reference: latest, active or a registry name')
    .option('--name <name>', 'name of the baseline entry (default promoted-<run id prefix>)')
    .option('--require-significance', 'hold the compare to the significance rule, as `gate --require-significance` does')
    .option('--non-inferiority-margin <m>', 'with --require-significance: the pass-rate lower bound must be ≥ −m (default: no margin)', fraction(0, 1))
    .option('--window-minutes <n>', 'how recent the clean compare must be (default 60)', integer(1, 10_080))
    .action(
      action<PromoteOptions>(state, async (ctx, opts) => {
        const significance = Boolean(opts.requireSignificance);
        const body = {
          ...(isUuid(opts.candidate) ? { candidate_run_id: opts.candidate } : { candidate_ref: opts.candidate }),
          name: opts.name,
          clean_compare_window_minutes: opts.windowMinutes,
          gate_mode: significance ? ('significance' as const) : ('regression_count' as const),
          // The API's significance mode always checks a margin; "no margin" is the widest one it takes.
          non_inferiority_margin: significance ? (opts.nonInferiorityMargin ?? 1) : undefined,
        };
        try {
          const promoted = await ctx.client().registry.promote(opts.agent, body);
          ctx.out.github.outputs({ promoted: true, baseline_name: promoted.entry.name, baseline_run_id: promoted.entry.run_id });
          ctx.out.github.summary(
            `### Greenlight promotion ✅\n\nRun \`${promoted.entry.run_id}\` is now the active baseline \`${promoted.entry.name}\` (${promoted.gate.reason}).\n`,
          );
          ctx.out.result(promoted, () => [
            `Promoted run ${promoted.entry.run_id} to the active baseline "${promoted.entry.name}"`,
            `  gate: ${promoted.gate.reason}${promoted.compare_id ? `, compare ${promoted.compare_id}` : ''}`,
            promoted.previous_baseline
              ? `  previous baseline: ${promoted.previous_baseline.name} (run ${shortId(promoted.previous_baseline.run_id)})`
              : '  first baseline of the agent',
          ]);
          return ExitCode.ok;
        } catch (err) {
          if (!(err instanceof GreenlightApiError && err.code === 'RUN_REGISTRY_PROMOTION_BLOCKED')) throw err;
          const details = (err.details ?? {}) as { reason?: string };
          const why = err.apiMessage.replace(/^promotion blocked:\s*/, '');
          ctx.out.github.outputs({ promoted: false, baseline_name: '', baseline_run_id: '', blocked_reason: details.reason ?? 'unknown' });
          ctx.out.github.summary(
            `### Greenlight promotion ❌ blocked\n\n${why} (reason \`${details.reason ?? 'unknown'}\`, request id \`${err.requestId ?? '–'}\`).\n`,
          );
          ctx.out.result({ promoted: false, code: err.code, message: err.apiMessage, request_id: err.requestId, details: err.details }, () => [
            `Promotion blocked: ${why}`,
            `  reason: ${details.reason ?? 'unknown'} (request id ${err.requestId ?? '–'})`,
          ]);
          return ExitCode.failed;
        }
      }),
    );

  program
    .command('launch-gate')
    .description('Whether the agent may launch now: exit 0 pass, 1 blocked (the blockers are listed)')
    .requiredOption('--agent <agent_id>', 'the agent', uuid)
    .action(
      action<{ agent: string }>(state, async (ctx, opts) => {
        const gate = await ctx.client().launch.gate(opts.agent);
        ctx.out.github.outputs({ launch_gate_status: gate.status });
        const blockers = gate.blockers.map((b) => [b.kind, b.message]);
        ctx.out.github.summary(
          `### Greenlight launch gate: ${gate.status === 'pass' ? '✅ pass' : '❌ blocked'}\n\n` +
            gate.blockers.map((b) => `- \`${b.kind}\`: ${b.message}`).join('\n') +
            '\n',
        );
        ctx.out.result(gate, () => [`Launch gate of agent ${gate.agent_id}: ${gate.status}`, ...columns(blockers).map((l) => `  ${l}`)]);
        return gate.status === 'pass' ? ExitCode.ok : ExitCode.failed;
      }),
    );

  const queue = program.command('queue').description('Queue health');
  queue
    .command('stats')
    .description('Jobs per queue and state, runs by status, retries and dead letters (admin key)')
    .action(
      action(state, async (ctx) => {
        const stats = await ctx.client().queue.stats();
        const counts = (c: Record<string, number>) =>
          Object.entries(c)
            .map(([k, v]) => `${k} ${v}`)
            .join(', ');
        ctx.out.result(stats, () => [
          `Queues at ${stats.checked_at}`,
          ...columns(stats.queues.map((q) => [q.name, q.paused ? 'paused' : 'running', counts(q.counts)])).map((l) => `  ${l}`),
          `  runs: ${counts(stats.runs)}`,
          `  retry backlog ${stats.retry_backlog}, dead letters ${stats.dead_letter_count}, oldest queued ${stats.oldest_queued_age_seconds ?? '–'} s`,
        ]);
        return ExitCode.ok;
      }),
    );
}
