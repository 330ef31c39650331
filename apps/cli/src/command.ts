import { Command, OptionValues } from 'commander';
import { CliContext, GlobalOptions } from './context';
import { Output } from './output';

/** The exit code of the command that ran, read by `main` once the command is done. */
export interface RunState {
  exitCode: number;
}

/** What a command's body returns: the process's exit code (see ExitCode). */
export type CommandBody<O extends OptionValues> = (ctx: CliContext, options: O, args: string[]) => Promise<number>;

/**
 * Wraps a command's body for commander: builds its context from the global options, and turns any
 * error into the error report and exit code 2.
 */
export function action<O extends OptionValues>(state: RunState, body: CommandBody<O>) {
  return async (...received: unknown[]): Promise<void> => {
    const command = received[received.length - 1] as Command;
    const globals = command.optsWithGlobals<GlobalOptions & O>();
    const args = received.slice(0, -2).filter((a): a is string => typeof a === 'string');
    let ctx: CliContext | null = null;
    try {
      ctx = new CliContext(globals);
      state.exitCode = await body(ctx, command.opts<O>(), args);
    } catch (err) {
      state.exitCode = (ctx?.out ?? new Output(Boolean(globals.json))).fail(err);
    }
  };
}
