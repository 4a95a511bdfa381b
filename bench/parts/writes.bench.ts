import { Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditedTransactionService } from '../../src/audit/audited-transaction.service';
import { dataSourceOptions } from '../../src/database/data-source-options';
import { measureAlternately } from '../support/alternate';
import type { BenchEnvironment } from '../support/bench-environment';
import type { WritesResult } from '../support/results';
import { runConcurrently } from '../support/run-concurrently';
import {
  AUDITED_ENTITY_TYPE,
  AUDITED_TABLE,
  benchAuditContext,
  createBenchBooks,
  PLAIN_TABLE,
  priceOf,
  seedBenchBooks,
} from './bench-books';
import { measureWriteCost } from './write-cost';

/** Connections in the pool, and updates in flight at a time. */
const CONCURRENCY = 4;
/** Rows per table, far more than CONCURRENCY, so updates rarely wait on a row lock. */
const ROWS = 1000;

/*
 * Many short rounds rather than a few long ones: the load from other
 * processes changes within seconds, and short rounds let both variants of a
 * pair see about the same load.
 */
const SIZES = {
  quick: {
    updatesPerRound: 500,
    rounds: 8,
    unflushedRounds: 5,
    breakdownSamples: 200,
  },
  full: {
    updatesPerRound: 1000,
    rounds: 25,
    unflushedRounds: 11,
    breakdownSamples: 1000,
  },
};

const logger = new Logger('Bench:writes');

/**
 * Measures single-row updates, one per transaction, on a plain and on an
 * audited copy of `books`, through AuditedTransactionService on one pool.
 * Both copies take the same path (BEGIN, set_config of the audit context,
 * UPDATE, COMMIT), so the ratio isolates the capture trigger.
 */
export async function benchWrites(
  environment: BenchEnvironment,
  quick: boolean,
): Promise<WritesResult> {
  const size = quick ? SIZES.quick : SIZES.full;
  const dataSource = createDataSource(environment, false);
  const unflushed = createDataSource(environment, true);
  await dataSource.initialize();
  await unflushed.initialize();
  try {
    const transactions = new AuditedTransactionService(dataSource);
    await createBenchBooks(dataSource);
    const ids = await seedBenchBooks(transactions, ROWS);
    logger.log(
      `Seeded ${ROWS} rows in ${PLAIN_TABLE} and ${AUDITED_TABLE}; ` +
        `${size.rounds} rounds of ${size.updatesPerRound} updates each`,
    );

    const plain = new UpdateRound(PLAIN_TABLE, ids);
    const audited = new UpdateRound(AUDITED_TABLE, ids);
    const rates = await measureAlternately(
      'writes',
      size.rounds,
      () => plain.run(transactions, size.updatesPerRound),
      () => audited.run(transactions, size.updatesPerRound),
    );

    // The same comparison without waiting for the WAL flush at commit, which
    // shows the trigger's share of the work on storage with fast flushes.
    const unflushedTransactions = new AuditedTransactionService(unflushed);
    const unflushedRates = await measureAlternately(
      'writes-unflushed',
      size.unflushedRounds,
      () => plain.run(unflushedTransactions, size.updatesPerRound),
      () => audited.run(unflushedTransactions, size.updatesPerRound),
    );
    await checkVersions(dataSource, audited.updates);

    const breakdown = await measureWriteCost(
      environment.databaseUrl,
      ids,
      size.breakdownSamples,
    );

    return {
      plainPerSec: rates.baselinePerSec,
      auditedPerSec: rates.candidatePerSec,
      ratio: rates.ratio,
      pairRatioMedian: rates.pairRatioMedian,
      pairRatioRange: rates.pairRatioRange,
      rounds: rates.rounds,
      updatesPerRound: size.updatesPerRound,
      concurrency: CONCURRENCY,
      rows: ROWS,
      stampTrigger: 'on both tables',
      withoutCommitFlush: {
        synchronousCommit: 'off',
        plainPerSec: unflushedRates.baselinePerSec,
        auditedPerSec: unflushedRates.candidatePerSec,
        ratio: unflushedRates.ratio,
        pairRatioMedian: unflushedRates.pairRatioMedian,
        pairRatioRange: unflushedRates.pairRatioRange,
        rounds: unflushedRates.rounds,
      },
      breakdown,
    };
  } finally {
    await unflushed.destroy();
    await dataSource.destroy();
  }
}

/**
 * Creates a pool of CONCURRENCY connections configured as Chronicle's, or,
 * with `unflushed`, with synchronous_commit off for every session.
 */
function createDataSource(
  environment: BenchEnvironment,
  unflushed: boolean,
): DataSource {
  const options = dataSourceOptions({
    DATABASE_URL: environment.databaseUrl,
    DATABASE_POOL_SIZE: CONCURRENCY,
  });
  if (!unflushed) return new DataSource(options);

  return new DataSource({
    ...options,
    extra: { ...options.extra, options: '-c synchronous_commit=off' },
  });
}

/** Runs rounds of updates on one table, each update changing the price. */
class UpdateRound {
  /** Updates committed so far, warm-up included. */
  updates = 0;

  constructor(
    private readonly table: string,
    private readonly ids: string[],
  ) {}

  /** Runs `count` updates and returns their rate per second. */
  async run(
    transactions: AuditedTransactionService,
    count: number,
  ): Promise<number> {
    const context = benchAuditContext(`writes-${this.table}`);
    const elapsedMs = await runConcurrently(count, CONCURRENCY, async () => {
      const n = this.updates;
      this.updates += 1;
      const [, affected] = await transactions.run(
        (manager) =>
          manager.query(`UPDATE ${this.table} SET price = $1 WHERE id = $2`, [
            priceOf(n),
            this.ids[n % this.ids.length],
          ]),
        context,
      );
      if (affected !== 1) {
        throw new Error(
          `Update ${n} of ${this.table} changed ${affected} rows`,
        );
      }
    });

    return (count * 1000) / elapsedMs;
  }
}

/** Fails unless the trigger wrote one update version per audited update. */
async function checkVersions(
  dataSource: DataSource,
  expected: number,
): Promise<void> {
  const [row] = await dataSource.query(
    `SELECT count(*)::int AS count FROM audit_version
     WHERE entity_type = $1 AND action = 'update'`,
    [AUDITED_ENTITY_TYPE],
  );
  if (row.count !== expected) {
    throw new Error(
      `The audited table has ${row.count} update versions, expected ${expected}`,
    );
  }
}
