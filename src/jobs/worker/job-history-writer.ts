import { Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { EntityManager, QueryRunner } from 'typeorm';
import { AuditedTransactionService } from '../../audit/audited-transaction.service';
import type { JobAttemptStatus, JobError, JobRunStatus } from '../job-status';

/** An attempt that is about to run. */
export interface AttemptStart {
  jobRunId: string;
  number: number;
  /** Versions of the run are attributed to this user. */
  submittedBy: string | null;
  workerId: string;
  at: Date;
}

/** What the attempt may run with, read from the run as it started. */
export interface StartedRun {
  payload: Record<string, unknown>;
  timeoutMs: number | null;
}

/** How an attempt ended, and the state its run moves to. */
export interface AttemptOutcome {
  jobRunId: string;
  number: number;
  submittedBy: string | null;
  attemptStatus: Extract<
    JobAttemptStatus,
    'completed' | 'failed' | 'cancelled' | 'interrupted'
  >;
  runStatus: Extract<
    JobRunStatus,
    'completed' | 'failed' | 'cancelled' | 'delayed' | 'queued'
  >;
  result?: unknown;
  error?: JobError;
  progress?: unknown;
  /** Due time of the next attempt, for a run that waits to retry. */
  nextRunAt?: Date;
  at: Date;
}

type Event =
  | {
      kind: 'start';
      start: AttemptStart;
      resolve: (run: StartedRun | null) => void;
      reject: (error: Error) => void;
    }
  | {
      kind: 'outcome';
      outcome: AttemptOutcome;
      resolve: () => void;
      reject: (error: Error) => void;
    };

/** Events that make a batch flush at once. */
const MAX_BATCH = 256;
/** How long the first event of a batch waits for others to join it. */
const LINGER_MS = 2;
/** Batches committing at the same time. */
const MAX_IN_FLIGHT = 4;

const START_RUNS = `
  UPDATE job_runs r
  SET status = 'active', attempts_made = i.number,
    started_at = coalesce(r.started_at, i.at), finished_at = NULL,
    updated_at = i.at
  FROM unnest($1::uuid[], $2::integer[], $3::timestamptz[]) AS i(id, number, at)
  WHERE r.id = i.id AND r.status IN ('queued', 'delayed', 'active')
    AND r.attempts_made < i.number
  RETURNING r.id, r.payload, r.timeout_ms`;

// An attempt still active when a later one starts lost its worker.
const MARK_STALLED = `
  UPDATE job_attempts a SET status = 'stalled', finished_at = i.at
  FROM unnest($1::uuid[], $2::integer[], $3::timestamptz[]) AS i(id, number, at)
  WHERE a.job_run_id = i.id AND a.number < i.number AND a.status = 'active'`;

const INSERT_ATTEMPTS = `
  INSERT INTO job_attempts (job_run_id, number, status, started_at, worker_id)
  SELECT id, number, 'active', at, worker_id
  FROM unnest($1::uuid[], $2::integer[], $3::timestamptz[], $4::text[])
    AS i(id, number, at, worker_id)
  ON CONFLICT (job_run_id, number) DO NOTHING`;

const FINISH_RUNS = `
  UPDATE job_runs r
  SET status = i.status, result = i.result, error = i.error,
    progress = coalesce(i.progress, r.progress),
    run_at = coalesce(i.next_run_at, r.run_at),
    finished_at = CASE WHEN i.status IN ('completed', 'failed', 'cancelled')
      THEN i.at END,
    updated_at = i.at
  FROM unnest($1::uuid[], $2::integer[], $3::text[], $4::jsonb[], $5::jsonb[],
    $6::jsonb[], $7::timestamptz[], $8::timestamptz[])
    AS i(id, number, status, result, error, progress, next_run_at, at)
  WHERE r.id = i.id AND r.status = 'active' AND r.attempts_made = i.number`;

const FINISH_ATTEMPTS = `
  UPDATE job_attempts a
  SET status = i.status, finished_at = i.at, error_message = i.message,
    error_stack = i.stack
  FROM unnest($1::uuid[], $2::integer[], $3::text[], $4::text[], $5::text[],
    $6::timestamptz[]) AS i(id, number, status, message, stack, at)
  WHERE a.job_run_id = i.id AND a.number = i.number AND a.status = 'active'`;

interface StartedRow {
  id: string;
  payload: Record<string, unknown>;
  timeout_ms: number | null;
}

const json = (value: unknown) =>
  value === undefined || value === null ? null : JSON.stringify(value);

/**
 * Records attempt starts and outcomes of concurrent jobs with group commit:
 * events that arrive within a few milliseconds share one transaction of
 * multi-row statements, and each caller's promise resolves only after that
 * transaction committed. The job_runs updates still fire the capture trigger
 * row by row, so every state change is a version, attributed to the run's
 * submitter (one revision per submitter in a batch).
 *
 * Statements are guarded by state and attempt number, so an event recorded
 * twice (BullMQ delivers at least once) changes nothing the second time.
 */
@Injectable()
export class JobHistoryWriter implements OnApplicationShutdown {
  private readonly logger = new Logger(JobHistoryWriter.name);
  private pending: Event[] = [];
  private timer?: NodeJS.Timeout;
  private inFlight = 0;
  private readonly running = new Set<Promise<void>>();

  constructor(private readonly transactions: AuditedTransactionService) {}

  /**
   * Records that an attempt starts: the run becomes active and gets an
   * attempt row.
   *
   * @returns what to run with, or null when the run must not run: it was
   *   cancelled, finished, or this attempt was recorded already.
   */
  recordStart(start: AttemptStart): Promise<StartedRun | null> {
    return new Promise((resolve, reject) =>
      this.push({ kind: 'start', start, resolve, reject }),
    );
  }

  /** Records how an attempt ended and the state of its run. */
  recordOutcome(outcome: AttemptOutcome): Promise<void> {
    return new Promise((resolve, reject) =>
      this.push({ kind: 'outcome', outcome, resolve, reject }),
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.flush();
    await Promise.allSettled([...this.running]);
  }

  private push(event: Event): void {
    this.pending.push(event);
    if (this.pending.length >= MAX_BATCH) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), LINGER_MS);
  }

  private flush(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    if (this.pending.length === 0 || this.inFlight >= MAX_IN_FLIGHT) return;

    const batch = this.pending.splice(0, MAX_BATCH);
    this.inFlight += 1;
    const done = this.commit(batch).finally(() => {
      this.inFlight -= 1;
      this.running.delete(done);
      // Events that queued up while every slot was busy go out now.
      if (this.pending.length > 0) this.flush();
    });
    this.running.add(done);
  }

  private async commit(batch: Event[]): Promise<void> {
    try {
      const started = await this.transactions.run(
        (manager) => this.write(manager, batch),
        { userId: null, source: 'job' },
      );
      this.settle(batch, started);
    } catch (error) {
      if (batch.length === 1) {
        this.logger.error(
          `Recording job history failed for ${describe(batch[0])}: ` +
            (error as Error).message,
          (error as Error).stack,
        );
        batch[0].reject(error as Error);
        return;
      }
      // One bad event must not fail its neighbours: record each alone.
      this.logger.warn(
        `Recording a batch of ${batch.length} job events failed ` +
          `(${(error as Error).message}); recording them one by one`,
      );
      await Promise.all(batch.map((event) => this.commit([event])));
    }
  }

  private settle(batch: Event[], started: Map<string, StartedRun>): void {
    for (const event of batch) {
      if (event.kind === 'start') {
        event.resolve(started.get(event.start.jobRunId) ?? null);
      } else {
        event.resolve();
      }
    }
  }

  private async write(
    manager: EntityManager,
    batch: Event[],
  ): Promise<Map<string, StartedRun>> {
    const starts: AttemptStart[] = [];
    const outcomes: AttemptOutcome[] = [];
    for (const event of batch) {
      if (event.kind === 'start') starts.push(event.start);
      else outcomes.push(event.outcome);
    }

    if (outcomes.length > 0) await this.writeOutcomes(manager, outcomes);

    return starts.length > 0
      ? this.writeStarts(manager, starts)
      : new Map<string, StartedRun>();
  }

  private async writeStarts(
    manager: EntityManager,
    starts: AttemptStart[],
  ): Promise<Map<string, StartedRun>> {
    const started = new Map<string, StartedRun>();
    for (const [userId, group] of bySubmitter(starts)) {
      await this.actAs(manager, userId);
      // UPDATE ... RETURNING: the structured result keeps rows and count apart.
      const result = await (manager.queryRunner as QueryRunner).query(
        START_RUNS,
        [
          group.map((s) => s.jobRunId),
          group.map((s) => s.number),
          group.map((s) => s.at.toISOString()),
        ],
        true,
      );
      const rows = result.records as StartedRow[];
      for (const row of rows) {
        started.set(row.id, {
          payload: row.payload,
          timeoutMs: row.timeout_ms,
        });
      }
    }

    const accepted = starts.filter((s) => started.has(s.jobRunId));
    if (accepted.length > 0) {
      const columns = [
        accepted.map((s) => s.jobRunId),
        accepted.map((s) => s.number),
        accepted.map((s) => s.at.toISOString()),
      ];
      await manager.query(MARK_STALLED, columns);
      await manager.query(INSERT_ATTEMPTS, [
        ...columns,
        accepted.map((s) => s.workerId),
      ]);
    }

    return started;
  }

  private async writeOutcomes(
    manager: EntityManager,
    outcomes: AttemptOutcome[],
  ): Promise<void> {
    for (const [userId, group] of bySubmitter(outcomes)) {
      await this.actAs(manager, userId);
      await manager.query(FINISH_RUNS, [
        group.map((o) => o.jobRunId),
        group.map((o) => o.number),
        group.map((o) => o.runStatus),
        group.map((o) => json(o.result)),
        group.map((o) => json(o.error)),
        group.map((o) => json(o.progress)),
        group.map((o) => o.nextRunAt?.toISOString() ?? null),
        group.map((o) => o.at.toISOString()),
      ]);
    }

    await manager.query(FINISH_ATTEMPTS, [
      outcomes.map((o) => o.jobRunId),
      outcomes.map((o) => o.number),
      outcomes.map((o) => o.attemptStatus),
      outcomes.map((o) => o.error?.message ?? null),
      outcomes.map((o) => o.error?.stack ?? null),
      outcomes.map((o) => o.at.toISOString()),
    ]);
  }

  /** Starts a new revision for the next writes, attributed to userId. */
  private async actAs(
    manager: EntityManager,
    userId: string | null,
  ): Promise<void> {
    await manager.query(
      `SELECT set_config('chronicle.user_id', $1, true),
              set_config('chronicle.source', 'job', true),
              set_config('chronicle.revision', '', true)`,
      [userId ?? ''],
    );
  }
}

function bySubmitter<T extends { submittedBy: string | null }>(
  events: T[],
): Map<string | null, T[]> {
  const groups = new Map<string | null, T[]>();
  for (const event of events) {
    const group = groups.get(event.submittedBy);
    if (group) group.push(event);
    else groups.set(event.submittedBy, [event]);
  }

  return groups;
}

function describe(event: Event): string {
  return event.kind === 'start'
    ? `the start of job ${event.start.jobRunId} attempt ${event.start.number}`
    : `the outcome of job ${event.outcome.jobRunId} attempt ${event.outcome.number}`;
}
