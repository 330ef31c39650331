/**
 * The canonical shape of one golden-set case, and the one validation both the JSON upload and the
 * file upload (csv/jsonl/xlsx) use. A case is either answer mode (expected answer, optional expected
 * sources) or criteria mode (a rubric and/or dimensions to score); the two cannot be mixed.
 *
 * Two forms are read. The JSON form (canonical JSON upload, supersede) is typed: text fields are
 * strings, lists are arrays of strings, enum fields hold exactly one of their values, and null or a
 * blank value is refused. The file form (csv, jsonl, xlsx rows) converts what files hold: numbers
 * become text, a list may be one cell of "a; b | c" or a JSON array, enum values are matched
 * case-insensitively with spaces or dashes for underscores, and blank cells count as absent.
 */
export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export const SCENARIO_TYPES = ['happy_path', 'edge_case', 'adversarial', 'regression'] as const;
export type ScenarioType = (typeof SCENARIO_TYPES)[number];

export const EVALUATION_MODES = ['answer', 'criteria'] as const;
export type EvaluationMode = (typeof EVALUATION_MODES)[number];

/** Lengths of the long text fields; configurable (GOLDEN_SET_MAX_*_CHARS), these are the defaults. */
export interface CaseTextLimits {
  input_chars: number;
  expected_answer_chars: number;
  criteria_chars: number;
}

export const CASE_LIMITS = {
  input_chars: 20_000,
  expected_answer_chars: 20_000,
  criteria_chars: 10_000,
  sources: 50,
  source_chars: 2_000,
  dimensions: 20,
  dimension_chars: 100,
  tags: 20,
  tag_chars: 64,
  external_id_chars: 200,
  capability_chars: 100,
} as const;

/** Taxonomy values applied when a case does not give them. */
export const TAXONOMY_DEFAULTS = { difficulty: 'medium' as Difficulty, scenario_type: 'happy_path' as ScenarioType, capability: 'general' };

export const CASE_FIELDS = [
  'external_id',
  'input',
  'evaluation_mode',
  'expected_answer',
  'expected_sources',
  'criteria',
  'dimensions',
  'difficulty',
  'scenario_type',
  'capability',
  'tags',
] as const;
const KNOWN_FIELDS = new Set<string>(CASE_FIELDS);

export interface CaseInput {
  external_id: string | null;
  input: string;
  evaluation_mode: EvaluationMode;
  expected_answer: string | null;
  expected_sources: string[];
  criteria: string | null;
  dimensions: string[];
  difficulty: Difficulty;
  scenario_type: ScenarioType;
  capability: string;
  tags: string[];
}

export interface CaseIssue {
  field: string;
  message: string;
}

export type CaseValidation = { ok: true; value: CaseInput } | { ok: false; issues: CaseIssue[] };

export interface CaseValidationOptions {
  /** `json`: the typed canonical form; `file`: a row of an uploaded file, with its conversions. */
  form: 'json' | 'file';
  /** Defaults to CASE_LIMITS. */
  limits?: CaseTextLimits;
}

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * Validates and normalises one raw case (already mapped to canonical field names). Missing taxonomy
 * fields get TAXONOMY_DEFAULTS; `evaluation_mode` may be given or is inferred from the fields present.
 */
export function validateCaseInput(raw: Record<string, unknown>, options: CaseValidationOptions): CaseValidation {
  const typed = options.form === 'json';
  const limits = options.limits ?? CASE_LIMITS;
  const issues: CaseIssue[] = [];
  const add = (field: string, message: string) => issues.push({ field, message });

  /** The typed form refuses null and blank values of fields that are present; the file form skips them. */
  const absent = (field: string): boolean => {
    const v = raw[field];
    if (v === undefined) return true;
    if (!typed) return isBlank(v);
    const required = field === 'input';
    if (v === null) add(field, required ? 'must be a string' : 'must not be null; omit the field instead');
    else if (typeof v === 'string' && v.trim() === '') add(field, required ? 'is required' : 'must not be blank; omit the field instead');
    else return false;
    return true;
  };

  const text = (field: string, max: number, required = false): string | null => {
    if (absent(field)) {
      if (required && !issues.some((i) => i.field === field)) add(field, 'is required');
      return null;
    }
    const v = raw[field];
    if (typeof v !== 'string' && (typed || typeof v !== 'number')) {
      add(field, 'must be a string');
      return null;
    }
    const s = String(v).trim();
    if (s.length > max) add(field, `must be at most ${max} characters (got ${s.length})`);
    if (s.includes('\u0000')) add(field, 'must not contain NUL characters');
    return s;
  };

  const list = (field: string, maxItems: number, maxChars: number): string[] => {
    if (absent(field)) return [];
    const v = raw[field];
    const items = Array.isArray(v) ? v : !typed && typeof v === 'string' ? splitList(v) : null;
    if (!items) {
      add(field, typed ? 'must be an array of strings' : 'must be a list of strings');
      return [];
    }
    if (items.length > maxItems * 4) {
      // Far over the limit: say so without looking at every item.
      add(field, `must have at most ${maxItems} items`);
      return [];
    }
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string' && (typed || typeof item !== 'number')) {
        add(field, 'must contain only strings');
        return [];
      }
      const s = String(item).trim();
      if (!s) {
        if (typed) add(field, 'must not contain blank items');
        continue;
      }
      if (s.length > maxChars) add(field, `items must be at most ${maxChars} characters`);
      if (s.includes('\u0000')) add(field, 'must not contain NUL characters');
      out.push(s);
    }
    if (out.length > maxItems) add(field, `must have at most ${maxItems} items`);
    return [...new Set(out)];
  };

  const choice = <T extends string>(field: string, allowed: readonly T[], message = `must be one of ${allowed.join(', ')}`): T | null => {
    const v = raw[field];
    // An empty enum value is just not one of the values.
    if (!(typed && typeof v === 'string') && absent(field)) return null;
    const s =
      typeof v !== 'string'
        ? null
        : typed
          ? v
          : v
              .trim()
              .toLowerCase()
              .replace(/[\s-]+/g, '_');
    if (s === null || !allowed.includes(s as T)) {
      add(field, message);
      return null;
    }
    return s as T;
  };

  const input = text('input', limits.input_chars, true);
  const expectedAnswer = text('expected_answer', limits.expected_answer_chars);
  const expectedSources = list('expected_sources', CASE_LIMITS.sources, CASE_LIMITS.source_chars);
  const criteria = text('criteria', limits.criteria_chars);
  const dimensions = list('dimensions', CASE_LIMITS.dimensions, CASE_LIMITS.dimension_chars);
  const hasAnswerFields = expectedAnswer !== null || expectedSources.length > 0;
  const hasCriteriaFields = criteria !== null || dimensions.length > 0;

  const givenMode = choice('evaluation_mode', EVALUATION_MODES, 'must be answer or criteria');
  if (hasAnswerFields && hasCriteriaFields) {
    add('evaluation_mode', 'a case cannot mix answer fields (expected_answer, expected_sources) with criteria fields (criteria, dimensions)');
  }
  const mode: EvaluationMode = givenMode ?? (hasCriteriaFields ? 'criteria' : 'answer');
  if (mode === 'answer' && expectedAnswer === null && !issues.some((i) => i.field === 'expected_answer')) {
    add('expected_answer', 'is required for answer-mode cases');
  }
  if (mode === 'answer' && hasCriteriaFields) add('criteria', 'is not allowed on answer-mode cases');
  if (mode === 'criteria' && !hasCriteriaFields) add('criteria', 'criteria-mode cases need criteria or dimensions');
  if (mode === 'criteria' && hasAnswerFields) add('expected_answer', 'is not allowed on criteria-mode cases');

  const value: CaseInput = {
    external_id: text('external_id', CASE_LIMITS.external_id_chars),
    input: input ?? '',
    evaluation_mode: mode,
    expected_answer: mode === 'answer' ? expectedAnswer : null,
    expected_sources: mode === 'answer' ? expectedSources : [],
    criteria: mode === 'criteria' ? criteria : null,
    dimensions: mode === 'criteria' ? dimensions : [],
    difficulty: choice('difficulty', DIFFICULTIES) ?? TAXONOMY_DEFAULTS.difficulty,
    scenario_type: choice('scenario_type', SCENARIO_TYPES) ?? TAXONOMY_DEFAULTS.scenario_type,
    capability: text('capability', CASE_LIMITS.capability_chars) ?? TAXONOMY_DEFAULTS.capability,
    tags: list('tags', CASE_LIMITS.tags, CASE_LIMITS.tag_chars),
  };
  for (const key of Object.keys(raw)) {
    if (!KNOWN_FIELDS.has(key)) add(key, 'is not a known case field');
  }
  return issues.length ? { ok: false, issues: dedupe(issues) } : { ok: true, value };
}

/** Splits "a; b | c" or a JSON array string into items (file cells hold lists as text). */
export function splitList(s: string): string[] {
  const t = s.trim();
  if (t.startsWith('[')) {
    try {
      const parsed = JSON.parse(t);
      // Only scalar items: `[{"x":1}]` must not turn into "[object Object]".
      if (Array.isArray(parsed) && parsed.every((x) => typeof x === 'string' || typeof x === 'number')) return parsed.map((x) => String(x));
    } catch {
      // fall through to delimiter splitting
    }
  }
  return t
    .split(/[;|\n]/)
    .map((x) => x.trim())
    .filter(Boolean);
}

function dedupe(issues: CaseIssue[]): CaseIssue[] {
  const seen = new Set<string>();
  return issues.filter((i) => {
    const k = `${i.field}\u0001${i.message}`;
    if (seen.has(k)) return false;
    seen.add(k);
    return true;
  });
}
