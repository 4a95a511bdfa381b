import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  ValidateNested,
} from 'class-validator';
import { IsInstant } from '../audit/is-instant.decorator';
import { PageQueryDto } from '../common/pagination';
import { CATCH_UP_POLICIES, type CatchUpPolicy } from './schedule-catch-up';

export class ScheduleBackoffDto {
  @ApiProperty({ enum: ['fixed', 'exponential'] })
  @IsIn(['fixed', 'exponential'])
  type: 'fixed' | 'exponential';

  @ApiProperty({
    type: 'integer',
    minimum: 0,
    description:
      'Fixed: the wait; exponential: the first wait, doubled each attempt',
  })
  @IsInt()
  @Min(0)
  delayMs: number;
}

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
    maxLength: 200,
    example: 'system.noop',
    description: 'The job type of the runs',
  })
  @IsString()
  @Length(1, 200)
  type: string;

  @ApiPropertyOptional({
    type: 'object',
    additionalProperties: true,
    description: "Payload of every run, checked against the job type's schema",
  })
  @IsOptional()
  @IsObject({ message: 'payload must be a JSON object' })
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
    maximum: Number.MAX_SAFE_INTEGER,
    description: 'Fire every this many milliseconds',
  })
  @IsOptional()
  @IsInt({ message: 'everyMs must be an integer number of milliseconds' })
  @Max(Number.MAX_SAFE_INTEGER)
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
    minLength: 1,
    maxLength: 100,
    description: 'Queue of the runs; the first of JOB_QUEUES when null',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  queue?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 0,
    maximum: 2_097_152,
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_097_152)
  priority?: number | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: 1,
    maximum: 100,
    description: 'Attempts of each run',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  attempts?: number | null;

  @ApiPropertyOptional({
    type: () => ScheduleBackoffDto,
    nullable: true,
  })
  @IsOptional()
  @ValidateNested()
  @Type(() => ScheduleBackoffDto)
  backoff?: ScheduleBackoffDto | null;
}

/**
 * Body of PATCH /schedules/:id. Giving cron, everyMs or runAt replaces the
 * timing; null clears an optional field.
 */
export class ScheduleUpdateDto extends PartialType(ScheduleCreateDto) {}

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
