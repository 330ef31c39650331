import { z } from 'zod';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import type { JudgeInput, JudgeVerdict } from './judge.types';

const PREVIEW_CHARS = 500;

/** Marks an issue raised for a key the judge left out, so the message can say "missing key". */
const MISSING = '\u0000missing';

/** An error message for a field: "missing key" when the field is absent, `expected` otherwise. */
const unless = (expected: string) => (issue: { input?: unknown }) => (issue.input === undefined ? MISSING : expected);

/** Numbers some compatible servers send as text ("4", "3.5"). */
function numberFromText(value: unknown): unknown {
  return typeof value === 'string' && /^\s*-?\d+(\.\d+)?\s*$/.test(value) ? Number(value) : value;
}

/** Booleans spelled as words ("true", "correct", "yes" ...); "null" as text means null. */
function booleanFromText(value: unknown): unknown {
  if (typeof value !== 'string') return value;
  const word = value.trim().toLowerCase();
  if (word === 'true' || word === 'correct' || word === 'yes') return true;
  if (word === 'false' || word === 'incorrect' || word === 'no') return false;
  if (word === 'null') return null;
  return value;
}

const score = z.preprocess(numberFromText, z.number({ error: unless('must be a number') }));
const verdictFlag = z.preprocess(booleanFromText, z.boolean({ error: unless('must be true, false or null') }).nullable());
const tags = z
  .array(z.string({ error: 'must be a string' }), { error: unless('must be an array of strings') })
  .transform((list) => [...new Set(list.map((t) => t.trim()).filter(Boolean))]);

/**
 * Every key the prompt asks for, each of its type. `criteriaScore` is what a criteria score must be:
 * any value in answer mode (the field does not apply there and is dropped), a number in criteria mode.
 */
function judgeOutput<S extends z.ZodType>(criteriaScore: S) {
  return z.object(
    {
      answer_correct: verdictFlag,
      source_correct: verdictFlag,
      quality_score: score,
      criteria_scores: z.record(z.string(), criteriaScore, { error: unless('must be an object or null') }).nullable(),
      issue_tags: tags,
      reasoning: z.string({ error: unless('must be a string') }),
    },
    { error: 'the content is not a JSON object' },
  );
}

const answerOutput = judgeOutput(z.unknown()).refine((o) => o.answer_correct !== null, {
  path: ['answer_correct'],
  message: 'must be true or false for an answer-mode case',
});
const answerWithSourcesOutput = answerOutput.refine((o) => o.source_correct !== null, {
  path: ['source_correct'],
  message: 'must be true or false when the case expects sources',
});
const criteriaOutput = judgeOutput(score).refine((o) => o.criteria_scores !== null, {
  path: ['criteria_scores'],
  message: 'must be an object for a criteria-mode case',
});

export interface JudgeOutputMeta {
  response_id: string | null;
  finish_reason: string | null;
}

/**
 * Reads the judge's JSON strictly: every key present, every value of its type. Obvious spellings
 * are accepted (numbers as strings, "true"/"correct" for booleans, a ```json fence some compatible
 * servers add). Fields that do not apply to the case's mode are set to null. Scale and allow-list
 * checks are left to the policy contract, so an out-of-scale score is reported as a policy
 * violation, not as a broken provider. A refusal names the field that was wrong
 * ("criteria_scores.depth must be a number").
 */
export function parseJudgeOutput(
  content: string | null,
  input: JudgeInput,
  meta: JudgeOutputMeta = { response_id: null, finish_reason: null },
): { verdict: JudgeVerdict; parsed: Record<string, unknown> } {
  const fail = (problem: string) => malformedOutput(problem, content, meta);
  if (content === null || content.trim() === '') throw fail('the response has no content');
  let parsed: unknown;
  try {
    parsed = JSON.parse(stripFence(content));
  } catch {
    throw fail(meta.finish_reason === 'length' ? 'the response was cut off (finish_reason length) and is not JSON' : 'the content is not JSON');
  }
  const schema = input.mode === 'criteria' ? criteriaOutput : input.case.expected_sources.length > 0 ? answerWithSourcesOutput : answerOutput;
  const result = schema.safeParse(parsed);
  if (!result.success) throw fail(result.error.issues.map(describeIssue).join('; '));
  const out = result.data;
  const verdict: JudgeVerdict =
    input.mode === 'criteria'
      ? {
          answer_correct: null,
          source_correct: null,
          quality_score: out.quality_score,
          criteria_scores: out.criteria_scores as Record<string, number>,
          issue_tags: out.issue_tags,
          reasoning: out.reasoning,
        }
      : {
          answer_correct: out.answer_correct,
          source_correct: input.case.expected_sources.length > 0 ? out.source_correct : null,
          quality_score: out.quality_score,
          criteria_scores: null,
          issue_tags: out.issue_tags,
          reasoning: out.reasoning,
        };
  return { verdict, parsed: parsed as Record<string, unknown> };
}

/** "missing key reasoning", "issue_tags[2] must be a string", or the message alone for the whole document. */
function describeIssue(issue: z.core.$ZodIssue): string {
  const path = issue.path.map((part, i) => (typeof part === 'number' ? `[${part}]` : i === 0 ? String(part) : `.${String(part)}`)).join('');
  if (issue.message === MISSING) return `missing key ${path}`;
  return path ? `${path} ${issue.message}` : issue.message;
}

function malformedOutput(problem: string, content: string | null, meta: JudgeOutputMeta): DomainError {
  return new DomainError(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR, `malformed judge output: ${problem}`, {
    status: null,
    provider_code: 'malformed_output',
    retryable: false,
    problem,
    content_preview: content === null ? null : content.slice(0, PREVIEW_CHARS),
    response_id: meta.response_id,
    finish_reason: meta.finish_reason,
  });
}

function stripFence(s: string): string {
  const m = /^\s*```(?:json)?\s*\n([\s\S]*?)\n?```\s*$/i.exec(s);
  return m ? m[1] : s;
}
