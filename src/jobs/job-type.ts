import type { EntityManager } from 'typeorm';

/**
 * Context of one attempt of one job run, passed to its handler.
 *
 * Handlers write to the database only through `transaction`, so their
 * changes are versioned as source `job`, attributed to the user who submitted
 * the job, and linked to the job run.
 */
export interface JobContext {
  jobRunId: string;
  type: string;
  queue: string;
  /** 1 for the first attempt. */
  attempt: number;
  /** The user the job acts for: its submitter, or the schedule's owner. */
  submittedBy: string | null;
  /** Fires when the job is cancelled or times out, and the handler must stop. */
  signal: AbortSignal;
  /** Stores progress on the job run (for example rows processed). */
  progress(value: number | Record<string, unknown>): Promise<void>;
  /** Appends a line to the job's log, served by GET /jobs/:id/logs. */
  log(message: string, level?: 'info' | 'warn' | 'error'): Promise<void>;
  /** Runs work in an audited transaction attributed to this job run. */
  transaction<T>(work: (manager: EntityManager) => Promise<T>): Promise<T>;
}

/**
 * A job type: a name, a payload DTO validated with class-validator at
 * submission, and a handler. Register one with `@JobTypeHandler(...)` on an
 * injectable class that implements this interface.
 *
 * A handler returns the job's result (JSON), or throws to fail the attempt.
 * Throwing `UnrecoverableJobError` fails the job without further attempts.
 */
export interface JobHandler<Payload extends object = object> {
  run(payload: Payload, context: JobContext): Promise<unknown>;

  /**
   * Checks a payload that passed DTO validation against rules that need
   * configuration or I/O (an allowed host, a file that must exist). Returns
   * error messages that start with the field (`url ...` or `payload.url ...`)
   * or with `payload` for the whole payload. An empty list accepts it.
   */
  check?(payload: Payload): Promise<string[]> | string[];
}

/** Fails a job at once, without retries: the input can never succeed. */
export class UnrecoverableJobError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UnrecoverableJobError';
  }
}
