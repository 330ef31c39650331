import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join } from 'node:path';
import { startTestAgent, TestAgent } from './agent-server';
import { ApiHarness, FAST_WORKER_ENV, OrgKeys, serveApi } from './harness';
import { parseCommandFile } from './github-command-file';

/** The built CLI (`npm run build` first), run the way the executable in apps/cli/bin runs it. */
export const CLI_MAIN = join(__dirname, '..', '..', 'dist', 'apps', 'cli', 'src', 'main.js');
/** The executable users and CI jobs put on PATH (a node script that loads CLI_MAIN). */
export const CLI_BIN = join(__dirname, '..', '..', 'apps', 'cli', 'bin', 'greenlight');

/** What one CLI invocation did. */
export interface CliResult {
  args: string[];
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
  ms: number;
  /** stdout parsed as exactly one JSON document (fails naming the invocation otherwise). */
  json(): any;
}

export interface CliCall {
  /** Added to (or, as undefined, removed from) the runner's environment. */
  env?: Record<string, string | undefined>;
  stdin?: string;
  timeoutMs?: number;
  /** Run the executable in apps/cli/bin (found by its `#!/usr/bin/env node` line) instead of `node CLI_MAIN`. */
  bin?: boolean;
}

/**
 * Runs the CLI as a child process, asynchronously: the api and worker under test live in the test's
 * own process, so a synchronous spawn would stop them from answering the CLI. Each child gets a process
 * group of its own and a clean environment (a temporary HOME, nothing of this machine's configuration
 * or of a surrounding CI job: no GITHUB_OUTPUT the CLI could append to by mistake). A child still
 * running after its timeout is killed with its group; `killAll` ends any left over.
 */
export class CliRunner {
  readonly home: string;
  private readonly children = new Set<ChildProcess>();

  constructor(private readonly baseEnv: Record<string, string> = {}) {
    this.home = tempDir('greenlight-cli-home-');
  }

  env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    // this node first on PATH, for the executable's `#!/usr/bin/env node`
    const path = [dirname(process.execPath), process.env.PATH ?? '/usr/bin:/bin'].join(delimiter);
    const env: NodeJS.ProcessEnv = { PATH: path, HOME: this.home, LANG: 'C.UTF-8', NO_COLOR: '1', ...this.baseEnv };
    for (const [k, v] of Object.entries(extra)) {
      if (v === undefined) delete env[k];
      else env[k] = v;
    }
    return env;
  }

  run(args: string[], call: CliCall = {}): Promise<CliResult> {
    const started = Date.now();
    const [command, argv] = call.bin ? [CLI_BIN, args] : [process.execPath, [CLI_MAIN, ...args]];
    const child = spawn(command, argv, { env: this.env(call.env), detached: true, stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.add(child);
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout!.on('data', (c: Buffer) => out.push(c));
    child.stderr!.on('data', (c: Buffer) => err.push(c));
    child.stdin!.on('error', () => undefined);
    child.stdin!.end(call.stdin ?? '');
    const timeoutMs = call.timeoutMs ?? 45_000;
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      killGroup(child);
    }, timeoutMs);
    return new Promise((resolve, reject) => {
      child.on('error', (e) => {
        clearTimeout(timer);
        this.children.delete(child);
        reject(e);
      });
      child.on('close', (code, signal) => {
        clearTimeout(timer);
        this.children.delete(child);
        const stdout = Buffer.concat(out).toString('utf8');
        const stderr = Buffer.concat(err).toString('utf8');
        if (timedOut) {
          reject(new Error(`greenlight ${args.join(' ')} still ran after ${timeoutMs} ms; killed.\nstdout: ${stdout}\nstderr: ${stderr}`));
          return;
        }
        resolve({ args, code, signal, stdout, stderr, ms: Date.now() - started, json: () => parseOneJson(args, stdout, stderr) });
      });
    });
  }

  async killAll(): Promise<void> {
    const waits = [...this.children].map(
      (c) => new Promise<void>((resolve) => (c.exitCode !== null || c.signalCode !== null ? resolve() : c.once('close', () => resolve()))),
    );
    for (const c of this.children) killGroup(c);
    await Promise.all(waits);
    rmSync(this.home, { recursive: true, force: true });
  }
}

function killGroup(child: ChildProcess): void {
  if (child.exitCode !== null || child.signalCode !== null) return;
  try {
    process.kill(-child.pid!, 'SIGKILL');
  } catch {
    child.kill('SIGKILL');
  }
}

function parseOneJson(args: string[], stdout: string, stderr: string): any {
  try {
    return JSON.parse(stdout);
  } catch (e) {
    throw new Error(`greenlight ${args.join(' ')}: stdout is not one JSON document (${(e as Error).message})\nstdout: ${stdout}\nstderr: ${stderr}`);
  }
}

/** The error line the CLI prints on stderr: `error: CODE: message (HTTP status, request id id)`. */
export const ERROR_LINE = /^error: ([A-Z_]+): (.+?)(?: \((.+)\))?$/m;

/** The error line on stderr: code, message, and the HTTP status and request id (`where`) when the API answered. */
export function errorOf(stderr: string): { code: string; message: string; where: string } {
  const m = ERROR_LINE.exec(stderr);
  if (!m) throw new Error(`no "error: CODE: message" line on stderr:\n${stderr}`);
  return { code: m[1], message: m[2], where: m[3] ?? '' };
}

/** A describing line for failed expectations: the invocation, exit code and both streams. */
export function show(r: CliResult): string {
  return `greenlight ${r.args.join(' ')} → exit ${r.code}${r.signal ? ` (${r.signal})` : ''}\n--- stdout\n${r.stdout}\n--- stderr\n${r.stderr}`;
}

/** Fails with the whole invocation when the exit code is not `code`; returns the result. */
export function expectExit(r: CliResult, code: number): CliResult {
  if (r.code !== code) throw new Error(`expected exit ${code}\n${show(r)}`);
  return r;
}

export function tempDir(prefix = 'greenlight-cli-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

/**
 * The two files a GitHub Actions step appends to, empty, in `dir`: `env` points the CLI at them;
 * `outputs()` reads the step outputs back (heredoc values included), `summary()` the Markdown.
 */
export function githubFiles(dir: string, label: string) {
  const output = join(dir, `${label}-output`);
  const summary = join(dir, `${label}-summary.md`);
  writeFileSync(output, '');
  writeFileSync(summary, '');
  return {
    env: { GITHUB_OUTPUT: output, GITHUB_STEP_SUMMARY: summary },
    outputsText: () => readFileSync(output, 'utf8'),
    outputs: () => parseCommandFile(readFileSync(output, 'utf8')),
    summary: () => readFileSync(summary, 'utf8'),
  };
}

/**
 * Golden-set cases an agent can be made to get right or wrong: `[tag] What is item i?` expects
 * `Item i is a widget.`. The tag keeps the cases of different tests apart on one agent server.
 */
export const caseInput = (tag: string, i: number) => `[${tag}] What is item ${i}?`;
export const rightAnswer = (i: number) => `Item ${i} is a widget.`;

export interface CliStack {
  h: ApiHarness;
  url: string;
  keys: OrgKeys;
  /** A global admin key (what an operator gets from the bootstrap command). */
  globalKey: string;
  agent: TestAgent;
  /** Per tag: the items the agent now answers wrongly. */
  wrong: Map<string, Set<number>>;
  /** Tags whose calls the agent refuses with HTTP 400 (the cases error and the run fails). */
  broken: Set<string>;
  /** Per tag: how long the agent takes to answer, in ms. */
  slow: Map<string, number>;
  cli: CliRunner;
  close(): Promise<void>;
}

/**
 * The real api and worker (this file's database and Redis prefix) listening on 127.0.0.1, an org with
 * a key of each role, a local agent answering `[tag] What is item i?` and a CLI runner pointed at the
 * api (no key: each call says which one it uses).
 */
export async function startCliStack(): Promise<CliStack> {
  const wrong = new Map<string, Set<number>>();
  const broken = new Set<string>();
  const slow = new Map<string, number>();
  const agent = await startTestAgent((input) => {
    const m = /^\[([^\]]+)\] What is item (\d+)\?$/.exec(input);
    if (!m) return { body: { output: 'I do not understand.' } };
    const [, tag, item] = m;
    if (broken.has(tag)) return { status: 400, body: { error: 'refused' } };
    const i = Number(item);
    return { body: { output: wrong.get(tag)?.has(i) ? 'No idea.' : rightAnswer(i) }, delay_ms: slow.get(tag) };
  });
  const { h, url, globalKey, keys } = await serveApi({ ...FAST_WORKER_ENV, EVAL_WORKER_CHUNK_SIZE: '10' });
  const cli = new CliRunner({ GREENLIGHT_API_URL: url });
  return {
    h,
    url,
    keys,
    globalKey,
    agent,
    wrong,
    broken,
    slow,
    cli,
    async close() {
      await cli.killAll();
      await h.close();
      await agent.close();
    },
  };
}
