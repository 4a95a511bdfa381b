import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

const PROTOTYPE_REASON =
  '__proto__, constructor and prototype keys can change object prototypes';

/** Rows of the tables these tests write to, and versions of any table. */
async function countWrites(app: TestApp) {
  const [row] = await app.query(`
    SELECT (SELECT count(*) FROM books)::int AS books,
           (SELECT count(*) FROM authors)::int AS authors,
           (SELECT count(*) FROM job_runs)::int AS jobs,
           (SELECT count(*) FROM schedules)::int AS schedules,
           (SELECT count(*) FROM audit_version)::int AS versions`);

  return row as Record<string, number>;
}

describe('Request bodies', () => {
  let app: TestApp;
  let editor: TestUser;
  let author: { id: string; name: string };
  let book: { id: string; title: string };
  const scheduleIds: string[] = [];

  beforeAll(async () => {
    app = await TestApp.start(
      {},
      { WEBHOOK_ALLOWED_HOSTS: 'hooks.example.test' },
    );
    editor = await app.createUser('editor');
    const created = await app
      .http()
      .post('/authors')
      .set(...bearer(editor.token))
      .send({ name: uniqueName('author') })
      .expect(201);
    author = created.body;
    const written = await app
      .http()
      .post('/books')
      .set(...bearer(editor.token))
      .send({ title: uniqueName('book'), authorId: author.id })
      .expect(201);
    book = written.body;
  });

  afterAll(async () => {
    // A scheduler that another test file turns on must not fire them.
    await app.query('DELETE FROM schedules WHERE id = ANY($1::uuid[])', [
      scheduleIds,
    ]);
    await app.close();
  });

  /** Sends `body` as given, so keys such as `__proto__` stay in the JSON. */
  function sendRaw(
    method: 'post' | 'patch',
    path: string,
    body: string,
    contentType = 'application/json',
  ) {
    const agent = app.http();

    return agent[method](path)
      .set(...bearer(editor.token))
      .set('Content-Type', contentType)
      .send(body);
  }

  /**
   * Sends a request with exactly these headers and body through Node's HTTP
   * client, which, unlike supertest, can leave Content-Type out.
   */
  async function sendBare(
    method: string,
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<{ status: number; body: any }> {
    const server = app.app.getHttpServer() as Server;
    if (!server.listening) {
      await new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', resolve),
      );
    }
    const { port } = server.address() as AddressInfo;

    return new Promise((resolve, reject) => {
      const outgoing = httpRequest(
        {
          host: '127.0.0.1',
          port,
          method,
          path,
          headers: {
            Authorization: `Bearer ${editor.token}`,
            ...headers,
            ...(body === undefined
              ? {}
              : { 'Content-Length': String(Buffer.byteLength(body)) }),
          },
          timeout: 10_000,
        },
        (incoming) => {
          const chunks: Buffer[] = [];
          incoming.on('data', (chunk: Buffer) => chunks.push(chunk));
          incoming.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            resolve({
              status: incoming.statusCode ?? 0,
              body: text ? JSON.parse(text) : undefined,
            });
          });
        },
      );
      outgoing.on('timeout', () =>
        outgoing.destroy(new Error(`${method} ${path} timed out`)),
      );
      outgoing.on('error', reject);
      outgoing.end(body);
    });
  }

  describe('prototype keys', () => {
    const noop = (payload: string) =>
      `{"type": "system.noop", "payload": ${payload}}`;

    const cases: [
      string,
      'post' | 'patch',
      () => string,
      () => string,
      string,
    ][] = [
      [
        'a top-level __proto__ in a book',
        'post',
        () => '/books',
        () =>
          `{"title": "X", "authorId": "${author.id}", "__proto__": {"price": "1.00"}}`,
        '__proto__',
      ],
      [
        'constructor in an array item',
        'post',
        () => '/books',
        () =>
          `{"title": "X", "authorId": "${author.id}", "tags": ["a", {"constructor": "x"}]}`,
        'tags.1.constructor',
      ],
      [
        'constructor in an author update',
        'patch',
        () => `/authors/${author.id}`,
        () => '{"constructor": {"name": "changed"}}',
        'constructor',
      ],
      [
        '__proto__ in a job payload',
        'post',
        () => '/jobs',
        () => noop('{"__proto__": {"sleepMs": 1}}'),
        'payload.__proto__',
      ],
      [
        'prototype deep in a webhook body',
        'post',
        () => '/jobs',
        () =>
          '{"type": "webhook.deliver", "payload": {"url": "https://hooks.example.test/x", "body": {"data": {"prototype": {"x": 1}}}}}',
        'payload.body.data.prototype',
      ],
      [
        'constructor in the second job of a bulk',
        'post',
        () => '/jobs/bulk',
        () => `{"jobs": [${noop('{}')}, ${noop('{"constructor": {}}')}]}`,
        'jobs.1.payload.constructor',
      ],
      [
        '__proto__ in a schedule payload',
        'post',
        () => '/schedules',
        () =>
          `{"name": "${uniqueName('s')}", "type": "system.noop", "everyMs": 60000, "payload": {"__proto__": {}}}`,
        'payload.__proto__',
      ],
      [
        '__proto__ in a revert request',
        'post',
        () => `/history/books/${book.id}/revert`,
        () => '{"version": 1, "__proto__": {"version": 2}}',
        '__proto__',
      ],
    ];

    it.each(cases)('rejects %s', async (_name, method, path, body, field) => {
      const before = await countWrites(app);

      const response = await sendRaw(method, path(), body());

      expect(response.status).toBe(400);
      expect(response.body.error).toBe('Bad Request');
      expect(response.body.message).toContain(
        `${field} is not allowed: ${PROTOTYPE_REASON}`,
      );
      expect(await countWrites(app)).toEqual(before);
    });

    it('names every prototype key of a body', async () => {
      const response = await sendRaw(
        'post',
        '/jobs',
        noop('{"constructor": {"prototype": 1}, "x": {"__proto__": null}}'),
      );

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([
        `payload.constructor is not allowed: ${PROTOTYPE_REASON}`,
        `payload.constructor.prototype is not allowed: ${PROTOTYPE_REASON}`,
        `payload.x.__proto__ is not allowed: ${PROTOTYPE_REASON}`,
      ]);
    });

    it('accepts keys that only resemble them', async () => {
      const response = await sendRaw(
        'post',
        '/jobs',
        '{"type": "webhook.deliver", "delayMs": 3600000, "payload": {"url": "https://hooks.example.test/y", "body": {"constructorName": 1, "__proto": 2, "prototypes": 3, "Constructor": 4}}}',
      );

      expect(response.status).toBe(202);
      expect(response.body.payload.body).toEqual({
        constructorName: 1,
        __proto: 2,
        prototypes: 3,
        Constructor: 4,
      });
    });
  });

  describe('content types', () => {
    const unsupported: [string, 'post' | 'patch', () => string, string][] = [
      ['text/plain on POST /authors', 'post', () => '/authors', 'text/plain'],
      [
        'text/plain with a charset on PATCH /books/:id',
        'patch',
        () => `/books/${book.id}`,
        'text/plain; charset=utf-8',
      ],
      [
        'a form on PATCH /books',
        'patch',
        () => '/books',
        'application/x-www-form-urlencoded',
      ],
      ['XML on POST /jobs', 'post', () => '/jobs', 'application/xml'],
    ];

    it.each(unsupported)(
      'rejects %s with 415',
      async (_name, method, path, type) => {
        const before = await countWrites(app);
        const body = JSON.stringify({
          name: uniqueName('author'),
          title: 'Changed',
          ids: [book.id],
          type: 'system.noop',
          payload: {},
        });

        const response = await sendRaw(method, path(), body, type)
          .set('X-Request-Id', 'content-type-check')
          .expect(415);

        const mediaType = type.split(';')[0];
        expect(response.body).toEqual({
          statusCode: 415,
          error: 'Unsupported Media Type',
          message: [
            `Content-Type ${mediaType} is not supported; send the body as application/json`,
          ],
          requestId: 'content-type-check',
        });
        expect(await countWrites(app)).toEqual(before);
      },
    );

    it('rejects a body without Content-Type with 415', async () => {
      const before = await countWrites(app);

      const response = await sendBare(
        'POST',
        '/authors',
        {},
        JSON.stringify({ name: uniqueName('author') }),
      );

      expect(response.status).toBe(415);
      expect(response.body.message).toEqual([
        'Content-Type is missing; send the body as application/json',
      ]);
      expect(await countWrites(app)).toEqual(before);
    });

    it('rejects a JSON body in an unsupported charset with 415', async () => {
      const response = await sendRaw(
        'post',
        '/authors',
        JSON.stringify({ name: uniqueName('author') }),
        'application/json; charset=latin1',
      ).expect(415);

      expect(response.body.error).toBe('Unsupported Media Type');
      expect(response.body.message[0]).toContain('charset');
    });

    it('accepts application/json with a charset', async () => {
      await sendRaw(
        'post',
        '/authors',
        JSON.stringify({ name: uniqueName('author') }),
        'application/json; charset=utf-8',
      ).expect(201);
    });

    it('keeps POST routes without a body working', async () => {
      const job = await app
        .http()
        .post('/jobs')
        .set(...bearer(editor.token))
        .send({ type: 'system.noop', payload: {}, delayMs: 3_600_000 })
        .expect(202);
      const schedule = await app
        .http()
        .post('/schedules')
        .set(...bearer(editor.token))
        .send({ name: uniqueName('s'), type: 'system.noop', everyMs: 60_000 })
        .expect(201);
      scheduleIds.push(schedule.body.id);

      const cancel = await sendBare('POST', `/jobs/${job.body.id}/cancel`, {});
      const pause = await sendBare(
        'POST',
        `/schedules/${schedule.body.id}/pause`,
        { 'Content-Type': 'text/plain' },
        '',
      );
      const resume = await sendBare(
        'POST',
        `/schedules/${schedule.body.id}/resume`,
        {},
        '',
      );

      expect(cancel.status).toBe(200);
      expect(cancel.body.status).toBe('cancelled');
      expect(pause.status).toBe(200);
      expect(pause.body.enabled).toBe(false);
      expect(resume.status).toBe(200);
      expect(resume.body.enabled).toBe(true);
    });
  });
});
