import type { ProfileSnapshot } from '../judge.types';

// Test fixture: the five built-in profiles as the Foundation migration seeds them, frozen as a run would.
const SCALE: ProfileSnapshot['scoring_scale'] = {
  criteria: { type: 'likert', min: 1, max: 5 },
  quality: { type: 'likert', min: 1, max: 5 },
  answer: { type: 'binary', values: ['correct', 'incorrect'] },
  source: { type: 'binary', values: ['correct', 'incorrect'] },
  pass_threshold: 4,
};

const dim = (key: string, name: string, description: string, weight = 1, required = true) => ({ key, name, description, weight, required });

const profile = (id: number, name: string, dimensions: ProfileSnapshot['dimensions'], issue_tags: string[]): ProfileSnapshot => ({
  id: `00000000-0000-4000-8000-00000000000${id}`,
  name,
  version: 1,
  dimensions,
  scoring_scale: structuredClone(SCALE),
  issue_tags,
});

export const SEARCH = profile(
  1,
  'Search/Retrieval',
  [
    dim('relevance', 'Relevance', 'The answer addresses the question that was asked.'),
    dim('groundedness', 'Groundedness', 'Every claim is supported by a cited source.'),
    dim('source_accuracy', 'Source accuracy', 'The cited sources are the expected ones.'),
    dim('completeness', 'Completeness', 'Nothing the question needs is missing.', 1, false),
  ],
  ['hallucination', 'wrong_source', 'missing_source', 'irrelevant_answer', 'incomplete_answer', 'outdated_information'],
);

export const DOCUMENT = profile(
  2,
  'Document Generator',
  [
    dim('accuracy', 'Accuracy', 'Facts in the document are correct.'),
    dim('structure', 'Structure', 'Sections and ordering follow the requested template.'),
    dim('tone', 'Tone', 'Voice and register suit the audience.', 1, false),
    dim('format_compliance', 'Format compliance', 'Length, headings and formatting rules are respected.'),
  ],
  ['hallucination', 'missing_section', 'wrong_format', 'tone_mismatch', 'factual_error', 'too_long', 'too_short'],
);

export const DASHBOARD = profile(
  3,
  'Dashboard/Analytics',
  [
    dim('numeric_accuracy', 'Numeric accuracy', 'Numbers and calculations are correct.'),
    dim('query_correctness', 'Query correctness', 'The right data, filters and time ranges were used.'),
    dim('interpretation', 'Interpretation', 'The explanation of the numbers is sound.'),
    dim('visual_clarity', 'Visual clarity', 'Charts and tables are readable and labelled.', 1, false),
  ],
  ['calculation_error', 'wrong_filter', 'wrong_time_range', 'misleading_chart', 'misinterpretation', 'missing_data'],
);

export const TRIAGE = profile(
  4,
  'Triage/Classification',
  [
    dim('label_accuracy', 'Label accuracy', 'The assigned category is the expected one.'),
    dim('priority_accuracy', 'Priority accuracy', 'Urgency or severity is judged correctly.'),
    dim('rationale', 'Rationale', 'The explanation justifies the decision.', 1, false),
  ],
  ['wrong_label', 'wrong_priority', 'missed_escalation', 'over_escalation', 'unclear_rationale'],
);

export const ANALYSIS = profile(
  5,
  'Analysis',
  [
    dim('reasoning', 'Reasoning', 'The argument is logically sound.'),
    dim('evidence', 'Evidence', 'Conclusions are backed by the material given.'),
    dim('depth', 'Depth', 'The analysis goes beyond restating the input.', 1, false),
    dim('actionability', 'Actionability', 'Recommendations are specific and usable.'),
  ],
  ['logical_error', 'unsupported_claim', 'shallow_analysis', 'missing_recommendation', 'hallucination', 'bias'],
);

export const BUILTIN_PROFILES = [SEARCH, DOCUMENT, DASHBOARD, TRIAGE, ANALYSIS];
