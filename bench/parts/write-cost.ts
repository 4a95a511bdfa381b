import { Client } from 'pg';
import { median, round } from '../support/stats';
import {
  AUDITED_ENTITY_TYPE,
  AUDITED_TABLE,
  PLAIN_TABLE,
  priceOf,
} from './bench-books';
import { CAPTURE_STEPS_FUNCTION } from './capture-steps.sql';

/** Added to the update counter, so these updates never repeat a round's price. */
const PRICE_OFFSET = 50_000_000;
const EXPLAIN_SAMPLES = 50;
const STEP_ITERATIONS = 2000;

/** The same settings, in the same single statement, as AuditedTransactionService. */
const SET_CONTEXT = `SELECT
  set_config('chronicle.user_id', '00000000-0000-4000-8000-00000000be9c', true),
  set_config('chronicle.source', 'http', true),
  set_config('chronicle.request_id', 'bench-write-cost', true),
  set_config('chronicle.comment', '', true),
  set_config('chronicle.job_run_id', '', true),
  set_config('chronicle.revision', '', true),
  set_config('chronicle.action', '', true)`;

type Phase = 'begin' | 'setContext' | 'update' | 'commit';
const PHASES: Phase[] = ['begin', 'setContext', 'update', 'commit'];

/** Where the time of one audited update goes, next to the same plain update. */
export interface WriteCost {
  /** Client-side median milliseconds of each statement of one transaction. */
  transactionMs: Record<'plain' | 'audited', Record<Phase | 'total', number>>;
  /**
   * WAL bytes written between the start and the end of one transaction. The
   * WAL position is server-wide, so other sessions' writes only add to it:
   * the minimum is the closest to this transaction's own WAL.
   */
  walBytes: Record<'plain' | 'audited', { min: number; median: number }>;
  /** Server-side medians from EXPLAIN ANALYZE of one UPDATE. */
  explainMs: {
    plainExecution: number;
    auditedExecution: number;
    triggers: Record<string, number>;
  };
  /** Microseconds per call of each step of the capture trigger, run in a loop. */
  captureStepsUs: Record<string, number | null>;
}

/**
 * Splits the cost of an audited update three ways, on one connection with no
 * concurrency: per statement as the client sees it, per trigger as EXPLAIN
 * ANALYZE reports it, and per step inside the capture trigger.
 */
export async function measureWriteCost(
  databaseUrl: string,
  ids: string[],
  samples: number,
): Promise<WriteCost> {
  const client = new Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const counter = { next: PRICE_OFFSET };
    const transactions = await timeTransactions(client, ids, samples, counter);
    return {
      ...transactions,
      explainMs: await explainUpdates(client, ids, counter),
      captureStepsUs: await profileCaptureSteps(client, ids[0]),
    };
  } finally {
    await client.end();
  }
}

async function timeTransactions(
  client: Client,
  ids: string[],
  samples: number,
  counter: { next: number },
): Promise<Pick<WriteCost, 'transactionMs' | 'walBytes'>> {
  const timings = { plain: newTimings(), audited: newTimings() };
  const wal = { plain: [] as number[], audited: [] as number[] };
  for (let sample = 0; sample < samples; sample += 1) {
    for (const [name, table] of [
      ['plain', PLAIN_TABLE],
      ['audited', AUDITED_TABLE],
    ] as const) {
      const n = (counter.next += 1);
      const statements: Record<Phase, () => Promise<unknown>> = {
        begin: () => client.query('BEGIN'),
        setContext: () => client.query(SET_CONTEXT),
        update: () =>
          client.query(`UPDATE ${table} SET price = $1 WHERE id = $2`, [
            priceOf(n),
            ids[n % ids.length],
          ]),
        commit: () => client.query('COMMIT'),
      };
      const before = await client.query(
        'SELECT pg_current_wal_insert_lsn() AS lsn',
      );
      for (const phase of PHASES) {
        const start = performance.now();
        await statements[phase]();
        timings[name][phase].push(performance.now() - start);
      }
      const after = await client.query(
        'SELECT pg_wal_lsn_diff(pg_current_wal_insert_lsn(), $1) AS bytes',
        [before.rows[0].lsn],
      );
      wal[name].push(Number(after.rows[0].bytes));
    }
  }

  return {
    transactionMs: {
      plain: medians(timings.plain),
      audited: medians(timings.audited),
    },
    walBytes: {
      plain: { min: Math.min(...wal.plain), median: median(wal.plain) },
      audited: { min: Math.min(...wal.audited), median: median(wal.audited) },
    },
  };
}

function newTimings(): Record<Phase, number[]> {
  return { begin: [], setContext: [], update: [], commit: [] };
}

function medians(
  timings: Record<Phase, number[]>,
): Record<Phase | 'total', number> {
  const result = { total: 0 } as Record<Phase | 'total', number>;
  for (const phase of PHASES) {
    result[phase] = round(median(timings[phase]), 3);
    result.total = round(result.total + result[phase], 3);
  }

  return result;
}

interface ExplainOutput {
  'Execution Time': number;
  Triggers?: { 'Trigger Name': string; Time: number; Calls: number }[];
}

/** Runs EXPLAIN ANALYZE of one update per table in rolled-back transactions. */
async function explainUpdates(
  client: Client,
  ids: string[],
  counter: { next: number },
): Promise<WriteCost['explainMs']> {
  const execution = { plain: [] as number[], audited: [] as number[] };
  const triggers = new Map<string, number[]>();
  for (let sample = 0; sample < EXPLAIN_SAMPLES; sample += 1) {
    for (const [name, table] of [
      ['plain', PLAIN_TABLE],
      ['audited', AUDITED_TABLE],
    ] as const) {
      const n = (counter.next += 1);
      await client.query('BEGIN');
      try {
        await client.query(SET_CONTEXT);
        const result = await client.query(
          `EXPLAIN (ANALYZE, FORMAT JSON)
           UPDATE ${table} SET price = $1 WHERE id = $2`,
          [priceOf(n), ids[n % ids.length]],
        );
        const [plan] = result.rows[0]['QUERY PLAN'] as ExplainOutput[];
        execution[name].push(plan['Execution Time']);
        for (const trigger of plan.Triggers ?? []) {
          const key = `${name}: ${trigger['Trigger Name']}`;
          triggers.set(key, [...(triggers.get(key) ?? []), trigger.Time]);
        }
      } finally {
        await client.query('ROLLBACK');
      }
    }
  }

  return {
    plainExecution: round(median(execution.plain), 3),
    auditedExecution: round(median(execution.audited), 3),
    triggers: Object.fromEntries(
      [...triggers].map(([key, times]) => [key, round(median(times), 3)]),
    ),
  };
}

/** Times each step of the capture trigger in a loop, then rolls back. */
async function profileCaptureSteps(
  client: Client,
  id: string,
): Promise<Record<string, number | null>> {
  await client.query('BEGIN');
  try {
    await client.query(SET_CONTEXT);
    await client.query(CAPTURE_STEPS_FUNCTION);
    const result = await client.query(
      `SELECT step, micros FROM pg_temp.bench_capture_steps($1, $2, $3)`,
      [id, AUDITED_ENTITY_TYPE, STEP_ITERATIONS],
    );

    return Object.fromEntries(
      result.rows.map((row) => [
        row.step,
        row.micros === null ? null : round(Number(row.micros), 2),
      ]),
    );
  } finally {
    await client.query('ROLLBACK');
  }
}
