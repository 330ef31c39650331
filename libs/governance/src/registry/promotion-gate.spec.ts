import { decidePromotion, GateCompare, GateRules } from './promotion-gate';

const NOW = new Date('2026-12-01T12:00:00Z');
const rules = (over: Partial<GateRules> = {}): GateRules => ({ mode: 'regression_count', window_minutes: 60, non_inferiority_margin: 0.02, now: NOW, ...over });
const compare = (over: Partial<GateCompare> = {}): GateCompare => ({
  id: 'c1',
  regression_count: 0,
  verdict: 'no_significant_change',
  pass_rate_lower: -0.01,
  created_at: new Date(NOW.getTime() - 10 * 60_000),
  ...over,
});
const reason = (d: ReturnType<typeof decidePromotion>) => (d.allowed ? 'allowed' : d.reason);

describe('decidePromotion', () => {
  it('needs a compare', () => {
    expect(reason(decidePromotion(null, rules()))).toBe('no_compare');
  });

  it('counts the window in minutes back from the clock; a compare exactly at the edge still counts', () => {
    expect(reason(decidePromotion(compare({ created_at: new Date(NOW.getTime() - 60 * 60_000) }), rules()))).toBe('allowed');
    expect(reason(decidePromotion(compare({ created_at: new Date(NOW.getTime() - 60 * 60_000 - 1) }), rules()))).toBe('compare_outside_window');
    expect(reason(decidePromotion(compare({ created_at: new Date(NOW.getTime() - 60 * 60_000 - 1) }), rules({ window_minutes: 61 })))).toBe('allowed');
  });

  it('default mode: any regressed case blocks, whatever the verdict', () => {
    expect(reason(decidePromotion(compare({ regression_count: 1 }), rules()))).toBe('regressions_found');
    expect(reason(decidePromotion(compare({ verdict: 'inconclusive', pass_rate_lower: -0.5 }), rules()))).toBe('allowed');
  });

  it('significance mode: verdict, then the lower bound against the margin', () => {
    const sig = rules({ mode: 'significance' });
    expect(reason(decidePromotion(compare({ regression_count: 3, pass_rate_lower: -0.02 }), sig))).toBe('allowed');
    expect(reason(decidePromotion(compare({ pass_rate_lower: -0.0200001 }), sig))).toBe('non_inferiority_not_shown');
    expect(reason(decidePromotion(compare({ verdict: 'regressed', pass_rate_lower: 0.1 }), sig))).toBe('verdict_regressed');
    expect(reason(decidePromotion(compare({ pass_rate_lower: null }), sig))).toBe('pass_rate_interval_missing');
    expect(reason(decidePromotion(compare({ pass_rate_lower: -0.3 }), rules({ mode: 'significance', non_inferiority_margin: 0.5 })))).toBe('allowed');
  });
});
