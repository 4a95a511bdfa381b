import { summarise } from '../../../bench/support/alternate';
import { median, percentile } from '../../../bench/support/stats';

describe('percentile', () => {
  it('returns the middle value, or the mean of the two middle values', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(median([4, 1, 3, 2])).toBe(2.5);
  });

  it('interpolates between the nearest ranks', () => {
    const values = Array.from({ length: 101 }, (_, index) => index);
    expect(percentile(values, 95)).toBe(95);
    expect(percentile([10, 20], 95)).toBeCloseTo(19.5);
  });

  it('does not reorder the input', () => {
    const values = [3, 1, 2];
    median(values);
    expect(values).toEqual([3, 1, 2]);
  });

  it('rejects an empty list and a percentile outside 0..100', () => {
    expect(() => median([])).toThrow('no values');
    expect(() => percentile([1], 101)).toThrow('not in 0..100');
  });
});

describe('summarise', () => {
  it('divides the median candidate rate by the median baseline rate', () => {
    const result = summarise([100, 300, 200], [50, 180, 90]);
    expect(result).toEqual({
      baselinePerSec: 200,
      candidatePerSec: 90,
      ratio: 0.45,
      pairRatioMedian: 0.5,
      pairRatioRange: [0.45, 0.6],
      rounds: 3,
    });
  });

  it('rejects rounds of unequal count', () => {
    expect(() => summarise([1, 2], [1])).toThrow('same number of rounds');
  });
});
