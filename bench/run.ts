import { Logger } from '@nestjs/common';
import { benchHistory } from './parts/history.bench';
import { benchJobs } from './parts/jobs.bench';
import { benchSubmit } from './parts/submit.bench';
import { benchWrites } from './parts/writes.bench';
import { BenchEnvironment } from './support/bench-environment';
import { describeMachine } from './support/machine';
import { parseBenchOptions, type BenchPart } from './support/options';
import { writeReport } from './support/report';
import type { BenchResults } from './support/results';

const logger = new Logger('Bench');

type PartRunner = (
  environment: BenchEnvironment,
  quick: boolean,
) => Promise<NonNullable<BenchResults[BenchPart]>>;

const PART_RUNNERS: Record<BenchPart, PartRunner> = {
  writes: benchWrites,
  history: benchHistory,
  jobs: benchJobs,
  submit: benchSubmit,
};

/**
 * Runs the selected parts on a database and Redis prefix of this run's own,
 * removes both, and writes the report only when every part succeeded.
 */
async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  logger.log(
    `Running ${options.parts.join(', ')} (${options.quick ? 'quick' : 'full'})`,
  );
  const environment = await BenchEnvironment.create();
  // The listeners stay attached while the data is removed, so a second
  // signal (Nest's shutdown hooks re-send the first one) cannot end the
  // process before the database is dropped.
  let stopping = false;
  const stopOnSignal = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.error(`Stopped by ${signal}, removing the bench data`);
    void environment
      .remove()
      .catch((error: unknown) => logger.error(describe(error)))
      .finally(() => process.exit(130));
  };
  process.on('SIGINT', stopOnSignal);
  process.on('SIGTERM', stopOnSignal);

  const results: BenchResults = {};
  const failed: BenchPart[] = [];
  let machine;
  try {
    for (const part of options.parts) {
      try {
        logger.log(`Part ${part}: started`);
        Object.assign(results, {
          [part]: await PART_RUNNERS[part](environment, options.quick),
        });
        logger.log(`Part ${part}: done`);
      } catch (error) {
        failed.push(part);
        logger.error(`Part ${part} failed: ${describe(error)}`);
      }
    }
    machine = await describeMachine(
      environment.databaseUrl,
      environment.redisUrl,
    );
  } finally {
    await environment.remove();
  }

  if (failed.length > 0) {
    logger.error(
      `Failed parts: ${failed.join(', ')}. Nothing was written to ` +
        'bench/results/latest.json or docs/benchmarks.md.',
    );
    return 1;
  }

  const report = await writeReport(results, machine, options.quick);
  process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);

  return 0;
}

function describe(error: unknown): string {
  return error instanceof Error
    ? (error.stack ?? error.message)
    : String(error);
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    logger.error(`Bench failed: ${describe(error)}`);
    process.exit(1);
  },
);
