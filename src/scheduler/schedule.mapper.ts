import type { Schedule } from './schedule.entity';
import type { ScheduleSlot } from './schedule-slot.entity';

export function toScheduleResponse(schedule: Schedule) {
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

export function toScheduleSlotResponse(slot: ScheduleSlot) {
  return {
    slotAt: slot.slotAt,
    outcome: slot.outcome,
    reason: slot.reason,
    jobRunId: slot.jobRunId,
    decidedAt: slot.decidedAt,
  };
}

export type ScheduleResponseDto = ReturnType<typeof toScheduleResponse>;
export type ScheduleSlotResponseDto = ReturnType<typeof toScheduleSlotResponse>;
