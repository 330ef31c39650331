import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';

/**
 * What a step of a GitHub Actions job reads back: `$GITHUB_OUTPUT` gets the step's outputs, and
 * `$GITHUB_STEP_SUMMARY` the Markdown shown on the run's page. Outside Actions both are unset and
 * nothing is written.
 */
export class GitHubReporter {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}

  get active(): boolean {
    return Boolean(this.env.GITHUB_OUTPUT || this.env.GITHUB_STEP_SUMMARY);
  }

  /** Appends `name=value` lines; a value with a line break goes in a heredoc with a random delimiter. */
  outputs(values: Record<string, string | number | boolean | null | undefined>): void {
    const file = this.env.GITHUB_OUTPUT;
    if (!file) return;
    appendFileSync(file, formatOutputs(values));
  }

  summary(markdown: string): void {
    const file = this.env.GITHUB_STEP_SUMMARY;
    if (!file) return;
    appendFileSync(file, markdown.endsWith('\n') ? markdown : markdown + '\n');
  }
}

/** The `$GITHUB_OUTPUT` file format; null and undefined values are written as empty strings. */
export function formatOutputs(
  values: Record<string, string | number | boolean | null | undefined>,
  delimiter: () => string = () => `ghadelimiter_${randomUUID()}`,
): string {
  let out = '';
  for (const [name, raw] of Object.entries(values)) {
    if (!/^[A-Za-z_][A-Za-z0-9_-]*$/.test(name)) throw new Error(`invalid output name "${name}"`);
    const value = raw === null || raw === undefined ? '' : String(raw);
    if (!/[\r\n]/.test(value)) {
      out += `${name}=${value}\n`;
      continue;
    }
    const eof = delimiter();
    if (value.includes(eof)) throw new Error(`output "${name}" contains its own delimiter`);
    out += `${name}<<${eof}\n${value}\n${eof}\n`;
  }
  return out;
}
