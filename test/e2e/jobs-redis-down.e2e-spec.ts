import { bearer, TestApp } from '../support/test-app';

/**
 * PostgreSQL is the record of a job, so a submission succeeds while Redis is
 * unreachable: the run stays queued until it is enqueued again.
 */
describe('Job submission without Redis', () => {
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
});
