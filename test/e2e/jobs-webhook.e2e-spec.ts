jest.setTimeout(60_000);

import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { pollUntil } from '../support/poll';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';
import { SLOW_MS, WebhookServer } from '../support/webhook-server';

// Makes gc() callable without starting Node with --expose-gc.
setFlagsFromString('--expose-gc');
const collectGarbage = runInNewContext('gc') as () => void;

interface JobBody {
  id: string;
  status: string;
  result: unknown;
  attempts: { status: string; error: { message: string } | null }[];
}

/**
 * webhook.deliver against a real HTTP server, with the worker in this
 * process so that the test can force garbage collections while a request
 * waits.
 */
describe('Webhook delivery', () => {
  let app: TestApp;
  let webhooks: WebhookServer;
  let operator: TestUser;

  beforeAll(async () => {
    webhooks = await WebhookServer.start();
    app = await TestApp.start(
      { api: true, worker: true },
      { WEBHOOK_ALLOWED_HOSTS: '127.0.0.1', WORKER_CONCURRENCY: '2' },
    );
    operator = await app.createUser('operator');
  });

  afterAll(async () => {
    await app.close();
    await webhooks.close();
  });

  async function submit(payload: Record<string, unknown>, expected = 202) {
    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send({ type: 'webhook.deliver', payload });
    expect(response.status).toBe(expected);

    return response.body;
  }

  async function getJob(id: string): Promise<JobBody> {
    const response = await app
      .http()
      .get(`/jobs/${id}`)
      .set(...bearer(operator.token))
      .expect(200);

    return response.body as JobBody;
  }

  function waitFor(id: string, statuses: string[]) {
    return pollUntil(
      () => getJob(id),
      (job) => statuses.includes(job.status),
      { timeoutMs: 30_000, intervalMs: 50 },
    );
  }

  it('times out while the server delays its headers', async () => {
    const path = `/${uniqueName('slow')}`;
    webhooks.on(path, 'slow');
    const job = await submit({ url: webhooks.url(path), timeoutMs: 500 });

    await waitFor(job.id, ['active']);
    await pollUntil(
      async () => webhooks.received(path).length,
      (count) => count === 1,
    );
    // A collection while the request waits must not lose the timeout.
    for (let i = 0; i < 5; i += 1) collectGarbage();
    const done = await waitFor(job.id, ['completed', 'failed']);

    expect(done.status).toBe('failed');
    expect(done.result).toBeNull();
    expect(done.attempts[0].error?.message).toContain('timed out after 500 ms');
  });

  it('times out while the server delays its body', async () => {
    const path = `/${uniqueName('slow-body')}`;
    webhooks.on(path, 'slow-body');
    const job = await submit({ url: webhooks.url(path), timeoutMs: 500 });

    const done = await waitFor(job.id, ['completed', 'failed']);

    expect(done.status).toBe('failed');
    expect(done.attempts[0].error?.message).toContain('timed out after 500 ms');
  });

  it('completes when the server answers within the timeout', async () => {
    const path = `/${uniqueName('slow')}`;
    webhooks.on(path, 'slow');
    const job = await submit({
      url: webhooks.url(path),
      timeoutMs: SLOW_MS + 5_000,
    });

    const done = await waitFor(job.id, ['completed', 'failed']);

    expect(done.status).toBe('completed');
    expect(done.result).toMatchObject({ status: 200 });
  });

  it('rejects invalid header names and values at submission', async () => {
    const url = webhooks.url('/headers');
    const cases: [Record<string, string>, string][] = [
      [{ 'x-signature': 'a\r\nx-injected: 1' }, 'payload.headers.x-signature'],
      [{ 'x-nul': 'a\u0000b' }, 'payload.headers.x-nul'],
      [{ 'bad name': 'value' }, 'payload.headers."bad name"'],
      [{ 'x-a\r\nb': 'value' }, 'payload.headers."x-a\\r\\nb"'],
      [{ Host: 'evil.example' }, 'payload.headers.Host is set by the delivery'],
      [{ 'Content-Length': '5' }, 'payload.headers.Content-Length is set'],
    ];
    for (const [headers, field] of cases) {
      const key = uniqueName('header-key');
      const response = await app
        .http()
        .post('/jobs')
        .set(...bearer(operator.token))
        .send({
          type: 'webhook.deliver',
          payload: { url, headers },
          idempotencyKey: key,
        });

      expect(response.status).toBe(400);
      expect(response.body.message.join(' ')).toContain(field);
      const stored = await app.query(
        'SELECT id FROM job_runs WHERE idempotency_key = $1',
        [key],
      );
      expect(stored).toEqual([]);
    }
  });

  it('rejects a URL with credentials at submission', async () => {
    const url = webhooks
      .url('/credentials')
      .replace('http://', 'http://user:pw@');

    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send({ type: 'webhook.deliver', payload: { url } })
      .expect(400);

    expect(response.body.message.join(' ')).toContain(
      'payload.url must not contain a user name or password',
    );
  });

  it('accepts a header value with a tab', async () => {
    const path = `/${uniqueName('headers')}`;
    const job = await submit({
      url: webhooks.url(path),
      headers: { 'x-signature': 'a\tb' },
    });

    const done = await waitFor(job.id, ['completed', 'failed']);

    expect(done.status).toBe('completed');
    expect(webhooks.received(path)[0].headers['x-signature']).toBe('a\tb');
  });
});
