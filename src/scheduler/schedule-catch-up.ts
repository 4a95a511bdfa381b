import { SlotSpec, slotsFrom } from './schedule-slots';

/**
 * Deciding the due slots of one schedule: which fire, which were missed,
 * which are skipped. Pure, like schedule-slots.ts; the scheduler applies the
 * plan in one transaction.
 */

export const CATCH_UP_POLICIES = ['none', 'last', 'all'] as const;
export type CatchUpPolicy = (typeof CATCH_UP_POLICIES)[number];

export const SLOT_OUTCOMES = ['fired', 'skipped', 'missed'] as const;
export type SlotOutcome = (typeof SLOT_OUTCOMES)[number];

/** Maximum number of late slots that catchUp `all` fires after a downtime. */
export const CATCH_UP_ALL_LIMIT = 100;

/** Maximum number of slots decided in one round, to bound a transaction. */
export const SLOTS_PER_ROUND = 1000;

export interface SlotDecision {
  slotAt: Date;
  outcome: SlotOutcome;
  /** Reason for a late fire or for not firing; null for an on-time fire. */
  reason: string | null;
}

export interface DueSlotsInput {
  spec: SlotSpec;
  /** The first slot not decided yet. */
  nextRunAt: Date;
  now: Date;
  policy: CatchUpPolicy;
  /** A slot at most this old at `now` is on time, older ones are late. */
  graceMs: number;
  /** Runs left before the limit; null without a limit. */
  remainingRuns: number | null;
}

export interface DuePlan {
  decisions: SlotDecision[];
  /**
   * The first slot left undecided; null when the schedule has no more. It is
   * set even when the planned fires reach the run limit, because a fire whose
   * job is rejected does not count: the caller decides from the fires that
   * created a job run whether the limit is reached.
   */
  nextRunAt: Date | null;
}

const REASONS = {
  firedLate: (policy: CatchUpPolicy) =>
    `fired late, after the scheduler was not running (catchUp ${policy})`,
  missed: 'missed while the scheduler was not running (catchUp none)',
  superseded:
    'missed while the scheduler was not running; a later missed slot fired instead (catchUp last)',
  beyondBound: `missed while the scheduler was not running; catchUp all fires only the latest ${CATCH_UP_ALL_LIMIT} missed slots`,
};

/**
 * Decides the slots from `nextRunAt` up to `now`.
 *
 * A slot at most `graceMs` old fires whatever the policy, since a busy
 * scheduler is not a downtime. Older (late) slots follow the policy: `none`
 * records each as missed, `last` fires the latest late slot and records the
 * others as skipped, `all` fires the latest CATCH_UP_ALL_LIMIT late slots in
 * order and records older ones as missed.
 *
 * At most SLOTS_PER_ROUND slots are decided per call; when more are due, the
 * returned nextRunAt is still due and the caller runs another round. Once
 * the planned fires reach `remainingRuns` no further slot is decided, and
 * nextRunAt is the next slot.
 */
export function planDueSlots(input: DueSlotsInput): DuePlan {
  const now = input.now.getTime();
  const window = dueWindow(input);
  const lateLimit = now - input.graceMs;
  const lateCount = window.due.filter(
    (slot) => slot.getTime() < lateLimit,
  ).length;
  const lateKnown = lateCount < window.due.length || !window.more;
  const decidable = window.more ? SLOTS_PER_ROUND : window.due.length;
  const decisions: SlotDecision[] = [];
  let fired = 0;

  for (let index = 0; index < decidable; index += 1) {
    if (input.remainingRuns !== null && fired >= input.remainingRuns) {
      return { decisions, nextRunAt: window.due[index] };
    }
    const slotAt = window.due[index];
    const lateAfter = (lateKnown ? lateCount : Infinity) - 1 - index;
    const decision =
      index < lateCount
        ? decideLate(slotAt, lateAfter, input.policy)
        : { slotAt, outcome: 'fired' as const, reason: null };
    if (decision.outcome === 'fired') fired += 1;
    decisions.push(decision);
  }

  return { decisions, nextRunAt: window.due[decidable] ?? window.after };
}

/** Decides one late slot, given how many late slots follow it. */
function decideLate(
  slotAt: Date,
  lateAfter: number,
  policy: CatchUpPolicy,
): SlotDecision {
  switch (policy) {
    case 'none':
      return { slotAt, outcome: 'missed', reason: REASONS.missed };
    case 'last':
      return lateAfter === 0
        ? { slotAt, outcome: 'fired', reason: REASONS.firedLate(policy) }
        : { slotAt, outcome: 'skipped', reason: REASONS.superseded };
    case 'all':
      return lateAfter < CATCH_UP_ALL_LIMIT
        ? { slotAt, outcome: 'fired', reason: REASONS.firedLate(policy) }
        : { slotAt, outcome: 'missed', reason: REASONS.beyondBound };
  }
}

interface DueWindow {
  /** Due slots, ascending, at most SLOTS_PER_ROUND + CATCH_UP_ALL_LIMIT. */
  due: Date[];
  /** True when more due slots follow the ones listed. */
  more: boolean;
  /** The first slot after `due` (due or not), or null if there is none. */
  after: Date | null;
}

/**
 * Lists the due slots of one round plus a look-ahead of CATCH_UP_ALL_LIMIT,
 * which tells for each decided slot whether it is among the latest late ones.
 */
function dueWindow(input: DueSlotsInput): DueWindow {
  const cap = SLOTS_PER_ROUND + CATCH_UP_ALL_LIMIT;
  const now = input.now.getTime();
  const due: Date[] = [];
  for (const slot of slotsFrom(input.spec, input.nextRunAt)) {
    if (slot.getTime() > now) return { due, more: false, after: slot };
    if (due.length === cap) return { due, more: true, after: slot };
    due.push(slot);
  }

  return { due, more: false, after: null };
}
