import type { Role } from '../auth/role';

/** States of a job run; `delayed` also covers the wait between attempts. */
export const JOB_RUN_STATUSES = [
  'queued',
  'delayed',
  'active',
  'completed',
  'failed',
  'cancelled',
] as const;
export type JobRunStatus = (typeof JOB_RUN_STATUSES)[number];

/** States a job run waits in before an attempt starts. */
export const PENDING_STATUSES: readonly JobRunStatus[] = ['queued', 'delayed'];

/**
 * Outcomes of one attempt. `stalled` means its worker stopped renewing the
 * lock (it died or hung) and another delivery took over; `interrupted` means
 * the worker shut down during it.
 */
export const JOB_ATTEMPT_STATUSES = [
  'active',
  'completed',
  'failed',
  'stalled',
  'interrupted',
  'cancelled',
] as const;
export type JobAttemptStatus = (typeof JOB_ATTEMPT_STATUSES)[number];

export type JobLogLevel = 'info' | 'warn' | 'error';

/** Backoff between attempts, applied by BullMQ. */
export interface JobBackoff {
  type: 'fixed' | 'exponential';
  delayMs: number;
}

/** The error stored on a job run and shown by the API. */
export interface JobError {
  message: string;
  stack?: string;
}

/**
 * The lowest role that reads the stack of a job's error. A stack shows file
 * paths and code structure, so viewers get the message only.
 */
export const ERROR_STACK_ROLE: Role = 'operator';

/**
 * Lowest role that reads `payload.headers` of a job run, because webhook
 * headers often carry credentials for the receiving service.
 */
export const PAYLOAD_HEADERS_ROLE: Role = 'operator';
