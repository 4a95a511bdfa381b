import type { ScheduleKind } from './schedule.entity';
import { cronError, isValidTimeZone } from './schedule-slots';

/** The timing of a schedule as it will be stored, before it is saved. */
export interface TimingDraft {
  /** Timings the request gave; more than one is an error. */
  given: ScheduleKind[];
  kind: ScheduleKind | null;
  cron: string | null;
  everyMs: number | null;
  runAt: Date | null;
  timezone: string;
  startAt: Date | null;
  endAt: Date | null;
}

export interface TimingRuleOptions {
  now: Date;
  minEveryMs: number;
  /** runAt is checked against `now` only when the request sets it. */
  runAtGiven: boolean;
}

/**
 * Checks the rules across the timing fields of a schedule.
 *
 * @returns one message per broken rule, each naming its field.
 */
export function timingErrors(
  draft: TimingDraft,
  options: TimingRuleOptions,
): string[] {
  const errors: string[] = [];
  if (draft.given.length > 1) {
    errors.push(
      `${draft.given.map(fieldOf).join(' and ')}: give exactly one of cron, everyMs, runAt`,
    );
  }
  if (draft.kind === null) {
    errors.push('cron, everyMs or runAt is required (exactly one of them)');
  }
  if (draft.cron !== null) {
    const error = cronError(draft.cron);
    if (error) errors.push(error);
  }
  if (!isValidTimeZone(draft.timezone)) {
    errors.push(
      `timezone "${draft.timezone}" is not a known IANA time zone (such as Europe/Amsterdam)`,
    );
  }
  if (draft.everyMs !== null && draft.everyMs < options.minEveryMs) {
    errors.push(`everyMs must be at least ${options.minEveryMs}`);
  }
  if (options.runAtGiven && draft.runAt && draft.runAt <= options.now) {
    errors.push('runAt must be in the future');
  }
  if (draft.startAt && draft.endAt && draft.endAt < draft.startAt) {
    errors.push('endAt must not be before startAt');
  }

  return errors;
}

function fieldOf(kind: ScheduleKind): string {
  switch (kind) {
    case 'at':
      return 'runAt';
    case 'every':
      return 'everyMs';
    case 'cron':
      return 'cron';
  }
}
