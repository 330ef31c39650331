import { signTest } from './sign-test';

describe('signTest', () => {
  // Darwin's corn data (Fisher, The Design of Experiments, §17): 13 of the 15 cross-fertilized plants were taller.
  // Two-sided sign test: 2·(C(15,0)+C(15,1)+C(15,2))/2^15 = 2·121/32768.
  it('Darwin’s corn data: 13 positive, 2 negative → p = 242/32768', () => {
    const d = [6, 8, 14, 16, 23, 24, 28, 29, 41, -48, 49, 56, 60, -67, 75];
    expect(signTest(d)).toEqual({ positive: 13, negative: 2, zeros: 0, p_value: expect.closeTo(242 / 32768, 15) as number });
  });

  it('sets zero differences aside', () => {
    const result = signTest([0, 0, 1, 2, 3, -1]);
    expect(result).toMatchObject({ positive: 3, negative: 1, zeros: 2 });
    expect(result.p_value).toBeCloseTo(0.625, 14); // 2·(1+4)/16
  });

  it('counts floating-point noise as zero', () => {
    expect(signTest([0.1 + 0.2 - 0.3, 1e-13, -1e-13])).toMatchObject({ positive: 0, negative: 0, zeros: 3, p_value: 1 });
  });

  it('empty input and all zeros → p = 1', () => {
    expect(signTest([])).toEqual({ positive: 0, negative: 0, zeros: 0, p_value: 1 });
    expect(signTest([0, 0])).toEqual({ positive: 0, negative: 0, zeros: 2, p_value: 1 });
  });

  it('rejects non-finite differences', () => {
    expect(() => signTest([Infinity])).toThrow(RangeError);
  });
});
