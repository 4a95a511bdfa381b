jest.setTimeout(90_000);

import { invalid } from '../../src/common/errors';
import { JobQueues } from '../../src/jobs/job-queues.service';
import { pollUntil } from '../support/poll';
import {
  failingAfterLaunch,
  FakeClock,
  SchedulerProcess,
} from '../support/scheduler-harness';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

interface RunBody {
  id: string;
  status: string;
  submittedBy: string | null;
  scheduleId: string | null;
  scheduledFor: string | null;
}

interface ScheduleBody {
  id: string;
  createdAt: string;
  nextRunAt: string | null;
}

/** Schedules of these tests tick often; slots are 300 ms apart. */
const PAYLOAD_MAX_BYTES = 4096;
const ENVIRONMENT = {
  JOB_PAYLOAD_MAX_BYTES: String(PAYLOAD_MAX_BYTES),
  SCHEDULER_TICK_MS: '50',
  SCHEDULE_MIN_EVERY_MS: '100',
  WEBHOOK_ALLOWED_HOSTS: '127.0.0.1',
};
const EVERY = 300;

describe('Schedules firing real job runs', () => {
  let api: TestApp;
  let operator: TestUser;
  const workers: TestApp[] = [];
  const processes: SchedulerProcess[] = [];
  const created: string[] = [];

  beforeAll(async () => {
    api = await TestApp.start({ api: true, worker: false }, ENVIRONMENT);
    operator = await api.createUser('operator');
  });

  afterEach(async () => {
    await Promise.all([
      ...workers.splice(0).map((worker) => worker.close()),
      ...processes.splice(0).map((process) => process.close()),
    ]);
    await api.query('DELETE FROM schedules WHERE id = ANY($1::uuid[])', [
      created.splice(0),
    ]);
  });

  afterAll(async () => {
    await api.close();
  });

  /** Starts a worker process: job worker and scheduler, no HTTP API. */
  async function startWorker(
    environment: Record<string, string> = {},
  ): Promise<TestApp> {
    const worker = await TestApp.start(
      { api: false, worker: true },
      { ...ENVIRONMENT, ...environment },
    );
    workers.push(worker);

    return worker;
  }

  async function stopWorker(worker: TestApp): Promise<void> {
    workers.splice(workers.indexOf(worker), 1);
    await worker.close();
  }

  async function createSchedule(
    body: Record<string, unknown>,
  ): Promise<ScheduleBody> {
    const response = await api
      .http()
      .post('/schedules')
      .set(...bearer(operator.token))
      .send({
        name: uniqueName('fired'),
        type: 'system.noop',
        payload: {},
        ...body,
      })
      .expect(201);
    created.push(response.body.id);

    return response.body as ScheduleBody;
  }

  /** Reads all job runs of a schedule through GET /schedules/:id/runs. */
  async function runsOf(id: string, limit = 500): Promise<RunBody[]> {
    const runs: RunBody[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 20; page += 1) {
      const response: { body: { items: RunBody[]; nextCursor: string } } =
        await api
          .http()
          .get(`/schedules/${id}/runs`)
          .query({ limit, ...(cursor ? { cursor } : {}) })
          .set(...bearer(operator.token))
          .expect(200);
      runs.push(...response.body.items);
      cursor = response.body.nextCursor;
      if (!cursor) break;
    }

    return runs;
  }

  const countRows = async (sql: string, id: string) =>
    (await api.query<{ count: number }>(sql, [id]))[0].count;

  const slotCount = (id: string) =>
    countRows(
      'SELECT count(*)::int AS count FROM schedule_slots WHERE schedule_id = $1',
      id,
    );

  const jobRunCount = (id: string) =>
    countRows(
      'SELECT count(*)::int AS count FROM job_runs WHERE schedule_id = $1',
      id,
    );

  /** Waits until `count` runs exist and all of them completed. */
  const waitForCompleted = (id: string, count: number) =>
    pollUntil(
      () => runsOf(id),
      (runs) =>
        runs.length >= count && runs.every((run) => run.status === 'completed'),
    );

  const slotTimes = (schedule: ScheduleBody, count: number) =>
    Array.from({ length: count }, (_, k) =>
      new Date(
        new Date(schedule.createdAt).getTime() + k * EVERY,
      ).toISOString(),
    );

  const bySlot = (runs: RunBody[]) =>
    runs.map((run) => run.scheduledFor ?? '').sort();

  it('runs an interval schedule with limit 3 as exactly three job runs', async () => {
    await startWorker();
    const schedule = await createSchedule({ everyMs: EVERY, limit: 3 });

    await pollUntil(
      () =>
        api.query('SELECT enabled FROM schedules WHERE id = $1', [schedule.id]),
      ([row]) => row.enabled === false,
    );
    const runs = await waitForCompleted(schedule.id, 3);

    expect(runs).toHaveLength(3);
    expect(runs.map((run) => run.scheduledFor)).toEqual(
      slotTimes(schedule, 3).reverse(),
    );
    expect(
      runs.every(
        (run) =>
          run.scheduleId === schedule.id && run.submittedBy === operator.id,
      ),
    ).toBe(true);
    const slots = await api.query<{ outcome: string; job_run_id: string }>(
      'SELECT outcome, job_run_id FROM schedule_slots WHERE schedule_id = $1',
      [schedule.id],
    );
    expect(slots.map((slot) => slot.outcome)).toEqual(Array(3).fill('fired'));
    expect(slots.map((slot) => slot.job_run_id).sort()).toEqual(
      runs.map((run) => run.id).sort(),
    );

    const history = await api.query<{
      entity_id: string;
      status: string;
      user_id: string;
      source: string;
    }>(
      `SELECT v.entity_id, v.snapshot ->> 'status' AS status, r.user_id,
         r.source
       FROM audit_version v JOIN audit_revision r ON r.id = v.revision_id
       WHERE v.entity_type = 'job-runs' AND v.entity_id = ANY($1::text[])
         AND v.version = 1`,
      [runs.map((run) => run.id)],
    );
    expect(history).toHaveLength(3);
    expect(
      history.every(
        (version) =>
          version.source === 'schedule' && version.user_id === operator.id,
      ),
    ).toBe(true);
  });

  it('pages the runs of a schedule newest first, each exactly once', async () => {
    await startWorker();
    const schedule = await createSchedule({ everyMs: EVERY, limit: 5 });
    const all = await waitForCompleted(schedule.id, 5);

    const paged = await runsOf(schedule.id, 2);

    expect(paged.map((run) => run.id)).toEqual(all.map((run) => run.id));
    expect(paged.map((run) => run.scheduledFor)).toEqual(
      slotTimes(schedule, 5).reverse(),
    );
  });

  it.each(['delete', 'pause'] as const)(
    'creates no run after a %s and leaves nothing queued in Redis',
    async (action) => {
      const worker = await startWorker();
      const schedule = await createSchedule({ everyMs: EVERY });
      await pollUntil(
        () => jobRunCount(schedule.id),
        (count) => count >= 2,
      );

      const request = api.http();
      await (
        action === 'delete'
          ? request.delete(`/schedules/${schedule.id}`).expect(204)
          : request.post(`/schedules/${schedule.id}/pause`).expect(200)
      ).set(...bearer(operator.token));
      const atStop = await jobRunCount(schedule.id);
      // A second schedule proves the scheduler went on ticking: by its third
      // run, the stopped schedule has passed several of its slots.
      const witness = await createSchedule({ everyMs: EVERY, limit: 3 });
      await waitForCompleted(witness.id, 3);

      expect(await jobRunCount(schedule.id)).toBe(atStop);
      const runs = await api.query<{ id: string; status: string }>(
        'SELECT id::text, status FROM job_runs WHERE schedule_id = $1',
        [schedule.id],
      );
      await pollUntil(
        () =>
          api.query<{ status: string }>(
            'SELECT status FROM job_runs WHERE schedule_id = $1',
            [schedule.id],
          ),
        (rows) => rows.every((row) => row.status === 'completed'),
      );
      const queue = worker.app.get(JobQueues).get('default');
      const pending = await queue.getJobs([
        'delayed',
        'wait',
        'prioritized',
        'active',
      ]);
      const ids = new Set(runs.map((run) => run.id));
      expect(pending.filter((job) => ids.has(job.id ?? ''))).toEqual([]);
      expect(await queue.getJobSchedulersCount()).toBe(0);
    },
  );

  it('creates one job run per slot with two scheduler processes', async () => {
    await Promise.all([startWorker(), startWorker()]);
    const schedule = await createSchedule({ everyMs: EVERY, limit: 8 });

    const runs = await waitForCompleted(schedule.id, 8);
    await pollUntil(
      () => slotCount(schedule.id),
      (count) => count === 8,
    );

    expect(runs).toHaveLength(8);
    expect(bySlot(runs)).toEqual(slotTimes(schedule, 8));
    expect(await jobRunCount(schedule.id)).toBe(8);
  });

  it('neither loses nor duplicates a slot across a restart', async () => {
    const first = await startWorker();
    const schedule = await createSchedule({ everyMs: EVERY, limit: 8 });
    await pollUntil(
      () => jobRunCount(schedule.id),
      (count) => count >= 3,
    );
    await stopWorker(first);
    const beforeRestart = await jobRunCount(schedule.id);

    await startWorker();
    const runs = await waitForCompleted(schedule.id, 8);

    expect(beforeRestart).toBeLessThan(8);
    expect(runs).toHaveLength(8);
    expect(bySlot(runs)).toEqual(slotTimes(schedule, 8));
    const slots = await api.query<{ outcome: string }>(
      'SELECT outcome FROM schedule_slots WHERE schedule_id = $1',
      [schedule.id],
    );
    expect(slots.map((slot) => slot.outcome)).toEqual(Array(8).fill('fired'));
  });

  describe('when the transaction fails after the launch', () => {
    /** Ticks once with a launcher that throws after storing the first run. */
    async function failFirstSlot() {
      const schedule = await createSchedule({ everyMs: EVERY });
      const first = new Date(schedule.nextRunAt as string);
      const clock = new FakeClock(first);
      const process = await SchedulerProcess.start(
        failingAfterLaunch(new Set([`${schedule.id}|${first.toISOString()}`])),
        clock,
      );
      processes.push(process);
      await process.tick();

      return { schedule, first, clock, process };
    }

    it('keeps neither the decision nor the job run', async () => {
      const { schedule } = await failFirstSlot();

      expect(await slotCount(schedule.id)).toBe(0);
      expect(await jobRunCount(schedule.id)).toBe(0);

      await api
        .http()
        .delete(`/schedules/${schedule.id}`)
        .set(...bearer(operator.token))
        .expect(204);
      expect(await jobRunCount(schedule.id)).toBe(0);
    });

    it('stores the slot and its one job run on the retry', async () => {
      const { schedule, first, clock, process } = await failFirstSlot();
      // Past the retry delay of the failed attempt.
      clock.advance(1000);
      await process.tick();

      const slots = await api.query<{ outcome: string; job_run_id: string }>(
        `SELECT outcome, job_run_id::text FROM schedule_slots
         WHERE schedule_id = $1 AND slot_at = $2`,
        [schedule.id, first],
      );
      const runs = await api.query<{ id: string }>(
        `SELECT id::text FROM job_runs
         WHERE schedule_id = $1 AND scheduled_for = $2`,
        [schedule.id, first],
      );
      expect(runs).toHaveLength(1);
      expect(slots).toEqual([{ outcome: 'fired', job_run_id: runs[0].id }]);
    });
  });

  it('enqueues at start-up a job run committed but never enqueued', async () => {
    const schedule = await createSchedule({ everyMs: EVERY, limit: 1 });
    // A scheduler that stops between its commit and the enqueue.
    const stopped = await SchedulerProcess.start(
      (real) => ({
        launch: (manager, s, slotAt) => real.launch(manager, s, slotAt),
        dispatch: () => Promise.resolve(),
      }),
      new FakeClock(new Date(schedule.nextRunAt as string)),
    );
    processes.push(stopped);
    await stopped.tick();
    expect(
      (await runsOf(schedule.id)).map((run) => [run.scheduledFor, run.status]),
    ).toEqual([[schedule.nextRunAt, 'queued']]);

    await startWorker();
    const runs = await waitForCompleted(schedule.id, 1);

    expect(runs.map((run) => run.scheduledFor)).toEqual([schedule.nextRunAt]);
  });

  it('records a slot as missed when the worker rejects its job', async () => {
    const schedule = await createSchedule({
      type: 'webhook.deliver',
      payload: { url: 'http://127.0.0.1:9/hook' },
      everyMs: EVERY,
    });
    await startWorker({ WEBHOOK_ALLOWED_HOSTS: 'hooks.example.com' });

    const slots = await pollUntil(
      () =>
        api.query<{ outcome: string; reason: string }>(
          `SELECT outcome, reason FROM schedule_slots
           WHERE schedule_id = $1 ORDER BY slot_at`,
          [schedule.id],
        ),
      (rows) => rows.length >= 2,
    );

    expect(slots.every((slot) => slot.outcome === 'missed')).toBe(true);
    expect(slots[0].reason).toContain(
      'job rejected: payload.url host 127.0.0.1:9 is not allowed',
    );
    expect(await jobRunCount(schedule.id)).toBe(0);
  });

  describe('catch-up after a downtime of 52 minutes', () => {
    const FIVE_MINUTES = 5 * 60_000;

    /**
     * Pretends no scheduler ran since startAt (eleven slots, all past the
     * grace), then starts a worker and waits until it decided them.
     */
    async function afterDowntime(catchUp: string) {
      const startAt = new Date(Date.now() - 52 * 60_000);
      const schedule = await createSchedule({
        everyMs: FIVE_MINUTES,
        startAt: startAt.toISOString(),
        catchUp,
      });
      await api.query('UPDATE schedules SET next_run_at = $2 WHERE id = $1', [
        schedule.id,
        startAt,
      ]);
      await startWorker();
      await pollUntil(
        () => slotCount(schedule.id),
        (count) => count === 11,
      );
      const slot = (k: number) =>
        new Date(startAt.getTime() + k * FIVE_MINUTES).toISOString();

      return { schedule, slot };
    }

    it('creates no job run under none', async () => {
      const { schedule } = await afterDowntime('none');

      expect(await runsOf(schedule.id)).toEqual([]);
    });

    it('runs the latest missed slot once under last', async () => {
      const { schedule, slot } = await afterDowntime('last');
      const runs = await waitForCompleted(schedule.id, 1);

      expect(runs.map((run) => run.scheduledFor)).toEqual([slot(10)]);
    });

    it('runs every missed slot under all', async () => {
      const { schedule, slot } = await afterDowntime('all');
      const runs = await waitForCompleted(schedule.id, 11);

      expect(bySlot(runs)).toEqual(
        Array.from({ length: 11 }, (_, k) => slot(k)),
      );
    });
  });

  describe('limit with jobs rejected at fire time', () => {
    interface ScheduleRow {
      enabled: boolean;
      runs_count: number;
      next_run_at: Date | null;
    }

    /**
     * Starts a scheduler whose launcher rejects the job of each slot in
     * `rejected` as invalid, the way a changed WEBHOOK_ALLOWED_HOSTS does,
     * and submits the other slots as real job runs.
     */
    async function startRejecting(rejected: Set<string>, clock: FakeClock) {
      const process = await SchedulerProcess.start(
        (real) => ({
          launch(manager, schedule, slotAt) {
            if (rejected.has(slotAt.toISOString())) {
              throw invalid('payload.url host 127.0.0.1 is not allowed');
            }

            return real.launch(manager, schedule, slotAt);
          },
          dispatch: (jobRunIds) => real.dispatch(jobRunIds),
        }),
        clock,
      );
      processes.push(process);

      return process;
    }

    const scheduleRow = async (id: string) =>
      (
        await api.query<ScheduleRow>(
          'SELECT enabled, runs_count, next_run_at FROM schedules WHERE id = $1',
          [id],
        )
      )[0];

    const outcomes = async (id: string) =>
      (
        await api.query<{ outcome: string }>(
          `SELECT outcome FROM schedule_slots WHERE schedule_id = $1
           ORDER BY slot_at`,
          [id],
        )
      ).map((row) => row.outcome);

    it('keeps limit 1 after its only slot so far was missed', async () => {
      const schedule = await createSchedule({ everyMs: EVERY, limit: 1 });
      const [first, second] = slotTimes(schedule, 2);
      const clock = new FakeClock(new Date(first));
      const process = await startRejecting(new Set([first]), clock);

      await process.tick();

      expect(await outcomes(schedule.id)).toEqual(['missed']);
      const afterMissed = await scheduleRow(schedule.id);
      expect(afterMissed.enabled).toBe(true);
      expect(afterMissed.runs_count).toBe(0);
      expect(afterMissed.next_run_at?.toISOString()).toBe(second);

      clock.set(new Date(second));
      await process.tick();

      expect(await outcomes(schedule.id)).toEqual(['missed', 'fired']);
      const afterFired = await scheduleRow(schedule.id);
      expect(afterFired.enabled).toBe(false);
      expect(afterFired.runs_count).toBe(1);
      expect(afterFired.next_run_at).toBeNull();
      const runs = await runsOf(schedule.id);
      expect(runs.map((run) => run.scheduledFor)).toEqual([second]);
    });

    it('keeps limit 2 after a missed slot', async () => {
      const schedule = await createSchedule({ everyMs: EVERY, limit: 2 });
      const [first, second, third] = slotTimes(schedule, 3);
      const clock = new FakeClock(new Date(first));
      const process = await startRejecting(new Set([first]), clock);

      for (const slot of [first, second, third]) {
        clock.set(new Date(slot));
        await process.tick();
      }

      expect(await outcomes(schedule.id)).toEqual(['missed', 'fired', 'fired']);
      const row = await scheduleRow(schedule.id);
      expect(row.enabled).toBe(false);
      expect(row.runs_count).toBe(2);
      const runs = await runsOf(schedule.id);
      expect(runs.map((run) => run.scheduledFor)).toEqual([third, second]);
    });

    it('keeps limit 2 after two missed slots in one tick', async () => {
      const schedule = await createSchedule({ everyMs: EVERY, limit: 2 });
      const [first, second, third] = slotTimes(schedule, 3);
      // Both slots are within SCHEDULE_MISFIRE_GRACE_MS, so both fire.
      const clock = new FakeClock(new Date(second));
      const process = await startRejecting(new Set([first, second]), clock);

      await process.tick();

      expect(await outcomes(schedule.id)).toEqual(['missed', 'missed']);
      const row = await scheduleRow(schedule.id);
      expect(row.enabled).toBe(true);
      expect(row.runs_count).toBe(0);
      expect(row.next_run_at?.toISOString()).toBe(third);
    });
  });

  describe('disabling a finished schedule', () => {
    interface VersionBody {
      user: unknown;
      source: string;
      comment: string | null;
      changes: Record<string, { from: unknown; to: unknown }>;
    }

    const latestVersion = async (id: string): Promise<VersionBody> => {
      const response = await api
        .http()
        .get(`/history/schedules/${id}`)
        .set(...bearer(operator.token))
        .expect(200);

      return response.body.items[0] as VersionBody;
    };

    async function tickThrough(slots: string[]): Promise<void> {
      const clock = new FakeClock(new Date(slots[0]));
      const process = await SchedulerProcess.start((real) => real, clock);
      processes.push(process);
      for (const slot of slots) {
        clock.set(new Date(slot));
        await process.tick();
      }
    }

    it('says the limit was reached', async () => {
      const schedule = await createSchedule({ everyMs: EVERY, limit: 3 });

      await tickThrough(slotTimes(schedule, 3));

      const version = await latestVersion(schedule.id);
      expect(version.changes.enabled).toEqual({ from: true, to: false });
      expect(version.source).toBe('schedule');
      expect(version.user).toBeNull();
      expect(version.comment).toBe('limit of 3 runs reached');
    });

    it('says no slot is left after endAt', async () => {
      const startAt = new Date(Date.now() + 60_000);
      startAt.setUTCMilliseconds(0);
      const endAt = new Date(startAt.getTime() + EVERY);
      const schedule = await createSchedule({
        everyMs: EVERY,
        startAt: startAt.toISOString(),
        endAt: endAt.toISOString(),
      });

      await tickThrough([startAt.toISOString(), endAt.toISOString()]);

      const version = await latestVersion(schedule.id);
      expect(version.changes.enabled).toEqual({ from: true, to: false });
      expect(version.source).toBe('schedule');
      expect(version.user).toBeNull();
      expect(version.comment).toBe(
        `no slot left after endAt ${endAt.toISOString()}`,
      );
    });

    it('says the runAt slot was the only one', async () => {
      const runAt = new Date(Date.now() + 60_000);
      runAt.setUTCMilliseconds(0);
      const schedule = await createSchedule({ runAt: runAt.toISOString() });

      await tickThrough([runAt.toISOString()]);

      const version = await latestVersion(schedule.id);
      expect(version.changes.enabled).toEqual({ from: true, to: false });
      expect(version.user).toBeNull();
      expect(version.comment).toBe(
        `no slot left after runAt ${runAt.toISOString()}`,
      );
    });
  });

  describe('rejects the job of a schedule like POST /jobs', () => {
    const cases: [string, Record<string, unknown>, string][] = [
      ['an unknown type', { type: 'no.such.type' }, 'type "no.such.type"'],
      [
        'a bad payload',
        { type: 'system.noop', payload: { sleepMs: -1 } },
        'payload.sleepMs',
      ],
      [
        'an unknown payload field',
        { type: 'system.noop', payload: { olderThanDays: 3 } },
        'payload.olderThanDays should not exist',
      ],
      [
        'a queue outside JOB_QUEUES',
        { type: 'system.noop', queue: 'nightly' },
        'queue "nightly" is not served',
      ],
      [
        'a webhook host outside WEBHOOK_ALLOWED_HOSTS',
        {
          type: 'webhook.deliver',
          payload: { url: 'http://example.invalid/hook' },
        },
        'payload.url host example.invalid is not allowed',
      ],
      ['an empty type', { type: '' }, 'type must be longer than'],
      [
        'a payload that is not an object',
        { type: 'system.noop', payload: 'x' },
        'payload must be an object',
      ],
      [
        'a queue name with a space',
        { type: 'system.noop', queue: 'night shift' },
        'queue must be letters, digits, _ or -',
      ],
      [
        'a priority above the maximum',
        { type: 'system.noop', priority: 2_097_152 },
        'priority must not be greater than 2097151',
      ],
      [
        'a negative priority',
        { type: 'system.noop', priority: -1 },
        'priority must not be less than 0',
      ],
      [
        'a fractional priority',
        { type: 'system.noop', priority: 1.5 },
        'priority must be an integer number',
      ],
      [
        'zero attempts',
        { type: 'system.noop', attempts: 0 },
        'attempts must not be less than 1',
      ],
      [
        'attempts above the maximum',
        { type: 'system.noop', attempts: 101 },
        'attempts must not be greater than 100',
      ],
      [
        'a backoff delay above a day',
        { type: 'system.noop', backoff: { type: 'fixed', delayMs: 1e15 } },
        'backoff.delayMs must not be greater than 86400000',
      ],
      [
        'a negative backoff delay',
        { type: 'system.noop', backoff: { type: 'fixed', delayMs: -1 } },
        'backoff.delayMs must not be less than 0',
      ],
      [
        'an unknown backoff type',
        { type: 'system.noop', backoff: { type: 'linear', delayMs: 10 } },
        'backoff.type must be one of the following values',
      ],
      [
        'a backoff without delayMs',
        { type: 'system.noop', backoff: { type: 'fixed' } },
        'backoff.delayMs must be an integer number',
      ],
      [
        'an unknown backoff field',
        {
          type: 'system.noop',
          backoff: { type: 'fixed', delayMs: 10, jitter: true },
        },
        'jitter should not exist',
      ],
    ];

    it.each(cases)('400 for %s', async (_case, job, expected) => {
      const jobs = await api
        .http()
        .post('/jobs')
        .set(...bearer(operator.token))
        .send({ payload: {}, ...job })
        .expect(400);
      const schedules = await api
        .http()
        .post('/schedules')
        .set(...bearer(operator.token))
        .send({ name: uniqueName('bad'), everyMs: 60_000, payload: {}, ...job })
        .expect(400);

      expect(schedules.body.message.join('; ')).toContain(expected);
      expect(schedules.body.message.join('; ')).toBe(
        jobs.body.message.join('; '),
      );
    });

    // Unlike the optional fields, type and payload cannot be cleared.
    const patchCases: typeof cases = [
      ...cases,
      ['a null type', { type: null }, 'type must be a string'],
      [
        'a null payload',
        { type: 'system.noop', payload: null },
        'payload must be an object',
      ],
    ];

    it.each(patchCases)(
      '400 for a PATCH to %s',
      async (_case, job, expected) => {
        const schedule = await createSchedule({ everyMs: 60_000 });
        const before = await api
          .http()
          .get(`/schedules/${schedule.id}`)
          .set(...bearer(operator.token))
          .expect(200);
        const jobs = await api
          .http()
          .post('/jobs')
          .set(...bearer(operator.token))
          .send({ payload: {}, ...job })
          .expect(400);

        const response = await api
          .http()
          .patch(`/schedules/${schedule.id}`)
          .set(...bearer(operator.token))
          .send(job)
          .expect(400);

        expect(response.body.message.join('; ')).toContain(expected);
        expect(response.body.message.join('; ')).toBe(
          jobs.body.message.join('; '),
        );
        const after = await api
          .http()
          .get(`/schedules/${schedule.id}`)
          .set(...bearer(operator.token))
          .expect(200);
        expect(after.body).toEqual(before.body);
      },
    );

    it('413 for a payload above JOB_PAYLOAD_MAX_BYTES', async () => {
      // {"note":""} adds 11 bytes to the string.
      const job = {
        type: 'system.noop',
        payload: { note: 'x'.repeat(PAYLOAD_MAX_BYTES) },
      };
      const jobs = await api
        .http()
        .post('/jobs')
        .set(...bearer(operator.token))
        .send(job)
        .expect(413);
      const name = uniqueName('big');

      const response = await api
        .http()
        .post('/schedules')
        .set(...bearer(operator.token))
        .send({ name, everyMs: 60_000, ...job })
        .expect(413);

      expect(response.body.message).toEqual([
        `payload is ${PAYLOAD_MAX_BYTES + 11} bytes; the limit is ${PAYLOAD_MAX_BYTES} bytes (JOB_PAYLOAD_MAX_BYTES)`,
      ]);
      expect(response.body.message).toEqual(jobs.body.message);
      const stored = await api.query(
        'SELECT id FROM schedules WHERE name = $1',
        [name],
      );
      expect(stored).toEqual([]);
    });

    it('413 for a PATCH to a payload above JOB_PAYLOAD_MAX_BYTES', async () => {
      const schedule = await createSchedule({ everyMs: 60_000 });
      // {"note":""} adds 11 bytes to the string.

      const response = await api
        .http()
        .patch(`/schedules/${schedule.id}`)
        .set(...bearer(operator.token))
        .send({ payload: { note: 'x'.repeat(PAYLOAD_MAX_BYTES) } })
        .expect(413);

      expect(response.body.message).toEqual([
        `payload is ${PAYLOAD_MAX_BYTES + 11} bytes; the limit is ${PAYLOAD_MAX_BYTES} bytes (JOB_PAYLOAD_MAX_BYTES)`,
      ]);
      const [row] = await api.query<{ payload: unknown }>(
        'SELECT payload FROM schedules WHERE id = $1',
        [schedule.id],
      );
      expect(row.payload).toEqual({});
    });

    it('400 for a PATCH that breaks the payload', async () => {
      const schedule = await createSchedule({ everyMs: 60_000 });

      const response = await api
        .http()
        .patch(`/schedules/${schedule.id}`)
        .set(...bearer(operator.token))
        .send({ payload: { sleepMs: 'long' } })
        .expect(400);

      expect(response.body.message.join('; ')).toContain('payload.sleepMs');
    });
  });
});
