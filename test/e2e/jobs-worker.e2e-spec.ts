jest.setTimeout(60_000);

import { pollUntil } from '../support/poll';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';
import { WebhookServer } from '../support/webhook-server';

interface JobBody {
  id: string;
  status: string;
  attempts: {
    number: number;
    status: string;
    error: { message: string } | null;
  }[];
  [key: string]: unknown;
}

const FINISHED = ['completed', 'failed', 'cancelled'];

describe('Jobs with a worker', () => {
  let app: TestApp;
  let webhooks: WebhookServer;
  let operator: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    webhooks = await WebhookServer.start();
    app = await TestApp.start(
      { api: true, worker: true },
      { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WORKER_CONCURRENCY: '1' },
    );
    operator = await app.createUser('operator');
    viewer = await app.createUser('viewer');
  });

  afterAll(async () => {
    await app.close();
    await webhooks.close();
  });

  async function submit(body: Record<string, unknown>, expected = 202) {
    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send(body);
    if (response.status !== expected) {
      throw new Error(
        `POST /jobs answered ${response.status}, not ${expected}: ` +
          JSON.stringify(response.body),
      );
    }

    return response.body as JobBody;
  }

  async function getJob(id: string): Promise<JobBody> {
    const response = await app
      .http()
      .get(`/jobs/${id}`)
      .set(...bearer(viewer.token))
      .expect(200);

    return response.body as JobBody;
  }

  function waitForStatus(id: string, statuses: string[]) {
    return pollUntil(
      () => getJob(id),
      (job) => statuses.includes(job.status),
    );
  }

  async function versions(id: string) {
    return app.query<{
      status: string;
      user_id: string | null;
      source: string;
    }>(
      `SELECT v.snapshot ->> 'status' AS status, r.user_id, r.source
       FROM audit_version v JOIN audit_revision r ON r.id = v.revision_id
       WHERE v.entity_type = 'job-runs' AND v.entity_id = $1
       ORDER BY v.version`,
      [id],
    );
  }

  function webhook(path: string, extra: Record<string, unknown> = {}) {
    return {
      type: 'webhook.deliver',
      payload: { url: webhooks.url(path), body: { hello: path } },
      ...extra,
    };
  }

  it('runs a no-op job and records each state change as a version', async () => {
    const job = await submit({ type: 'system.noop', payload: { sleepMs: 5 } });
    expect(job.status).toBe('queued');

    const done = await waitForStatus(job.id, FINISHED);

    expect(done).toMatchObject({
      status: 'completed',
      result: { ok: true },
      submittedBy: operator.id,
      attemptsMade: 1,
    });
    expect(done.attempts).toEqual([
      expect.objectContaining({ number: 1, status: 'completed', error: null }),
    ]);
    const history = await versions(job.id);
    expect(history.map((v) => v.status)).toEqual([
      'queued',
      'active',
      'completed',
    ]);
    expect(history.every((v) => v.user_id === operator.id)).toBe(true);
    expect(history.map((v) => v.source)).toEqual(['http', 'job', 'job']);

    const served = await app
      .http()
      .get(`/jobs/${job.id}/history`)
      .set(...bearer(viewer.token))
      .expect(200);
    expect(
      served.body.items.map((v: { version: number }) => v.version),
    ).toEqual([3, 2, 1]);
    expect(served.body.items[0].changes.status).toEqual({
      from: 'active',
      to: 'completed',
    });
    expect(served.body.items[2].user).toEqual({
      id: operator.id,
      name: operator.name,
    });

    const logs = await app
      .http()
      .get(`/jobs/${job.id}/logs`)
      .set(...bearer(viewer.token))
      .expect(200);
    expect(logs.body.items).toEqual([
      expect.objectContaining({
        attempt: 1,
        level: 'info',
        message: 'Slept 5 ms',
      }),
    ]);
  });

  it('retries a failing webhook with exponential backoff, recording three attempts', async () => {
    const path = `/${uniqueName('fail3')}`;
    webhooks.on(path, 'fail');
    const job = await submit(
      webhook(path, {
        attempts: 3,
        backoff: { type: 'exponential', delayMs: 50 },
      }),
    );

    const done = await waitForStatus(job.id, FINISHED);

    expect(done.status).toBe('failed');
    expect(done.error).toEqual(
      expect.objectContaining({ message: expect.stringContaining('500') }),
    );
    expect(done.attempts.map((a) => [a.number, a.status])).toEqual([
      [1, 'failed'],
      [2, 'failed'],
      [3, 'failed'],
    ]);
    for (const attempt of done.attempts) {
      expect(attempt.error?.message).toContain('returned 500');
    }
    expect(webhooks.received(path)).toHaveLength(3);
    expect((await versions(job.id)).map((v) => v.status)).toEqual([
      'queued',
      'active',
      'delayed',
      'active',
      'delayed',
      'active',
      'failed',
    ]);
  });

  it('runs an always-failing job with attempts 2 exactly twice', async () => {
    const path = `/${uniqueName('fail2')}`;
    webhooks.on(path, 'fail');
    const job = await submit(webhook(path, { attempts: 2 }));

    const done = await waitForStatus(job.id, FINISHED);

    expect(done.status).toBe('failed');
    expect(done.attempts).toHaveLength(2);
    expect(webhooks.received(path)).toHaveLength(2);
  });

  it('cancels a delayed job, which never runs', async () => {
    const job = await submit({
      type: 'system.noop',
      payload: {},
      delayMs: 300,
    });
    expect(job.status).toBe('delayed');

    const cancelled = await app
      .http()
      .post(`/jobs/${job.id}/cancel`)
      .set(...bearer(operator.token))
      .expect(200);
    expect(cancelled.body.status).toBe('cancelled');

    // A job due after the cancelled one completes first...
    const later = await submit({
      type: 'system.noop',
      payload: {},
      delayMs: 600,
    });
    await waitForStatus(later.id, ['completed']);
    // ...so the cancelled one had its chance and did not take it.
    const after = await getJob(job.id);
    expect(after.status).toBe('cancelled');
    expect(after.attempts).toEqual([]);
    expect((await versions(job.id)).map((v) => v.status)).toEqual([
      'delayed',
      'cancelled',
    ]);
  });

  it('aborts an active job through its AbortSignal on cancel', async () => {
    const path = `/${uniqueName('hang')}`;
    webhooks.on(path, 'hang');
    const job = await submit(webhook(path, { attempts: 3 }));
    await pollUntil(
      async () => webhooks.received(path).length,
      (count) => count === 1,
    );
    expect((await getJob(job.id)).status).toBe('active');

    await app
      .http()
      .post(`/jobs/${job.id}/cancel`)
      .set(...bearer(operator.token))
      .expect(200);

    const done = await waitForStatus(job.id, FINISHED);
    expect(done.status).toBe('cancelled');
    expect(done.attempts.map((a) => a.status)).toEqual(['cancelled']);
    // The handler's fetch was aborted by the signal, closing the request.
    await pollUntil(
      async () => webhooks.received(path)[0].aborted,
      (aborted) => aborted,
    );
    expect(webhooks.received(path)).toHaveLength(1);
  });

  it('fails an attempt that exceeds timeoutMs', async () => {
    const job = await submit({
      type: 'system.noop',
      payload: { sleepMs: 30_000 },
      timeoutMs: 100,
    });

    const done = await waitForStatus(job.id, FINISHED);

    expect(done.status).toBe('failed');
    expect(done.attempts).toEqual([
      expect.objectContaining({
        status: 'failed',
        error: expect.objectContaining({ message: 'Timed out after 100 ms' }),
      }),
    ]);
  });

  it('retries a failed job as a new attempt', async () => {
    const path = `/${uniqueName('retry')}`;
    webhooks.on(path, 'fail');
    const job = await submit(webhook(path));
    await waitForStatus(job.id, ['failed']);
    webhooks.on(path, 'ok');

    const retried = await app
      .http()
      .post(`/jobs/${job.id}/retry`)
      .set(...bearer(operator.token))
      .expect(202);
    expect(retried.body.status).toBe('queued');

    const done = await waitForStatus(job.id, ['completed']);
    expect(done.attempts.map((a) => [a.number, a.status])).toEqual([
      [1, 'failed'],
      [2, 'completed'],
    ]);
    expect(done.result).toMatchObject({ status: 200 });
    expect(webhooks.received(path)).toHaveLength(2);
  });

  it('refuses to retry a job that has not failed', async () => {
    const job = await submit({ type: 'system.noop', payload: {} });
    await waitForStatus(job.id, ['completed']);

    await app
      .http()
      .post(`/jobs/${job.id}/retry`)
      .set(...bearer(operator.token))
      .expect(409);
  });

  it('returns the first job for a repeated idempotency key', async () => {
    const idempotencyKey = uniqueName('key');
    const first = await submit({
      type: 'system.noop',
      payload: {},
      idempotencyKey,
    });
    const second = await submit(
      { type: 'system.noop', payload: {}, idempotencyKey },
      200,
    );

    expect(second.id).toBe(first.id);
    const rows = await app.query(
      'SELECT id FROM job_runs WHERE idempotency_key = $1',
      [idempotencyKey],
    );
    expect(rows).toHaveLength(1);
  });

  it('rejects an idempotency key reused for another job', async () => {
    const idempotencyKey = uniqueName('key');
    const first = await submit({
      type: 'system.noop',
      payload: {},
      idempotencyKey,
    });

    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send({ type: 'system.noop', payload: { sleepMs: 1 }, idempotencyKey })
      .expect(409);

    expect(response.body.message[0]).toContain(first.id);
    const rows = await app.query(
      'SELECT id FROM job_runs WHERE idempotency_key = $1',
      [idempotencyKey],
    );
    expect(rows).toHaveLength(1);
  });

  it('submits jobs in bulk and lists them by type and submitter', async () => {
    const submitter = await app.createUser('operator');
    const response = await app
      .http()
      .post('/jobs/bulk')
      .set(...bearer(submitter.token))
      .send({
        jobs: [1, 2, 3].map(() => ({ type: 'system.noop', payload: {} })),
      })
      .expect(202);
    expect(response.body.items).toHaveLength(3);

    const first = await app
      .http()
      .get('/jobs')
      .query({ submittedBy: submitter.id, type: 'system.noop', limit: 2 })
      .set(...bearer(viewer.token))
      .expect(200);
    const second = await app
      .http()
      .get('/jobs')
      .query({
        submittedBy: submitter.id,
        limit: 2,
        cursor: first.body.nextCursor,
      })
      .set(...bearer(viewer.token))
      .expect(200);

    const listed = [...first.body.items, ...second.body.items].map(
      (job: JobBody) => job.id,
    );
    const submitted = response.body.items.map((job: JobBody) => job.id);
    expect([...listed].sort()).toEqual([...submitted].sort());
    expect(second.body.nextCursor).toBeNull();
  });

  it('lets viewers read but not submit', async () => {
    await app
      .http()
      .post('/jobs')
      .set(...bearer(viewer.token))
      .send({ type: 'system.noop', payload: {} })
      .expect(403);
  });

  it('lists job types with their payload schema and queues with workers', async () => {
    const types = await app
      .http()
      .get('/job-types')
      .set(...bearer(viewer.token))
      .expect(200);
    const noop = types.body.items.find(
      (type: { name: string }) => type.name === 'system.noop',
    );
    expect(noop.payloadSchema).toMatchObject({
      type: 'object',
      properties: { sleepMs: { type: 'integer', minimum: 0 } },
    });

    const queues = await app
      .http()
      .get('/queues')
      .set(...bearer(viewer.token))
      .expect(200);
    expect(queues.body.items).toEqual([
      expect.objectContaining({ name: 'default', paused: false, workers: 1 }),
    ]);
  });
});
