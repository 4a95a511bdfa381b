import { PartialType } from '@nestjs/mapped-types';
import { Type } from 'class-transformer';
import {
  IsBoolean,
  IsDateString,
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
import { PageQueryDto } from '../common/pagination';
import { CATCH_UP_POLICIES, type CatchUpPolicy } from './schedule-catch-up';

export class ScheduleBackoffDto {
  @IsIn(['fixed', 'exponential'])
  type: 'fixed' | 'exponential';

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
  @IsString()
  @Length(1, 200)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;

  @IsString()
  @Length(1, 200)
  type: string;

  @IsOptional()
  @IsObject({ message: 'payload must be a JSON object' })
  payload?: Record<string, unknown>;

  @IsOptional()
  @IsString()
  @Length(1, 200)
  cron?: string | null;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  timezone?: string;

  @IsOptional()
  @IsInt({ message: 'everyMs must be an integer number of milliseconds' })
  @Max(Number.MAX_SAFE_INTEGER)
  everyMs?: number | null;

  @IsOptional()
  @IsDateString({}, { message: 'runAt must be an ISO 8601 date' })
  runAt?: string | null;

  @IsOptional()
  @IsInt({ message: 'limit must be an integer number of runs' })
  @Min(1)
  limit?: number | null;

  @IsOptional()
  @IsDateString({}, { message: 'startAt must be an ISO 8601 date' })
  startAt?: string | null;

  @IsOptional()
  @IsDateString({}, { message: 'endAt must be an ISO 8601 date' })
  endAt?: string | null;

  @IsOptional()
  @IsBoolean()
  enabled?: boolean;

  @IsOptional()
  @IsIn(CATCH_UP_POLICIES)
  catchUp?: CatchUpPolicy;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  queue?: string | null;

  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(2_097_152)
  priority?: number | null;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(100)
  attempts?: number | null;

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
  @IsOptional()
  @IsString()
  @Length(1, 200)
  type?: string;
}

export class ScheduleNextQueryDto {
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(100)
  count: number = 5;
}
