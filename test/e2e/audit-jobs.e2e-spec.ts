jest.setTimeout(60_000);

import { JobTypeRegistry } from '../../src/jobs/job-type.registry';
import { pollUntil } from '../support/poll';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

const ALL_TYPES = [
  'audit.export',
  'audit.prune',
  'audit.seal',
  'catalog.import',
  'system.noop',
  'webhook.deliver',
];

interface JobBody {
  id: string;
  status: string;
  result: Record<string, unknown> | null;
}

describe('audit.seal and audit.prune jobs', () => {
  let app: TestApp;
  let admin: TestUser;

  beforeAll(async () => {
    app = await TestApp.start({ api: true, worker: true });
    admin = await app.createUser('admin');
  });

  afterAll(async () => {
    await app.close();
  });

  async function run(type: string, payload: object): Promise<JobBody> {
    const submitted = await app
      .http()
      .post('/jobs')
      .set(...bearer(admin.token))
      .send({ type, payload })
      .expect(202);

    return pollUntil(
      async () =>
        (
          await app
            .http()
            .get(`/jobs/${submitted.body.id}`)
            .set(...bearer(admin.token))
            .expect(200)
        ).body as JobBody,
      (job) => ['completed', 'failed'].includes(job.status),
    );
  }

  it('lists both types in GET /job-types', async () => {
    const response = await app
      .http()
      .get('/job-types')
      .set(...bearer(admin.token))
      .expect(200);

    const names = (response.body.items as { name: string }[]).map(
      (item) => item.name,
    );
    expect(names).toEqual(
      expect.arrayContaining(['audit.seal', 'audit.prune']),
    );
  });

  it('seals committed revisions as a job', async () => {
    const job = await run('audit.seal', { settleMs: 0 });

    expect(job.status).toBe('completed');
    expect(job.result).toEqual(
      expect.objectContaining({
        sealed: expect.any(Number),
        lastSeq: expect.any(Number),
      }),
    );
    expect(job.result?.lastSeq).toBeGreaterThan(0);
  });

  it('prunes by the payload rule as a job, recording the removal', async () => {
    const editor = await app.createUser('editor');
    const created = await app
      .http()
      .post('/authors')
      .set(...bearer(editor.token))
      .send({ name: uniqueName('pruned') })
      .expect(201);
    for (const name of [uniqueName('renamed'), uniqueName('renamed')]) {
      await app
        .http()
        .patch(`/authors/${created.body.id}`)
        .set(...bearer(editor.token))
        .send({ name })
        .expect(200);
    }

    const job = await run('audit.prune', { keepLast: 1, type: 'authors' });

    expect(job.status).toBe('completed');
    expect(job.result?.pruned).toEqual(expect.any(Number));
    const versions = await app.query(
      `SELECT version FROM audit_version
       WHERE entity_type = 'authors' AND entity_id = $1`,
      [created.body.id],
    );
    expect(versions).toEqual([{ version: 3 }]);
    const [revision] = await app.query(
      'SELECT job_run_id FROM audit_revision WHERE id = $1',
      [job.result?.revisionId],
    );
    expect(revision).toEqual({ job_run_id: job.id });
  });

  it('rejects an audit.prune payload without a rule', async () => {
    const response = await app
      .http()
      .post('/jobs')
      .set(...bearer(admin.token))
      .send({ type: 'audit.prune', payload: { type: 'authors' } })
      .expect(400);

    expect(response.body.message.join(' ')).toContain('keepLast');
  });
});

describe('A worker-only process', () => {
  it('registers every job type without serving HTTP', async () => {
    const app = await TestApp.start({ api: false, worker: true });
    try {
      expect(app.app.get(JobTypeRegistry).names()).toEqual(ALL_TYPES);
      await app.http().get('/health').expect(404);
    } finally {
      await app.close();
    }
  });
});
