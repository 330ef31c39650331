import { createHash } from 'node:crypto';
import type { Judge, JudgeInput, JudgeResult, JudgeVerdict, ProfileSnapshot } from './judge.types';
import { dimensionsToScore } from './policy-contract';

export const DETERMINISTIC_PROMPT_VERSION = 'deterministic-v1';

/**
 * The rules below, in words. Its hash is the judge's prompt_hash, so a run records which rules
 * scored it: change the rules → change this text (and the version) → the hash moves.
 */
const RULES = `${DETERMINISTIC_PROMPT_VERSION}
answer mode: normalise (lowercase, delete punctuation, drop articles a/an/the, collapse whitespace);
correct = equal, or expected contained in actual on token boundaries, or token F1 >= 0.8;
sources: case-insensitive, ignoring http(s)://, www. and trailing slashes; correct = every expected source cited, null when none expected;
quality fraction = correct ? 0.75 + 0.25*F1 : 0.75*F1, times (0.5 + 0.5*source recall) when sources are expected; mapped onto the quality scale, 1 decimal;
tags: empty output -> irrelevant_answer|too_short; incorrect and F1 < 0.2 -> hallucination|wrong_label|calculation_error|factual_error; incorrect and F1 < 0.8 -> incomplete_answer|factual_error|wrong_label|calculation_error|shallow_analysis; missing expected source -> missing_source, and wrong_source when other sources were cited; first tag of each list present in the profile;
criteria mode: dimensions = profile required + case dimensions; per dimension f = 0.35*min(1, words/40) + 0.65*min(1, coverage/0.6), coverage = share of content stems of criteria + dimension name/description found in the output (0.5 when there are none); score = min + round(f*(max-min)); quality = weight-weighted mean, 1 decimal;
tags: empty output -> irrelevant_answer|too_short|missing_data|unclear_rationale|shallow_analysis; under 8 words -> too_short|shallow_analysis|incomplete_answer|unclear_rationale; mean coverage < 0.1 -> irrelevant_answer|misinterpretation.`;

const ARTICLES = new Set(['a', 'an', 'the']);

// Function words carry no evidence that an output addresses a criterion, so coverage ignores them.
const STOPWORDS = new Set(
  (
    'a an the and or but if then else of to in on at by for with from as is are was were be been being it its this that these those ' +
    'there their they them he she his her we our you your i me my not no nor so than too very can could should would will shall may might must ' +
    'do does did done has have had having into onto over under about above below between each every any all some such only own same other ' +
    'what which who whom whose when where why how also just more most less least much many well up out off again further once here both few'
  ).split(' '),
);

/** Lowercase, punctuation deleted, articles dropped, single spaces (SQuAD-style answer normalisation). */
export function normalizeAnswer(text: string): string {
  return tokens(text).join(' ');
}

/** Sources compare by host and path only: scheme, `www.`, case and trailing slashes are presentation. */
export function normalizeSource(source: string): string {
  return source
    .trim()
    .toLowerCase()
    .replace(/^https?:\/\//, '')
    .replace(/^www\./, '')
    .replace(/\/+$/, '');
}

/** Token-level F1 of two texts after normalisation (multiset overlap, as in SQuAD). */
export function tokenF1(actual: string, expected: string): number {
  return f1(tokens(actual), tokens(expected));
}

export class DeterministicJudge implements Judge {
  readonly mode = 'deterministic' as const;
  readonly model = null;
  readonly prompt_version = DETERMINISTIC_PROMPT_VERSION;
  readonly prompt_hash = createHash('sha256').update(RULES).digest('hex');

  async judge(input: JudgeInput): Promise<JudgeResult> {
    const started = performance.now();
    const { verdict, signals } = input.mode === 'criteria' ? scoreCriteria(input) : scoreAnswer(input);
    return {
      verdict,
      trace: {
        judge_input: {
          rules: this.prompt_version,
          mode: input.mode,
          case: input.case,
          actual: input.actual,
          profile: { id: input.profile.id, version: input.profile.version },
        },
        judge_output: { verdict, signals },
        latency_ms: Math.round(performance.now() - started),
        token_usage: null,
        response_id: null,
      },
    };
  }
}

interface Scored {
  verdict: JudgeVerdict;
  signals: Record<string, unknown>;
}

function scoreAnswer(input: JudgeInput): Scored {
  const { profile } = input;
  const outTokens = tokens(input.actual.output);
  const expected = input.case.expected_answer;
  const picker = tagPicker(profile);

  let answerCorrect: boolean | null = null;
  let answerPart: number;
  let f1Score: number | null = null;
  const why: string[] = [];
  if (expected === null) {
    // Validation makes this impossible for stored cases; score it as undecidable rather than wrong.
    answerPart = outTokens.length ? 0.5 : 0;
    why.push('There is no expected answer to compare with.');
  } else {
    const expTokens = tokens(expected);
    const out = outTokens.join(' ');
    const exp = expTokens.join(' ');
    f1Score = f1(outTokens, expTokens);
    const exact = out === exp;
    const contained = exp.length > 0 && ` ${out} `.includes(` ${exp} `);
    answerCorrect = exact || contained || f1Score >= 0.8;
    // A correct answer always lands in the top quarter so it can pass; an incorrect one never can.
    answerPart = answerCorrect ? 0.75 + 0.25 * f1Score : 0.75 * f1Score;
    const f1Text = `token F1 ${f1Score.toFixed(2)}`;
    if (exact) why.push(`The answer matches the expected answer (${f1Text}).`);
    else if (contained) why.push(`The answer contains the expected answer (${f1Text}).`);
    else if (answerCorrect) why.push(`The answer is close enough to the expected answer (${f1Text}).`);
    else why.push(`The answer does not match the expected answer (${f1Text}).`);

    if (outTokens.length === 0) picker.add('irrelevant_answer', 'too_short');
    else if (!answerCorrect && f1Score < 0.2) picker.add('hallucination', 'wrong_label', 'calculation_error', 'factual_error');
    else if (!answerCorrect) picker.add('incomplete_answer', 'factual_error', 'wrong_label', 'calculation_error', 'shallow_analysis');
  }
  if (outTokens.length === 0) why.push('The output is empty.');

  let sourceCorrect: boolean | null = null;
  let recall: number | null = null;
  let missing: string[] = [];
  let unexpected: string[] = [];
  const expectedSources = uniq(input.case.expected_sources.map(normalizeSource).filter(Boolean));
  if (expectedSources.length > 0) {
    const cited = new Set(input.actual.sources.map(normalizeSource).filter(Boolean));
    missing = expectedSources.filter((s) => !cited.has(s));
    unexpected = [...cited].filter((s) => !expectedSources.includes(s));
    recall = (expectedSources.length - missing.length) / expectedSources.length;
    sourceCorrect = missing.length === 0;
    answerPart *= 0.5 + 0.5 * recall;
    why.push(`Sources: ${expectedSources.length - missing.length} of ${expectedSources.length} expected cited.`);
    if (missing.length > 0) {
      picker.add('missing_source');
      if (unexpected.length > 0) picker.add('wrong_source');
    }
  }

  const quality = onScale(answerPart, profile.scoring_scale.quality);
  return {
    verdict: {
      answer_correct: answerCorrect,
      source_correct: sourceCorrect,
      quality_score: quality,
      criteria_scores: null,
      issue_tags: picker.tags,
      reasoning: why.join(' '),
    },
    signals: { token_f1: f1Score, source_recall: recall, missing_sources: missing, unexpected_sources: unexpected },
  };
}

function scoreCriteria(input: JudgeInput): Scored {
  const { profile } = input;
  const scale = profile.scoring_scale.criteria;
  const words = tokens(input.actual.output);
  const outStems = new Set(contentStems(input.actual.output));
  const criteriaStems = contentStems(input.case.criteria ?? '');
  const lengthFactor = Math.min(1, words.length / 40);
  const picker = tagPicker(profile);

  const fraction = (reference: Set<string>) => {
    if (words.length === 0) return { f: 0, coverage: 0 };
    const coverage = reference.size ? [...reference].filter((s) => outStems.has(s)).length / reference.size : 0.5;
    return { f: 0.35 * lengthFactor + 0.65 * Math.min(1, coverage / 0.6), coverage };
  };

  const scores: Record<string, number> = {};
  const coverages: Record<string, number> = {};
  let weighted = 0;
  let weights = 0;
  let quality: number;
  const keys = dimensionsToScore(input);
  for (const key of keys) {
    const dim = profile.dimensions.find((d) => d.key === key);
    const about = dim ? `${dim.name} ${dim.description}` : key.replace(/[_-]+/g, ' ');
    const { f, coverage } = fraction(new Set([...criteriaStems, ...contentStems(about)]));
    const score = scale.min + Math.round(f * (scale.max - scale.min));
    scores[key] = score;
    coverages[key] = round(coverage, 2);
    const w = dim && Number.isFinite(dim.weight) && dim.weight > 0 ? dim.weight : 1;
    weighted += score * w;
    weights += w;
  }
  if (keys.length > 0) {
    quality = clamp(round(weighted / weights, 1), profile.scoring_scale.quality);
  } else {
    // Only reachable with a profile that requires nothing and a case that names nothing: judge the criteria text alone.
    quality = onScale(fraction(new Set(criteriaStems)).f, profile.scoring_scale.quality);
  }

  const meanCoverage = keys.length ? Object.values(coverages).reduce((a, b) => a + b, 0) / keys.length : 0;
  if (words.length === 0) picker.add('irrelevant_answer', 'too_short', 'missing_data', 'unclear_rationale', 'shallow_analysis');
  else if (words.length < 8) picker.add('too_short', 'shallow_analysis', 'incomplete_answer', 'unclear_rationale');
  if (words.length > 0 && keys.length > 0 && meanCoverage < 0.1) picker.add('irrelevant_answer', 'misinterpretation');

  const listed = keys.map((k) => `${k} ${scores[k]}`).join(', ');
  const reasoning =
    words.length === 0
      ? `The output is empty; every dimension gets the lowest score (quality ${quality}).`
      : `Heuristic scores from the overlap of the output (${words.length} words) with the criteria and dimension descriptions` +
        (keys.length ? `: ${listed}` : '') +
        `; quality ${quality}.`;
  return {
    verdict: {
      answer_correct: null,
      source_correct: null,
      quality_score: quality,
      criteria_scores: scores,
      issue_tags: picker.tags,
      reasoning,
    },
    signals: { words: words.length, coverage: coverages, length_factor: round(lengthFactor, 2) },
  };
}

/** Collects at most one tag per problem: the first candidate the profile allows. */
function tagPicker(profile: ProfileSnapshot) {
  // A profile allows a dozen tags or so: a linear search beats building a Set for every case.
  const allowed = profile.issue_tags;
  const tags: string[] = [];
  return {
    tags,
    add(...candidates: string[]) {
      const tag = candidates.find((t) => allowed.includes(t));
      if (tag && !tags.includes(tag)) tags.push(tag);
    },
  };
}

function tokens(text: string): string[] {
  return text
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^\p{L}\p{N}\s]+/gu, '')
    .split(/\s+/)
    .filter((t) => t && !ARTICLES.has(t));
}

function contentStems(text: string): string[] {
  return uniq(
    tokens(text)
      .filter((t) => !STOPWORDS.has(t))
      .map(stem),
  );
}

/** A crude suffix strip so "cites", "cited" and "citing" meet; deterministic, which is all it must be. */
function stem(word: string): string {
  if (word.length <= 4) return word;
  for (const suffix of ['ing', 'ed', 'es', 'ly', 's']) {
    if (word.endsWith(suffix) && word.length - suffix.length >= 3) return word.slice(0, -suffix.length);
  }
  return word;
}

function f1(actual: string[], expected: string[]): number {
  if (actual.length === 0 || expected.length === 0) return actual.length === expected.length ? 1 : 0;
  const counts = new Map<string, number>();
  for (const t of expected) counts.set(t, (counts.get(t) ?? 0) + 1);
  let common = 0;
  for (const t of actual) {
    const n = counts.get(t) ?? 0;
    if (n > 0) {
      common++;
      counts.set(t, n - 1);
    }
  }
  if (common === 0) return 0;
  const precision = common / actual.length;
  const recall = common / expected.length;
  return (2 * precision * recall) / (precision + recall);
}

function onScale(fraction: number, scale: { min: number; max: number }): number {
  return clamp(round(scale.min + fraction * (scale.max - scale.min), 1), scale);
}

function clamp(v: number, scale: { min: number; max: number }): number {
  return Math.min(scale.max, Math.max(scale.min, v));
}

function round(v: number, digits: number): number {
  const p = 10 ** digits;
  return Math.round(v * p) / p;
}

function uniq<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
