import {
  CATCH_UP_ALL_LIMIT,
  CatchUpPolicy,
  DueSlotsInput,
  planDueSlots,
  SLOTS_PER_ROUND,
} from './schedule-catch-up';

const MINUTE = 60_000;
const anchor = new Date('2025-01-01T00:00:00Z');
const minute = (n: number) => new Date(anchor.getTime() + n * MINUTE);

/** Every minute from the anchor; the scheduler last decided slot 0. */
function input(
  policy: CatchUpPolicy,
  overrides: Partial<DueSlotsInput> = {},
): DueSlotsInput {
  return {
    spec: { timing: { kind: 'every', everyMs: MINUTE, anchor } },
    nextRunAt: minute(1),
    now: minute(10),
    policy,
    graceMs: 30_000,
    remainingRuns: null,
    ...overrides,
  };
}

const outcomes = (plan: ReturnType<typeof planDueSlots>) =>
  plan.decisions.map((decision) => decision.outcome);

describe('planDueSlots', () => {
  it('fires a slot that is due within the grace period under every policy', () => {
    for (const policy of ['none', 'last', 'all'] as const) {
      const plan = planDueSlots(
        input(policy, { now: new Date(minute(1).getTime() + 500) }),
      );

      expect(plan.decisions).toEqual([
        { slotAt: minute(1), outcome: 'fired', reason: null },
      ]);
      expect(plan.nextRunAt).toEqual(minute(2));
    }
  });

  it('records every late slot as missed under none, and fires the on-time one', () => {
    const plan = planDueSlots(input('none'));

    expect(outcomes(plan)).toEqual([...Array(9).fill('missed'), 'fired']);
    expect(plan.decisions[0].reason).toContain('catchUp none');
    expect(plan.nextRunAt).toEqual(minute(11));
  });

  it('fires only the latest late slot under last and skips the others', () => {
    const plan = planDueSlots(
      input('last', { now: new Date(minute(10).getTime() + 45_000) }),
    );

    expect(outcomes(plan)).toEqual([...Array(9).fill('skipped'), 'fired']);
    expect(plan.decisions[9].slotAt).toEqual(minute(10));
    expect(plan.decisions[9].reason).toContain('fired late');
    expect(plan.decisions[0].reason).toContain('catchUp last');
  });

  it('fires every late slot under all', () => {
    const plan = planDueSlots(input('all'));

    expect(outcomes(plan)).toEqual(Array(10).fill('fired'));
  });

  it('fires only the latest late slots under all beyond the bound', () => {
    const late = CATCH_UP_ALL_LIMIT + 20;
    const plan = planDueSlots(
      input('all', { now: new Date(minute(late).getTime() + 45_000) }),
    );

    expect(plan.decisions).toHaveLength(late);
    expect(outcomes(plan).slice(0, 20)).toEqual(Array(20).fill('missed'));
    expect(outcomes(plan).slice(20)).toEqual(
      Array(CATCH_UP_ALL_LIMIT).fill('fired'),
    );
    expect(plan.decisions[0].reason).toContain(`latest ${CATCH_UP_ALL_LIMIT}`);
  });

  it('decides a long downtime in bounded rounds', () => {
    const late = SLOTS_PER_ROUND * 2 + 50;
    const now = new Date(minute(late).getTime() + 45_000);
    const decided: number[] = [];
    let nextRunAt: Date | null = minute(1);
    for (
      let round = 0;
      round < 5 && nextRunAt && nextRunAt <= now;
      round += 1
    ) {
      const plan = planDueSlots(input('last', { nextRunAt, now }));
      expect(plan.decisions.length).toBeLessThanOrEqual(
        SLOTS_PER_ROUND + CATCH_UP_ALL_LIMIT,
      );
      decided.push(...plan.decisions.map((d) => d.slotAt.getTime()));
      if (plan.decisions.some((d) => d.outcome === 'fired')) {
        expect(plan.decisions.at(-1)?.slotAt).toEqual(minute(late));
      }
      nextRunAt = plan.nextRunAt;
    }

    expect(decided).toHaveLength(late);
    expect(new Set(decided).size).toBe(late);
    expect(decided[late - 1]).toBe(minute(late).getTime());
    expect(nextRunAt).toEqual(minute(late + 1));
  });

  it('stops deciding once the run limit is reached', () => {
    const plan = planDueSlots(input('all', { remainingRuns: 3 }));

    expect(outcomes(plan)).toEqual(['fired', 'fired', 'fired']);
    // The next slot is kept: a fire whose job is rejected uses no run.
    expect(plan.nextRunAt).toEqual(minute(4));
  });

  it('returns no next slot once the schedule has no more slots', () => {
    const plan = planDueSlots(
      input('all', {
        spec: {
          timing: { kind: 'every', everyMs: MINUTE, anchor },
          endAt: minute(3),
        },
      }),
    );

    expect(plan.decisions.map((d) => d.slotAt)).toEqual([
      minute(1),
      minute(2),
      minute(3),
    ]);
    expect(plan.nextRunAt).toBeNull();
  });
});
