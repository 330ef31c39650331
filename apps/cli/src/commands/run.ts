import { Command, Option } from 'commander';
import { BodyOf, EvalRun, GreenlightWaitTimeoutError } from '@greenlight/sdk';
import { action, RunState } from '../command';
import { CliError, ExitCode } from '../errors';
import { integer, uuid } from '../parse';
import { RunProgress } from '../progress';
import { runMarkdown, runText, RunSummary } from '../run-report';

type CreateRun = BodyOf<'/api/v1/eval/runs', 'post'>;

interface RunOptions {
  agent: string;
  goldenSet: string;
  name?: string;
  trials?: number;
  judgeMode?: CreateRun['judge_mode'];
  judgeModel?: string;
  wait: boolean;
  waitTimeout: number;
  pollInterval: number;
}

/** `run`: create a run, queue it for the worker, follow it to the end and print its summary. */
export function registerRun(program: Command, state: RunState): void {
  program
    .command('run')
    .description('Evaluate an agent on a golden set: create the run, queue it, show progress until it ends, print the summary')
    .requiredOption('--agent <agent_id>', 'the agent to evaluate', uuid)
    .requiredOption('--golden-set <golden_set_id>', 'the golden set to run', uuid)
    .option('--name <name>', 'a name for the run')
    .option('--trials <n>', 'run every case n times to find flaky cases (1-10)', integer(1, 10))
    .addOption(new Option('--judge-mode <mode>', 'how answers are scored (default: the API default)').choices(['deterministic', 'provider']))
    .option('--judge-model <model>', 'the model of the provider judge')
    .option('--no-wait', 'queue the run and return at once (prints the run id)')
    .option('--wait-timeout <minutes>', 'give up waiting after this long (the run goes on)', integer(1, 24 * 60), 60)
    .option('--poll-interval <ms>', 'how often progress is read', integer(100, 60_000), 2000)
    .action(
      action<RunOptions>(state, async (ctx, opts) => {
        const client = ctx.client();
        const created = await client.evalRuns.create({
          agent_id: opts.agent,
          golden_set_id: opts.goldenSet,
          name: opts.name,
          trials: opts.trials,
          judge_mode: opts.judgeMode,
          judge_model: opts.judgeModel,
        });
        ctx.out.github.outputs({ run_id: created.id });
        const queued = await client.evalRuns.start(created.id);
        if (!opts.wait) {
          ctx.out.github.outputs({ run_status: queued.run.status });
          ctx.out.result({ run: queued.run, summary: null }, () => `Run ${created.id} queued (${created.total_cases} cases)`);
          return ExitCode.ok;
        }
        ctx.out.note(`Run ${created.id} queued: ${created.total_cases} cases`);
        const progress = new RunProgress(ctx.out.errorStream);
        let run: EvalRun;
        try {
          run = await client.evalRuns.wait(created.id, {
            intervalMs: opts.pollInterval,
            timeoutMs: opts.waitTimeout * 60_000,
            onProgress: (r) => progress.update(r),
          });
        } catch (err) {
          if (err instanceof GreenlightWaitTimeoutError) {
            ctx.out.github.outputs({ run_status: err.status });
            throw new CliError(
              'WAIT_TIMEOUT',
              `run ${err.runId} is still ${err.status} after ${opts.waitTimeout} min; it goes on: follow it with GET /api/v1/eval/runs/${err.runId}`,
            );
          }
          throw err;
        } finally {
          progress.finish();
        }
        const summary: RunSummary | null = run.result_count > 0 || run.status === 'completed' ? await client.evalRuns.summary(run.id) : null;
        ctx.out.github.outputs({ run_status: run.status, pass_rate: summary?.pass_rate ?? '' });
        ctx.out.github.summary(runMarkdown(run, summary, (p) => ctx.link(p)));
        ctx.out.result({ run, summary }, () => runText(run, summary));
        return run.status === 'completed' ? ExitCode.ok : ExitCode.failed;
      }),
    );
}
