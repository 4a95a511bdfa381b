/** The scheduler's source of "now"; tests bind a clock they move by hand. */
export interface SchedulerClock {
  now(): Date;
}

/** Injection token of the {@link SchedulerClock}. */
export const SCHEDULER_CLOCK = Symbol('SCHEDULER_CLOCK');

export const systemClock: SchedulerClock = { now: () => new Date() };
