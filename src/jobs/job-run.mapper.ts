import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { type Role, roleIncludes } from '../auth/role';
import type { JobAttempt } from './job-attempt.entity';
import type { JobLog } from './job-log.entity';
import type { JobRun } from './job-run.entity';
import { JobBackoffDto } from './job.dto';
import {
  ERROR_STACK_ROLE,
  PAYLOAD_HEADERS_ROLE,
  JOB_ATTEMPT_STATUSES,
  JOB_RUN_STATUSES,
  type JobAttemptStatus,
  type JobBackoff,
  type JobError,
  type JobRunStatus,
} from './job-status';

const INSTANT = { type: String, format: 'date-time' } as const;
const NULLABLE_INSTANT = { ...INSTANT, nullable: true } as const;

/** Any JSON value a handler produced. */
const ANY_JSON = {
  oneOf: [
    { type: 'object', additionalProperties: true },
    { type: 'array', items: {} },
    { type: 'string' },
    { type: 'number' },
    { type: 'boolean' },
  ],
  nullable: true,
};

/** The error stored on a job run or attempt. */
export class JobErrorDto {
  @ApiProperty()
  message: string;

  @ApiPropertyOptional({
    description: `The stack trace; present for readers with the ${ERROR_STACK_ROLE} role or higher`,
  })
  stack?: string;
}

export class JobAttemptResponseDto {
  @ApiProperty({ type: 'integer', minimum: 1 })
  number: number;

  @ApiProperty({ enum: JOB_ATTEMPT_STATUSES })
  status: JobAttemptStatus;

  @ApiProperty(INSTANT)
  startedAt: string;

  @ApiProperty(NULLABLE_INSTANT)
  finishedAt: string | null;

  @ApiProperty({ description: 'The worker process that ran the attempt' })
  workerId: string;

  @ApiProperty({ type: () => JobErrorDto, nullable: true })
  error: JobError | null;
}

export class JobRunResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'system.noop' })
  type: string;

  @ApiProperty()
  queue: string;

  @ApiProperty({ enum: JOB_RUN_STATUSES })
  status: JobRunStatus;

  @ApiProperty({ type: 'object', additionalProperties: true })
  payload: Record<string, unknown>;

  @ApiProperty({
    ...ANY_JSON,
    description: 'What the handler returned; null until the job completes',
  })
  result: unknown;

  @ApiProperty({ type: () => JobErrorDto, nullable: true })
  error: JobError | null;

  @ApiProperty({
    ...ANY_JSON,
    description: 'The last progress the handler reported, or null',
  })
  progress: unknown;

  @ApiProperty({ type: 'integer' })
  priority: number;

  @ApiProperty({ ...INSTANT, description: 'When the next attempt may start' })
  runAt: string;

  @ApiProperty({ type: 'integer' })
  maxAttempts: number;

  @ApiProperty({ type: 'integer' })
  attemptsMade: number;

  @ApiProperty({ type: () => JobBackoffDto, nullable: true })
  backoff: JobBackoff | null;

  @ApiProperty({ type: 'integer', nullable: true })
  timeoutMs: number | null;

  @ApiProperty({ type: String, nullable: true })
  idempotencyKey: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  submittedBy: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  scheduleId: string | null;

  @ApiProperty({
    ...NULLABLE_INSTANT,
    description: 'The schedule slot this job was created for',
  })
  scheduledFor: string | null;

  @ApiProperty(INSTANT)
  createdAt: string;

  @ApiProperty(NULLABLE_INSTANT)
  startedAt: string | null;

  @ApiProperty(NULLABLE_INSTANT)
  finishedAt: string | null;

  @ApiProperty(INSTANT)
  updatedAt: string;

  /** Present on `GET /jobs/:id` only. */
  @ApiPropertyOptional({
    type: () => [JobAttemptResponseDto],
    description: 'Oldest first; present on GET /jobs/{id} only',
  })
  attempts?: JobAttemptResponseDto[];
}

export class JobLogResponseDto {
  @ApiProperty({ type: 'integer', description: 'The attempt that logged it' })
  attempt: number;

  @ApiProperty(INSTANT)
  at: string;

  @ApiProperty({ enum: ['info', 'warn', 'error'] })
  level: string;

  @ApiProperty()
  message: string;
}

/** `POST /jobs/bulk`: the jobs in the order submitted. */
export class JobBulkResponseDto {
  @ApiProperty({ type: () => [JobRunResponseDto] })
  items: JobRunResponseDto[];
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

/** Returns `error` without its stack unless `reader` may read stacks. */
export function redactJobError(
  error: JobError | null,
  reader: Role,
): JobError | null {
  if (error === null || roleIncludes(reader, ERROR_STACK_ROLE)) return error;

  return { message: error.message };
}

/** Returns `payload` without its `headers` unless `reader` may read them. */
export function redactPayloadHeaders(
  payload: Record<string, unknown>,
  reader: Role,
): Record<string, unknown> {
  if (!('headers' in payload) || roleIncludes(reader, PAYLOAD_HEADERS_ROLE)) {
    return payload;
  }
  const rest = { ...payload };
  delete rest.headers;

  return rest;
}

/**
 * Returns a job response with the error stacks and payload headers that
 * `reader` may read.
 */
export function redactJobRun(
  job: JobRunResponseDto,
  reader: Role,
): JobRunResponseDto {
  const redacted = {
    ...job,
    payload: redactPayloadHeaders(job.payload, reader),
    error: redactJobError(job.error, reader),
  };
  if (job.attempts) {
    redacted.attempts = job.attempts.map((attempt) => ({
      ...attempt,
      error: redactJobError(attempt.error, reader),
    }));
  }

  return redacted;
}

export function toJobLogResponse(log: JobLog): JobLogResponseDto {
  return {
    attempt: log.attempt,
    at: log.at.toISOString(),
    level: log.level,
    message: log.message,
  };
}
