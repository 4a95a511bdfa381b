import { Logger } from '@nestjs/common';
import { median, round } from './stats';

/** Throughputs of two variants measured in interleaved rounds. */
export interface AlternatedRates {
  /** Median of the baseline rounds, in operations per second. */
  baselinePerSec: number;
  /** Median of the candidate rounds, in operations per second. */
  candidatePerSec: number;
  /** candidatePerSec / baselinePerSec. */
  ratio: number;
  /** Median of the candidate/baseline ratios of each round pair. */
  pairRatioMedian: number;
  /** Lowest and highest candidate/baseline ratio of one round pair. */
  pairRatioRange: [number, number];
  rounds: number;
}

/**
 * Measures two variants in the order A, B, A, B, ... after one discarded
 * warm-up round of each. Interleaving exposes both variants to the same load
 * from other processes on the machine, so their ratio stays meaningful on a
 * shared host even when the absolute rates drift between runs.
 *
 * Each measure function runs one round and returns its rate in operations per
 * second. A round that throws fails the whole comparison. `afterWarmUp` runs
 * between the warm-up rounds and the measured ones.
 */
export async function measureAlternately(
  name: string,
  rounds: number,
  baseline: () => Promise<number>,
  candidate: () => Promise<number>,
  afterWarmUp?: () => void,
): Promise<AlternatedRates> {
  const logger = new Logger(`Bench:${name}`);
  await baseline();
  await candidate();
  afterWarmUp?.();

  const baselineRates: number[] = [];
  const candidateRates: number[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    baselineRates.push(await baseline());
    candidateRates.push(await candidate());
    logger.log(
      `Round ${round}/${rounds}: baseline ${baselineRates.at(-1)?.toFixed(0)}/s, ` +
        `candidate ${candidateRates.at(-1)?.toFixed(0)}/s`,
    );
  }

  return summarise(baselineRates, candidateRates);
}

/** Reduces the rates of interleaved rounds to medians and their ratio. */
export function summarise(
  baselineRates: number[],
  candidateRates: number[],
): AlternatedRates {
  if (baselineRates.length !== candidateRates.length) {
    throw new Error('Both variants need the same number of rounds');
  }

  const baselinePerSec = median(baselineRates);
  const candidatePerSec = median(candidateRates);
  const pairRatios = baselineRates.map(
    (rate, index) => candidateRates[index] / rate,
  );

  return {
    baselinePerSec: round(baselinePerSec, 1),
    candidatePerSec: round(candidatePerSec, 1),
    ratio: round(candidatePerSec / baselinePerSec, 3),
    pairRatioMedian: round(median(pairRatios), 3),
    pairRatioRange: [
      round(Math.min(...pairRatios), 3),
      round(Math.max(...pairRatios), 3),
    ],
    rounds: baselineRates.length,
  };
}
