/** Returns the median of a non-empty list of numbers. */
export function median(values: number[]): number {
  return percentile(values, 50);
}

/**
 * Returns the p-th percentile (0..100) of a non-empty list, interpolating
 * linearly between the two nearest ranks.
 */
export function percentile(values: number[], p: number): number {
  if (values.length === 0) {
    throw new Error('Cannot take a percentile of no values');
  }
  if (p < 0 || p > 100) throw new Error(`Percentile ${p} is not in 0..100`);

  const sorted = [...values].sort((a, b) => a - b);
  const rank = (p / 100) * (sorted.length - 1);
  const lower = Math.floor(rank);
  const upper = Math.ceil(rank);

  return sorted[lower] + (sorted[upper] - sorted[lower]) * (rank - lower);
}

/** Rounds to a fixed number of decimals, for figures meant to be read. */
export function round(value: number, decimals = 2): number {
  const factor = 10 ** decimals;

  return Math.round(value * factor) / factor;
}

/** Milliseconds elapsed since `start`, a `performance.now()` reading. */
export function elapsedMs(start: number): number {
  return performance.now() - start;
}
