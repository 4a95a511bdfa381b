import type { JobAttempt } from './job-attempt.entity';
import type { JobLog } from './job-log.entity';
import type { JobRun } from './job-run.entity';
import type {
  JobAttemptStatus,
  JobBackoff,
  JobError,
  JobRunStatus,
} from './job-status';

export interface JobAttemptResponseDto {
  number: number;
  status: JobAttemptStatus;
  startedAt: string;
  finishedAt: string | null;
  workerId: string;
  error: JobError | null;
}

export interface JobRunResponseDto {
  id: string;
  type: string;
  queue: string;
  status: JobRunStatus;
  payload: Record<string, unknown>;
  result: unknown;
  error: JobError | null;
  progress: unknown;
  priority: number;
  runAt: string;
  maxAttempts: number;
  attemptsMade: number;
  backoff: JobBackoff | null;
  timeoutMs: number | null;
  idempotencyKey: string | null;
  submittedBy: string | null;
  scheduleId: string | null;
  scheduledFor: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  updatedAt: string;
  /** Present on `GET /jobs/:id` only. */
  attempts?: JobAttemptResponseDto[];
}

export interface JobLogResponseDto {
  attempt: number;
  at: string;
  level: string;
  message: string;
}

const iso = (value: Date | null) => (value ? value.toISOString() : null);

export function toJobRunResponse(run: JobRun): JobRunResponseDto {
  return {
    id: run.id,
    type: run.type,
    queue: run.queue,
    status: run.status,
    payload: run.payload,
    result: run.result ?? null,
    error: run.error,
    progress: run.progress ?? null,
    priority: run.priority,
    runAt: run.runAt.toISOString(),
    maxAttempts: run.maxAttempts,
    attemptsMade: run.attemptsMade,
    backoff: run.backoff,
    timeoutMs: run.timeoutMs,
    idempotencyKey: run.idempotencyKey,
    submittedBy: run.submittedBy,
    scheduleId: run.scheduleId,
    scheduledFor: iso(run.scheduledFor),
    createdAt: run.createdAt.toISOString(),
    startedAt: iso(run.startedAt),
    finishedAt: iso(run.finishedAt),
    updatedAt: run.updatedAt.toISOString(),
  };
}

export function toJobAttemptResponse(
  attempt: JobAttempt,
): JobAttemptResponseDto {
  return {
    number: attempt.number,
    status: attempt.status,
    startedAt: attempt.startedAt.toISOString(),
    finishedAt: iso(attempt.finishedAt),
    workerId: attempt.workerId,
    error:
      attempt.errorMessage === null
        ? null
        : {
            message: attempt.errorMessage,
            stack: attempt.errorStack ?? undefined,
          },
  };
}

export function toJobLogResponse(log: JobLog): JobLogResponseDto {
  return {
    attempt: log.attempt,
    at: log.at.toISOString(),
    level: log.level,
    message: log.message,
  };
}
