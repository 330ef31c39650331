#!/usr/bin/env node
import { CommanderError } from 'commander';
import { RunState } from './command';
import { describeError, errorLine, ExitCode } from './errors';
import { buildProgram } from './program';

const flush = (stream: NodeJS.WriteStream) => new Promise<void>((resolve) => stream.write('', () => resolve()));

/** Runs the CLI on `argv` (as `process.argv`) and exits with the command's exit code. */
export async function run(argv: string[]): Promise<never> {
  const state: RunState = { exitCode: ExitCode.ok };
  const program = buildProgram(state);
  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; every other complaint of the parser is a usage error (commander printed it).
      state.exitCode = err.exitCode === 0 ? ExitCode.ok : ExitCode.error;
      if (state.exitCode !== ExitCode.ok && argv.includes('--json')) {
        process.stdout.write(
          JSON.stringify({ error: { code: 'USAGE', message: err.message.replace(/^error:\s*/, ''), status: null, request_id: null, details: null } }, null, 2) +
            '\n',
        );
      }
    } else {
      process.stderr.write(errorLine(describeError(err)) + '\n');
      state.exitCode = ExitCode.error;
    }
  }
  await Promise.all([flush(process.stdout), flush(process.stderr)]);
  process.exit(state.exitCode);
}

if (require.main === module) void run(process.argv);
