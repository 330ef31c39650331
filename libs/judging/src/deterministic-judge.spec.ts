import { ANALYSIS, BUILTIN_PROFILES, DASHBOARD, DOCUMENT, SEARCH, TRIAGE } from './__fixtures__/builtin-profiles';
import { DeterministicJudge, normalizeAnswer, normalizeSource, tokenF1 } from './deterministic-judge';
import type { JudgeInput, ProfileSnapshot } from './judge.types';
import { checkPolicyContract } from './policy-contract';

const judge = new DeterministicJudge();

function answerCase(profile: ProfileSnapshot, expected: string | null, output: string, expectedSources: string[] = [], sources: string[] = []): JudgeInput {
  return {
    mode: 'answer',
    case: { input: 'question?', expected_answer: expected, expected_sources: expectedSources, criteria: null, dimensions: [] },
    actual: { output, sources },
    profile,
  };
}

function criteriaCase(profile: ProfileSnapshot, criteria: string | null, output: string, dimensions: string[] = []): JudgeInput {
  return {
    mode: 'criteria',
    case: { input: 'task', expected_answer: null, expected_sources: [], criteria, dimensions },
    actual: { output, sources: [] },
    profile,
  };
}

describe('DeterministicJudge identity', () => {
  it('is deterministic-v1 with a stable sha256 prompt hash and no model', () => {
    expect(judge.mode).toBe('deterministic');
    expect(judge.model).toBeNull();
    expect(judge.prompt_version).toBe('deterministic-v1');
    expect(judge.prompt_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(new DeterministicJudge().prompt_hash).toBe(judge.prompt_hash);
  });
});

describe('normalisation', () => {
  it.each([
    ['The Eiffel Tower!', 'eiffel tower'],
    ['  An   apple,  a day ', 'apple day'],
    ['PARIS.', 'paris'],
    ['1,000 users', '1000 users'],
    ['', ''],
  ])('normalizeAnswer(%j) = %j', (input, out) => {
    expect(normalizeAnswer(input)).toBe(out);
  });

  it.each([
    ['HTTPS://WWW.Example.com/Docs/a///', 'example.com/docs/a'],
    ['http://example.com', 'example.com'],
    ['www.example.com/', 'example.com'],
    ['  https://example.com/page  ', 'example.com/page'],
    ['Handbook-v2.pdf', 'handbook-v2.pdf'],
  ])('normalizeSource(%j) = %j', (input, out) => {
    expect(normalizeSource(input)).toBe(out);
  });

  it('computes token F1 with multiset overlap', () => {
    expect(tokenF1('paris', 'paris')).toBe(1);
    expect(tokenF1('london', 'paris')).toBe(0);
    expect(tokenF1('the capital of france is paris of course', 'paris')).toBeCloseTo(0.25, 5);
    expect(tokenF1('', '')).toBe(1);
    expect(tokenF1('x', '')).toBe(0);
  });
});

describe('answer mode scoring table', () => {
  const midExpected = 'the treaty was signed in 1648 in Münster and Osnabrück';
  const midOutput = 'The treaty was signed in 1648';
  it.each<[string, ProfileSnapshot, string, string, boolean, number, string[]]>([
    ['exact match', SEARCH, 'Paris', 'Paris.', true, 5, []],
    ['equal after dropping articles and case', SEARCH, 'The Eiffel Tower', 'eiffel tower', true, 5, []],
    ['expected contained in a longer answer', SEARCH, 'Paris', 'The capital of France is Paris, of course.', true, 4.3, []],
    ['token F1 at least 0.8', SEARCH, 'quick brown fox jumps over lazy dog', 'quick brown fox leaps over lazy dog', true, 4.9, []],
    ['wrong answer (F1 0)', SEARCH, 'Paris', 'London is the capital', false, 1, ['hallucination']],
    ['partial answer (mid F1)', SEARCH, midExpected, midOutput, false, 3.1, ['incomplete_answer']],
    ['empty output', SEARCH, 'Paris', '   ', false, 1, ['irrelevant_answer']],
    ['document: wrong', DOCUMENT, 'Quarterly report for Q3', 'Invoice', false, 1, ['hallucination']],
    ['document: partial', DOCUMENT, midExpected, midOutput, false, 3.1, ['factual_error']],
    ['document: empty', DOCUMENT, 'Quarterly report', '', false, 1, ['too_short']],
    ['dashboard: wrong number', DASHBOARD, '42', '37', false, 1, ['calculation_error']],
    ['dashboard: partial', DASHBOARD, midExpected, midOutput, false, 3.1, ['calculation_error']],
    ['dashboard: empty (no allowed tag)', DASHBOARD, '42', '', false, 1, []],
    ['dashboard: right number', DASHBOARD, '42', 'Total: 42', true, 4.7, []],
    ['triage: right label', TRIAGE, 'billing', 'Billing', true, 5, []],
    ['triage: wrong label', TRIAGE, 'billing', 'shipping', false, 1, ['wrong_label']],
    ['analysis: wrong', ANALYSIS, 'churn is driven by pricing', 'the weather was nice', false, 1, ['hallucination']],
    ['analysis: partial', ANALYSIS, midExpected, midOutput, false, 3.1, ['shallow_analysis']],
    ['analysis: empty (no allowed tag)', ANALYSIS, 'churn is driven by pricing', '', false, 1, []],
  ])('%s', async (_name, profile, expected, output, correct, quality, tags) => {
    const input = answerCase(profile, expected, output);
    const { verdict, trace } = await judge.judge(input);
    expect(verdict.answer_correct).toBe(correct);
    expect(verdict.source_correct).toBeNull();
    expect(verdict.criteria_scores).toBeNull();
    expect(verdict.quality_score).toBe(quality);
    expect(verdict.issue_tags).toEqual(tags);
    expect(verdict.reasoning.length).toBeGreaterThan(0);
    expect(checkPolicyContract(verdict, input)).toEqual([]);
    expect(trace.token_usage).toBeNull();
    expect(trace.response_id).toBeNull();
  });

  it('passes only correct answers over the threshold of 4', async () => {
    for (const p of BUILTIN_PROFILES) {
      const good = await judge.judge(answerCase(p, 'Paris', 'It is Paris'));
      const bad = await judge.judge(answerCase(p, 'the treaty was signed in 1648 in Münster and Osnabrück', 'the treaty was signed in 1648'));
      expect(good.verdict.quality_score).toBeGreaterThanOrEqual(p.scoring_scale.pass_threshold);
      expect(bad.verdict.quality_score).toBeLessThan(p.scoring_scale.pass_threshold);
    }
  });

  it('maps onto a non-default quality scale', async () => {
    const profile = { ...SEARCH, scoring_scale: { ...SEARCH.scoring_scale, quality: { type: 'likert' as const, min: 0, max: 10 } } };
    expect((await judge.judge(answerCase(profile, 'Paris', 'Paris'))).verdict.quality_score).toBe(10);
    expect((await judge.judge(answerCase(profile, 'Paris', 'Rome'))).verdict.quality_score).toBe(0);
  });

  it('treats a missing expected answer as undecidable, not wrong', async () => {
    const { verdict } = await judge.judge(answerCase(SEARCH, null, 'something'));
    expect(verdict.answer_correct).toBeNull();
    expect(verdict.quality_score).toBe(3);
  });
});

describe('answer mode sources', () => {
  it('matches sources ignoring scheme, www., case and trailing slashes', async () => {
    const { verdict } = await judge.judge(
      answerCase(SEARCH, 'Paris', 'Paris', ['https://www.Example.com/docs/', 'kb://faq/7'], ['example.com/docs', 'KB://FAQ/7/', 'http://extra.org']),
    );
    expect(verdict.source_correct).toBe(true);
    expect(verdict.quality_score).toBe(5);
    expect(verdict.issue_tags).toEqual([]);
  });

  it('flags a missing source, and a wrong one when something else was cited', async () => {
    const wrong = await judge.judge(answerCase(SEARCH, 'Paris', 'Paris', ['a.com/1', 'b.com/2'], ['https://a.com/1', 'c.com/3']));
    expect(wrong.verdict.source_correct).toBe(false);
    expect(wrong.verdict.answer_correct).toBe(true);
    expect(wrong.verdict.issue_tags).toEqual(['missing_source', 'wrong_source']);
    expect(wrong.verdict.quality_score).toBe(4);

    const none = await judge.judge(answerCase(SEARCH, 'Paris', 'Paris', ['a.com/1'], []));
    expect(none.verdict.source_correct).toBe(false);
    expect(none.verdict.issue_tags).toEqual(['missing_source']);
    expect(none.verdict.quality_score).toBe(3);
  });

  it('only uses source tags the profile lists', async () => {
    const { verdict } = await judge.judge(answerCase(DASHBOARD, '42', '42', ['a.com/1'], ['b.com']));
    expect(verdict.source_correct).toBe(false);
    expect(verdict.issue_tags).toEqual([]);
  });

  it('combines answer and source tags', async () => {
    const { verdict } = await judge.judge(answerCase(SEARCH, 'Paris', 'Rome', ['a.com'], []));
    expect(verdict.issue_tags).toEqual(['hallucination', 'missing_source']);
  });
});

describe('criteria mode', () => {
  const rubric = 'Explains the refund policy, cites the policy page and offers escalation to a human agent.';
  const good =
    'Our refund policy allows a full refund within 30 days of purchase. The policy page at example.com/refunds explains ' +
    'every condition and the steps to follow. If the refund is refused, you can ask for escalation to a human agent, who ' +
    'answers within one business day. This answers the question that was asked, and every claim is supported by the cited policy source.';

  it('scores the required dimensions when the case names none', async () => {
    const input = criteriaCase(SEARCH, rubric, good);
    const { verdict } = await judge.judge(input);
    expect(Object.keys(verdict.criteria_scores!)).toEqual(['relevance', 'groundedness', 'source_accuracy']);
    expect(verdict.answer_correct).toBeNull();
    expect(verdict.source_correct).toBeNull();
    expect(checkPolicyContract(verdict, input)).toEqual([]);
  });

  it('adds the dimensions the case asks for, and scores unknown ones it is asked about', async () => {
    const { verdict } = await judge.judge(criteriaCase(SEARCH, rubric, good, ['completeness', 'made_up']));
    expect(Object.keys(verdict.criteria_scores!)).toEqual(['relevance', 'groundedness', 'source_accuracy', 'completeness', 'made_up']);
  });

  it('gives integer scores on the criteria scale and a weighted mean quality', async () => {
    const profile: ProfileSnapshot = {
      ...SEARCH,
      dimensions: [
        { key: 'relevance', name: 'Relevance', description: 'The answer addresses the refund question.', weight: 3, required: true },
        { key: 'tone', name: 'Tone', description: 'Polite and calm voice.', weight: 1, required: true },
      ],
    };
    const { verdict } = await judge.judge(criteriaCase(profile, null, good));
    const s = verdict.criteria_scores!;
    for (const v of Object.values(s)) {
      expect(Number.isInteger(v)).toBe(true);
      expect(v).toBeGreaterThanOrEqual(1);
      expect(v).toBeLessThanOrEqual(5);
    }
    expect(verdict.quality_score).toBe(Math.round(((s.relevance * 3 + s.tone) / 4) * 10) / 10);
  });

  it('ranks a relevant, developed answer above a short off-topic one', async () => {
    const strong = await judge.judge(criteriaCase(SEARCH, rubric, good));
    const weak = await judge.judge(criteriaCase(SEARCH, rubric, 'Bananas are yellow.'));
    expect(strong.verdict.quality_score).toBeGreaterThanOrEqual(4);
    expect(weak.verdict.quality_score).toBeLessThan(strong.verdict.quality_score);
    expect(weak.verdict.quality_score).toBeLessThan(4);
    expect(weak.verdict.issue_tags).toEqual(['incomplete_answer', 'irrelevant_answer']);
  });

  it.each<[string, ProfileSnapshot, string[]]>([
    ['search', SEARCH, ['irrelevant_answer']],
    ['document', DOCUMENT, ['too_short']],
    ['dashboard', DASHBOARD, ['missing_data']],
    ['triage', TRIAGE, ['unclear_rationale']],
    ['analysis', ANALYSIS, ['shallow_analysis']],
  ])('gives the lowest scores to an empty output (%s)', async (_name, profile, tags) => {
    const input = criteriaCase(profile, rubric, '');
    const { verdict } = await judge.judge(input);
    expect(Object.values(verdict.criteria_scores!).every((v) => v === 1)).toBe(true);
    expect(verdict.quality_score).toBe(1);
    expect(verdict.issue_tags).toEqual(tags);
    expect(checkPolicyContract(verdict, input)).toEqual([]);
  });

  it('honours the policy contract for every built-in profile', async () => {
    for (const profile of BUILTIN_PROFILES) {
      const optional = profile.dimensions.filter((d) => !d.required).map((d) => d.key);
      for (const output of [good, 'short answer', '']) {
        const input = criteriaCase(profile, rubric, output, optional);
        const { verdict } = await judge.judge(input);
        expect(checkPolicyContract(verdict, input)).toEqual([]);
        expect(Object.keys(verdict.criteria_scores!).sort()).toEqual(profile.dimensions.map((d) => d.key).sort());
      }
    }
  });
});

describe('repeatability', () => {
  it('gives the same verdict for the same input, across calls and instances', async () => {
    const inputs = [
      answerCase(SEARCH, 'Paris', 'The capital is Paris', ['a.com'], ['b.com']),
      criteriaCase(ANALYSIS, 'Recommends concrete next steps backed by the data.', 'Raise prices 5% next quarter; the data shows low elasticity.'),
    ];
    for (const input of inputs) {
      const a = await judge.judge(input);
      const b = await new DeterministicJudge().judge(structuredClone(input));
      expect(b.verdict).toEqual(a.verdict);
      expect(b.trace.judge_output).toEqual(a.trace.judge_output);
    }
  });
});
