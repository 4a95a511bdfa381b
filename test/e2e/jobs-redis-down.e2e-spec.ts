jest.setTimeout(60_000);

import { freePort, TestProcess } from '../support/child-process';
import { pollUntil } from '../support/poll';
import { bearer, TestApp, TestUser } from '../support/test-app';

interface RunRow {
  status: string;
  versions: number;
}

async function submit(
  app: TestApp,
  operator: TestUser,
  body: Record<string, unknown>,
): Promise<string> {
  const response = await app
    .http()
    .post('/jobs')
    .set(...bearer(operator.token))
    .send(body)
    .expect(202);

  return response.body.id as string;
}

/** Reads the run's status in PostgreSQL and the number of its versions. */
async function runRow(app: TestApp, id: string): Promise<RunRow> {
  const [row] = await app.query<RunRow>(
    `SELECT r.status,
       (SELECT count(*)::int FROM audit_version v
        WHERE v.entity_type = 'job-runs' AND v.entity_id = r.id::text)
         AS versions
     FROM job_runs r WHERE r.id = $1`,
    [id],
  );

  return row;
}

/**
 * Checks cancel and retry with Redis unreachable. A queued or delayed job is
 * cancelled in PostgreSQL alone, because a worker skips a run that is no
 * longer pending. An active job can only be aborted through Redis, so that
 * cancel and a retry return 503 and change nothing.
 */
async function expectControlWithoutRedis(
  app: TestApp,
  operator: TestUser,
): Promise<void> {
  const delayed = await submit(app, operator, {
    type: 'system.noop',
    payload: {},
    delayMs: 60_000,
  });
  const cancelled = await app
    .http()
    .post(`/jobs/${delayed}/cancel`)
    .set(...bearer(operator.token));
  expect(cancelled.status).toBe(200);
  expect(cancelled.body.status).toBe('cancelled');
  expect((await runRow(app, delayed)).status).toBe('cancelled');

  const retryBefore = await runRow(app, delayed);
  const retried = await app
    .http()
    .post(`/jobs/${delayed}/retry`)
    .set(...bearer(operator.token));
  expect(retried.status).toBe(503);
  expect(retried.body.message.join(' ')).toContain('Redis');
  expect(await runRow(app, delayed)).toEqual(retryBefore);

  // Only a worker makes a run active, so the UPDATE plays the worker's part.
  const active = await submit(app, operator, {
    type: 'system.noop',
    payload: {},
  });
  await app.query(`UPDATE job_runs SET status = 'active' WHERE id = $1`, [
    active,
  ]);
  const activeBefore = await runRow(app, active);
  const aborted = await app
    .http()
    .post(`/jobs/${active}/cancel`)
    .set(...bearer(operator.token));
  expect(aborted.status).toBe(503);
  expect(aborted.body.message.join(' ')).toContain('Redis');
  expect(await runRow(app, active)).toEqual(activeBefore);

  const queues = await app
    .http()
    .get('/queues')
    .set(...bearer(operator.token));
  expect(queues.status).toBe(503);
  expect(queues.body.message.join(' ')).toContain('Redis');
}

/**
 * PostgreSQL is the record of a job, so a submission succeeds while Redis is
 * unreachable: the run stays queued until it is enqueued again.
 */
describe('Jobs without Redis', () => {
  let app: TestApp;

  beforeAll(async () => {
    // Nothing listens on port 1 of the loopback interface.
    app = await TestApp.start(
      { api: true, worker: false },
      { REDIS_URL: 'redis://127.0.0.1:1' },
    );
  });

  afterAll(async () => {
    await app.close();
  });

  it('accepts the job and keeps it queued in PostgreSQL', async () => {
    const operator = await app.createUser('operator');

    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send({ type: 'system.noop', payload: {} })
      .expect(202);

    const [row] = await app.query(
      'SELECT status, submitted_by FROM job_runs WHERE id = $1',
      [response.body.id],
    );
    expect(row).toEqual({ status: 'queued', submitted_by: operator.id });
  });

  it('answers 503 for queue counts, which only Redis has', async () => {
    const viewer = await app.createUser('viewer');

    await app
      .http()
      .get('/queues')
      .set(...bearer(viewer.token))
      .expect(503);
  });

  it('serves metrics without the queue depth', async () => {
    const response = await app
      .http()
      .get('/metrics')
      .set(...bearer(app.adminToken));

    expect(response.status).toBe(200);
    expect(response.text).toContain('chronicle_queue_jobs');
    expect(response.text).not.toMatch(/chronicle_queue_jobs\{/);
  });

  it('cancels or returns 503 without hanging', async () => {
    const operator = await app.createUser('operator');

    await expectControlWithoutRedis(app, operator);
  });
});

describe('Jobs after Redis stopped', () => {
  let app: TestApp;
  let redis: TestProcess | undefined;
  const savedRedisUrl = process.env.REDIS_URL as string;

  afterAll(async () => {
    await redis?.stop('SIGKILL');
    await app?.close();
    process.env.REDIS_URL = savedRedisUrl;
  });

  it('cancels or returns 503 without hanging', async () => {
    const port = await freePort();
    redis = await TestProcess.start(
      'redis-server',
      ['--port', `${port}`, '--bind', '127.0.0.1', '--save', ''],
      {},
      'Ready to accept connections',
    );
    app = await TestApp.start(
      { api: true, worker: false },
      { REDIS_URL: `redis://127.0.0.1:${port}` },
    );
    const operator = await app.createUser('operator');
    await app
      .http()
      .get('/queues')
      .set(...bearer(operator.token))
      .expect(200);

    await redis.stop('SIGTERM');
    await pollUntil(
      async () => (await app.http().get('/health')).status,
      (status) => status === 503,
    );

    await expectControlWithoutRedis(app, operator);
  });
});
