jest.setTimeout(60_000);

import IORedis from 'ioredis';
import { PoolClient } from 'pg';
import { JobReconciler } from '../../src/jobs/job-reconciler.service';
import { pollUntil } from '../support/poll';
import { bearer, TestApp, TestUser } from '../support/test-app';

const LOCK = `SELECT hashtextextended('chronicle.job_reconciler', 0) AS key`;

describe('JobReconciler', () => {
  let app: TestApp;
  let operator: TestUser;
  let reconciler: JobReconciler;

  beforeAll(async () => {
    // Reconciles only when the test asks, besides the run at start-up.
    app = await TestApp.start(
      { api: true, worker: true },
      { RECONCILE_INTERVAL_MS: '0' },
    );
    operator = await app.createUser('operator');
    reconciler = app.app.get(JobReconciler);
  });

  afterAll(async () => {
    await app.close();
  });

  it('skips the round while another process holds the lock', async () => {
    const [{ key }] = await app.query<{ key: string }>(LOCK);
    const holder: PoolClient = await app.pool.connect();
    try {
      await holder.query('SELECT pg_advisory_lock($1)', [key]);

      expect(await reconciler.reconcile()).toBeNull();
    } finally {
      await holder.query('SELECT pg_advisory_unlock($1)', [key]);
      holder.release();
    }

    expect(await reconciler.reconcile()).toEqual(
      expect.objectContaining({ checked: expect.any(Number) }),
    );
  });

  it('enqueues a delayed run Redis lost, once, keeping its due time', async () => {
    const submitted = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send({ type: 'system.noop', payload: {}, delayMs: 60_000 })
      .expect(202);
    const id = submitted.body.id as string;
    const redis = new IORedis(process.env.REDIS_URL as string);
    const jobKey = `${process.env.REDIS_PREFIX}:default:${id}`;
    try {
      expect(await redis.del(jobKey)).toBe(1);
      await redis.zrem(`${process.env.REDIS_PREFIX}:default:delayed`, id);
      const before = reconciler.reenqueuedTotal;

      // Runs younger than the settle window are left to their submitter.
      await pollUntil(
        async () => {
          await reconciler.reconcile();
          return reconciler.reenqueuedTotal - before;
        },
        (count) => count > 0,
        { timeoutMs: 10_000, intervalMs: 250 },
      );
      await reconciler.reconcile();

      expect(reconciler.reenqueuedTotal - before).toBe(1);
      expect(await redis.exists(jobKey)).toBe(1);
      const delay = Number(await redis.hget(jobKey, 'delay'));
      const timestamp = Number(await redis.hget(jobKey, 'timestamp'));
      const [{ run_at: due }] = await app.query<{ run_at: Date }>(
        'SELECT run_at FROM job_runs WHERE id = $1',
        [id],
      );
      // A due time reset at re-enqueue would be 2 s (the settle window) late.
      expect(Math.abs(timestamp + delay - due.getTime())).toBeLessThan(1000);
    } finally {
      redis.disconnect();
    }
  });

  it('forgets workers silent for over a week', async () => {
    await app.query(
      `INSERT INTO job_workers (id, started_at, heartbeat_at, stopped_at)
       VALUES ('old-stopped', now() - interval '30 days',
                 now() - interval '9 days', now() - interval '8 days'),
              ('old-silent', now() - interval '30 days',
                 now() - interval '8 days', NULL),
              ('recent-stopped', now() - interval '3 days',
                 now() - interval '2 days', now() - interval '2 days')`,
    );

    await reconciler.reconcile();

    const rows = await app.query<{ id: string }>(
      `SELECT id FROM job_workers
       WHERE id IN ('old-stopped', 'old-silent', 'recent-stopped')`,
    );
    expect(rows.map((row) => row.id)).toEqual(['recent-stopped']);
  });
});
