import {
  ApiProperty,
  ApiPropertyOptional,
  IntersectionType,
  OmitType,
  PartialType,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateIf,
} from 'class-validator';
import { IsInstant } from '../audit/is-instant.decorator';
import { PageQueryDto } from '../common/pagination';
import {
  IsJobAttempts,
  IsJobBackoff,
  IsJobPayload,
  IsJobPriority,
  IsJobQueue,
  IsJobType,
  JOB_QUEUE_PATTERN,
  JobBackoffDto,
  MAX_JOB_ATTEMPTS,
  MAX_JOB_PRIORITY,
  MAX_JOB_TYPE_LENGTH,
} from '../jobs/job.dto';
import { CATCH_UP_POLICIES, type CatchUpPolicy } from './schedule-catch-up';

/*
 * Maximum everyMs. Slot times are anchor + k * everyMs as JavaScript dates,
 * which end 8.64e15 ms after 1970, so an interval near that range made the
 * next slot an invalid date.
 */
export const MAX_EVERY_MS = 100 * 365 * 24 * 3600 * 1000;

/**
 * Body of POST /schedules. Rules across fields (exactly one timing, a valid
 * cron and zone, bounds in order) are checked by SchedulesService, which
 * names the field in each message.
 */
export class ScheduleCreateDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 200,
    example: 'nightly cleanup',
    description: 'Unique among schedules',
  })
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @ApiProperty({
    minLength: 1,
    maxLength: MAX_JOB_TYPE_LENGTH,
    example: 'system.noop',
    description: 'The job type of the runs',
  })
  @IsJobType()
  type: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    default: {},
    description:
      "Payload of every run, checked against the job type's schema; at most JOB_PAYLOAD_MAX_BYTES as JSON",
  })
  @IsOptional()
  @IsJobPayload()
  payload?: Record<string, unknown>;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    minLength: 1,
    maxLength: 200,
    example: '0 3 * * *',
    description: 'A cron expression; exactly one of cron, everyMs and runAt',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  cron?: string | null;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    default: 'UTC',
    example: 'Europe/Amsterdam',
    description: 'IANA zone the cron expression is read in',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  timezone?: string;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    maximum: MAX_EVERY_MS,
    description: 'Fire every this many milliseconds (at most 100 years)',
  })
  @IsOptional()
  @IsInt({ message: 'everyMs must be an integer number of milliseconds' })
  @Max(MAX_EVERY_MS, {
    message: `everyMs must be at most ${MAX_EVERY_MS} (100 years)`,
  })
  everyMs?: number | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'Fire once at this time',
  })
  @IsOptional()
  @IsInstant('runAt')
  runAt?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    description: 'Maximum number of runs',
  })
  @IsOptional()
  @IsInt({ message: 'limit must be an integer number of runs' })
  @Min(1)
  limit?: number | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'No slot before it (inclusive)',
  })
  @IsOptional()
  @IsInstant('startAt')
  startAt?: string | null;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    nullable: true,
    description: 'No slot after it (inclusive)',
  })
  @IsOptional()
  @IsInstant('endAt')
  endAt?: string | null;

  @ApiPropertyOptional({
    default: true,
    description: 'False creates it paused',
  })
  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @ApiPropertyOptional({
    enum: CATCH_UP_POLICIES,
    default: 'last',
    description: 'What to do with slots missed while no scheduler ran',
  })
  @IsOptional()
  @IsIn(CATCH_UP_POLICIES)
  catchUp?: CatchUpPolicy;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    pattern: JOB_QUEUE_PATTERN.source,
    description:
      'Queue of the runs, one of JOB_QUEUES; the first of them when null',
  })
  @IsOptional()
  @IsJobQueue()
  queue?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: MAX_JOB_PRIORITY,
    description: 'Priority of each run: 0 runs first; then 1 is the highest',
  })
  @IsOptional()
  @IsJobPriority()
  priority?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: MAX_JOB_ATTEMPTS,
    description: 'Attempts of each run, the first included',
  })
  @IsOptional()
  @IsJobAttempts()
  attempts?: number | null;

  @ApiPropertyOptional({
    type: () => JobBackoffDto,
    nullable: true,
    description: 'Wait between the attempts of each run',
  })
  @IsOptional()
  @IsJobBackoff()
  backoff?: JobBackoffDto | null;
}

/**
 * The job type and payload in PATCH /schedules/:id. Unlike the optional
 * fields, they cannot be cleared: null is validated, and rejected, like a
 * null in POST /jobs.
 */
class ScheduleJobPatchDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: MAX_JOB_TYPE_LENGTH,
    example: 'system.noop',
    description: 'The job type of the runs',
  })
  @ValidateIf((_, value) => value !== undefined)
  @IsJobType()
  type?: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description:
      "Payload of every run, checked against the job type's schema; at most JOB_PAYLOAD_MAX_BYTES as JSON",
  })
  @ValidateIf((_, value) => value !== undefined)
  @IsJobPayload()
  payload?: Record<string, unknown>;
}

/**
 * Body of PATCH /schedules/:id. Giving cron, everyMs or runAt replaces the
 * timing; null clears an optional field.
 */
export class ScheduleUpdateDto extends IntersectionType(
  PartialType(OmitType(ScheduleCreateDto, ['type', 'payload'] as const)),
  ScheduleJobPatchDto,
) {}

export class ScheduleListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 200,
    description: 'Schedules of this job type',
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  type?: string;
}

export class ScheduleNextQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: 100,
    default: 5,
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  count: number = 5;
}
