import { describeError, errorLine, ExitCode } from './errors';
import { GitHubReporter } from './github';

type Writable = { write(chunk: string): unknown };

/**
 * Where a command's results go: human text on stdout by default, exactly one JSON document with
 * `--json`; notes and progress on stderr either way, so stdout stays parseable.
 */
export class Output {
  readonly github: GitHubReporter;

  constructor(
    readonly json: boolean,
    private readonly stdout: Writable = process.stdout,
    private readonly stderr: Writable = process.stderr,
    env: NodeJS.ProcessEnv = process.env,
  ) {
    this.github = new GitHubReporter(env);
  }

  /** The command's result: `human()` lines, or `data` as JSON. */
  result(data: unknown, human: () => string | string[]): void {
    if (this.json) {
      this.stdout.write(JSON.stringify(data, null, 2) + '\n');
      return;
    }
    const text = human();
    const lines = Array.isArray(text) ? text.join('\n') : text;
    if (lines) this.stdout.write(lines.endsWith('\n') ? lines : lines + '\n');
  }

  /** A remark for a person (never on stdout). */
  note(message: string): void {
    this.stderr.write(message.endsWith('\n') ? message : message + '\n');
  }

  get errorStream(): Writable {
    return this.stderr;
  }

  /** Prints an error (stderr always; stdout too with `--json`) and returns the exit code for it. */
  fail(err: unknown): number {
    const e = describeError(err);
    this.stderr.write(errorLine(e) + '\n');
    const detail = detailLines(e.details);
    if (detail.length > 0) this.stderr.write(detail.map((l) => `  ${l}`).join('\n') + '\n');
    if (this.json) this.stdout.write(JSON.stringify({ error: e }, null, 2) + '\n');
    return ExitCode.error;
  }
}

/** The parts of an error's details a person needs: field messages, file rows, blockers. */
function detailLines(details: unknown): string[] {
  if (!details || typeof details !== 'object') return [];
  const lines: string[] = [];
  // A validation error's details: one entry per field, with its messages.
  if (Array.isArray(details)) {
    for (const f of details.slice(0, 20) as { field?: string; messages?: string[] }[]) lines.push(`${f?.field ?? '?'}: ${(f?.messages ?? []).join('; ')}`);
    return lines;
  }
  const d = details as Record<string, unknown>;
  const report = d.validation_report as { issues?: { row: number; field: string; message: string }[]; total_rows?: number; rejected_rows?: number } | undefined;
  if (report && Array.isArray(report.issues)) {
    lines.push(`file: ${report.total_rows ?? '?'} rows, ${report.rejected_rows ?? '?'} rejected`);
    for (const i of report.issues.slice(0, 20)) lines.push(`row ${i.row}, ${i.field}: ${i.message}`);
    if (report.issues.length > 20) lines.push(`… ${report.issues.length - 20} more issues (--json shows them all)`);
  }
  if (typeof d.reason === 'string') lines.push(`reason: ${d.reason}`);
  if (Array.isArray(d.reasons)) for (const r of d.reasons.slice(0, 20)) lines.push(`reason: ${typeof r === 'string' ? r : JSON.stringify(r)}`);
  return lines;
}
