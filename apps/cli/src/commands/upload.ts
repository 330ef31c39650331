import { readFileSync, statSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { Command, Option } from 'commander';
import type { BodyOf, GoldenSetFileFormat } from '@greenlight/sdk';
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
    .action(
      action<{ agent: string; name?: string; description?: string; format?: UploadFormat }>(state, async (ctx, opts, [file]) => {
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
        const uploaded =
          format === 'json'
            ? await client.goldenSets.create({ agent_id: opts.agent, name, description: opts.description, cases: casesOfJson(content.toString('utf8'), file!) })
            : await client.goldenSets.uploadFile({
                agent_id: opts.agent,
                name,
                description: opts.description,
                format: format as GoldenSetFileFormat,
                filename: basename(file!),
                content,
              });
        ctx.out.github.outputs({ golden_set_id: uploaded.golden_set.id, case_count: uploaded.case_count });
        ctx.out.result(uploaded, () => {
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
