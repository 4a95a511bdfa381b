import { systemClock } from '../../src/scheduler/scheduler-clock';
import {
  FakeClock,
  FakeLauncher,
  SchedulerProcess,
} from '../support/scheduler-harness';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

interface SlotRow {
  slot_at: Date;
  outcome: string;
  reason: string | null;
  job_run_id: string | null;
}

describe('SchedulerService', () => {
  let app: TestApp;
  let operator: TestUser;
  const created: string[] = [];

  beforeAll(async () => {
    app = await TestApp.start();
    operator = await app.createUser('operator');
  });

  afterEach(async () => {
    // Due schedules of one test must not be decided by the next one's ticks.
    await app.query('DELETE FROM schedules WHERE id = ANY($1::uuid[])', [
      created.splice(0),
    ]);
  });

  afterAll(async () => {
    await app.close();
  });

  async function createSchedule(body: Record<string, unknown>) {
    const response = await app
      .http()
      .post('/schedules')
      .set(...bearer(operator.token))
      .send({ name: uniqueName('fire'), type: 'system.noop', ...body })
      .expect(201);
    created.push(response.body.id);

    return response.body as {
      id: string;
      nextRunAt: string;
      createdAt: string;
    };
  }

  const slotsOf = (id: string) =>
    app.query<SlotRow>(
      'SELECT * FROM schedule_slots WHERE schedule_id = $1 ORDER BY slot_at',
      [id],
    );

  /** Sessions of this database waiting for a row lock. */
  const lockWaiters = async () => {
    const [row] = await app.query<{ count: number }>(
      `SELECT count(*)::int AS count FROM pg_stat_activity
       WHERE datname = current_database() AND wait_event_type = 'Lock'`,
    );

    return row.count;
  };

  const scheduleRow = async (id: string) =>
    (await app.query('SELECT * FROM schedules WHERE id = $1', [id]))[0];

  /** Ticks `processes` together `rounds` times, moving the clock between. */
  async function run(
    processes: SchedulerProcess[],
    clock: FakeClock,
    rounds: number,
    stepMs: number,
  ): Promise<void> {
    for (let round = 0; round < rounds; round += 1) {
      await Promise.all(processes.map((process) => process.tick()));
      clock.advance(stepMs);
    }
  }

  it('fires an interval schedule with limit 3 exactly three times', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({ everyMs: 1000, limit: 3 });
    const clock = new FakeClock(new Date(schedule.nextRunAt));
    const scheduler = await SchedulerProcess.start(launcher, clock);

    await run([scheduler], clock, 8, 1000);
    await scheduler.close();

    const start = new Date(schedule.createdAt).getTime();
    const expected = [0, 1, 2].map((k) =>
      new Date(start + k * 1000).toISOString(),
    );
    expect(launcher.slotsOf(schedule.id)).toEqual(expected);
    const slots = await slotsOf(schedule.id);
    expect(slots.map((slot) => slot.slot_at.toISOString())).toEqual(expected);
    expect(slots.every((slot) => slot.outcome === 'fired')).toBe(true);
    expect(slots.map((slot) => slot.job_run_id)).toEqual(
      expected.map((at) => launcher.runs.get(`${schedule.id}|${at}`)),
    );
    const row = await scheduleRow(schedule.id);
    expect(row).toMatchObject({ runs_count: 3, enabled: false });
    expect(row.next_run_at).toBeNull();
    expect(row.last_run_at.toISOString()).toBe(expected[2]);
  });

  it('fires a runAt schedule once and then disables it', async () => {
    const launcher = new FakeLauncher();
    const runAt = new Date(Date.now() + 60_000);
    const schedule = await createSchedule({ runAt: runAt.toISOString() });
    const clock = new FakeClock(new Date(runAt.getTime() - 1000));
    const scheduler = await SchedulerProcess.start(launcher, clock);

    await run([scheduler], clock, 4, 1000);
    await scheduler.close();

    expect(launcher.slotsOf(schedule.id)).toEqual([runAt.toISOString()]);
    const row = await scheduleRow(schedule.id);
    expect(row).toMatchObject({ enabled: false, runs_count: 1 });
    expect(row.next_run_at).toBeNull();
  });

  it('fires a 6-field cron every second up to its limit', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({
      cron: '* * * * * *',
      timezone: 'Europe/Amsterdam',
      limit: 4,
    });
    const first = new Date(schedule.nextRunAt).getTime();
    const clock = new FakeClock(new Date(first));
    const scheduler = await SchedulerProcess.start(launcher, clock);

    await run([scheduler], clock, 6, 1000);
    await scheduler.close();

    expect(launcher.slotsOf(schedule.id)).toEqual(
      [0, 1, 2, 3].map((k) => new Date(first + k * 1000).toISOString()),
    );
    expect((await scheduleRow(schedule.id)).enabled).toBe(false);
  });

  it('launches each slot once with two schedulers ticking at once', async () => {
    const launcher = new FakeLauncher();
    const schedules = [];
    for (let index = 0; index < 4; index += 1) {
      schedules.push(await createSchedule({ everyMs: 1000, limit: 6 }));
    }
    const clock = new FakeClock(new Date());
    const first = await SchedulerProcess.start(launcher, clock);
    const second = await SchedulerProcess.start(launcher, clock);

    await run([first, second], clock, 10, 1000);
    await Promise.all([first.close(), second.close()]);

    for (const schedule of schedules) {
      const launched = launcher.slotsOf(schedule.id);
      expect(launched).toHaveLength(6);
      expect(new Set(launched).size).toBe(6);
      expect(await slotsOf(schedule.id)).toHaveLength(6);
      expect((await scheduleRow(schedule.id)).runs_count).toBe(6);
    }
  });

  it('fires once per slot with two running timer loops', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({ everyMs: 1000, limit: 3 });
    const first = await SchedulerProcess.start(launcher, systemClock, 25);
    const second = await SchedulerProcess.start(launcher, systemClock, 25);

    await waitFor(
      async () => (await scheduleRow(schedule.id)).enabled === false,
      10_000,
    );
    await Promise.all([first.close(), second.close()]);

    const start = new Date(schedule.createdAt).getTime();
    expect(launcher.slotsOf(schedule.id)).toEqual(
      [0, 1, 2].map((k) => new Date(start + k * 1000).toISOString()),
    );
    expect((await scheduleRow(schedule.id)).runs_count).toBe(3);
  });

  it('waits for a slot being decided by the other scheduler, then skips it', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({ everyMs: 1000, limit: 1 });
    const clock = new FakeClock(new Date(schedule.nextRunAt));
    const first = await SchedulerProcess.start(launcher, clock);
    const second = await SchedulerProcess.start(launcher, clock);
    const release = launcher.hold();

    const inFlight = first.tick();
    await waitFor(() => launcher.slotsOf(schedule.id).length === 1);
    const other = await second.tick();
    release();
    await inFlight;
    const afterCommit = await second.tick();
    await Promise.all([first.close(), second.close()]);

    expect(other).not.toContain(schedule.id);
    expect(afterCommit).not.toContain(schedule.id);
    expect(launcher.slotsOf(schedule.id)).toHaveLength(1);
  });

  it('neither loses nor duplicates a slot across a stop and a restart', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({ everyMs: 1000, limit: 6 });
    const clock = new FakeClock(new Date(schedule.nextRunAt));
    const before = await SchedulerProcess.start(launcher, clock);
    await run([before], clock, 2, 1000);
    // The third launch creates its job run, then the process "crashes":
    // its transaction rolls back and records nothing for that slot.
    const third = new Date(new Date(schedule.createdAt).getTime() + 2000);
    launcher.failAfterCreate.add(`${schedule.id}|${third.toISOString()}`);
    await before.tick();
    await before.close();

    const after = await SchedulerProcess.start(launcher, clock);
    await run([after], clock, 6, 1000);
    await after.close();

    const slots = await slotsOf(schedule.id);
    const start = new Date(schedule.createdAt).getTime();
    expect(slots.map((slot) => slot.slot_at.getTime())).toEqual(
      [0, 1, 2, 3, 4, 5].map((k) => start + k * 1000),
    );
    expect(slots.every((slot) => slot.outcome === 'fired')).toBe(true);
    expect(new Set(launcher.runs.values()).size).toBe(
      [...launcher.runs.keys()].filter((key) => key.startsWith(schedule.id))
        .length,
    );
    expect(slots[2].job_run_id).toBe(
      launcher.runs.get(`${schedule.id}|${third.toISOString()}`),
    );
    expect(launcher.slotsOf(schedule.id)).toHaveLength(7);
  });

  describe('catch-up after a downtime of 52 minutes', () => {
    const EVERY = 5 * 60_000;

    /** Pretends no scheduler ran since startAt: eleven slots, all late. */
    async function downtime(catchUp: string) {
      const startAt = new Date(Date.now() - 52 * 60_000);
      const schedule = await createSchedule({
        everyMs: EVERY,
        startAt: startAt.toISOString(),
        catchUp,
      });
      await app.query('UPDATE schedules SET next_run_at = $2 WHERE id = $1', [
        schedule.id,
        startAt,
      ]);
      const launcher = new FakeLauncher();
      // The latest slot, at +50 min, is 2 minutes late: past the 60 s grace.
      const clock = new FakeClock(new Date(startAt.getTime() + 52 * 60_000));
      const scheduler = await SchedulerProcess.start(launcher, clock);
      await scheduler.tick();
      await scheduler.close();
      const slot = (k: number) =>
        new Date(startAt.getTime() + k * EVERY).toISOString();

      return { schedule, launcher, slot, slots: await slotsOf(schedule.id) };
    }

    it('records every missed slot and fires none under none', async () => {
      const { schedule, launcher, slot, slots } = await downtime('none');

      expect(launcher.slotsOf(schedule.id)).toEqual([]);
      expect(slots).toHaveLength(11);
      expect(slots.every((row) => row.outcome === 'missed')).toBe(true);
      expect(slots[0].reason).toContain('catchUp none');
      const row = await scheduleRow(schedule.id);
      expect(row.next_run_at.toISOString()).toBe(slot(11));
      expect(row.runs_count).toBe(0);
    });

    it('fires the latest missed slot once under last and skips the rest', async () => {
      const { schedule, launcher, slot, slots } = await downtime('last');

      expect(launcher.slotsOf(schedule.id)).toEqual([slot(10)]);
      expect(slots.map((row) => row.outcome)).toEqual([
        ...Array(10).fill('skipped'),
        'fired',
      ]);
      expect(slots[0].reason).toContain('catchUp last');
      expect(slots[10].reason).toContain('fired late');
    });

    it('fires every missed slot in order under all', async () => {
      const { schedule, launcher, slot, slots } = await downtime('all');

      const expected = Array.from({ length: 11 }, (_, k) => slot(k));
      expect(launcher.slotsOf(schedule.id)).toEqual(expected);
      expect(slots.every((row) => row.outcome === 'fired')).toBe(true);
      expect((await scheduleRow(schedule.id)).runs_count).toBe(11);
    });

    it('serves the decided slots with outcome and reason, newest first', async () => {
      const { schedule, slot } = await downtime('last');

      const response = await app
        .http()
        .get(`/schedules/${schedule.id}/slots`)
        .query({ limit: 2 })
        .set(...bearer(operator.token))
        .expect(200);

      expect(response.body.items).toMatchObject([
        { slotAt: slot(10), outcome: 'fired' },
        { slotAt: slot(9), outcome: 'skipped', jobRunId: null },
      ]);
      expect(response.body.items[0].jobRunId).toEqual(expect.any(String));
      expect(response.body.nextCursor).toEqual(expect.any(String));
    });
  });

  it('stops a deleted schedule, even one deleted while a slot is decided', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({ everyMs: 1000 });
    const clock = new FakeClock(new Date(schedule.nextRunAt));
    const scheduler = await SchedulerProcess.start(launcher, clock);
    const release = launcher.hold();

    const inFlight = scheduler.tick();
    await waitFor(() => launcher.slotsOf(schedule.id).length === 1);
    const deletion = app
      .http()
      .delete(`/schedules/${schedule.id}`)
      .set(...bearer(operator.token))
      .then((response) => response.status);
    await waitFor(async () => (await lockWaiters()) > 0);
    release();
    await inFlight;
    expect(await deletion).toBe(204);
    await run([scheduler], clock, 5, 1000);
    await scheduler.close();

    expect(launcher.slotsOf(schedule.id)).toHaveLength(1);
    expect(await slotsOf(schedule.id)).toEqual([]);
  });

  it('fires nothing while paused and resumes from now', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({ everyMs: 1000 });
    const clock = new FakeClock(new Date(schedule.nextRunAt));
    const scheduler = await SchedulerProcess.start(launcher, clock);
    await scheduler.tick();

    await app
      .http()
      .post(`/schedules/${schedule.id}/pause`)
      .set(...bearer(operator.token))
      .expect(200);
    clock.advance(5000);
    await scheduler.tick();
    const whilePaused = launcher.slotsOf(schedule.id).length;
    const resumed = await app
      .http()
      .post(`/schedules/${schedule.id}/resume`)
      .set(...bearer(operator.token))
      .expect(200);
    clock.set(new Date(new Date(resumed.body.nextRunAt).getTime() + 1500));
    await scheduler.tick();
    await scheduler.close();

    expect(whilePaused).toBe(1);
    const launched = launcher.slotsOf(schedule.id);
    expect(launched).toHaveLength(3);
    expect(launched[1]).toBe(resumed.body.nextRunAt);
    expect((await slotsOf(schedule.id)).map((row) => row.outcome)).toEqual([
      'fired',
      'fired',
      'fired',
    ]);
  });

  it('launches no slot twice when updated many times at once', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({ everyMs: 1000 });
    const clock = new FakeClock(new Date(schedule.nextRunAt));
    const scheduler = await SchedulerProcess.start(launcher, clock);
    await scheduler.tick();

    const patches = [1000, 2000, 1000, 1000].map((everyMs) =>
      app
        .http()
        .patch(`/schedules/${schedule.id}`)
        .set(...bearer(operator.token))
        .send({ everyMs, startAt: schedule.createdAt })
        .then((response) => response.status),
    );
    const ticks = [scheduler.tick(), scheduler.tick()];
    expect(await Promise.all(patches)).toEqual([200, 200, 200, 200]);
    await Promise.all(ticks);
    clock.set(new Date(Date.now() + 3000));
    await run([scheduler], clock, 3, 1000);
    await scheduler.close();

    const launched = launcher.slotsOf(schedule.id);
    expect(new Set(launched).size).toBe(launched.length);
    const slots = await slotsOf(schedule.id);
    expect(slots.map((row) => row.slot_at.toISOString())).toEqual(launched);
  });

  it('records the disabling of a finished schedule as a schedule version', async () => {
    const launcher = new FakeLauncher();
    const schedule = await createSchedule({ everyMs: 1000, limit: 1 });
    const clock = new FakeClock(new Date(schedule.nextRunAt));
    const scheduler = await SchedulerProcess.start(launcher, clock);
    await scheduler.tick();
    await scheduler.close();

    const versions = await app.query(
      `SELECT v.action, v.changes, r.source, r.user_id
       FROM audit_version v JOIN audit_revision r ON r.id = v.revision_id
       WHERE v.entity_type = 'schedules' AND v.entity_id = $1
       ORDER BY v.version`,
      [schedule.id],
    );

    expect(versions).toHaveLength(2);
    expect(versions[1]).toMatchObject({ source: 'schedule', user_id: null });
    expect(versions[1].changes.enabled).toEqual({ from: true, to: false });
  });
});

/** Polls a condition every 10 ms until it holds, for at most `timeoutMs`. */
async function waitFor(
  condition: () => boolean | Promise<boolean>,
  timeoutMs = 5000,
): Promise<void> {
  for (let attempt = 0; attempt < timeoutMs / 10; attempt += 1) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  throw new Error(`condition not met within ${timeoutMs} ms`);
}
