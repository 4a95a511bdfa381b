import { pollUntil } from '../support/poll';
import { bearer, TestApp, TestUser } from '../support/test-app';

interface LogLine {
  message: string;
  jobId?: string;
  jobType?: string;
  queue?: string;
  attempt?: number;
}

describe('Job framework observability', () => {
  let app: TestApp;
  let operator: TestUser;
  let written: string[] = [];
  let stdout: jest.SpyInstance | undefined;

  beforeAll(async () => {
    app = await TestApp.start(
      { api: true, worker: true },
      { LOG_JSON: 'true', LOG_LEVEL: 'log', JOB_QUEUES: 'default' },
    );
    operator = await app.createUser('operator');
  });

  afterEach(() => {
    stdout?.mockRestore();
  });

  afterAll(async () => {
    await app.close();
  });

  async function runNoopJob(): Promise<string> {
    const submitted = await app
      .http()
      .post('/jobs')
      .set(...bearer(operator.token))
      .send({ type: 'system.noop', payload: { sleepMs: 5 } })
      .expect(202);
    const id = submitted.body.id as string;
    await pollUntil(
      async () =>
        (
          await app
            .http()
            .get(`/jobs/${id}`)
            .set(...bearer(operator.token))
        ).body.status as string,
      (status) => status === 'completed',
    );

    return id;
  }

  it('counts a finished job in /metrics', async () => {
    await runNoopJob();

    const response = await app.http().get('/metrics').expect(200);

    const line = response.text.match(
      /^chronicle_jobs_total\{type="system\.noop",outcome="completed"\} (\d+)$/m,
    );
    expect(Number(line?.[1])).toBeGreaterThanOrEqual(1);
    expect(response.text).toContain(
      'chronicle_job_duration_seconds_count{type="system.noop",outcome="completed"}',
    );
    expect(response.text).toMatch(
      /^chronicle_queue_jobs\{queue="default",state="completed"\} \d+$/m,
    );
  });

  it('shows the job queues on the dashboard', async () => {
    const response = await app
      .http()
      .get('/admin/queues/api/queues')
      .set(...bearer(app.adminToken))
      .expect(200);

    const names = response.body.queues.map(
      (queue: { name: string }) => queue.name,
    );
    expect(names).toContain('default');
  });

  it('adds the job fields to the worker log lines', async () => {
    written = [];
    stdout = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        written.push(chunk.toString());
        return true;
      });

    const id = await runNoopJob();
    stdout.mockRestore();

    const lines = written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
    const started = lines.find(
      (line) => line.jobId === id && line.message.startsWith('Started job'),
    );
    expect(started).toMatchObject({
      jobType: 'system.noop',
      queue: 'default',
      attempt: 1,
    });
  });
});
