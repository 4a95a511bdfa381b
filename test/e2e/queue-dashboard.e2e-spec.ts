import { Queue } from 'bullmq';
import { BULL_BOARD_QUEUES } from '../../src/queues/queue-registry.module';
import { bearer, TestApp, uniqueName } from '../support/test-app';

describe('Queue dashboard', () => {
  const queueName = uniqueName('dashboard');
  let queue: Queue;
  let app: TestApp;

  beforeAll(async () => {
    queue = new Queue(queueName, {
      connection: { url: process.env.REDIS_URL },
      prefix: process.env.REDIS_PREFIX,
    });
    await queue.add('probe', { step: 1 });
    app = await TestApp.start({}, {}, (builder) =>
      builder.overrideProvider(BULL_BOARD_QUEUES).useValue([queue]),
    );
  });

  afterAll(async () => {
    await app.close();
    await queue.obliterate({ force: true });
    await queue.close();
  });

  it('answers 401 without a token', async () => {
    const response = await app.http().get('/admin/queues').expect(401);

    expect(response.headers['www-authenticate']).toContain('Bearer');
    expect(response.headers['www-authenticate']).toContain('Basic');
    expect(response.body).toMatchObject({
      statusCode: 401,
      error: 'Unauthorized',
    });
  });

  it('answers 403 to an editor, on the page and on its API', async () => {
    const editor = await app.createUser('editor');

    const page = await app
      .http()
      .get('/admin/queues')
      .set(...bearer(editor.token))
      .expect(403);
    await app
      .http()
      .get('/admin/queues/api/queues')
      .set(...bearer(editor.token))
      .expect(403);

    expect(page.body.message[0]).toContain('admin role');
  });

  it('shows an admin the page and the queues with their jobs', async () => {
    await app
      .http()
      .get('/admin/queues')
      .set(...bearer(app.adminToken))
      .expect(200)
      .expect('Content-Type', /html/);

    const response = await app
      .http()
      .get('/admin/queues/api/queues')
      .set(...bearer(app.adminToken))
      .expect(200);

    const listed = response.body.queues.find(
      (candidate: { name: string }) => candidate.name === queueName,
    );
    expect(listed.counts.waiting).toBe(1);
  });

  it('takes the token as the password of Basic credentials', async () => {
    const editor = await app.createUser('editor');
    const basic = (token: string) =>
      `Basic ${Buffer.from(`any:${token}`).toString('base64')}`;

    await app
      .http()
      .get('/admin/queues')
      .set('Authorization', basic(app.adminToken))
      .expect(200);
    await app
      .http()
      .get('/admin/queues')
      .set('Authorization', basic(editor.token))
      .expect(403);
    await app
      .http()
      .get('/admin/queues')
      .set('Authorization', basic('not-a-token'))
      .expect(401);
  });

  it('shows a queue added to the list after start-up', async () => {
    const later = new Queue(uniqueName('dashboard-later'), {
      connection: { url: process.env.REDIS_URL },
      prefix: process.env.REDIS_PREFIX,
    });
    const queues = app.app.get<Queue[]>(BULL_BOARD_QUEUES);
    queues.push(later);

    try {
      const response = await app
        .http()
        .get('/admin/queues/api/queues')
        .set(...bearer(app.adminToken))
        .expect(200);

      const listed = response.body.queues.map(
        (candidate: { name: string }) => candidate.name,
      );
      expect(listed).toEqual(expect.arrayContaining([queueName, later.name]));
    } finally {
      queues.pop();
      await later.close();
    }
  });

  it('reports the depth of the same queues in /metrics', async () => {
    const response = await app.http().get('/metrics').expect(200);

    expect(response.text).toContain(
      `chronicle_queue_jobs{queue="${queueName}",state="waiting"} 1`,
    );
  });
});
