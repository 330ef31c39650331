/**
 * What every file format shares once a row is found: column names mapped to case fields through
 * aliases, and the collection of rows (row limit, validation, the issue report).
 */
import { CaseInput, CaseTextLimits, validateCaseInput } from './case-input';
import { FileRowIssue, GoldenSetFileError } from './golden-set-file.types';

/** Canonical field -> accepted column names (compared after trim, lowercase, spaces/dashes -> underscore). */
export const GOLDEN_SET_COLUMN_ALIASES: Record<string, string[]> = {
  input: ['input', 'question', 'prompt', 'query', 'user_input', 'utterance'],
  expected_answer: ['expected_answer', 'answer', 'expected', 'expected_output', 'reference_answer', 'ground_truth', 'gold_answer'],
  expected_sources: ['expected_sources', 'sources', 'source', 'references', 'expected_source', 'citations'],
  criteria: ['criteria', 'rubric', 'evaluation_criteria', 'grading_criteria'],
  dimensions: ['dimensions', 'dimension', 'criteria_dimensions'],
  evaluation_mode: ['evaluation_mode', 'mode', 'eval_mode'],
  difficulty: ['difficulty', 'level'],
  scenario_type: ['scenario_type', 'scenario', 'case_type', 'type'],
  capability: ['capability', 'skill', 'category'],
  tags: ['tags', 'labels'],
  external_id: ['external_id', 'id', 'case_id', 'case_key'],
};

export const MAX_REPORTED_ISSUES = 1000;

export const normaliseColumnName = (name: string) =>
  name
    .trim()
    .toLowerCase()
    .replace(/[\s-]+/g, '_');

// A Map, not an object: a header such as "constructor" must not resolve through Object.prototype.
const ALIAS_INDEX = new Map<string, string>();
/** Position of an alias in its field's list: the canonical name first, then the likelier aliases. */
export const ALIAS_RANK = new Map<string, number>();
for (const [field, aliases] of Object.entries(GOLDEN_SET_COLUMN_ALIASES)) {
  aliases.forEach((alias, i) => {
    ALIAS_INDEX.set(normaliseColumnName(alias), field);
    ALIAS_RANK.set(normaliseColumnName(alias), i);
  });
}

export class RowCollector {
  readonly cases: CaseInput[] = [];
  readonly issues: FileRowIssue[] = [];
  issuesTruncated = false;
  total = 0;
  rejected = 0;

  constructor(
    private readonly maxRows: number,
    private readonly textLimits?: CaseTextLimits,
  ) {}

  /** Called for every non-empty data row before it is validated, so an oversized file stops early. */
  count(): void {
    this.total++;
    if (this.total > this.maxRows) {
      throw new GoldenSetFileError('too_many_rows', `the file has more than ${this.maxRows} data rows`, { max_rows: this.maxRows });
    }
  }

  accept(row: number, raw: Record<string, unknown>, cellIssues: { field: string; message: string }[] = []): void {
    const result = validateCaseInput(raw, { form: 'file', limits: this.textLimits });
    if (result.ok && cellIssues.length === 0) {
      this.cases.push(result.value);
      return;
    }
    const faulty = new Set(cellIssues.map((i) => i.field));
    // A field whose cell was unusable was left out of `raw`; its "is required" would only repeat the cell issue.
    const validation = result.ok ? [] : result.issues.filter((i) => !faulty.has(i.field));
    this.reject(row, [...cellIssues, ...validation]);
  }

  reject(row: number, issues: { field: string; message: string }[]): void {
    this.rejected++;
    for (const issue of issues) {
      if (this.issues.length >= MAX_REPORTED_ISSUES) {
        this.issuesTruncated = true;
        return;
      }
      this.issues.push({ row, field: issue.field, message: issue.message });
    }
  }
}

/** Maps found column names to canonical fields; the first column claiming a field wins. */
export class ColumnMap {
  readonly columns: string[] = [];
  readonly mapping: Record<string, string> = {};
  readonly ignored: string[] = [];
  private readonly claimed = new Set<string>();
  private readonly byName = new Map<string, string | null>();

  add(name: string): string | null {
    this.columns.push(name);
    const field = ALIAS_INDEX.get(normaliseColumnName(name));
    if (field === undefined || this.claimed.has(field)) {
      this.ignored.push(name);
      if (!this.byName.has(name)) this.byName.set(name, null);
      return null;
    }
    this.claimed.add(field);
    this.mapping[name] = field;
    this.byName.set(name, field);
    return field;
  }

  /**
   * jsonl keys: every line is its own object, so aliases resolve per line (`question` on one line and
   * `input` on the next both mean input); the report lists each key once with its field.
   */
  fieldOfKey(key: string): string | null {
    const known = this.byName.get(key);
    if (known !== undefined) return known;
    const field = ALIAS_INDEX.get(normaliseColumnName(key)) ?? null;
    this.byName.set(key, field);
    this.columns.push(key);
    if (field) {
      this.claimed.add(field);
      this.mapping[key] = field;
    } else {
      this.ignored.push(key);
    }
    return field;
  }

  /** Unnamed columns are only worth reporting once a row actually puts data in them. */
  addUnnamed(label: string): void {
    if (this.byName.has(label)) return;
    this.byName.set(label, null);
    this.columns.push(label);
    this.ignored.push(label);
  }

  requireInput(hint: string): void {
    if (this.claimed.has('input')) return;
    throw new GoldenSetFileError(
      'missing_columns',
      `no column maps to "input" (accepted names: ${GOLDEN_SET_COLUMN_ALIASES.input.join(', ')}); ` +
        `found: ${this.columns.length ? this.columns.map((c) => JSON.stringify(c)).join(', ') : 'none'}. ${hint}`,
      { found: this.columns, required: ['input'], accepted_names: { input: GOLDEN_SET_COLUMN_ALIASES.input } },
    );
  }
}
