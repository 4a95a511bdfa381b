jest.setTimeout(60_000);

import { JobSubmissionService } from '../../src/jobs/job-submission.service';
import { pollUntil } from '../support/poll';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';
import { WebhookServer } from '../support/webhook-server';

type Reader = 'viewer' | 'operator' | 'admin';

/**
 * The stack of a failed job's error reaches operators and admins on every
 * read path, and viewers get the message alone: job responses, the job-runs
 * history (snapshots and changes) and revisions.
 */
describe('Job error stacks', () => {
  let app: TestApp;
  let webhooks: WebhookServer;
  const users = {} as Record<Reader, TestUser>;
  let failed: { id: string; versions: any[] };
  let scheduled: { id: string; scheduleId: string };

  beforeAll(async () => {
    webhooks = await WebhookServer.start();
    app = await TestApp.start(
      { api: true, worker: true },
      { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WORKER_CONCURRENCY: '1' },
    );
    for (const role of ['viewer', 'operator', 'admin'] as const) {
      users[role] = await app.createUser(role);
    }
    const path = `/${uniqueName('fail')}`;
    webhooks.on(path, 'fail');
    const webhook = {
      type: 'webhook.deliver',
      payload: { url: webhooks.url(path) },
    };

    const submitted = await app
      .http()
      .post('/jobs')
      .set(...bearer(users.operator.token))
      .send(webhook)
      .expect(202);
    const schedule = await app
      .http()
      .post('/schedules')
      .set(...bearer(users.operator.token))
      .send({ ...webhook, name: uniqueName('schedule'), cron: '0 3 * * *' })
      .expect(201);
    // Submits the schedule's run as its launcher does, without a scheduler.
    const run = await app.app.get(JobSubmissionService).submit(webhook, {
      submittedBy: users.operator.id,
      source: 'schedule',
      scheduleId: schedule.body.id,
      scheduledFor: new Date(),
    });

    for (const id of [submitted.body.id, run.job.id]) {
      await pollUntil(
        () => read('operator', `/jobs/${id}`),
        (job) => job.status === 'failed',
      );
    }
    const history = await read(
      'operator',
      `/jobs/${submitted.body.id}/history`,
    );
    failed = { id: submitted.body.id, versions: history.items };
    scheduled = { id: run.job.id, scheduleId: schedule.body.id };
  });

  afterAll(async () => {
    await app.query('DELETE FROM schedules WHERE id = $1', [
      scheduled.scheduleId,
    ]);
    await app.close();
    await webhooks.close();
  });

  async function read(reader: Reader, path: string, query = {}) {
    const response = await app
      .http()
      .get(path)
      .query(query)
      .set(...bearer(users[reader].token))
      .expect(200);

    return response.body;
  }

  /** The version that recorded the failure: its changes set the error. */
  function failureVersion(): any {
    return failed.versions.find((version) => version.changes.error?.to);
  }

  function expectStack(error: any) {
    expect(error.message).toEqual(expect.stringMatching(/\S/));
    expect(error.stack).toEqual(expect.stringContaining(error.message));
  }

  function expectNoStack(error: any) {
    expect(error.message).toEqual(expect.stringMatching(/\S/));
    expect(error).not.toHaveProperty('stack');
  }

  /** Each read path, with a function that picks the errors from its body. */
  const paths: [string, () => string, (body: any) => any[]][] = [
    [
      'GET /jobs/:id',
      () => `/jobs/${failed.id}`,
      (body) => [body.error, body.attempts[0].error],
    ],
    [
      'GET /jobs',
      () => `/jobs?type=webhook.deliver&limit=500`,
      (body) => [body.items.find((job: any) => job.id === failed.id).error],
    ],
    [
      'GET /schedules/:id/runs',
      () => `/schedules/${scheduled.scheduleId}/runs`,
      (body) => [body.items[0].error],
    ],
    [
      'GET /jobs/:id/history',
      () => `/jobs/${failed.id}/history`,
      (body) => [
        body.items.find((version: any) => version.changes.error?.to).changes
          .error.to,
      ],
    ],
    [
      'GET /history/job-runs/:id',
      () => `/history/job-runs/${failed.id}`,
      (body) => [
        body.items.find((version: any) => version.changes.error?.to).changes
          .error.to,
      ],
    ],
    [
      'GET /history/job-runs/:id/versions/:version',
      () =>
        `/history/job-runs/${failed.id}/versions/${failureVersion().version}`,
      (body) => [body.snapshot.error, body.changes.error.to],
    ],
    [
      'GET /history/job-runs/:id/diff',
      () =>
        `/history/job-runs/${failed.id}/diff?from=1&to=${failureVersion().version}`,
      (body) => [body.changes.error.to],
    ],
    [
      'GET /history/job-runs/:id/diff backwards',
      () =>
        `/history/job-runs/${failed.id}/diff?to=1&from=${failureVersion().version}`,
      (body) => [body.changes.error.from],
    ],
    [
      'GET /history/job-runs/:id/as-of',
      () =>
        `/history/job-runs/${failed.id}/as-of?at=${encodeURIComponent(new Date().toISOString())}`,
      (body) => [body.snapshot.error],
    ],
    [
      'GET /revisions/:id',
      () => `/revisions/${failureVersion().revisionId}`,
      (body) => [
        body.versions.find((version: any) => version.id === failed.id).changes
          .error.to,
      ],
    ],
    [
      'GET /revisions',
      () => `/revisions?type=job-runs&limit=500`,
      (body) => [
        body.items
          .find((revision: any) => revision.id === failureVersion().revisionId)
          .versions.find((version: any) => version.id === failed.id).changes
          .error.to,
      ],
    ],
  ];

  it.each(paths)(
    '%s shows stacks to operators',
    async (_name, path, errors) => {
      const body = await read('operator', path());

      for (const error of errors(body)) expectStack(error);
    },
  );

  it.each(paths)('%s shows stacks to admins', async (_name, path, errors) => {
    const body = await read('admin', path());

    for (const error of errors(body)) expectStack(error);
  });

  it.each(paths)(
    '%s hides stacks from viewers',
    async (_name, path, errors) => {
      const body = await read('viewer', path());

      for (const error of errors(body)) expectNoStack(error);
      expect(JSON.stringify(body)).not.toContain('"stack"');
    },
  );

  it('hides stacks of deleted job runs from viewers', async () => {
    await app.query('DELETE FROM job_runs WHERE id = $1', [scheduled.id]);
    const pick = (body: any) =>
      body.items.find((item: any) => item.id === scheduled.id).snapshot.error;

    const forOperator = await read('operator', '/history/job-runs/deleted', {
      limit: 500,
    });
    const forViewer = await read('viewer', '/history/job-runs/deleted', {
      limit: 500,
    });

    expectStack(pick(forOperator));
    expectNoStack(pick(forViewer));
    expect(JSON.stringify(forViewer)).not.toContain('"stack"');
  });

  describe('webhook headers', () => {
    let jobId: string;

    beforeAll(async () => {
      const response = await app
        .http()
        .post('/jobs')
        .set(...bearer(users.operator.token))
        .send({
          type: 'webhook.deliver',
          payload: {
            url: webhooks.url(`/${uniqueName('headers')}`),
            headers: { Authorization: 'Bearer downstream-secret' },
          },
          delayMs: 3_600_000,
        })
        .expect(202);
      jobId = response.body.id;
    });

    it('hides them from viewers in jobs', async () => {
      const forViewer = await read('viewer', `/jobs/${jobId}`);
      const forOperator = await read('operator', `/jobs/${jobId}`);

      expect(forViewer.payload.headers).toBeUndefined();
      expect(forViewer.payload.url).toEqual(expect.any(String));
      expect(forOperator.payload.headers).toEqual({
        Authorization: 'Bearer downstream-secret',
      });
    });

    it('hides them from viewers in history', async () => {
      const path = `/history/job-runs/${jobId}/versions/1`;
      const forViewer = await read('viewer', path);
      const forOperator = await read('operator', path);

      expect(JSON.stringify(forViewer)).not.toContain('downstream-secret');
      expect(forViewer.snapshot.payload.url).toEqual(expect.any(String));
      expect(forOperator.snapshot.payload.headers).toEqual({
        Authorization: 'Bearer downstream-secret',
      });
    });
  });
});
