/**
 * The canonical shape of one golden-set case, and the one validation both the JSON upload and the
 * file upload (csv/jsonl/xlsx) use. A case is either answer mode (expected answer, optional expected
 * sources) or criteria mode (a rubric and/or dimensions to score); the two cannot be mixed.
 */
export const DIFFICULTIES = ['easy', 'medium', 'hard'] as const;
export type Difficulty = (typeof DIFFICULTIES)[number];

export const SCENARIO_TYPES = ['happy_path', 'edge_case', 'adversarial', 'regression'] as const;
export type ScenarioType = (typeof SCENARIO_TYPES)[number];

export type EvaluationMode = 'answer' | 'criteria';

export const CASE_LIMITS = {
  input_chars: 20_000,
  expected_answer_chars: 20_000,
  criteria_chars: 10_000,
  sources: 50,
  source_chars: 2_000,
  dimensions: 20,
  tags: 20,
  tag_chars: 64,
  external_id_chars: 200,
  capability_chars: 100,
} as const;

/** Taxonomy values applied when a case does not give them. */
export const TAXONOMY_DEFAULTS = { difficulty: 'medium' as Difficulty, scenario_type: 'happy_path' as ScenarioType, capability: 'general' };

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

const isBlank = (v: unknown) => v === undefined || v === null || (typeof v === 'string' && v.trim() === '');

/**
 * Validates and normalises one raw case (already mapped to canonical field names). Missing taxonomy
 * fields get TAXONOMY_DEFAULTS; `evaluation_mode` may be given or is inferred from the fields present.
 */
export function validateCaseInput(raw: Record<string, unknown>): CaseValidation {
  const issues: CaseIssue[] = [];
  const text = (field: string, max: number, required = false): string | null => {
    const v = raw[field];
    if (isBlank(v)) {
      if (required) issues.push({ field, message: 'is required' });
      return null;
    }
    if (typeof v !== 'string' && typeof v !== 'number') {
      issues.push({ field, message: 'must be a string' });
      return null;
    }
    const s = String(v).trim();
    if (s.length > max) issues.push({ field, message: `must be at most ${max} characters` });
    if (s.includes('\u0000')) issues.push({ field, message: 'must not contain NUL characters' });
    return s;
  };
  const list = (field: string, maxItems: number, maxChars: number): string[] => {
    const v = raw[field];
    if (isBlank(v)) return [];
    const items = Array.isArray(v) ? v : typeof v === 'string' ? splitList(v) : null;
    if (!items) {
      issues.push({ field, message: 'must be a list of strings' });
      return [];
    }
    const out: string[] = [];
    for (const item of items) {
      if (typeof item !== 'string' && typeof item !== 'number') {
        issues.push({ field, message: 'must contain only strings' });
        return [];
      }
      const s = String(item).trim();
      if (!s) continue;
      if (s.length > maxChars) issues.push({ field, message: `items must be at most ${maxChars} characters` });
      if (s.includes('\u0000')) issues.push({ field, message: 'must not contain NUL characters' });
      out.push(s);
    }
    if (out.length > maxItems) issues.push({ field, message: `must have at most ${maxItems} items` });
    return [...new Set(out)];
  };
  const choice = <T extends string>(field: string, allowed: readonly T[], fallback: T): T => {
    const v = raw[field];
    if (isBlank(v)) return fallback;
    if (typeof v !== 'string') {
      issues.push({ field, message: `must be one of ${allowed.join(', ')}` });
      return fallback;
    }
    const s = v.trim().toLowerCase().replace(/[\s-]+/g, '_');
    if (!allowed.includes(s as T)) {
      issues.push({ field, message: `must be one of ${allowed.join(', ')}` });
      return fallback;
    }
    return s as T;
  };

  const input = text('input', CASE_LIMITS.input_chars, true);
  const expectedAnswer = text('expected_answer', CASE_LIMITS.expected_answer_chars);
  const expectedSources = list('expected_sources', CASE_LIMITS.sources, CASE_LIMITS.source_chars);
  const criteria = text('criteria', CASE_LIMITS.criteria_chars);
  const dimensions = list('dimensions', CASE_LIMITS.dimensions, 100);
  const hasAnswerFields = expectedAnswer !== null || expectedSources.length > 0;
  const hasCriteriaFields = criteria !== null || dimensions.length > 0;

  let mode: EvaluationMode | null = null;
  if (!isBlank(raw.evaluation_mode)) {
    const m = String(raw.evaluation_mode).trim().toLowerCase();
    if (m === 'answer' || m === 'criteria') mode = m;
    else issues.push({ field: 'evaluation_mode', message: 'must be answer or criteria' });
  }
  if (hasAnswerFields && hasCriteriaFields) {
    issues.push({
      field: 'evaluation_mode',
      message: 'a case cannot mix answer fields (expected_answer, expected_sources) with criteria fields (criteria, dimensions)',
    });
  }
  mode ??= hasCriteriaFields ? 'criteria' : 'answer';
  if (mode === 'answer' && expectedAnswer === null) {
    issues.push({ field: 'expected_answer', message: 'is required for answer-mode cases' });
  }
  if (mode === 'answer' && hasCriteriaFields) {
    issues.push({ field: 'criteria', message: 'is not allowed on answer-mode cases' });
  }
  if (mode === 'criteria' && !hasCriteriaFields) {
    issues.push({ field: 'criteria', message: 'criteria-mode cases need criteria or dimensions' });
  }
  if (mode === 'criteria' && hasAnswerFields) {
    issues.push({ field: 'expected_answer', message: 'is not allowed on criteria-mode cases' });
  }

  const value: CaseInput = {
    external_id: text('external_id', CASE_LIMITS.external_id_chars),
    input: input ?? '',
    evaluation_mode: mode,
    expected_answer: mode === 'answer' ? expectedAnswer : null,
    expected_sources: mode === 'answer' ? expectedSources : [],
    criteria: mode === 'criteria' ? criteria : null,
    dimensions: mode === 'criteria' ? dimensions : [],
    difficulty: choice('difficulty', DIFFICULTIES, TAXONOMY_DEFAULTS.difficulty),
    scenario_type: choice('scenario_type', SCENARIO_TYPES, TAXONOMY_DEFAULTS.scenario_type),
    capability: text('capability', CASE_LIMITS.capability_chars) ?? TAXONOMY_DEFAULTS.capability,
    tags: list('tags', CASE_LIMITS.tags, CASE_LIMITS.tag_chars),
  };
  const known = new Set([
    'external_id', 'input', 'evaluation_mode', 'expected_answer', 'expected_sources', 'criteria', 'dimensions',
    'difficulty', 'scenario_type', 'capability', 'tags',
  ]);
  for (const key of Object.keys(raw)) {
    if (!known.has(key)) issues.push({ field: key, message: 'is not a known case field' });
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
  return t.split(/[;|\n]/).map((x) => x.trim()).filter(Boolean);
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
