import { Injectable, Logger } from '@nestjs/common';
import { DelayedError, Job, UnrecoverableError } from 'bullmq';
import { DataSource } from 'typeorm';
import { auditContextStorage } from '../../audit/audit-context';
import { withJobLogFields } from '../../logging/log-fields';
import { JobOutcome, MetricsService } from '../../metrics/metrics.service';
import { AuditedTransactionService } from '../../audit/audited-transaction.service';
import { isUnavailableError } from '../../common/all-exceptions.filter';
import { Environment } from '../../config/environment';
import type { QueuedJobData } from '../job-queues.service';
import type { JobContext } from '../job-type';
import { UnrecoverableJobError } from '../job-type';
import { JobTypeRegistry } from '../job-type.registry';
import type { JobBackoff, JobError, JobLogLevel } from '../job-status';
import {
  AttemptOutcome,
  JobHistoryWriter,
  StartedRun,
} from './job-history-writer';

/** Abort reason when an operator cancels a running job. */
export const CANCEL_REASON = 'cancelled';
/** Abort reason when the worker shuts down before the job finished. */
export const SHUTDOWN_REASON = 'shutdown';
const TIMEOUT_REASON = 'timeout';
/** Wait before trying again a job whose start PostgreSQL could not record. */
const DATABASE_RETRY_MS = 5_000;
/** Progress is stored at most this often; the last value always is. */
const PROGRESS_INTERVAL_MS = 1_000;

type Outcome = Omit<
  AttemptOutcome,
  'jobRunId' | 'number' | 'submittedBy' | 'at'
>;

/**
 * Runs one attempt of one job: records its start and commits it, runs the
 * handler with a JobContext, then records the outcome and commits it before
 * BullMQ acknowledges the job.
 */
@Injectable()
export class JobProcessor {
  private readonly logger = new Logger(JobProcessor.name);

  constructor(
    private readonly registry: JobTypeRegistry,
    private readonly writer: JobHistoryWriter,
    private readonly transactions: AuditedTransactionService,
    private readonly dataSource: DataSource,
    private readonly environment: Environment,
    private readonly metrics: MetricsService,
  ) {}

  /** Runs one attempt with the job's fields on every log line it writes. */
  async process(
    job: Job<QueuedJobData>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<null> {
    const fields = {
      jobId: job.id as string,
      jobType: job.data.type,
      queue: job.queueName,
      attempt: job.data.attemptOffset + job.attemptsStarted,
    };

    return withJobLogFields(fields, () =>
      this.processAttempt(job, token, signal),
    );
  }

  private async processAttempt(
    job: Job<QueuedJobData>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<null> {
    const jobRunId = job.id as string;
    const number = job.data.attemptOffset + job.attemptsStarted;
    const label = `job ${jobRunId} (${job.data.type}, queue ${job.queueName}) attempt ${number}`;
    const run = await this.start(job, token, number, label);
    if (!run) return null;

    const began = Date.now();
    this.logger.log(`Started ${label}`);
    const outcome = await this.attempt(job, number, run, signal);
    await this.writer.recordOutcome({
      ...outcome,
      jobRunId,
      number,
      submittedBy: job.data.submittedBy,
      at: new Date(),
    });
    const duration = Date.now() - began;
    this.metrics.recordJob(
      job.data.type,
      metricOutcome(outcome.attemptStatus, outcome.runStatus),
      duration / 1000,
    );

    switch (outcome.attemptStatus) {
      case 'completed':
        this.logger.log(`Completed ${label} in ${duration} ms`);
        return null;
      case 'cancelled':
        this.logger.log(`Cancelled ${label} after ${duration} ms`);
        throw new UnrecoverableError(outcome.error?.message);
      case 'interrupted':
        // Back to the queue at once, for another worker; BullMQ counts no
        // failed attempt, and the run got one attempt more in PostgreSQL.
        this.logger.warn(`Interrupted ${label} after ${duration} ms: shutdown`);
        await job.moveToDelayed(Date.now(), token);
        throw new DelayedError();
      case 'failed': {
        const retry = outcome.runStatus === 'delayed';
        this.logger.warn(
          `Failed ${label} after ${duration} ms` +
            (retry ? `, retrying at ${outcome.nextRunAt?.toISOString()}` : '') +
            `: ${outcome.error?.message}`,
        );
        if (!retry) throw new UnrecoverableError(outcome.error?.message);
        throw Object.assign(new Error(outcome.error?.message), {
          stack: outcome.error?.stack,
        });
      }
    }
  }

  private async start(
    job: Job<QueuedJobData>,
    token: string | undefined,
    number: number,
    label: string,
  ): Promise<StartedRun | null> {
    try {
      const run = await this.writer.recordStart({
        jobRunId: job.id as string,
        number,
        submittedBy: job.data.submittedBy,
        workerId: this.environment.WORKER_ID,
        at: new Date(),
      });
      if (!run) {
        this.logger.log(`Skipped ${label}: the run is no longer pending`);
      }

      return run;
    } catch (error) {
      if (!isUnavailableError(error)) throw error;
      // Without a recorded start the attempt must not run; try again later
      // without spending one of the job's attempts.
      this.logger.warn(
        `Postponed ${label} by ${DATABASE_RETRY_MS} ms: ` +
          `PostgreSQL is unavailable (${(error as Error).message})`,
      );
      await job.moveToDelayed(Date.now() + DATABASE_RETRY_MS, token);
      throw new DelayedError();
    }
  }

  private async attempt(
    job: Job<QueuedJobData>,
    number: number,
    run: StartedRun,
    cancel: AbortSignal | undefined,
  ): Promise<Outcome> {
    // A combined signal costs an AbortSignal.any() per attempt, so only an
    // attempt with a timeout gets one.
    const timeoutMs = run.timeoutMs;
    const timeout = timeoutMs ? new AbortController() : undefined;
    const timer =
      timeout && timeoutMs
        ? setTimeout(() => timeout.abort(TIMEOUT_REASON), timeoutMs)
        : undefined;
    const signal = combineSignals(cancel, timeout?.signal);
    const progress = new ProgressRecorder(
      (value) => this.saveProgress(job, value),
      (error) =>
        this.logger.warn(
          `Storing progress of job ${job.id} failed: ${error.message}`,
        ),
    );

    try {
      const result = await this.runHandler(job, number, run, signal, progress);
      const size = Buffer.byteLength(JSON.stringify(result ?? null));
      const max = this.environment.JOB_RESULT_MAX_BYTES;
      if (size > max) {
        return this.failure(
          job,
          new Error(
            `The result is ${size} bytes; the limit is ${max} bytes (JOB_RESULT_MAX_BYTES)`,
          ),
          progress,
        );
      }

      return {
        attemptStatus: 'completed',
        runStatus: 'completed',
        result: result ?? null,
        progress: progress.last,
      };
    } catch (error) {
      if (signal.aborted && signal.reason === CANCEL_REASON) {
        return {
          attemptStatus: 'cancelled',
          runStatus: 'cancelled',
          error: { message: 'Cancelled while running' },
          progress: progress.last,
        };
      }
      if (signal.aborted && signal.reason === SHUTDOWN_REASON) {
        return {
          attemptStatus: 'interrupted',
          runStatus: 'queued',
          error: { message: 'Interrupted: the worker shut down' },
          progress: progress.last,
          nextRunAt: new Date(),
        };
      }
      if (signal.aborted && signal.reason === TIMEOUT_REASON) {
        const message = `Timed out after ${run.timeoutMs} ms`;
        return this.failure(job, new Error(message), progress);
      }

      return this.failure(job, toError(error), progress);
    } finally {
      clearTimeout(timer);
      await progress.settled();
    }
  }

  private async runHandler(
    job: Job<QueuedJobData>,
    number: number,
    run: StartedRun,
    signal: AbortSignal,
    progress: ProgressRecorder,
  ): Promise<unknown> {
    const type = this.registry.find(job.data.type);
    if (!type) {
      throw new UnrecoverableJobError(
        `Job type "${job.data.type}" is not registered in this worker`,
      );
    }

    const jobRunId = job.id as string;
    const submittedBy = job.data.submittedBy;
    const context: JobContext = {
      jobRunId,
      type: job.data.type,
      queue: job.queueName,
      attempt: number,
      submittedBy,
      signal,
      progress: (value) => progress.set(value),
      log: (message, level) => this.log(jobRunId, number, message, level),
      transaction: (work) =>
        this.transactions.run(work, {
          userId: submittedBy,
          source: 'job',
          jobRunId,
        }),
    };
    const payload = this.registry.toPayload(type, run.payload);
    const work = auditContextStorage.run(
      { userId: submittedBy, source: 'job', jobRunId },
      () => type.handler.run(payload, context),
    );

    // A handler that ignores its signal still loses the attempt on abort.
    return raceAbort(work, signal);
  }

  private failure(
    job: Job<QueuedJobData>,
    error: Error,
    progress: ProgressRecorder,
  ): Outcome {
    const stored: JobError = { message: error.message, stack: error.stack };
    const attempts = job.opts.attempts ?? 1;
    const unrecoverable =
      error instanceof UnrecoverableJobError ||
      error.name === 'UnrecoverableJobError';
    if (unrecoverable || job.attemptsMade + 1 >= attempts) {
      return {
        attemptStatus: 'failed',
        runStatus: 'failed',
        error: stored,
        progress: progress.last,
      };
    }

    return {
      attemptStatus: 'failed',
      runStatus: 'delayed',
      error: stored,
      progress: progress.last,
      nextRunAt: new Date(Date.now() + backoffDelay(job)),
    };
  }

  private async saveProgress(
    job: Job<QueuedJobData>,
    value: unknown,
  ): Promise<void> {
    await this.transactions.run(
      (manager) =>
        manager.query(
          `UPDATE job_runs SET progress = $2, updated_at = clock_timestamp()
           WHERE id = $1 AND status = 'active'`,
          [job.id, JSON.stringify(value)],
        ),
      { userId: job.data.submittedBy, source: 'job', jobRunId: job.id },
    );
  }

  private async log(
    jobRunId: string,
    attempt: number,
    message: string,
    level: JobLogLevel = 'info',
  ): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO job_logs (job_run_id, attempt, level, message)
       VALUES ($1, $2, $3, $4)`,
      [jobRunId, attempt, level, message],
    );
  }
}

/**
 * Keeps progress writes (each one a version of the run) to one per
 * interval; the last value goes out with the attempt's outcome.
 */
class ProgressRecorder {
  last: unknown = undefined;
  private writtenAt = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(
    private readonly save: (value: unknown) => Promise<void>,
    private readonly onError: (error: Error) => void,
  ) {}

  async set(value: unknown): Promise<void> {
    this.last = value;
    if (Date.now() - this.writtenAt < PROGRESS_INTERVAL_MS) return;

    this.writtenAt = Date.now();
    this.writing = this.writing
      .then(() => this.save(value))
      .catch((error: Error) => this.onError(error));
    await this.writing;
  }

  settled(): Promise<void> {
    return this.writing;
  }
}

function backoffDelay(job: Job<QueuedJobData>): number {
  const backoff = job.opts.backoff;
  if (backoff === undefined) return 0;
  if (typeof backoff === 'number') return backoff;
  const delay = backoff.delay ?? 0;
  const type = backoff.type as JobBackoff['type'];

  // Same formulas as BullMQ's built-in strategies, without jitter.
  return type === 'exponential'
    ? Math.round(2 ** job.attemptsMade * delay)
    : delay;
}

function combineSignals(
  cancel: AbortSignal | undefined,
  timeout: AbortSignal | undefined,
): AbortSignal {
  if (cancel && timeout) return AbortSignal.any([cancel, timeout]);

  return cancel ?? timeout ?? new AbortController().signal;
}

function toError(error: unknown): Error {
  return error instanceof Error ? error : new Error(String(error));
}

function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  if (signal.aborted) return Promise.reject(toError(signal.reason));

  return new Promise<T>((resolve, reject) => {
    const onAbort = () =>
      reject(new Error(`Aborted: ${String(signal.reason)}`));
    signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        signal.removeEventListener('abort', onAbort);
        resolve(value);
      },
      (error: unknown) => {
        signal.removeEventListener('abort', onAbort);
        reject(toError(error));
      },
    );
  });
}

/** Maps an attempt's status to the `outcome` label of the job metrics. */
function metricOutcome(
  attemptStatus: Outcome['attemptStatus'],
  runStatus: Outcome['runStatus'],
): JobOutcome {
  switch (attemptStatus) {
    case 'completed':
      return 'completed';
    case 'cancelled':
      return 'cancelled';
    case 'failed':
    case 'interrupted':
      return runStatus === 'delayed' ? 'retried' : 'failed';
  }
}
