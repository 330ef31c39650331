import { Command } from 'commander';
import { RunState } from './command';
import { registerAgents } from './commands/agents';
import { registerAuth } from './commands/auth';
import { registerBootstrap } from './commands/bootstrap';
import { registerCompare } from './commands/compare';
import { registerDecisions } from './commands/decisions';
import { registerGate } from './commands/gate';
import { registerRun } from './commands/run';
import { registerUpload } from './commands/upload';
import { CLI_VERSION } from './context';
import { integer } from './parse';

/** The `greenlight` command and its subcommands. */
export function buildProgram(state: RunState): Command {
  const program = new Command('greenlight')
    .description(
      'Greenlight from the command line and CI: upload golden sets, run evaluations, compare runs, gate pull requests on regressions, promote baselines.\n' +
        'Configuration: --api-url/--api-key, else GREENLIGHT_API_URL/GREENLIGHT_API_KEY, else the file `greenlight login` writes.\n' +
        'Exit codes: 0 ok or pass, 1 the check failed (regressed, blocked, run failed), 2 usage, API or network error.',
    )
    .version(CLI_VERSION)
    .option('--api-url <url>', 'where the API is (GREENLIGHT_API_URL), e.g. https://greenlight.example.com')
    .option('--api-key <key>', 'the API key (GREENLIGHT_API_KEY; prefer the variable: flags end up in shell history)')
    .option('--json', 'print one JSON document on stdout instead of text')
    .option('--timeout <ms>', 'per request, per attempt (default 30000)', integer(1, 600_000))
    .option('--retries <n>', 'retries of a failed request: 429, 5xx, network (default 3)', integer(0, 10))
    .option('-v, --verbose', 'show every request and retry on stderr (never the key or bodies)')
    .showHelpAfterError('(add --help for usage)')
    // The parser's complaints read like every other error: `error: USAGE: <message>`.
    .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, 'error: USAGE: ')) })
    .exitOverride();
  registerAuth(program, state);
  registerBootstrap(program, state);
  registerAgents(program, state);
  registerUpload(program, state);
  registerRun(program, state);
  registerCompare(program, state);
  registerGate(program, state);
  registerDecisions(program, state);
  return program;
}
