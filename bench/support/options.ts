/** The parts of the benchmark, in the order a full run measures them. */
export const BENCH_PARTS = ['writes', 'history', 'jobs', 'submit'] as const;
export type BenchPart = (typeof BENCH_PARTS)[number];

export interface BenchOptions {
  /** Smaller workloads, so that a run on 2 cores ends within two minutes. */
  quick: boolean;
  parts: BenchPart[];
}

const USAGE =
  'Usage: npm run bench -- [--quick] [--only writes,history,jobs,submit]';

/**
 * Parses the command-line arguments of `npm run bench`.
 *
 * @throws Error with the usage line for an unknown flag or part.
 */
export function parseBenchOptions(args: string[]): BenchOptions {
  let quick = false;
  let parts: BenchPart[] = [...BENCH_PARTS];
  for (let index = 0; index < args.length; index += 1) {
    const arg = args[index];
    if (arg === '--quick') {
      quick = true;
    } else if (arg === '--only' || arg.startsWith('--only=')) {
      const value =
        arg === '--only' ? args[(index += 1)] : arg.slice('--only='.length);
      parts = parseParts(value);
    } else {
      throw new Error(`Unknown argument "${arg}". ${USAGE}`);
    }
  }

  return { quick, parts };
}

function parseParts(value: string | undefined): BenchPart[] {
  const names = (value ?? '')
    .split(',')
    .map((name) => name.trim())
    .filter((name) => name !== '');
  if (names.length === 0) throw new Error(`--only needs parts. ${USAGE}`);

  const unknown = names.filter(
    (name) => !(BENCH_PARTS as readonly string[]).includes(name),
  );
  if (unknown.length > 0) {
    throw new Error(`Unknown part "${unknown.join(', ')}". ${USAGE}`);
  }

  // Keep the canonical order so that reports of two runs line up.
  return BENCH_PARTS.filter((part) => names.includes(part));
}
