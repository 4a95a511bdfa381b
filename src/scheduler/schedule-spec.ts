import type { Schedule } from './schedule.entity';
import type { ScheduleTiming, SlotSpec } from './schedule-slots';

type TimingColumns = Pick<
  Schedule,
  | 'kind'
  | 'runAt'
  | 'everyMs'
  | 'cron'
  | 'timezone'
  | 'startAt'
  | 'endAt'
  | 'createdAt'
>;

/** The slot specification of a schedule row. */
export function toSlotSpec(schedule: TimingColumns): SlotSpec {
  return {
    timing: toTiming(schedule),
    startAt: schedule.startAt,
    endAt: schedule.endAt,
  };
}

function toTiming(schedule: TimingColumns): ScheduleTiming {
  switch (schedule.kind) {
    case 'at':
      return { kind: 'at', runAt: required(schedule.runAt, 'run_at') };
    case 'every':
      return {
        kind: 'every',
        everyMs: required(schedule.everyMs, 'every_ms'),
        anchor: schedule.startAt ?? schedule.createdAt,
      };
    case 'cron':
      return {
        kind: 'cron',
        cron: required(schedule.cron, 'cron'),
        timezone: schedule.timezone,
      };
  }
}

/** The schedules_timing_check constraint makes a missing column impossible. */
function required<T>(value: T | null, column: string): T {
  if (value === null) {
    throw new Error(`Schedule row has no ${column} for its kind`);
  }

  return value;
}

/** Runs left before the limit, or null for a schedule without a limit. */
export function remainingRuns(
  schedule: Pick<Schedule, 'limit' | 'runsCount'>,
): number | null {
  return schedule.limit === null
    ? null
    : Math.max(0, schedule.limit - schedule.runsCount);
}
