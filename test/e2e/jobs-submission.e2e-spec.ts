import IORedis from 'ioredis';
import { bearer, TestApp, TestUser } from '../support/test-app';

/**
 * Submissions that must be refused: each is a 4xx, and neither PostgreSQL
 * nor Redis contains anything afterwards. No worker runs here, so the counts
 * only change when a submission is accepted.
 */
describe('Job submission checks', () => {
  let app: TestApp;
  let redis: IORedis;
  let operator: TestUser;

  beforeAll(async () => {
    app = await TestApp.start(
      { api: true, worker: false },
      {
        WEBHOOK_ALLOWED_HOSTS: 'hooks.example.test:8443',
        JOB_PAYLOAD_MAX_BYTES: '2048',
        JOB_BULK_MAX: '3',
      },
    );
    redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
    operator = await app.createUser('operator');
  });

  afterAll(async () => {
    redis.disconnect();
    await app.close();
  });

  /** Jobs in PostgreSQL and BullMQ keys in Redis, for this run's prefix. */
  async function stored(): Promise<{ rows: number; keys: Set<string> }> {
    const [row] = await app.query('SELECT count(*)::int AS n FROM job_runs');
    const pattern = `${process.env.REDIS_PREFIX}:*`;
    const keys = new Set<string>();
    let cursor = '0';
    for (let page = 0; page < 10_000; page += 1) {
      const [next, found] = await redis.scan(
        cursor,
        'MATCH',
        pattern,
        'COUNT',
        1000,
      );
      for (const key of found) keys.add(key);
      cursor = next;
      if (cursor === '0') break;
    }

    return { rows: row.n, keys };
  }

  /*
   * Checks that nothing was stored since `before`. Keys that earlier test
   * files left with a time to live (BullMQ locks and stalled checks) may
   * expire meanwhile, so only keys that appeared count.
   */
  async function expectNothingStored(before: {
    rows: number;
    keys: Set<string>;
  }) {
    const after = await stored();
    expect(after.rows).toBe(before.rows);
    expect([...after.keys].filter((key) => !before.keys.has(key))).toEqual([]);
  }

  async function expectRefused(
    body: Record<string, unknown>,
    status: number,
    message: string | RegExp,
    path = '/jobs',
  ) {
    const before = await stored();
    const response = await app
      .http()
      .post(path)
      .set(...bearer(operator.token))
      .send(body);

    expect(response.status).toBe(status);
    expect(response.body.message.join('\n')).toMatch(message);
    await expectNothingStored(before);
  }

  const noop = (extra: Record<string, unknown> = {}) => ({
    type: 'system.noop',
    payload: {},
    ...extra,
  });

  it('refuses an unknown type, listing the known ones', async () => {
    await expectRefused(
      { type: 'no.such.type', payload: {} },
      400,
      /"no\.such\.type" is not a job type; known types: .*system\.noop.*webhook\.deliver/,
    );
  });

  it('refuses a payload that fails validation, naming the field', async () => {
    await expectRefused(
      { type: 'system.noop', payload: { sleepMs: -1 } },
      400,
      'payload.sleepMs must not be less than 0',
    );
    await expectRefused(
      { type: 'system.noop', payload: { extra: true } },
      400,
      'payload.extra should not exist',
    );
    await expectRefused(
      { type: 'webhook.deliver', payload: { url: 'not a url' } },
      400,
      'payload.url must be an http or https URL',
    );
  });

  it('refuses audit.prune from an operator', async () => {
    await expectRefused(
      { type: 'audit.prune', payload: { keepLast: 5 } },
      403,
      'type: Submitting audit.prune jobs requires the admin role; the submitter is operator',
    );
  });

  it('refuses a negative delay', async () => {
    await expectRefused(
      noop({ delayMs: -5 }),
      400,
      'delayMs must not be less than 0',
    );
  });

  it('refuses runAt together with delayMs', async () => {
    const runAt = new Date(Date.now() + 60_000).toISOString();
    await expectRefused(
      noop({ runAt, delayMs: 10 }),
      400,
      'delayMs and runAt exclude each other',
    );
  });

  it('refuses a runAt in the past beyond the clock skew allowance', async () => {
    const runAt = new Date(Date.now() - 3_600_000).toISOString();
    await expectRefused(noop({ runAt }), 400, /runAt .* is in the past/);
  });

  const RUN_AT_MESSAGE =
    'runAt must be an ISO 8601 instant with an offset, such as 2026-01-05T10:00:00.000Z';
  const inAnHour = () => new Date(Date.now() + 3_600_000);

  it.each([
    ['a date-time without offset', () => inAnHour().toISOString().slice(0, 19)],
    [
      'milliseconds without offset',
      () => inAnHour().toISOString().slice(0, 23),
    ],
    ['a date only', () => inAnHour().toISOString().slice(0, 10)],
    ['a space separator', () => inAnHour().toISOString().replace('T', ' ')],
    ['epoch milliseconds', () => inAnHour().getTime()],
    ['an impossible date', () => '2031-02-30T10:00:00Z'],
    ['an empty string', () => ''],
  ])('rejects runAt as %s', async (_name, runAt) => {
    await expectRefused(noop({ runAt: runAt() }), 400, RUN_AT_MESSAGE);
  });

  it('rejects a bulk runAt without offset', async () => {
    const local = inAnHour().toISOString().slice(0, 19);
    await expectRefused(
      { jobs: [noop(), noop({ runAt: local })] },
      400,
      `jobs.1.${RUN_AT_MESSAGE}`,
      '/jobs/bulk',
    );
  });

  it.each([
    ['Z', (at: Date) => at.toISOString()],
    [
      'Z without milliseconds',
      (at: Date) => `${at.toISOString().slice(0, 19)}Z`,
    ],
    [
      'a +02:00 offset',
      (at: Date) => {
        const local = new Date(at.getTime() + 2 * 3_600_000);

        return `${local.toISOString().slice(0, 23)}+02:00`;
      },
    ],
  ])('accepts runAt with %s', async (_name, format) => {
    const at = new Date(Math.floor(inAnHour().getTime() / 1000) * 1000);

    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send(noop({ runAt: format(at) }))
      .expect(202);

    expect(response.body.runAt).toBe(at.toISOString());
    expect(response.body.status).toBe('delayed');
  });

  it('reads a null runAt as not given', async () => {
    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send(noop({ runAt: null }))
      .expect(202);

    expect(response.body.status).toBe('queued');
  });

  it.each([0, 101])('refuses attempts=%d', async (attempts) => {
    await expectRefused(noop({ attempts }), 400, /attempts must not be/);
  });

  it('refuses an oversized payload with 413', async () => {
    await expectRefused(
      {
        type: 'webhook.deliver',
        payload: {
          url: 'https://hooks.example.test:8443/x',
          body: { text: 'x'.repeat(4096) },
        },
      },
      413,
      /payload is \d+ bytes; the limit is 2048 bytes/,
    );
  });

  it('refuses a webhook to a host that is not allowed', async () => {
    await expectRefused(
      { type: 'webhook.deliver', payload: { url: 'http://127.0.0.1:9/hook' } },
      400,
      'payload.url host 127.0.0.1:9 is not allowed; allowed hosts: hooks.example.test:8443',
    );
    // The right host on another port is another endpoint.
    await expectRefused(
      {
        type: 'webhook.deliver',
        payload: { url: 'https://hooks.example.test/hook' },
      },
      400,
      'is not allowed',
    );
  });

  it('refuses a queue that no worker serves', async () => {
    await expectRefused(
      noop({ queue: 'elsewhere' }),
      400,
      'queue "elsewhere" is not served',
    );
  });

  it('refuses a whole bulk submission when one job is invalid', async () => {
    await expectRefused(
      { jobs: [noop(), noop({ payload: { sleepMs: 'soon' } })] },
      400,
      'jobs.1.payload.sleepMs must be an integer number',
      '/jobs/bulk',
    );
    await expectRefused(
      { jobs: [noop(), noop(), noop(), noop()] },
      400,
      'at most 3 (JOB_BULK_MAX)',
      '/jobs/bulk',
    );
  });

  it('rejects idempotency keys repeated within a bulk', async () => {
    const key = `bulk-key-${Date.now()}`;
    await expectRefused(
      {
        jobs: [
          noop({ idempotencyKey: key }),
          noop({ idempotencyKey: `${key}-other` }),
          noop({ idempotencyKey: key }),
        ],
      },
      400,
      'jobs.2.idempotencyKey duplicates jobs.0.idempotencyKey',
      '/jobs/bulk',
    );
    const [row] = await app.query(
      'SELECT count(*)::int AS n FROM job_runs WHERE idempotency_key LIKE $1',
      [`${key}%`],
    );
    expect(row.n).toBe(0);
  });

  it('reports every invalid entry of a bulk', async () => {
    const before = await stored();
    const response = await app
      .http()
      .post('/jobs/bulk')
      .set(...bearer(operator.token))
      .send({
        jobs: [
          noop({ type: 'no.such.type' }),
          noop(),
          noop({ payload: { sleepMs: 'soon' } }),
        ],
      });

    expect(response.status).toBe(400);
    const message = response.body.message.join('\n');
    expect(message).toContain('jobs.0.type "no.such.type" is not a job type');
    expect(message).toContain('jobs.2.payload.sleepMs must be an integer');
    expect(message).not.toContain('jobs.1.');
    await expectNothingStored(before);
  });

  it('returns 400 for invalid and too large entries', async () => {
    const big = { type: 'system.noop', payload: { x: 'y'.repeat(3000) } };
    await expectRefused(
      { jobs: [noop({ type: 'no.such.type' }), big] },
      400,
      /jobs\.0\.type[\s\S]*jobs\.1\.payload is \d+ bytes/,
      '/jobs/bulk',
    );
    await expectRefused(
      { jobs: [big, noop(), big] },
      413,
      /jobs\.0\.payload is \d+ bytes[\s\S]*jobs\.2\.payload is \d+ bytes/,
      '/jobs/bulk',
    );
  });

  it('accepts a valid job into both PostgreSQL and Redis', async () => {
    const before = await stored();
    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send({
        type: 'webhook.deliver',
        payload: { url: 'https://hooks.example.test:8443/ok' },
        delayMs: 3_600_000,
      })
      .expect(202);

    expect(response.body.status).toBe('delayed');
    const after = await stored();
    expect(after.rows).toBe(before.rows + 1);
    expect(
      [...after.keys].filter((key) => !before.keys.has(key)).length,
    ).toBeGreaterThan(0);
  });
});
