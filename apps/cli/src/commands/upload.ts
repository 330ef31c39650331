import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Command, Option } from 'commander';
import type { BodyOf, GoldenSetFileFormat, GreenlightClient, ItemOf } from '@greenlight/sdk';
import { action, RunState } from '../command';
import { ExitCode, UsageError } from '../errors';
import { uuid } from '../parse';

const FORMATS = ['csv', 'jsonl', 'xlsx', 'json'] as const;
type UploadFormat = (typeof FORMATS)[number];
type InlineCases = BodyOf<'/api/v1/golden-sets/upload', 'post'>['cases'];

/** Files above this are refused before sending: base64 adds a third, and the API refuses large bodies anyway. */
const MAX_FILE_BYTES = 20 * 1024 * 1024;

function formatOf(file: string, given?: UploadFormat): UploadFormat {
  if (given) return given;
  const ext = extname(file).slice(1).toLowerCase();
  if (ext === 'ndjson') return 'jsonl';
  if ((FORMATS as readonly string[]).includes(ext)) return ext as UploadFormat;
  throw new UsageError(`cannot tell the format of "${file}" from its extension: pass --format (${FORMATS.join(', ')})`);
}

/** How many of the agent's golden sets `--reuse-unchanged` looks through (newest first). */
const REUSE_SCAN_LIMIT = 1000;

type GoldenSet = ItemOf<'/api/v1/agents/{agent_id}/golden-sets'>;

/** The mark a set uploaded with `--reuse-unchanged` carries in its description: the file's SHA-256. */
export const contentMark = (sha256: string) => `content-sha256=${sha256}`;

/** The agent's newest golden set uploaded from the same bytes, if any. */
async function findUnchanged(client: GreenlightClient, agentId: string, sha256: string): Promise<GoldenSet | null> {
  const mark = contentMark(sha256);
  const sets = client.iterate('/api/v1/agents/{agent_id}/golden-sets', { path: { agent_id: agentId } }, { limit: 200, maxItems: REUSE_SCAN_LIMIT });
  for await (const set of sets) if (set.description?.includes(mark)) return set;
  return null;
}

/** A json golden-set file: an array of cases, or an object with a `cases` array. */
export function casesOfJson(text: string, file: string): InlineCases {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (err) {
    throw new UsageError(`${file} is not valid JSON: ${(err as Error).message}`);
  }
  const cases = Array.isArray(parsed) ? parsed : (parsed as { cases?: unknown } | null)?.cases;
  if (!Array.isArray(cases)) throw new UsageError(`${file} must hold an array of cases, or an object with a "cases" array`);
  return cases as InlineCases;
}

/** `upload`: a golden set from a csv, jsonl, xlsx or json file. */
export function registerUpload(program: Command, state: RunState): void {
  program
    .command('upload')
    .description('Create a golden set from a file: csv, jsonl or xlsx (checked row by row by the API, with a validation report), or json')
    .argument('<file>', 'the golden set file')
    .requiredOption('--agent <agent_id>', 'the agent the golden set is for', uuid)
    .option('--name <name>', "the golden set's name (default: the file's name)")
    .option('--description <text>')
    .addOption(new Option('--format <format>', 'the file format (default: from the extension)').choices(FORMATS))
    .option(
      '--reuse-unchanged',
      "reuse the agent's golden set uploaded from the same file content (its SHA-256 is recorded in the description), so runs share case ids and compare case by case",
    )
    .action(
      action<{ agent: string; name?: string; description?: string; format?: UploadFormat; reuseUnchanged?: boolean }>(state, async (ctx, opts, [file]) => {
        const format = formatOf(file!, opts.format);
        let size: number;
        try {
          size = statSync(file!).size;
        } catch {
          throw new UsageError(`cannot read ${file}: no such file`);
        }
        if (size > MAX_FILE_BYTES) throw new UsageError(`${file} is ${size} bytes, more than the ${MAX_FILE_BYTES} the CLI uploads`);
        const content = readFileSync(file!);
        const name = opts.name ?? basename(file!);
        const client = ctx.client();
        const sha256 = createHash('sha256').update(content).digest('hex');
        if (opts.reuseUnchanged) {
          const existing = await findUnchanged(client, opts.agent, sha256);
          if (existing) {
            ctx.out.github.outputs({ golden_set_id: existing.id, case_count: existing.case_count, golden_set_reused: true, golden_set_sha256: sha256 });
            ctx.out.github.summary(
              `Golden set \`${existing.id}\` reused (${existing.case_count} cases, uploaded earlier from the same content as \`${file}\`).\n\n`,
            );
            ctx.out.result({ golden_set: existing, case_count: existing.case_count, validation_report: null, reused: true }, () => [
              `Golden set ${existing.name}: ${existing.id} (${existing.case_count} cases), reused: uploaded earlier from the same content`,
            ]);
            return ExitCode.ok;
          }
        }
        const description = opts.reuseUnchanged ? [opts.description, contentMark(sha256)].filter(Boolean).join(' · ') : opts.description;
        const uploaded =
          format === 'json'
            ? await client.goldenSets.create({ agent_id: opts.agent, name, description, cases: casesOfJson(content.toString('utf8'), file!) })
            : await client.goldenSets.uploadFile({
                agent_id: opts.agent,
                name,
                description,
                format: format as GoldenSetFileFormat,
                filename: basename(file!),
                content,
              });
        ctx.out.github.outputs({ golden_set_id: uploaded.golden_set.id, case_count: uploaded.case_count, golden_set_reused: false, golden_set_sha256: sha256 });
        const rejected = uploaded.validation_report?.rejected_rows ?? 0;
        ctx.out.github.summary(
          `Golden set \`${uploaded.golden_set.id}\` uploaded from \`${file}\` (${uploaded.case_count} cases${rejected > 0 ? `, ${rejected} rows rejected` : ''}).\n\n`,
        );
        ctx.out.result({ ...uploaded, reused: false }, () => {
          const lines = [`Golden set ${uploaded.golden_set.name}: ${uploaded.golden_set.id} (${uploaded.case_count} cases)`];
          const report = uploaded.validation_report;
          if (report) {
            lines.push(`  ${report.total_rows} rows: ${report.accepted_rows} accepted, ${report.rejected_rows} rejected`);
            if (report.ignored_columns.length > 0) lines.push(`  ignored columns: ${report.ignored_columns.join(', ')}`);
            for (const issue of report.issues.slice(0, 20)) lines.push(`  row ${issue.row}, ${issue.field}: ${issue.message}`);
            if (report.issues.length > 20 || report.issues_truncated) lines.push('  … more issues (--json shows every one the API kept)');
          }
          return lines;
        });
        return ExitCode.ok;
      }),
    );
}
