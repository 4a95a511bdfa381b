import { ApiProperty } from '@nestjs/swagger';
import {
  CATCH_UP_POLICIES,
  SLOT_OUTCOMES,
  type CatchUpPolicy,
  type SlotOutcome,
} from './schedule-catch-up';
import { JobBackoffDto } from '../jobs/job.dto';
import {
  SCHEDULE_KINDS,
  type Schedule,
  type ScheduleBackoff,
  type ScheduleKind,
} from './schedule.entity';
import type { ScheduleSlot } from './schedule-slot.entity';

const INSTANT = { type: String, format: 'date-time' } as const;
const NULLABLE_INSTANT = { ...INSTANT, nullable: true } as const;

export class ScheduleResponseDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({ example: 'nightly cleanup' })
  name: string;

  @ApiProperty({ example: 'system.noop', description: 'The job type' })
  type: string;

  @ApiProperty({ type: 'object', additionalProperties: true })
  payload: Record<string, unknown>;

  @ApiProperty({
    enum: SCHEDULE_KINDS,
    description: 'Which timing field is set: runAt, everyMs or cron',
  })
  kind: ScheduleKind;

  @ApiProperty({ type: String, nullable: true, example: '0 3 * * *' })
  cron: string | null;

  @ApiProperty({
    example: 'Europe/Amsterdam',
    description: 'IANA zone the cron expression is read in',
  })
  timezone: string;

  @ApiProperty({ type: 'integer', nullable: true })
  everyMs: number | null;

  @ApiProperty(NULLABLE_INSTANT)
  runAt: Date | null;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description: 'Maximum number of runs; null for no limit',
  })
  limit: number | null;

  @ApiProperty({ type: 'integer', description: 'Runs fired so far' })
  runsCount: number;

  @ApiProperty({
    ...NULLABLE_INSTANT,
    description: 'No slot before it (inclusive)',
  })
  startAt: Date | null;

  @ApiProperty({
    ...NULLABLE_INSTANT,
    description: 'No slot after it (inclusive)',
  })
  endAt: Date | null;

  @ApiProperty({ description: 'False while paused' })
  enabled: boolean;

  @ApiProperty({
    enum: CATCH_UP_POLICIES,
    description: 'What to do with slots missed while no scheduler ran',
  })
  catchUp: CatchUpPolicy;

  @ApiProperty({ type: String, nullable: true })
  queue: string | null;

  @ApiProperty({ type: 'integer', nullable: true })
  priority: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  attempts: number | null;

  @ApiProperty({ type: () => JobBackoffDto, nullable: true })
  backoff: ScheduleBackoff | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  ownerId: string | null;

  @ApiProperty({
    ...NULLABLE_INSTANT,
    description: 'Null for a paused or finished schedule',
  })
  nextRunAt: Date | null;

  @ApiProperty(NULLABLE_INSTANT)
  lastRunAt: Date | null;

  @ApiProperty(INSTANT)
  createdAt: Date;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  createdBy: string | null;

  @ApiProperty(INSTANT)
  updatedAt: Date;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  updatedBy: string | null;
}

/** The decision taken for one slot of a schedule. */
export class ScheduleSlotResponseDto {
  @ApiProperty(INSTANT)
  slotAt: Date;

  @ApiProperty({ enum: SLOT_OUTCOMES })
  outcome: SlotOutcome;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Why it was skipped or missed',
  })
  reason: string | null;

  @ApiProperty({
    type: String,
    format: 'uuid',
    nullable: true,
    description: 'The job run a fired slot created',
  })
  jobRunId: string | null;

  @ApiProperty(INSTANT)
  decidedAt: Date;
}

/** `GET /schedules/:id/next`: upcoming fire times, soonest first. */
export class ScheduleNextResponseDto {
  @ApiProperty({
    type: [String],
    format: 'date-time',
    description: 'Empty for a paused or finished schedule',
  })
  items: string[];
}

export function toScheduleResponse(schedule: Schedule): ScheduleResponseDto {
  return {
    id: schedule.id,
    name: schedule.name,
    type: schedule.type,
    payload: schedule.payload,
    kind: schedule.kind,
    cron: schedule.cron,
    timezone: schedule.timezone,
    everyMs: schedule.everyMs,
    runAt: schedule.runAt,
    limit: schedule.limit,
    runsCount: schedule.runsCount,
    startAt: schedule.startAt,
    endAt: schedule.endAt,
    enabled: schedule.enabled,
    catchUp: schedule.catchUp,
    queue: schedule.queue,
    priority: schedule.priority,
    attempts: schedule.attempts,
    backoff: schedule.backoff,
    ownerId: schedule.ownerId,
    nextRunAt: schedule.nextRunAt,
    lastRunAt: schedule.lastRunAt,
    createdAt: schedule.createdAt,
    createdBy: schedule.createdBy,
    updatedAt: schedule.updatedAt,
    updatedBy: schedule.updatedBy,
  };
}

export function toScheduleSlotResponse(
  slot: ScheduleSlot,
): ScheduleSlotResponseDto {
  return {
    slotAt: slot.slotAt,
    outcome: slot.outcome,
    reason: slot.reason,
    jobRunId: slot.jobRunId,
    decidedAt: slot.decidedAt,
  };
}
