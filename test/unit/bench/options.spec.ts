import { parseBenchOptions } from '../../../bench/support/options';

describe('parseBenchOptions', () => {
  it('runs every part in full mode without arguments', () => {
    expect(parseBenchOptions([])).toEqual({
      quick: false,
      parts: ['writes', 'history', 'jobs', 'submit'],
    });
  });

  it('reads --quick and --only in either spelling, in canonical order', () => {
    expect(parseBenchOptions(['--quick', '--only', 'submit,writes'])).toEqual({
      quick: true,
      parts: ['writes', 'submit'],
    });
    expect(parseBenchOptions(['--only=jobs']).parts).toEqual(['jobs']);
  });

  it('rejects unknown parts, an empty --only and unknown flags', () => {
    expect(() => parseBenchOptions(['--only', 'writes,reads'])).toThrow(
      'Unknown part "reads"',
    );
    expect(() => parseBenchOptions(['--only'])).toThrow('--only needs parts');
    expect(() => parseBenchOptions(['--fast'])).toThrow(
      'Unknown argument "--fast"',
    );
  });
});
