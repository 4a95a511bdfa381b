import { CronExpression, CronExpressionParser } from 'cron-parser';
import { IANAZone } from 'luxon';

/**
 * Slot computation: when a schedule should fire. Pure functions of their
 * arguments (no clock, no database), so every rule is unit-tested with fixed
 * instants. docs/scheduling.md describes the same rules for users.
 */

export type ScheduleTiming =
  | { kind: 'at'; runAt: Date }
  | { kind: 'every'; everyMs: number; anchor: Date }
  | { kind: 'cron'; cron: string; timezone: string };

export interface SlotSpec {
  timing: ScheduleTiming;
  /** No slot before this instant (inclusive bound). */
  startAt?: Date | null;
  /** No slot after this instant (inclusive bound). */
  endAt?: Date | null;
}

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

/** Returns true when `name` is an IANA time zone known to this runtime. */
export function isValidTimeZone(name: string): boolean {
  return IANAZone.isValidZone(name);
}

/**
 * Checks a cron expression of 5 fields (minute hour day-of-month month
 * day-of-week) or 6 fields (second first).
 *
 * @returns an error message, or null when the expression is valid.
 */
export function cronError(expression: string): string | null {
  const fields = expression.trim().split(/\s+/);
  if (fields.length !== 5 && fields.length !== 6) {
    return `cron must have 5 or 6 fields, got ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(expression, { tz: 'UTC' });

    return null;
  } catch (error) {
    return `cron is invalid: ${(error as Error).message}`;
  }
}

/**
 * Yields the slots of a schedule at or after `from`, ascending and without
 * repeats, within the startAt/endAt bounds. The run limit is not applied
 * here, because it counts fired runs and only the caller tracks those.
 */
export function* slotsFrom(spec: SlotSpec, from: Date): Generator<Date> {
  const start = Math.max(from.getTime(), spec.startAt?.getTime() ?? -Infinity);
  const end = spec.endAt?.getTime() ?? Infinity;

  for (const slot of unboundedSlots(spec.timing, start)) {
    if (slot > end) return;
    yield new Date(slot);
  }
}

/** Lists the first `count` slots at or after `from`. */
export function takeSlots(spec: SlotSpec, from: Date, count: number): Date[] {
  const slots: Date[] = [];
  if (count <= 0) return slots;

  for (const slot of slotsFrom(spec, from)) {
    slots.push(slot);
    if (slots.length >= count) break;
  }

  return slots;
}

/** Finds the first slot at or after `from`; null when there is none. */
export function firstSlotFrom(spec: SlotSpec, from: Date): Date | null {
  return takeSlots(spec, from, 1)[0] ?? null;
}

function unboundedSlots(
  timing: ScheduleTiming,
  start: number,
): Iterable<number> {
  switch (timing.kind) {
    case 'at':
      return timing.runAt.getTime() >= start ? [timing.runAt.getTime()] : [];
    case 'every':
      return intervalSlots(timing.anchor.getTime(), timing.everyMs, start);
    case 'cron':
      return cronSlots(timing.cron, timing.timezone, start);
  }
}

/**
 * Interval slots are anchor + k * everyMs for k >= 0, where the anchor is
 * startAt or the creation time. The grid never drifts: a late run does not
 * move the following slots.
 */
function* intervalSlots(
  anchor: number,
  everyMs: number,
  start: number,
): Generator<number> {
  let k = Math.max(0, Math.ceil((start - anchor) / everyMs));
  for (;;) {
    yield anchor + k * everyMs;
    k += 1;
  }
}

/**
 * Cron slots in an IANA time zone.
 *
 * cron-parser iterates over wall-clock times in UTC, where no time is skipped
 * or repeated, and this function maps each wall-clock match to real instants
 * itself. With its own `tz` option, cron-parser 5.10 (like luxon 3.7) moves a
 * time inside a spring-forward gap forward by the length of the gap (02:30
 * becomes 03:30). luxon also picks the later offset for a repeated time.
 * Neither is the rule Chronicle documents:
 *
 * - Spring-forward gap: a wall time that does not exist fires once, at the
 *   first valid instant after it, which is the instant of the change (02:30
 *   on 2024-03-31 in Europe/Amsterdam fires at 03:00 CEST). Several missing
 *   times, and a real slot at that instant, collapse into one slot.
 * - Fall-back overlap: a wall time that occurs twice fires at its first
 *   occurrence only, unless the hour field matches every hour: such a cron
 *   (hourly or finer) fires in each real hour, so in both occurrences.
 */
function* cronSlots(
  expression: string,
  timezone: string,
  start: number,
): Generator<number> {
  const zone = IANAZone.create(timezone);
  const utc = timezone === 'UTC';
  const iterator = CronExpressionParser.parse(expression, {
    tz: 'UTC',
    currentDate: new Date(
      wallOf(zone, start) - (utc ? 0 : overlapLookback(zone, start)) - 1,
    ),
  });
  const everyHour = iterator.fields.hour.values.length === 24;
  // Instants found but not yet yielded, ascending. A later wall time never
  // maps before the first occurrence of an earlier one, so every pending
  // instant before the current first occurrence is final.
  const pending: number[] = [];
  let last = -Infinity;

  for (;;) {
    const wall = nextWall(iterator);
    let instants: number[] = [];
    if (wall !== null) instants = utc ? [wall] : instantsOf(zone, wall);
    const first = instants[0] ?? Infinity;
    while (pending.length > 0 && pending[0] < first) {
      const instant = pending.shift() as number;
      if (instant >= start && instant > last) {
        last = instant;
        yield instant;
      }
    }
    if (wall === null) return;

    pending.push(...(everyHour ? instants : [first]));
    pending.sort((a, b) => a - b);
  }
}

/** Reads the next wall-clock match; null when the expression has no more. */
function nextWall(iterator: CronExpression): number | null {
  try {
    return iterator.next().getTime();
  } catch {
    // cron-parser throws when no further date matches (such as 30 February).
    return null;
  }
}

/**
 * Measures how far before the wall-clock time of `start` the cron iteration
 * must begin. When the clock falls back within a day after `start`, wall
 * times up to that far before it occur a second time after `start`.
 */
function overlapLookback(zone: IANAZone, start: number): number {
  return Math.max(0, offsetAt(zone, start) - offsetAt(zone, start + DAY_MS));
}

/** Offset of `zone` at `instant`, in milliseconds. */
function offsetAt(zone: IANAZone, instant: number): number {
  return zone.offset(instant) * 60_000;
}

/** Converts `instant` to its wall-clock time in `zone`, as a UTC timestamp. */
function wallOf(zone: IANAZone, instant: number): number {
  return instant + offsetAt(zone, instant);
}

/**
 * Real instants whose wall-clock time in `zone` is `wall`: one normally, two
 * in a fall-back overlap, and in a spring-forward gap the instant of the
 * change (the first valid instant after the missing time).
 *
 * Offsets are sampled a day either side, which assumes a zone changes its
 * offset at most once within two days. No zone in the tz database breaks
 * that.
 */
function instantsOf(zone: IANAZone, wall: number): number[] {
  const offsets = new Set(
    [wall - DAY_MS, wall, wall + DAY_MS].map((at) => offsetAt(zone, at)),
  );
  const instants = [...offsets]
    .map((offset) => wall - offset)
    .filter((instant) => wallOf(zone, instant) === wall)
    .sort((a, b) => a - b);
  if (instants.length > 0) return instants;

  const ordered = [...offsets].sort((a, b) => a - b);
  const before = wall - ordered[ordered.length - 1];
  const after = wall - ordered[0];

  return [changeInstant(zone, before, after)];
}

/** First instant in (before, after] whose offset differs from `before`'s. */
function changeInstant(zone: IANAZone, before: number, after: number): number {
  const initial = offsetAt(zone, before);
  let low = before;
  let high = after;
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (offsetAt(zone, middle) === initial) low = middle;
    else high = middle;
  }

  return high;
}
