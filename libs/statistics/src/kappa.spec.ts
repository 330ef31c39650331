import { cohenKappa, rawAgreement, weightedKappa } from './kappa';

/** Expands a confusion matrix (rows: human, columns: judge) into the paired labels it counts. */
function pairsFrom<T>(counts: number[][], labels: T[]): Array<[T, T]> {
  const pairs: Array<[T, T]> = [];
  counts.forEach((row, i) => row.forEach((count, j) => pairs.push(...Array.from({ length: count }, (): [T, T] => [labels[i], labels[j]]))));
  return pairs;
}

/** Pairs two rating columns of equal length. */
function zip<T>(a: T[], b: T[]): Array<[T, T]> {
  return a.map((x, i) => [x, b[i]]);
}

describe('cohenKappa', () => {
  it('matches the Wikipedia "Cohen\'s kappa" worked example (50 proposals: a=20, b=5, c=10, d=15 → κ = 0.4)', () => {
    // By hand: p_o = (20 + 15) / 50 = 0.7; reader A says yes 25/50, reader B 30/50, so
    // p_e = 0.5 · 0.6 + 0.5 · 0.4 = 0.5 and κ = (0.7 − 0.5) / (1 − 0.5) = 0.4.
    const result = cohenKappa(
      pairsFrom(
        [
          [20, 5],
          [10, 15],
        ],
        ['yes', 'no'],
      ),
      { labels: ['yes', 'no'] },
    );
    expect(result.n).toBe(50);
    expect(result.observed_agreement).toBeCloseTo(0.7, 12);
    expect(result.expected_agreement).toBeCloseTo(0.5, 12);
    expect(result.kappa).toBeCloseTo(0.4, 12);
    expect(result.weights).toBe('none');
    expect(result.matrix).toEqual({
      labels: ['yes', 'no'],
      counts: [
        [20, 5],
        [10, 15],
      ],
    });
  });

  it('matches the SAS PROC FREQ simple kappa printout with its Fleiss–Cohen–Everitt standard error', () => {
    // The SAS example reproduced in statsmodels' inter-rater tests (statsmodels/stats/tests/test_inter_rater.py, table10):
    // Kappa 0.4842, ASE 0.1380, 95% limits 0.2137 – 0.7547.
    // By hand: n = 19, p_o = 13/19, rows (5, 8, 6), columns (0, 13, 6), p_e = (0 + 104 + 36) / 361 = 140/361,
    // κ = (247 − 140) / (361 − 140) = 107/221 = 0.48416.
    const result = cohenKappa(
      pairsFrom(
        [
          [0, 4, 1],
          [0, 8, 0],
          [0, 1, 5],
        ],
        ['a', 'b', 'c'],
      ),
    );
    expect(result.kappa).toBeCloseTo(107 / 221, 12);
    expect(result.standard_error).toBeCloseTo(0.138, 4);
    expect(result.lower).toBeCloseTo(0.2137, 4);
    expect(result.upper).toBeCloseTo(0.7547, 4);
    expect(result.confidence).toBe(0.95);
  });

  it('matches the scikit-learn cohen_kappa_score tests (0.348 and 0.9315)', () => {
    // scikit-learn sklearn/metrics/tests/test_classification.py, test_cohen_kappa.
    // First: matrix [[20, 20], [10, 50]]: p_o = 0.7, p_e = 0.4 · 0.3 + 0.6 · 0.7 = 0.54, κ = 0.16 / 0.46 = 0.3478.
    const first = cohenKappa(
      pairsFrom(
        [
          [20, 20],
          [10, 50],
        ],
        ['0', '1'],
      ),
    );
    expect(first.kappa).toBeCloseTo(0.16 / 0.46, 12);
    expect(first.kappa).toBeCloseTo(0.348, 3);
    // Second: matrix [[46, 0, 0], [4, 40, 0], [0, 0, 10]]: p_o = 0.96, p_e = 0.46·0.5 + 0.44·0.4 + 0.1·0.1 = 0.416.
    const second = cohenKappa(
      pairsFrom(
        [
          [46, 0, 0],
          [4, 40, 0],
          [0, 0, 10],
        ],
        ['0', '1', '2'],
      ),
    );
    expect(second.kappa).toBeCloseTo((0.96 - 0.416) / (1 - 0.416), 12);
    expect(second.kappa).toBeCloseTo(0.9315, 4);
  });

  it('gives κ = 1 with a zero standard error for perfect agreement', () => {
    const result = cohenKappa(
      pairsFrom(
        [
          [7, 0],
          [0, 3],
        ],
        ['pass', 'fail'],
      ),
    );
    expect(result.kappa).toBe(1);
    expect(result.observed_agreement).toBe(1);
    expect(result.standard_error).toBeCloseTo(0, 12);
    expect([result.lower, result.upper]).toEqual([1, 1]);
  });

  it('reports kappa as undefined (null) when both sides use one label everywhere', () => {
    const result = cohenKappa(pairsFrom([[12]], ['pass']));
    expect(result).toMatchObject({ n: 12, observed_agreement: 1, expected_agreement: 1, kappa: null, standard_error: null, lower: null, upper: null });
  });

  it('still reports kappa null when extra unused labels are listed', () => {
    const result = cohenKappa(pairsFrom([[5]], ['pass']), { labels: ['pass', 'fail'] });
    expect(result.kappa).toBeNull();
    expect(result.matrix).toEqual({
      labels: ['pass', 'fail'],
      counts: [
        [5, 0],
        [0, 0],
      ],
    });
  });

  it('returns n 0 and kappa null for no pairs', () => {
    const result = cohenKappa([]);
    expect(result).toMatchObject({ n: 0, kappa: null, standard_error: null, lower: null, upper: null, matrix: { labels: [], counts: [] } });
  });

  it('gives κ = 0 when a label appears on one side only', () => {
    // Human always "pass", judge splits: agreement is exactly what chance predicts.
    const split = cohenKappa(zip(['pass', 'pass', 'pass', 'pass'], ['pass', 'fail', 'pass', 'fail']));
    expect(split.observed_agreement).toBeCloseTo(0.5, 12);
    expect(split.expected_agreement).toBeCloseTo(0.5, 12);
    expect(split.kappa).toBeCloseTo(0, 12);
    expect(split.matrix.labels).toEqual(['fail', 'pass']);
    // Human always "pass", judge always "fail": no agreement and none expected.
    const apart = cohenKappa(zip(['pass', 'pass'], ['fail', 'fail']));
    expect(apart).toMatchObject({ observed_agreement: 0, expected_agreement: 0, kappa: 0 });
  });

  it('goes negative for systematic disagreement and clips the interval to [-1, 1]', () => {
    const result = cohenKappa(
      pairsFrom(
        [
          [0, 5],
          [5, 0],
        ],
        ['a', 'b'],
      ),
    );
    expect(result.kappa).toBeCloseTo(-1, 12);
    expect(result.lower).toBeGreaterThanOrEqual(-1);
    expect(result.upper).toBeLessThanOrEqual(1);
  });

  it('widens the interval with the confidence level', () => {
    const pairs = pairsFrom(
      [
        [20, 5],
        [10, 15],
      ],
      ['yes', 'no'],
    );
    const narrow = cohenKappa(pairs, { confidence: 0.8 });
    const wide = cohenKappa(pairs, { confidence: 0.99 });
    expect(wide.upper! - wide.lower!).toBeGreaterThan(narrow.upper! - narrow.lower!);
    expect(wide.standard_error).toBeCloseTo(narrow.standard_error!, 12);
  });

  it('rejects labels outside the given list, repeated labels and a bad confidence', () => {
    expect(() => cohenKappa([['pass', 'maybe']], { labels: ['pass', 'fail'] })).toThrow(RangeError);
    expect(() => cohenKappa([], { labels: ['pass', 'pass'] })).toThrow(RangeError);
    expect(() => cohenKappa([], { confidence: 1 })).toThrow(RangeError);
  });
});

describe('weightedKappa', () => {
  it('matches the SAS PROC FREQ weighted kappa printout (linear weights) with its standard error', () => {
    // Same SAS table as above (statsmodels test_inter_rater.py, TestWeightedCohens): Kappa 0.4701, ASE 0.1457,
    // 95% limits 0.1845 – 0.7558. By hand with weights 1, ½, 0: p_o = (13 + ½ · 5) / 19 = 15.5/19,
    // p_e = [140 + ½ · (5·13 + 8·0 + 8·6 + 6·13)] / 361 = 235.5/361, κ = (294.5 − 235.5) / (361 − 235.5) = 59/125.5.
    const result = weightedKappa(
      pairsFrom(
        [
          [0, 4, 1],
          [0, 8, 0],
          [0, 1, 5],
        ],
        [0, 1, 2],
      ),
      { weights: 'linear' },
    );
    expect(result.kappa).toBeCloseTo(59 / 125.5, 12);
    expect(result.standard_error).toBeCloseTo(0.1457, 4);
    expect(result.lower).toBeCloseTo(0.1845, 4);
    expect(result.upper).toBeCloseTo(0.7558, 4);
    expect(result.weights).toBe('linear');
  });

  it('matches the scikit-learn linear (0.9412) and quadratic (0.9541) weighted kappas', () => {
    // scikit-learn test_cohen_kappa, matrix [[46, 0, 0], [4, 40, 0], [0, 0, 10]].
    // Linear by hand: p_o = 0.96 + ½ · 0.04 = 0.98, p_e = 0.416 + ½ · 0.488 = 0.66, κ = 0.32 / 0.34.
    // Quadratic by hand (off-by-one weight ¾): p_o = 0.99, p_e = 0.416 + ¾ · 0.488 = 0.782, κ = 0.208 / 0.218.
    const pairs = pairsFrom(
      [
        [46, 0, 0],
        [4, 40, 0],
        [0, 0, 10],
      ],
      [0, 1, 2],
    );
    const linear = weightedKappa(pairs, { weights: 'linear' });
    const quadratic = weightedKappa(pairs);
    expect(linear.kappa).toBeCloseTo(0.32 / 0.34, 12);
    expect(linear.kappa).toBeCloseTo(0.9412, 4);
    expect(quadratic.weights).toBe('quadratic');
    expect(quadratic.kappa).toBeCloseTo(0.208 / 0.218, 12);
    expect(quadratic.kappa).toBeCloseTo(0.9541, 4);
  });

  it('matches R irr::kappa2 on its anxiety data (raters 2 and 3): unweighted, "equal" and "squared" weights', () => {
    // Documented outputs reproduced in statsmodels test_inter_rater.py (test_cohens_kappa_irr): −0.006289308,
    // 0.1459075 (equal = linear) and 0.2520325 (squared = quadratic). Rating 5 is never used, so, as in irr, the
    // categories are the observed ratings 1, 2, 3, 4, 6 and weights follow their positions.
    const rater2 = [3, 6, 4, 6, 2, 4, 2, 4, 3, 3, 2, 3, 3, 3, 2, 2, 1, 3, 3, 4];
    const rater3 = [2, 1, 4, 4, 3, 2, 1, 6, 1, 1, 1, 2, 3, 3, 1, 1, 3, 3, 2, 2];
    const pairs = zip(rater2, rater3);
    expect(cohenKappa(zip(rater2.map(String), rater3.map(String))).kappa).toBeCloseTo(-0.006289308, 8);
    expect(weightedKappa(pairs, { weights: 'linear' }).kappa).toBeCloseTo(0.1459075, 7);
    expect(weightedKappa(pairs, { weights: 'quadratic' }).kappa).toBeCloseTo(0.2520325, 7);
    expect(weightedKappa(pairs).matrix.labels).toEqual(['1', '2', '3', '4', '6']);
  });

  it('uses the given category scale even where some categories are unused', () => {
    // On a 1–5 scale a 3-vs-4 disagreement is a near miss (weight 1 − 1/16), not the extremes of a 2-point scale.
    const pairs: Array<[number, number]> = [
      [3, 3],
      [4, 4],
      [3, 4],
      [4, 3],
      [3, 3],
      [4, 4],
    ];
    const scaled = weightedKappa(pairs, { categories: [1, 2, 3, 4, 5] });
    expect(scaled.matrix.labels).toEqual(['1', '2', '3', '4', '5']);
    expect(scaled.observed_agreement).toBeCloseTo((4 + 2 * (15 / 16)) / 6, 12);
    const observedOnly = weightedKappa(pairs);
    expect(observedOnly.observed_agreement).toBeCloseTo(4 / 6, 12);
  });

  it('follows the same degenerate rules: perfect, one category everywhere, empty', () => {
    const perfect = weightedKappa([
      [1, 1],
      [2, 2],
      [3, 3],
    ]);
    expect(perfect.kappa).toBeCloseTo(1, 12);
    expect(perfect.standard_error).toBeCloseTo(0, 12);
    expect(
      weightedKappa(
        [
          [4, 4],
          [4, 4],
        ],
        { categories: [1, 2, 3, 4, 5] },
      ),
    ).toMatchObject({ observed_agreement: 1, kappa: null });
    expect(weightedKappa([[4, 4]])).toMatchObject({ n: 1, observed_agreement: 1, kappa: null });
    expect(weightedKappa([])).toMatchObject({ n: 0, kappa: null, weights: 'quadratic' });
  });

  it('rejects ratings outside the categories and non-finite ratings', () => {
    expect(() => weightedKappa([[1, 6]], { categories: [1, 2, 3, 4, 5] })).toThrow(RangeError);
    expect(() => weightedKappa([[1, Number.NaN]])).toThrow(RangeError);
  });
});

describe('rawAgreement', () => {
  it('is the share of exact matches, null when empty', () => {
    expect(
      rawAgreement([
        ['a', 'a'],
        ['a', 'b'],
        ['b', 'b'],
        ['c', 'a'],
      ]),
    ).toBe(0.5);
    expect(rawAgreement([[3, 3]])).toBe(1);
    expect(rawAgreement([])).toBeNull();
  });
});
