import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { DataSource, In } from 'typeorm';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { Environment } from '../config/environment';
import { MetricsService } from '../metrics/metrics.service';
import { withRedisTimeout } from '../redis/redis-timeout';
import { JobQueues } from './job-queues.service';
import { JobRun } from './job-run.entity';
import { JobSubmissionService } from './job-submission.service';
import {
  ReconcileAction,
  reconcileAction,
  ReconcileCandidate,
  RedisJobState,
} from './reconcile-decision';
import { WorkerHeartbeat } from './worker/worker-heartbeat.service';

/** Runs changed this recently are left alone: their submitter may be adding them. */
const SETTLE_MS = 2_000;
/** Runs read from PostgreSQL and looked up in Redis per round. */
const BATCH_SIZE = 500;
/** Days a stopped or silent worker stays in job_workers. */
const WORKER_RETENTION_DAYS = 7;
/**
 * Maximum wait for the Redis reads of one batch. A round that waited for
 * Redis without limit would also keep the worker from shutting down.
 */
const BATCH_REDIS_TIMEOUT_MS = 10_000;
/** Session advisory lock that lets one reconciler run at a time. */
const LOCK_KEY = 'chronicle.job_reconciler';

interface CandidateRow {
  id: string;
  queue: string;
  status: ReconcileCandidate['status'];
  attempts_made: number;
  max_attempts: number;
  updated_at: Date;
  submitted_by: string | null;
  worker_id: string | null;
  worker_dead: boolean;
}

/*
 * Pending and running job runs after $1 in id order, with whether the worker
 * of an active run's current attempt is dead: it shut down, stopped
 * reporting for $2 ms, or never reported and started the attempt that long
 * ago.
 */
const CANDIDATES = `
  SELECT r.id, r.queue, r.status, r.attempts_made, r.max_attempts,
    r.updated_at, r.submitted_by, a.worker_id,
    coalesce(r.status = 'active' AND a.status = 'active' AND (
      w.stopped_at IS NOT NULL
      OR w.heartbeat_at < clock_timestamp() - make_interval(secs => $2 / 1000.0)
      OR (w.id IS NULL AND
          a.started_at < clock_timestamp() - make_interval(secs => $2 / 1000.0))
    ), false) AS worker_dead
  FROM job_runs r
  LEFT JOIN job_attempts a ON a.job_run_id = r.id AND a.number = r.attempts_made
  LEFT JOIN job_workers w ON w.id = a.worker_id
  WHERE r.status IN ('queued', 'delayed', 'active') AND r.id > $1
    AND r.updated_at < clock_timestamp() - make_interval(secs => $3 / 1000.0)
  ORDER BY r.id
  LIMIT $4`;

/*
 * Marks the current attempt of an active run stalled, as detected now, and
 * moves the run back to queued (due now) when attempts remain, else to
 * failed. Guarded by state and number: an attempt that finished or was
 * superseded meanwhile stays as it is.
 */
const STALL = `
  WITH stalled AS (
    UPDATE job_attempts a
    SET status = 'stalled', finished_at = clock_timestamp(),
      error_message = $3
    WHERE a.job_run_id = $1 AND a.number = $2 AND a.status = 'active'
    RETURNING a.job_run_id
  )
  UPDATE job_runs r
  SET status = CASE WHEN r.attempts_made < r.max_attempts THEN 'queued'
      ELSE 'failed' END,
    error = jsonb_build_object('message', $3::text),
    run_at = CASE WHEN r.attempts_made < r.max_attempts THEN clock_timestamp()
      ELSE r.run_at END,
    finished_at = CASE WHEN r.attempts_made < r.max_attempts THEN NULL
      ELSE clock_timestamp() END,
    updated_at = clock_timestamp()
  FROM stalled
  WHERE r.id = stalled.job_run_id AND r.status = 'active'
    AND r.attempts_made = $2
  RETURNING r.status`;

/** Counts of one reconciliation. */
export interface ReconcileReport {
  checked: number;
  enqueued: number;
  stalled: number;
}

/**
 * Makes Redis match PostgreSQL, the record of every job: runs that PostgreSQL
 * holds as queued, delayed or active but Redis lost (restarted without
 * persistence, keys evicted or deleted) are enqueued again, with their
 * original due time; attempts whose worker died are recorded as stalled and
 * run again while attempts remain. The run id is the BullMQ job id, so
 * enqueueing a run Redis already holds changes nothing.
 *
 * Runs in worker processes at start-up and every RECONCILE_INTERVAL_MS; an
 * advisory lock lets one process reconcile at a time.
 */
@Injectable()
export class JobReconciler
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(JobReconciler.name);
  private timer?: NodeJS.Timeout;
  private running?: Promise<ReconcileReport | null>;
  private stopped = false;
  /** Runs enqueued again since start-up, for metrics. */
  reenqueuedTotal = 0;
  /** Attempts recorded as stalled since start-up, for metrics. */
  stalledTotal = 0;

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: AuditedTransactionService,
    private readonly submission: JobSubmissionService,
    private readonly queues: JobQueues,
    private readonly heartbeat: WorkerHeartbeat,
    private readonly environment: Environment,
    private readonly metrics: MetricsService,
  ) {}

  onApplicationBootstrap(): void {
    this.trigger();
    const interval = this.environment.RECONCILE_INTERVAL_MS;
    if (interval > 0) this.timer = setInterval(() => this.trigger(), interval);
  }

  /** Stops the periodic runs and waits for the current one. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    this.stopped = true;
    await this.running;
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /**
   * Reconciles once, unless another process holds the lock.
   *
   * @returns what it did, or null when another process was reconciling.
   */
  async reconcile(): Promise<ReconcileReport | null> {
    const runner = this.dataSource.createQueryRunner();
    await runner.connect();
    try {
      const rows: { locked: boolean }[] = await runner.query(
        `SELECT pg_try_advisory_lock(hashtextextended($1, 0)) AS locked`,
        [LOCK_KEY],
      );
      if (!rows[0].locked) return null;
      try {
        return await this.reconcileAll();
      } finally {
        await runner.query(
          `SELECT pg_advisory_unlock(hashtextextended($1, 0))`,
          [LOCK_KEY],
        );
      }
    } finally {
      await runner.release();
    }
  }

  private trigger(): void {
    if (this.running || this.stopped) return;
    this.running = this.reconcile()
      .catch((error: Error) => {
        this.logger.warn(`Reconciling job runs failed: ${error.message}`);
        return null;
      })
      .finally(() => (this.running = undefined));
  }

  private async reconcileAll(): Promise<ReconcileReport> {
    const report: ReconcileReport = { checked: 0, enqueued: 0, stalled: 0 };
    // Dead workers are judged only by a process whose own heartbeats flow.
    const judgeWorkers = this.heartbeat.trustsHeartbeats;
    let after = '00000000-0000-0000-0000-000000000000';
    for (;;) {
      const rows = await this.dataSource.query<CandidateRow[]>(CANDIDATES, [
        after,
        this.heartbeat.deadAfterMs,
        SETTLE_MS,
        BATCH_SIZE,
      ]);
      if (rows.length === 0) break;
      after = rows[rows.length - 1].id;
      await this.reconcileBatch(rows, judgeWorkers, report);
      if (rows.length < BATCH_SIZE) break;
    }
    if (report.enqueued > 0 || report.stalled > 0) {
      this.logger.log(
        `Reconciled ${report.checked} pending job runs: ${report.enqueued} ` +
          `enqueued again, ${report.stalled} stalled attempts`,
      );
    }
    await this.forgetOldWorkers();

    return report;
  }

  /**
   * Deletes job_workers rows of processes that stopped or went silent more
   * than WORKER_RETENTION_DAYS ago. Their attempts keep the worker id, and an
   * attempt whose worker row is missing counts as one of a dead worker.
   */
  private async forgetOldWorkers(): Promise<void> {
    const [, deleted] = await this.dataSource.query<[unknown, number]>(
      `DELETE FROM job_workers
       WHERE coalesce(stopped_at, heartbeat_at) <
         clock_timestamp() - make_interval(days => $1)`,
      [WORKER_RETENTION_DAYS],
    );
    if (deleted > 0) {
      this.logger.log(
        `Forgot ${deleted} job workers silent for over ${WORKER_RETENTION_DAYS} days`,
      );
    }
  }

  private async reconcileBatch(
    rows: CandidateRow[],
    judgeWorkers: boolean,
    report: ReconcileReport,
  ): Promise<void> {
    report.checked += rows.length;
    const states = await withRedisTimeout(
      Promise.all(rows.map((row) => this.redisState(row))),
      `read the BullMQ state of ${rows.length} job runs`,
      BATCH_REDIS_TIMEOUT_MS,
    );
    const toEnqueue: { row: CandidateRow; replace: boolean }[] = [];
    for (const [index, row] of rows.entries()) {
      const action = reconcileAction({
        status: row.status,
        attemptsMade: row.attempts_made,
        maxAttempts: row.max_attempts,
        redisState: states[index],
        workerDead: judgeWorkers && row.worker_dead,
      });
      const next = await this.apply(row, action, report);
      if (next) toEnqueue.push({ row, replace: next.replace });
    }
    if (toEnqueue.length > 0) await this.enqueue(toEnqueue, report);
  }

  /** Applies a decision; returns what is left to enqueue, if anything. */
  private async apply(
    row: CandidateRow,
    action: ReconcileAction,
    report: ReconcileReport,
  ): Promise<{ replace: boolean } | null> {
    switch (action.kind) {
      case 'keep':
        return null;
      case 'enqueue':
        return { replace: action.replace };
      case 'stall': {
        const status = await this.stall(row);
        if (status === null) return null;
        report.stalled += 1;

        return status === 'queued' && action.enqueue
          ? { replace: action.replace }
          : null;
      }
    }
  }

  private async stall(row: CandidateRow): Promise<string | null> {
    const message =
      `Attempt ${row.attempts_made} stalled: worker ${row.worker_id} ` +
      'stopped reporting while it ran';
    // TypeORM returns [rows, row count] for an UPDATE statement.
    const [rows] = await this.transactions.run(
      (manager) =>
        manager.query<[{ status: string }[], number]>(STALL, [
          row.id,
          row.attempts_made,
          message,
        ]),
      { userId: row.submitted_by, source: 'system' },
    );
    const [updated] = rows;
    if (!updated) return null;

    this.stalledTotal += 1;
    this.logger.warn(
      `Job ${row.id}: attempt ${row.attempts_made} of worker ` +
        `${row.worker_id} recorded as stalled; the run is ${updated.status}`,
    );

    return updated.status;
  }

  /**
   * Enqueues runs that are still as they were read: a run a worker or a user
   * changed meanwhile is left to the next round.
   */
  private async enqueue(
    items: { row: CandidateRow; replace: boolean }[],
    report: ReconcileReport,
  ): Promise<void> {
    const runs = await this.dataSource.manager.findBy(JobRun, {
      id: In(items.map((item) => item.row.id)),
      status: In(['queued', 'delayed']),
    });
    const byId = new Map(runs.map((run) => [run.id, run]));
    const ready: JobRun[] = [];
    for (const { row, replace } of items) {
      const run = byId.get(row.id);
      if (!run) continue;
      if (
        row.status !== 'active' &&
        run.updatedAt.getTime() !== row.updated_at.getTime()
      ) {
        continue;
      }
      if (replace) {
        await withRedisTimeout(
          this.queues.get(run.queue).remove(run.id),
          `remove finished BullMQ job ${run.id} before enqueueing it again`,
        );
      }
      ready.push(run);
    }
    if (ready.length === 0) return;

    await this.submission.enqueueAll(ready);
    report.enqueued += ready.length;
    this.reenqueuedTotal += ready.length;
    this.metrics.reconcilerReenqueues.inc(ready.length);
    for (const run of ready) {
      this.logger.warn(
        `Job ${run.id} (${run.type}, queue ${run.queue}) is ${run.status} ` +
          `in PostgreSQL but not pending in Redis; enqueued again, due ` +
          run.runAt.toISOString(),
      );
    }
  }

  private async redisState(row: CandidateRow): Promise<RedisJobState> {
    return this.queues.get(row.queue).getJobState(row.id);
  }
}
