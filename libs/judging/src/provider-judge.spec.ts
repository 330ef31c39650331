import { APIConnectionError, APIConnectionTimeoutError, APIError } from 'openai';
import { ErrorCode } from '@greenlight/contracts';
import { DomainError } from '@greenlight/platform';
import { answerInput, criteriaInput, judgeOutputBase } from './__fixtures__/judge-inputs';
import type { JudgeInput } from './judge.types';
import { parseJudgeOutput } from './judge-output';
import { buildJudgeMessages, judgeProviderError, PROVIDER_SYSTEM_PROMPT } from './provider-judge';

const answer = answerInput;
const criteria = criteriaInput;
const base = judgeOutputBase;

function parseError(content: string | null, input: JudgeInput, meta?: { response_id: string | null; finish_reason: string | null }): DomainError {
  try {
    parseJudgeOutput(content, input, meta);
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw err;
  }
  throw new Error('expected a parse error');
}

describe('parseJudgeOutput', () => {
  it('accepts obvious spellings: a json fence, booleans as words, numbers as strings', () => {
    const content = '```json\n' + JSON.stringify({ ...base, answer_correct: 'correct', source_correct: 'false', quality_score: '4.5' }) + '\n```';
    const { verdict } = parseJudgeOutput(content, answer(['a.com']));
    expect(verdict).toMatchObject({ answer_correct: true, source_correct: false, quality_score: 4.5 });
  });

  it('nulls fields that do not apply to the mode', () => {
    expect(parseJudgeOutput(JSON.stringify({ ...base, source_correct: true, criteria_scores: { x: 1 } }), answer()).verdict).toMatchObject({
      source_correct: null,
      criteria_scores: null,
    });
    const c = parseJudgeOutput(JSON.stringify({ ...base, answer_correct: true, criteria_scores: { reasoning: 4 } }), criteria).verdict;
    expect(c).toMatchObject({ answer_correct: null, source_correct: null, criteria_scores: { reasoning: 4 } });
  });

  it('leaves scale and allow-list checks to the policy contract', () => {
    const { verdict } = parseJudgeOutput(JSON.stringify({ ...base, quality_score: 11, issue_tags: ['invented', 'invented'] }), answer());
    expect(verdict.quality_score).toBe(11);
    expect(verdict.issue_tags).toEqual(['invented']);
  });

  it.each<[string, string | null, JudgeInput, RegExp]>([
    ['no content', null, answer(), /no content/],
    ['an array', '[1]', answer(), /not a JSON object/],
    ['a missing key', JSON.stringify({ ...base, reasoning: undefined }), answer(), /missing key reasoning/],
    ['source_correct null when sources are expected', JSON.stringify(base), answer(['a.com']), /source_correct must be true or false/],
    ['criteria scores missing in criteria mode', JSON.stringify({ ...base, answer_correct: null }), criteria, /criteria_scores must be an object/],
    [
      'a criteria score that is not a number',
      JSON.stringify({ ...base, criteria_scores: { reasoning: 'good' } }),
      criteria,
      /criteria_scores.reasoning must be a number/,
    ],
    ['reasoning that is not a string', JSON.stringify({ ...base, reasoning: 3 }), answer(), /reasoning must be a string/],
    ['a boolean that is not one', JSON.stringify({ ...base, answer_correct: 'maybe' }), answer(), /answer_correct must be/],
  ])('refuses %s', (_name, content, input, problem) => {
    const err = parseError(content, input);
    expect(err.code).toBe(ErrorCode.EVAL_JUDGE_PROVIDER_ERROR);
    expect(err.message).toMatch(problem);
    expect(err.details).toMatchObject({ provider_code: 'malformed_output', retryable: false });
  });

  it('says when the output was cut off, and previews at most 500 characters', () => {
    const long = '{"reasoning": "' + 'x'.repeat(2000);
    const err = parseError(long, answer(), { response_id: 'r1', finish_reason: 'length' });
    expect(err.message).toMatch(/cut off/);
    const details = err.details as { content_preview: string; response_id: string };
    expect(details.content_preview).toHaveLength(500);
    expect(details.response_id).toBe('r1');
  });
});

describe('judgeProviderError', () => {
  const details = (err: unknown) => judgeProviderError(err, 1000).details;

  it('maps SDK errors to status, provider code and retryability', () => {
    expect(details(APIError.generate(429, { error: { message: 'slow down', code: 'rate_limit_exceeded' } }, undefined, new Headers()))).toEqual({
      status: 429,
      provider_code: 'rate_limit_exceeded',
      retryable: true,
    });
    expect(details(APIError.generate(503, undefined, 'unavailable', new Headers()))).toEqual({ status: 503, provider_code: 'http_503', retryable: true });
    expect(details(APIError.generate(400, { error: { message: 'bad', type: 'invalid_request_error' } }, undefined, new Headers()))).toEqual({
      status: 400,
      provider_code: 'invalid_request_error',
      retryable: false,
    });
    expect(details(new APIConnectionTimeoutError())).toEqual({ status: null, provider_code: 'timeout', retryable: true });
    expect(details(new APIConnectionError({ message: 'refused' }))).toEqual({ status: null, provider_code: 'connection_error', retryable: true });
  });

  it('reads the guarded client refusal from the connection error cause', () => {
    const refused = Object.assign(new Error('blocked'), { kind: 'blocked_address' });
    expect(details(new APIConnectionError({ cause: refused }))).toEqual({ status: null, provider_code: 'outbound_blocked_address', retryable: false });
    const timeout = Object.assign(new Error('slow'), { kind: 'timeout' });
    expect(details(new APIConnectionError({ cause: timeout }))).toEqual({ status: null, provider_code: 'timeout', retryable: true });
  });

  it('keeps free-text provider codes and unknown errors out of the message', () => {
    const e = judgeProviderError(
      APIError.generate(401, { error: { message: 'Incorrect API key provided: sk-secret', code: 'key sk-secret bad' } }, undefined, new Headers()),
      1000,
    );
    expect(e.message).not.toContain('sk-secret');
    expect(JSON.stringify(e.details)).not.toContain('sk-secret');
    expect(judgeProviderError(new TypeError('x'), 1000).details).toEqual({ status: null, provider_code: 'unexpected', retryable: false });
  });
});

describe('buildJudgeMessages', () => {
  it('is the system prompt and one JSON user message with the mode-relevant case fields', () => {
    const [system, user] = buildJudgeMessages(criteria);
    expect(system).toEqual({ role: 'system', content: PROVIDER_SYSTEM_PROMPT });
    const doc = JSON.parse(user.content);
    expect(Object.keys(doc.case)).toEqual(['input', 'criteria', 'dimensions_to_score']);
    expect(doc.profile.scales).not.toHaveProperty('pass_threshold');
    expect(doc.profile.pass_threshold).toBe(4);
    expect(Object.keys(JSON.parse(buildJudgeMessages(answer())[1].content).case)).toEqual(['input', 'expected_answer', 'expected_sources']);
  });
});
