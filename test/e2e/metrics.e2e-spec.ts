import { randomUUID } from 'node:crypto';
import { bearer, TestApp } from '../support/test-app';

/** Returns the value of one sample line of a Prometheus text exposition. */
function sample(text: string, name: string, labels: string): number {
  const line = text
    .split('\n')
    .find((candidate) => candidate.startsWith(`${name}{${labels}}`));

  return line ? Number(line.split(' ').pop()) : 0;
}

describe('Metrics', () => {
  describe('with METRICS_PUBLIC=true', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await TestApp.start({}, { METRICS_PUBLIC: 'true' });
    });

    afterAll(async () => {
      await app.close();
    });

    it('counts a request just made under its route template', async () => {
      const viewer = await app.createUser('viewer');
      const labels = 'method="GET",route="/books/:id",status="404"';
      const before = await app.http().get('/metrics').expect(200);

      await app
        .http()
        .get(`/books/${randomUUID()}`)
        .set(...bearer(viewer.token))
        .expect(404);
      const after = await app.http().get('/metrics').expect(200);

      const name = 'chronicle_http_requests_total';
      expect(sample(after.text, name, labels)).toBe(
        sample(before.text, name, labels) + 1,
      );
      expect(after.text).toContain(
        `chronicle_http_request_duration_seconds_count{${labels}}`,
      );
      expect(after.text).not.toMatch(/route="\/books\/[0-9a-f]{8}-/);
    });

    it('serves the text format with the named metrics and process metrics', async () => {
      const response = await app.http().get('/metrics').expect(200);

      expect(response.headers['content-type']).toContain('text/plain');
      for (const name of [
        'chronicle_jobs_total',
        'chronicle_job_duration_seconds',
        'chronicle_queue_jobs',
        'chronicle_audit_versions_written',
        'chronicle_reconciler_reenqueued_total',
        'chronicle_audit_sealing_lag_seconds',
        'chronicle_process_cpu_seconds_total',
      ]) {
        expect(response.text).toContain(`# HELP ${name} `);
      }
    });

    it('reads the audit versions written from PostgreSQL', async () => {
      const editor = await app.createUser('editor');
      await app
        .http()
        .post('/authors')
        .set(...bearer(editor.token))
        .send({ name: `Author ${randomUUID()}` })
        .expect(201);

      const response = await app.http().get('/metrics').expect(200);

      const [{ last }] = await app.query<{ last: string }>(
        'SELECT max(id) AS last FROM audit_version',
      );
      const written = response.text.match(
        /^chronicle_audit_versions_written (\d+)$/m,
      );
      expect(Number(written?.[1])).toBeGreaterThanOrEqual(Number(last));
      expect(Number(last)).toBeGreaterThan(0);
    });
  });

  describe('with METRICS_PUBLIC=false', () => {
    let app: TestApp;

    beforeAll(async () => {
      app = await TestApp.start({}, { METRICS_PUBLIC: 'false' });
    });

    afterAll(async () => {
      await app.close();
    });

    it('asks for a token and accepts a viewer', async () => {
      const viewer = await app.createUser('viewer');

      const refused = await app.http().get('/metrics').expect(401);
      await app
        .http()
        .get('/metrics')
        .set(...bearer(viewer.token))
        .expect(200);

      expect(refused.body.statusCode).toBe(401);
    });
  });
});
