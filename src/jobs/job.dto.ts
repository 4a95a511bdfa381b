import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import {
  ArrayMinSize,
  IsArray,
  IsDate,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import {
  INSTANT_EXAMPLE,
  INSTANT_PATTERN,
  instantMessage,
  IsInstantDate,
  toInstant,
} from '../audit/is-instant.decorator';
import { PageQueryDto } from '../common/pagination';
import { JOB_RUN_STATUSES, type JobRunStatus } from './job-status';

/** Most attempts one job may have. */
export const MAX_JOB_ATTEMPTS = 100;
/** Maximum wait before a job's first attempt: a year. */
export const MAX_JOB_DELAY_MS = 365 * 24 * 3600 * 1000;
/** Maximum timeout or backoff delay: a day. */
export const MAX_JOB_DURATION_MS = 24 * 3600 * 1000;
/** Highest BullMQ priority number (the lowest priority). */
export const MAX_JOB_PRIORITY = 2_097_151;
/** Maximum length of a job type name. */
export const MAX_JOB_TYPE_LENGTH = 200;
/** Characters and length of a queue name. */
export const JOB_QUEUE_PATTERN = /^[A-Za-z0-9_-]{1,100}$/;

/**
 * Combines property decorators as if they were written above the property
 * in this order. TypeScript applies stacked decorators bottom-up, and the
 * order of class-validator's messages follows it.
 */
function stacked(...decorators: PropertyDecorator[]): PropertyDecorator {
  return applyDecorators(...decorators.reverse());
}

// The validation rules of the job fields. POST /jobs and schedules both use
// them, so a schedule accepts exactly the jobs its slots can submit, with the
// same messages.

export const IsJobType = () =>
  stacked(IsString(), Length(1, MAX_JOB_TYPE_LENGTH));

export const IsJobPayload = () => IsObject();

export const IsJobQueue = () =>
  stacked(
    IsString(),
    Matches(JOB_QUEUE_PATTERN, {
      message: 'queue must be letters, digits, _ or -',
    }),
  );

export const IsJobPriority = () =>
  stacked(IsInt(), Min(0), Max(MAX_JOB_PRIORITY));

export const IsJobAttempts = () =>
  stacked(IsInt(), Min(1), Max(MAX_JOB_ATTEMPTS));

export const IsJobBackoff = () =>
  stacked(
    ValidateNested(),
    Type(() => JobBackoffDto),
  );

export class JobBackoffDto {
  @ApiProperty({ enum: ['fixed', 'exponential'] })
  @IsIn(['fixed', 'exponential'])
  type: 'fixed' | 'exponential';

  /** Fixed: the wait; exponential: the first wait, doubled each attempt. */
  @ApiProperty({
    type: 'integer',
    minimum: 0,
    maximum: MAX_JOB_DURATION_MS,
    description:
      'Fixed: the wait; exponential: the first wait, doubled each attempt',
  })
  @IsInt()
  @Min(0)
  @Max(MAX_JOB_DURATION_MS)
  delayMs: number;
}

/** `POST /jobs`, and what schedules and other services submit. */
export class JobSubmitDto {
  @ApiProperty({
    minLength: 1,
    maxLength: MAX_JOB_TYPE_LENGTH,
    example: 'system.noop',
    description: 'A name listed by GET /job-types',
  })
  @IsJobType()
  type: string;

  @ApiProperty({
    type: 'object',
    additionalProperties: true,
    example: {},
    description:
      "Checked against the type's payload schema; at most JOB_PAYLOAD_MAX_BYTES as JSON",
  })
  @IsJobPayload()
  payload: Record<string, unknown>;

  /** One of JOB_QUEUES; the first of them when left out. */
  @ApiPropertyOptional({
    pattern: JOB_QUEUE_PATTERN.source,
    description: 'One of JOB_QUEUES; the first of them when left out',
  })
  @IsOptional()
  @IsJobQueue()
  queue?: string;

  /** 0 (the default) runs first; then 1 is the highest priority. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_JOB_PRIORITY,
    default: 0,
    description: '0 runs first; then 1 is the highest priority',
  })
  @IsOptional()
  @IsJobPriority()
  priority?: number;

  /** Waits this long before the first attempt; not with runAt. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: MAX_JOB_DELAY_MS,
    description:
      'Milliseconds to wait before the first attempt; not with runAt',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_JOB_DELAY_MS)
  delayMs?: number;

  /**
   * Runs the first attempt at this instant; not with delayMs. The string
   * needs an offset, as the history's instants do. Null means not given.
   */
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    pattern: INSTANT_PATTERN.source,
    example: INSTANT_EXAMPLE,
    description:
      'When to run the first attempt, with an explicit offset (Z or +01:00); not with delayMs',
  })
  @IsOptional()
  @Transform(({ value }: { value: unknown }) =>
    value === null ? undefined : toInstant(value),
  )
  @IsDate({ message: instantMessage('runAt') })
  runAt?: Date;

  /** Attempts in all, the first included; 1 by default. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_JOB_ATTEMPTS,
    default: 1,
    description: 'Attempts in all, the first included',
  })
  @IsOptional()
  @IsJobAttempts()
  attempts?: number;

  @ApiPropertyOptional({
    type: () => JobBackoffDto,
    description: 'Wait between attempts',
  })
  @IsOptional()
  @IsJobBackoff()
  backoff?: JobBackoffDto;

  /** Aborts an attempt that runs longer; it fails and may be retried. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_JOB_DURATION_MS,
    description:
      'Milliseconds after which an attempt is aborted; it fails and may be retried',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_JOB_DURATION_MS)
  timeoutMs?: number;

  /** A second submission with the same key returns the first job. */
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 200,
    description: 'A second submission with the same key returns the first job',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  idempotencyKey?: string;
}

export class JobBulkSubmitDto {
  @ApiProperty({
    type: () => [JobSubmitDto],
    minItems: 1,
    description: 'At most JOB_BULK_MAX jobs, accepted all or none',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ValidateNested({ each: true })
  @Type(() => JobSubmitDto)
  jobs: JobSubmitDto[];
}

/** `GET /jobs` filters; `from` and `to` bound created_at. */
export class JobListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ enum: JOB_RUN_STATUSES })
  @IsOptional()
  @IsIn(JOB_RUN_STATUSES)
  status?: JobRunStatus;

  @ApiPropertyOptional({ example: 'system.noop' })
  @IsOptional()
  @IsString()
  type?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  queue?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Jobs submitted by this user',
  })
  @IsOptional()
  @IsUUID('all', { message: 'submittedBy must be a UUID' })
  submittedBy?: string;

  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Jobs created by this schedule',
  })
  @IsOptional()
  @IsUUID('all', { message: 'scheduleId must be a UUID' })
  scheduleId?: string;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Jobs created at or after this instant',
  })
  @IsOptional()
  @IsInstantDate('from')
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Jobs created before this instant',
  })
  @IsOptional()
  @IsInstantDate('to')
  to?: Date;
}
