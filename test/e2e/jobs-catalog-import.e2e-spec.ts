import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { pollUntil } from '../support/poll';
import { bearer, TestApp, uniqueName } from '../support/test-app';

jest.setTimeout(60_000);

/**
 * A job type of another module (catalog.import) submitted over REST and run
 * by the worker: its writes carry the submitter and the job run id.
 */
describe('catalog.import through the job framework', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({ api: true, worker: true });
  });

  afterAll(async () => {
    await app.close();
  });

  /**
   * The sample file with a suffix on every author, so this test creates its
   * own books (matched by title and author) whatever other tests imported.
   */
  function sampleCsv(suffix: string): { csv: string; rows: number } {
    const [header, ...lines] = readFileSync(
      join(__dirname, '../../data/classic-books.csv'),
      'utf8',
    )
      .trim()
      .split('\n');
    const renamed = lines.map((line) =>
      line.replace(/^("(?:[^"]|"")*"|[^,]*),([^,]+),/, `$1,$2 ${suffix},`),
    );

    return { csv: [header, ...renamed].join('\n'), rows: lines.length };
  }

  it('imports the sample CSV as the submitter, linked to the run', async () => {
    const operator = await app.createUser('operator');
    const sample = sampleCsv(uniqueName('copy'));
    const submitted = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send({ type: 'catalog.import', payload: { csv: sample.csv } })
      .expect(202);

    const done = await pollUntil(
      async () => {
        const response = await app
          .http()
          .get(`/jobs/${submitted.body.id}`)
          .set(...bearer(operator.token));
        return response.body as { status: string; result: unknown };
      },
      (job) => ['completed', 'failed', 'cancelled'].includes(job.status),
    );

    expect(done.status).toBe('completed');
    const revisions = await app.query(
      `SELECT DISTINCT r.user_id, r.source
       FROM audit_revision r JOIN audit_version v ON v.revision_id = r.id
       WHERE r.job_run_id = $1 AND v.entity_type = 'books'`,
      [submitted.body.id],
    );
    expect(revisions).toEqual([{ user_id: operator.id, source: 'job' }]);
    const [books] = await app.query(
      `SELECT count(DISTINCT v.entity_id)::int AS n
       FROM audit_version v JOIN audit_revision r ON r.id = v.revision_id
       WHERE r.job_run_id = $1 AND v.entity_type = 'books'`,
      [submitted.body.id],
    );
    expect(books.n).toBe(sample.rows);
  });
});
