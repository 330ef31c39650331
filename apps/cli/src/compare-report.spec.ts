import { compareFixture } from './__fixtures__/compare';
import { compareMarkdown, compareText } from './compare-report';
import { decideGate } from './gate-decision';
import { pValue, pp, signed } from './format';

const link = (path: string) => `https://greenlight.test${path}`;

describe('compare summaries', () => {
  const compare = compareFixture();
  const gate = decideGate(compare, { requireSignificance: false, maxRegressions: 0, minPairedCases: 1 });

  it('Markdown: verdict title, rates with differences and intervals, p-values, failed checks and linked regressed cases', () => {
    const md = compareMarkdown(compare, link, gate);
    expect(md).toContain('## Greenlight gate: ❌ regressed');
    expect(md).toContain('| Pass rate | 90.0% | 80.0% | −10.0 pp | −20.0 pp to +1.0 pp |');
    expect(md).toContain('| Quality (mean score) | 0.850 | 0.790 | −0.060 | −0.120 to −0.010 |');
    expect(md).toContain('McNemar exact p = 0.125 (4 regressed, 0 improved) · Wilcoxon signed-rank p = 0.042 · sign test p = 0.070');
    expect(md).toContain('- ❌ `regression_count`: 4 regressed cases, at most 0 allowed');
    expect(md).toContain('<details open><summary>Regressed cases (4)</summary>');
    expect(md).toContain(
      '[`11111111-1111-4111-8111-111111111111`](https://greenlight.test/api/v1/eval/runs/dddddddd-dddd-4ddd-8ddd-dddddddddddd/results?case_id=11111111-1111-4111-8111-111111111111)',
    );
    expect(md).toContain('[`cccccccc`](https://greenlight.test/api/v1/eval/compares/cccccccc-cccc-4ccc-8ccc-cccccccccccc)');
  });

  it('Markdown of a passing gate keeps the regressed cases folded', () => {
    const passing = decideGate(compare, { requireSignificance: true, maxRegressions: 0, minPairedCases: 1 });
    const md = compareMarkdown(compare, link, passing);
    expect(md).toContain('## Greenlight gate: ✅ pass');
    expect(md).toContain('<details><summary>Regressed cases (4)</summary>');
  });

  it('text: a table of rates and the gate checks', () => {
    const text = compareText(compare, gate).join('\n');
    expect(text).toMatch(/pass rate\s+90\.0%\s+80\.0%\s+−10\.0 pp\s+−20\.0 pp to \+1\.0 pp/);
    expect(text).toContain('Gate: REGRESSED');
    expect(text).toContain('FAIL regression_count: 4 regressed cases, at most 0 allowed');
  });

  it('formats signs, percentage points and small p-values', () => {
    expect(pp(0.02)).toBe('+2.0 pp');
    expect(pp(-0.1)).toBe('−10.0 pp');
    expect(signed(0)).toBe('±0.000');
    expect(pValue(0.0004)).toBe('< 0.001');
    expect(pValue(null)).toBe('–');
  });
});
