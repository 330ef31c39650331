import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { parseCommandFile } from './github-command-file';
import { ExprContext, ExprValue, interpolate, stepCondition } from './action-expressions';

export interface ActionStep {
  id?: string;
  name?: string;
  if?: string;
  uses?: string;
  with?: Record<string, string>;
  run?: string;
  shell?: string;
  env?: Record<string, string>;
  'working-directory'?: string;
}

export interface ActionMetadata {
  name: string;
  inputs: Record<string, { description?: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description?: string; value: string }>;
  runs: { using: string; steps: ActionStep[] };
}

/** What the workflow run looks like to the action: the `github` context and the environment it derives. */
export interface GitHubRunContext {
  event_name: string;
  ref: string;
  sha: string;
  repository: string;
  default_branch: string;
  workflow?: string;
  run_number?: number;
}

export interface RunActionOptions {
  /** The directory holding action.yml (GITHUB_ACTION_PATH). */
  actionDir: string;
  inputs: Record<string, string>;
  github: GitHubRunContext;
  /** GITHUB_WORKSPACE, where relative working directories start. */
  workspace: string;
  /** Added to every step's environment (after the runner's own variables). */
  env?: Record<string, string>;
  stepTimeoutMs?: number;
}

export interface StepResult {
  id: string | null;
  name: string;
  /** `skipped` for a step whose condition was false, and for `uses:` steps (not run here). */
  outcome: 'success' | 'failure' | 'skipped';
  uses: string | null;
  exitCode: number | null;
  stdout: string;
  stderr: string;
  /** The step's GITHUB_OUTPUT file as written, and the outputs read from it. */
  outputFile: string;
  outputs: Record<string, string>;
  summary: string;
}

export interface ActionResult {
  outcome: 'success' | 'failure';
  steps: StepResult[];
  /** The action's `outputs:`, evaluated after the last step. */
  outputs: Record<string, string>;
  /** Every step's GITHUB_STEP_SUMMARY, in order. */
  summary: string;
  /** Directories the steps added to PATH (GITHUB_PATH), in the order added. */
  pathAdded: string[];
  step(id: string): StepResult;
  /** Each step's outcome and log, for assertion messages. */
  transcript(): string;
}

export function loadAction(actionDir: string): ActionMetadata {
  const meta = parseYaml(readFileSync(join(actionDir, 'action.yml'), 'utf8')) as ActionMetadata;
  if (meta?.runs?.using !== 'composite') throw new Error(`${actionDir}/action.yml is not a composite action`);
  meta.inputs ??= {};
  meta.outputs ??= {};
  return meta;
}

/** The environment a step inherits: this process's, without any Actions, runner or Greenlight settings of its own. */
function baseEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined || /^(GITHUB_|RUNNER_|INPUT_|ACTIONS_|GREENLIGHT_)/.test(k)) continue;
    env[k] = v;
  }
  return env;
}

/** Runs bash on a script without blocking this process (the api under test answers in it). */
function runBash(
  script: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', script], { cwd, env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    const timer = setTimeout(() => {
      stderr += `\n[runner] step timed out after ${timeoutMs} ms; killed\n`;
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        child.kill('SIGKILL');
      }
    }, timeoutMs);
    child.on('error', (e) => {
      clearTimeout(timer);
      reject(e);
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/**
 * Runs a composite action's steps the way a runner does: each `run:` step with bash, its `env:` and
 * `working-directory` expanded, fresh GITHUB_OUTPUT / GITHUB_STEP_SUMMARY / GITHUB_PATH / GITHUB_ENV
 * files per step (read back after it: outputs into the `steps` context, PATH and environment additions
 * into the next steps), `if:` conditions with the implicit success(), and the action's outputs at the
 * end. `uses:` steps (setting up tools this machine already has) are skipped.
 */
export async function runAction(opts: RunActionOptions): Promise<ActionResult> {
  const meta = loadAction(opts.actionDir);
  for (const name of Object.keys(opts.inputs)) if (!(name in meta.inputs)) throw new Error(`the action has no input "${name}"`);
  const inputs: Record<string, ExprValue> = {};
  for (const [name, def] of Object.entries(meta.inputs)) inputs[name] = opts.inputs[name] ?? String(def.default ?? '');
  const g = opts.github;
  const github: ExprValue = {
    event_name: g.event_name,
    ref: g.ref,
    sha: g.sha,
    repository: g.repository,
    workflow: g.workflow ?? 'ci',
    run_number: g.run_number ?? 1,
    event: { repository: { default_branch: g.default_branch } },
  };
  const stepsCtx: Record<string, ExprValue> = {};
  const ctx: ExprContext = { contexts: { inputs, github, steps: stepsCtx }, jobFailed: false };

  const files = mkdtempSync(join(tmpdir(), 'gl-action-'));
  const pathAdded: string[] = [];
  const envAdded: Record<string, string> = {};
  const results: StepResult[] = [];
  try {
    for (const [index, step] of meta.runs.steps.entries()) {
      const name = step.name ?? step.id ?? `step ${index + 1}`;
      const result: StepResult = {
        id: step.id ?? null,
        name,
        outcome: 'skipped',
        uses: step.uses ?? null,
        exitCode: null,
        stdout: '',
        stderr: '',
        outputFile: '',
        outputs: {},
        summary: '',
      };
      results.push(result);
      if (!stepCondition(step.if, ctx) || step.uses !== undefined) {
        if (step.id) stepsCtx[step.id] = { outputs: {}, outcome: 'skipped', conclusion: 'skipped' };
        continue;
      }
      if (step.shell !== 'bash') throw new Error(`step "${name}": only shell: bash is supported here (got ${step.shell})`);
      const dir = join(files, String(index));
      mkdirSync(dir);
      const file = (n: string) => {
        writeFileSync(join(dir, n), '');
        return join(dir, n);
      };
      const [outputPath, summaryPath, pathPath, envPath] = ['output', 'summary', 'path', 'env'].map(file);
      const script = join(dir, 'script.sh');
      writeFileSync(script, interpolate(step.run ?? '', ctx));
      const stepEnv: Record<string, string> = {};
      for (const [k, v] of Object.entries(step.env ?? {})) stepEnv[k] = interpolate(String(v), ctx);
      const base = baseEnv();
      const env: Record<string, string> = {
        ...base,
        CI: 'true',
        GITHUB_ACTIONS: 'true',
        GITHUB_ACTION_PATH: opts.actionDir,
        GITHUB_WORKSPACE: opts.workspace,
        GITHUB_EVENT_NAME: g.event_name,
        GITHUB_REF: g.ref,
        GITHUB_SHA: g.sha,
        GITHUB_REPOSITORY: g.repository,
        GITHUB_WORKFLOW: g.workflow ?? 'ci',
        GITHUB_RUN_NUMBER: String(g.run_number ?? 1),
        GITHUB_OUTPUT: outputPath,
        GITHUB_STEP_SUMMARY: summaryPath,
        GITHUB_PATH: pathPath,
        GITHUB_ENV: envPath,
        RUNNER_TEMP: files,
        ...(opts.env ?? {}),
        ...envAdded,
        PATH: [...[...pathAdded].reverse(), base.PATH ?? ''].join(':'),
        ...stepEnv,
      };
      const cwd = resolve(opts.workspace, interpolate(step['working-directory'] ?? '.', ctx));
      const run = await runBash(script, cwd, env, opts.stepTimeoutMs ?? 60_000);
      result.exitCode = run.code;
      result.stdout = run.stdout;
      result.stderr = run.stderr;
      result.outcome = run.code === 0 ? 'success' : 'failure';
      result.outputFile = readFileSync(outputPath, 'utf8');
      result.outputs = parseCommandFile(result.outputFile);
      result.summary = readFileSync(summaryPath, 'utf8');
      for (const line of readFileSync(pathPath, 'utf8').split('\n')) if (line.trim()) pathAdded.push(line.trim());
      Object.assign(envAdded, parseCommandFile(readFileSync(envPath, 'utf8')));
      if (step.id) stepsCtx[step.id] = { outputs: result.outputs, outcome: result.outcome, conclusion: result.outcome };
      if (result.outcome === 'failure') ctx.jobFailed = true;
    }
  } finally {
    rmSync(files, { recursive: true, force: true });
  }

  const outputs: Record<string, string> = {};
  for (const [name, def] of Object.entries(meta.outputs)) outputs[name] = interpolate(String(def.value), ctx);
  return {
    outcome: ctx.jobFailed ? 'failure' : 'success',
    steps: results,
    outputs,
    summary: results.map((s) => s.summary).join(''),
    pathAdded,
    step(id: string) {
      const found = results.find((s) => s.id === id);
      if (!found) throw new Error(`no step with id ${id}`);
      return found;
    },
    transcript() {
      return results
        .map((s) => `--- ${s.name} [${s.outcome}${s.exitCode === null ? '' : `, exit ${s.exitCode}`}]\n${s.stdout}${s.stderr ? `(stderr)\n${s.stderr}` : ''}`)
        .join('\n');
    },
  };
}
