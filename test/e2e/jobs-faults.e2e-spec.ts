jest.setTimeout(120_000);

import IORedis from 'ioredis';
import { buildProject, freePort, TestProcess } from '../support/child-process';
import { pollUntil } from '../support/poll';
import { TcpProxy } from '../support/tcp-proxy';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';
import { WebhookServer } from '../support/webhook-server';

interface AttemptRow {
  number: number;
  status: string;
  detected: boolean;
  worker_id: string;
}

/** Short periods, so that faults are found within a few seconds. */
const FAST_WORKER = {
  WORKER_HEARTBEAT_MS: '300',
  WORKER_LOCK_MS: '2000',
  RECONCILE_INTERVAL_MS: '500',
};

/**
 * Faults with real processes: worker processes started from dist/ and
 * killed, a Redis server of the test's own stopped and started, PostgreSQL
 * cut off behind a proxy. Only processes the test started are signalled.
 */
describe('Jobs under faults', () => {
  let webhooks: WebhookServer;
  const processes: TestProcess[] = [];
  const apps: TestApp[] = [];
  let savedEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    buildProject();
    webhooks = await WebhookServer.start();
  });

  beforeEach(() => {
    savedEnv = { ...process.env };
  });

  afterEach(async () => {
    for (const child of processes.splice(0)) await child.stop('SIGKILL');
    for (const app of apps.splice(0)) await app.close();
    for (const key of Object.keys(process.env)) {
      if (!(key in savedEnv)) delete process.env[key];
    }
    Object.assign(process.env, savedEnv);
  });

  afterAll(async () => {
    await webhooks.close();
  });

  async function startApi(env: Record<string, string> = {}) {
    const app = await TestApp.start(
      { api: true, worker: false },
      { WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${webhooks.port}`, ...env },
    );
    apps.push(app);

    return app;
  }

  async function startWorker(env: Record<string, string> = {}) {
    const worker = await TestProcess.worker({
      ...FAST_WORKER,
      WORKER_ID: uniqueName('worker'),
      WEBHOOK_ALLOWED_HOSTS: `127.0.0.1:${webhooks.port}`,
      ...env,
    });
    processes.push(worker);

    return worker;
  }

  async function submit(
    app: TestApp,
    user: TestUser,
    body: Record<string, unknown>,
  ): Promise<{ id: string; status: string }> {
    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(user.token))
      .send(body)
      .expect(202);

    return response.body as { id: string; status: string };
  }

  async function status(app: TestApp, id: string): Promise<string> {
    const [row] = await app.query<{ status: string }>(
      'SELECT status FROM job_runs WHERE id = $1',
      [id],
    );

    return row.status;
  }

  function attempts(app: TestApp, id: string): Promise<AttemptRow[]> {
    return app.query<AttemptRow>(
      `SELECT number, status, finished_at IS NOT NULL AS detected, worker_id
       FROM job_attempts WHERE job_run_id = $1 ORDER BY number`,
      [id],
    );
  }

  /** Versions of the run that record its change to completed. */
  async function completions(app: TestApp, id: string): Promise<number> {
    const [row] = await app.query<{ count: number }>(
      `SELECT count(*)::integer AS count FROM audit_version
       WHERE entity_type = 'job-runs' AND entity_id = $1
         AND changes -> 'status' ->> 'to' = 'completed'`,
      [id],
    );

    return row.count;
  }

  async function deleteAllKeys(url: string, prefix: string): Promise<number> {
    const redis = new IORedis(url);
    let deleted = 0;
    try {
      let cursor = '0';
      for (let round = 0; round < 10_000; round += 1) {
        const [next, keys] = await redis.scan(
          cursor,
          'MATCH',
          `${prefix}:*`,
          'COUNT',
          1000,
        );
        if (keys.length > 0) deleted += await redis.del(...keys);
        cursor = next;
        if (cursor === '0') break;
      }
    } finally {
      redis.disconnect();
    }

    return deleted;
  }

  it('SIGKILL: stalled attempt, one completed retry', async () => {
    const app = await startApi();
    const operator = await app.createUser('operator');
    const path = `/${uniqueName('slow')}`;
    webhooks.on(path, 'hang');
    const first = await startWorker();

    const job = await submit(app, operator, {
      type: 'webhook.deliver',
      payload: { url: webhooks.url(path), timeoutMs: 60_000 },
      attempts: 3,
    });
    await pollUntil(
      async () => webhooks.received(path).length,
      (count) => count === 1,
    );
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    // BullMQ's copy goes too, as removeOnFail or a Redis restart would do.
    await deleteAllKeys(
      process.env.REDIS_URL as string,
      process.env.REDIS_PREFIX as string,
    );
    webhooks.on(path, 'ok');
    const second = await startWorker();

    await pollUntil(
      () => status(app, job.id),
      (value) => value === 'completed',
    );
    const rows = await attempts(app, job.id);
    expect(
      rows.map(({ number, status: s, detected }) => [number, s, detected]),
    ).toEqual([
      [1, 'stalled', true],
      [2, 'completed', true],
    ]);
    expect(rows[1].worker_id).not.toBe(rows[0].worker_id);
    expect(await completions(app, job.id)).toBe(1);
    expect(webhooks.received(path)).toHaveLength(2);
    expect(second.log).toContain(`Job ${job.id}: attempt 1 of worker`);
    expect(second.log).toContain('recorded as stalled; the run is queued');
  });

  it('SIGKILL: no attempt left, never runs again', async () => {
    const app = await startApi();
    const operator = await app.createUser('operator');
    const path = `/${uniqueName('slow')}`;
    webhooks.on(path, 'hang');
    const first = await startWorker();

    const job = await submit(app, operator, {
      type: 'webhook.deliver',
      payload: { url: webhooks.url(path), timeoutMs: 60_000 },
    });
    await pollUntil(
      async () => webhooks.received(path).length,
      (count) => count === 1,
    );
    expect(await first.stop('SIGKILL')).toBe('SIGKILL');
    webhooks.on(path, 'ok');
    // Heartbeats and reconciliation too slow to act within the test, so
    // BullMQ's stalled check delivers the job again once its lock expires.
    await startWorker({
      WORKER_HEARTBEAT_MS: '60000',
      RECONCILE_INTERVAL_MS: '600000',
    });

    await pollUntil(
      () => status(app, job.id),
      (value) => value === 'failed',
    );
    const rows = await attempts(app, job.id);
    expect(rows.map(({ number, status: s }) => [number, s])).toEqual([
      [1, 'stalled'],
    ]);
    const [run] = await app.query<{ attempts_made: number; error: unknown }>(
      'SELECT attempts_made, error FROM job_runs WHERE id = $1',
      [job.id],
    );
    expect(run.attempts_made).toBe(1);
    expect(run.error).toEqual({
      message: 'Attempt 1 stalled and the job has no attempt left',
    });
    expect(await completions(app, job.id)).toBe(0);
    expect(webhooks.received(path)).toHaveLength(1);
  });

  it('Redis keys deleted: delayed job runs once', async () => {
    const app = await startApi();
    const operator = await app.createUser('operator');
    const worker = await startWorker();
    const job = await submit(app, operator, {
      type: 'system.noop',
      payload: {},
      delayMs: 3000,
    });
    const [{ run_at: due }] = await app.query<{ run_at: Date }>(
      'SELECT run_at FROM job_runs WHERE id = $1',
      [job.id],
    );

    const deleted = await deleteAllKeys(
      process.env.REDIS_URL as string,
      process.env.REDIS_PREFIX as string,
    );

    expect(deleted).toBeGreaterThan(0);
    await pollUntil(
      () => status(app, job.id),
      (value) => value === 'completed',
    );
    const rows = await attempts(app, job.id);
    expect(rows.map((row) => [row.number, row.status])).toEqual([
      [1, 'completed'],
    ]);
    const [{ started_at: started }] = await app.query<{ started_at: Date }>(
      'SELECT started_at FROM job_attempts WHERE job_run_id = $1',
      [job.id],
    );
    expect(started.getTime()).toBeGreaterThanOrEqual(due.getTime());
    expect(await completions(app, job.id)).toBe(1);
    expect(worker.log).toContain(`Job ${job.id} (system.noop, queue default)`);
  });

  it('Redis stopped: job accepted, runs on return', async () => {
    const port = await freePort();
    const startRedis = async () => {
      const redis = await TestProcess.start(
        'redis-server',
        [
          '--port',
          `${port}`,
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
        ],
        {},
        'Ready to accept connections',
      );
      processes.push(redis);

      return redis;
    };
    const redisUrl = `redis://127.0.0.1:${port}`;
    const redis = await startRedis();
    const app = await startApi({ REDIS_URL: redisUrl });
    const operator = await app.createUser('operator');
    await startWorker({ REDIS_URL: redisUrl });

    await redis.stop('SIGTERM');
    const job = await submit(app, operator, {
      type: 'system.noop',
      payload: {},
    });
    const health = await app.http().get('/health');

    expect(health.status).toBe(503);
    expect(health.body.error).toHaveProperty('redis.status', 'down');
    expect(health.body.info).toHaveProperty('database.status', 'up');

    expect(job.status).toBe('queued');
    expect(await status(app, job.id)).toBe('queued');
    await startRedis();
    await pollUntil(
      () => status(app, job.id),
      (value) => value === 'completed',
      { timeoutMs: 40_000, intervalMs: 100 },
    );
    expect(await completions(app, job.id)).toBe(1);
  });

  it('PostgreSQL refused: 503, then recovery', async () => {
    const database = new URL(process.env.DATABASE_URL as string);
    const proxy = new TcpProxy(await freePort(), Number(database.port || 5432));
    await proxy.open();
    database.host = `127.0.0.1:${proxy.port}`;
    const app = await startApi({ DATABASE_URL: database.toString() });
    const editor = await app.createUser('editor');
    const name = uniqueName('author');

    await proxy.close();
    const write = await app
      .http()
      .post('/authors')
      .set(...bearer(editor.token))
      .send({ name });
    const health = await app.http().get('/health');
    const key = uniqueName('key');
    const submission = await app
      .http()
      .post('/jobs')
      .set(...bearer(editor.token))
      .send({ type: 'system.noop', payload: {}, idempotencyKey: key });
    await proxy.open();

    expect(write.status).toBe(503);
    expect(write.body.message).toEqual([expect.stringMatching(/unavailable/i)]);
    expect(health.status).toBe(503);
    expect(health.body.error).toHaveProperty('database.status', 'down');
    expect(health.body.info).toHaveProperty('redis.status', 'up');
    expect(submission.status).toBe(503);
    await pollUntil(
      async () => (await app.http().get('/health')).status,
      (code) => code === 200,
    );
    expect(
      await app.query('SELECT 1 FROM authors WHERE name = $1', [name]),
    ).toEqual([]);
    expect(
      await app.query('SELECT 1 FROM job_runs WHERE idempotency_key = $1', [
        key,
      ]),
    ).toEqual([]);
    await app
      .http()
      .post('/authors')
      .set(...bearer(editor.token))
      .send({ name })
      .expect(201);
    await proxy.close();
  });

  it('SIGTERM past grace: interrupted, runs again', async () => {
    const app = await startApi();
    const operator = await app.createUser('operator');
    const first = await startWorker({ SHUTDOWN_GRACE_MS: '500' });
    const job = await submit(app, operator, {
      type: 'system.noop',
      payload: { sleepMs: 4000 },
    });
    await pollUntil(
      () => attempts(app, job.id),
      (rows) => rows.length === 1 && rows[0].status === 'active',
    );

    // Nest re-raises the signal once the shutdown hooks are done.
    expect(await first.stop('SIGTERM')).toBe('SIGTERM');
    expect(first.log).toContain('0 active jobs finished, 1 interrupted');
    expect((await attempts(app, job.id)).map((row) => row.status)).toEqual([
      'interrupted',
    ]);
    await startWorker();
    await pollUntil(
      () => status(app, job.id),
      (value) => value === 'completed',
    );
    const rows = await attempts(app, job.id);
    expect(rows.map((row) => [row.number, row.status])).toEqual([
      [1, 'interrupted'],
      [2, 'completed'],
    ]);
    expect(await completions(app, job.id)).toBe(1);
  });
});
