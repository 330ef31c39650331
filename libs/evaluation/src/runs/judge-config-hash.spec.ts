import type { RunConfig } from '@greenlight/contracts';
import type { EvalProfileView } from '@greenlight/accounts';
import { currentJudgeConfigHash, judgeConfigHash } from './judge-config-hash';

const profile = {
  id: '00000000-0000-4000-8000-000000000001',
  name: 'Support',
  version: 1,
  dimensions: [{ key: 'tone', name: 'Tone', description: 'Polite', weight: 1, required: true }],
  scoring_scale: {
    criteria: { type: 'likert', min: 1, max: 5 },
    quality: { type: 'likert', min: 1, max: 5 },
    answer: { type: 'binary', values: ['correct', 'incorrect'] },
    source: { type: 'binary', values: ['correct', 'incorrect'] },
    pass_threshold: 4,
  },
  issue_tags: ['hallucination'],
} as RunConfig['profile'];

const judged: Pick<RunConfig, 'judge' | 'profile'> = { judge: { mode: 'provider', model: 'gpt-4o-mini', prompt_version: 'provider-v1' }, profile };

describe('judgeConfigHash', () => {
  it('is a SHA-256 hex digest, pinned for a known configuration', () => {
    expect(judgeConfigHash(judged)).toBe('5c56bf5842a3a4e2ae8ad050596855648da78e70818b87b13111bf9083b6ffe0');
  });

  it('does not depend on key order', () => {
    const reordered = JSON.parse(
      JSON.stringify({ profile: { ...profile, id: profile.id }, judge: { prompt_version: 'provider-v1', model: 'gpt-4o-mini', mode: 'provider' } }),
    );
    const shuffled = { ...reordered, profile: Object.fromEntries(Object.entries(reordered.profile).reverse()) };
    expect(judgeConfigHash(shuffled)).toBe(judgeConfigHash(judged));
  });

  it('ignores what does not decide the judging (executor, gates, case cut-off)', () => {
    const run = { ...judged, golden_set_version: 3, cases_as_of: new Date().toISOString(), trials: 2 } as unknown as RunConfig;
    expect(judgeConfigHash(run)).toBe(judgeConfigHash(judged));
  });

  it('changes with the model, the prompt version and the profile', () => {
    const base = judgeConfigHash(judged);
    expect(judgeConfigHash({ ...judged, judge: { ...judged.judge, model: 'gpt-4o' } })).not.toBe(base);
    expect(judgeConfigHash({ ...judged, judge: { ...judged.judge, prompt_version: 'provider-v2' } })).not.toBe(base);
    expect(judgeConfigHash({ ...judged, profile: { ...profile, version: 2 } })).not.toBe(base);
    expect(judgeConfigHash({ ...judged, profile: { ...profile, scoring_scale: { ...profile.scoring_scale, pass_threshold: 3 } } })).not.toBe(base);
  });
});

describe('currentJudgeConfigHash', () => {
  const view = { ...profile, org_id: null, agent_type: 'support', is_builtin: false } as unknown as EvalProfileView;

  it('equals the hash a run created now freezes', () => {
    expect(currentJudgeConfigHash(view, { judge_mode: 'provider' }, 'gpt-4o-mini')).toBe(judgeConfigHash(judged));
  });

  it('uses the default model only for the provider judge', () => {
    const deterministic = currentJudgeConfigHash(view, {}, 'gpt-4o-mini');
    expect(currentJudgeConfigHash(view, {}, 'another-model')).toBe(deterministic);
    expect(currentJudgeConfigHash(view, { judge_mode: 'provider', judge_model: 'gpt-4o' }, 'gpt-4o-mini')).not.toBe(judgeConfigHash(judged));
  });
});
