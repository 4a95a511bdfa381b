import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

const NUL = 'must not contain NUL characters';
const SURROGATE = 'must not contain unpaired UTF-16 surrogates';
const MAX_INT = 2_147_483_647;

/** Rows of the tables these tests write to, and versions of any table. */
async function countWrites(app: TestApp) {
  const [row] = await app.query(`
    SELECT (SELECT count(*) FROM books)::int AS books,
           (SELECT count(*) FROM authors)::int AS authors,
           (SELECT count(*) FROM job_runs)::int AS jobs,
           (SELECT count(*) FROM audit_version)::int AS versions`);

  return row as Record<string, number>;
}

describe('Input validation', () => {
  let app: TestApp;
  let editor: TestUser;
  let author: { id: string; name: string };
  let book: { id: string; title: string };

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
    await app.close();
  });

  /** Sends `body` as given, so escapes such as `\u0000` reach the parser. */
  function sendRaw(method: 'post' | 'patch', path: string, body: string) {
    const agent = app.http();

    return agent[method](path)
      .set(...bearer(editor.token))
      .set('Content-Type', 'application/json')
      .send(body);
  }

  describe('text in bodies', () => {
    const cases: [
      string,
      'post' | 'patch',
      () => string,
      () => string,
      string,
    ][] = [
      [
        'NUL in a book title',
        'post',
        () => '/books',
        () => `{"title": "a\\u0000b", "authorId": "${author.id}"}`,
        `title ${NUL}`,
      ],
      [
        'NUL in a tag',
        'post',
        () => '/books',
        () =>
          `{"title": "T", "authorId": "${author.id}", "tags": ["ok", "x\\u0000"]}`,
        `tags.1 ${NUL}`,
      ],
      [
        'NUL in an author update',
        'patch',
        () => `/authors/${author.id}`,
        () => '{"name": "\\u0000"}',
        `name ${NUL}`,
      ],
      [
        'NUL deep in a webhook body',
        'post',
        () => '/jobs',
        () =>
          '{"type": "webhook.deliver", "payload": {"url": "https://hooks.example.test/x", "body": {"data": [{"note": "\\u0000"}]}}}',
        `payload.body.data.0.note ${NUL}`,
      ],
      [
        'NUL in a key',
        'post',
        () => '/jobs',
        () =>
          '{"type": "webhook.deliver", "payload": {"url": "https://hooks.example.test/x", "body": {"a\\u0000b": 1}}}',
        `key payload.body.a\\u0000b ${NUL}`,
      ],
      [
        'an unpaired high surrogate in a title',
        'post',
        () => '/books',
        () => `{"title": "a\\ud800b", "authorId": "${author.id}"}`,
        `title ${SURROGATE}`,
      ],
      [
        'an unpaired low surrogate in a book update',
        'patch',
        () => `/books/${book.id}`,
        () => '{"originalTitle": "\\udc00"}',
        `originalTitle ${SURROGATE}`,
      ],
      [
        'an unpaired surrogate in a job payload',
        'post',
        () => '/jobs',
        () =>
          '{"type": "webhook.deliver", "payload": {"url": "https://hooks.example.test/x", "body": {"s": "\\ud83d"}}}',
        `payload.body.s ${SURROGATE}`,
      ],
      [
        'an unpaired surrogate in a key',
        'post',
        () => '/jobs',
        () =>
          '{"type": "webhook.deliver", "payload": {"url": "https://hooks.example.test/x", "body": {"\\udfff": 1}}}',
        `key payload.body.\\udfff ${SURROGATE}`,
      ],
    ];

    it.each(cases)('rejects %s', async (_name, method, path, body, message) => {
      const before = await countWrites(app);

      const response = await sendRaw(method, path(), body());

      expect(response.status).toBe(400);
      expect(response.body.error).toBe('Bad Request');
      expect(response.body.message).toEqual([message]);
      expect(await countWrites(app)).toEqual(before);
    });

    it('names every bad string of a body', async () => {
      const response = await sendRaw(
        'post',
        '/books',
        `{"title": "\\u0000", "authorId": "${author.id}", "originalTitle": "\\ud800", "tags": ["\\u0000"]}`,
      );

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([
        `title ${NUL}`,
        `originalTitle ${SURROGATE}`,
        `tags.0 ${NUL}`,
      ]);
    });

    it('stores paired surrogates unchanged', async () => {
      const title = `${uniqueName('book')} \u{1F4DA}`;

      const response = await sendRaw(
        'post',
        '/books',
        `{"title": "${title.replace('\u{1F4DA}', '\\ud83d\\udcda')}", "authorId": "${author.id}"}`,
      );

      expect(response.status).toBe(201);
      expect(response.body.title).toBe(title);
      const [row] = await app.query('SELECT title FROM books WHERE id = $1', [
        response.body.id,
      ]);
      expect(row.title).toBe(title);
    });
  });

  describe('text in query strings', () => {
    const cases: [string, string, string][] = [
      ['NUL in the book search', '/books?q=%00', `q ${NUL}`],
      ['NUL inside a longer value', '/authors?q=ab%00cd', `q ${NUL}`],
      ['NUL in a job type filter', '/jobs?type=sys%00', `type ${NUL}`],
      [
        'NUL in a history cursor',
        `/history/books/${'00000000-0000-4000-8000-000000000000'}?cursor=%00`,
        `cursor ${NUL}`,
      ],
      ['NUL in a parameter name', '/books?q%00=1', `key q\\u0000 ${NUL}`],
    ];

    it.each(cases)('rejects %s', async (_name, path, message) => {
      const response = await app
        .http()
        .get(path)
        .set(...bearer(app.adminToken));

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([message]);
    });
  });

  describe('path parameters', () => {
    const uuidCases: [string, 'get' | 'patch' | 'delete' | 'post', string][] = [
      ['GET /books/nope', 'get', '/books/nope'],
      ['PATCH /books/nope', 'patch', '/books/nope'],
      ['DELETE /authors/nope', 'delete', '/authors/nope'],
      ['GET /jobs/abc', 'get', '/jobs/abc'],
      ['POST /jobs/abc/cancel', 'post', '/jobs/abc/cancel'],
      ['GET /jobs/abc/logs', 'get', '/jobs/abc/logs'],
      ['GET /users/abc', 'get', '/users/abc'],
      ['GET /users/abc/tokens', 'get', '/users/abc/tokens'],
      ['GET /schedules/nope', 'get', '/schedules/nope'],
      ['POST /schedules/nope/pause', 'post', '/schedules/nope/pause'],
      ['GET /schedules/nope/slots', 'get', '/schedules/nope/slots'],
    ];

    it.each(uuidCases)('names the UUID in %s', async (_name, method, path) => {
      const before = await countWrites(app);
      const segment = path.split('/')[2];

      const agent = app.http();
      const response = await agent[method](path)
        .set(...bearer(app.adminToken))
        .send(method === 'patch' ? { title: 'x' } : undefined);

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([
        `id must be a UUID; got "${segment}"`,
      ]);
      expect(await countWrites(app)).toEqual(before);
    });

    const integerCases: [string, string, string, string][] = [
      ['a word as a revision id', '/revisions/abc', 'id', 'abc'],
      [
        'a revision id past 2^31 - 1',
        '/revisions/99999999999999999999',
        'id',
        '99999999999999999999',
      ],
      ['a negative revision id', '/revisions/-1', 'id', '-1'],
      ['a decimal revision id', '/revisions/1.5', 'id', '1.5'],
      ['an exponent revision id', '/revisions/1e3', 'id', '1e3'],
      [
        'a word as a version',
        `/history/books/00000000-0000-4000-8000-000000000000/versions/abc`,
        'version',
        'abc',
      ],
    ];

    it.each(integerCases)(
      'echoes %s',
      async (_name, path, parameter, input) => {
        const response = await app
          .http()
          .get(path)
          .set(...bearer(app.adminToken));

        expect(response.status).toBe(400);
        expect(response.body.message).toEqual([
          `${parameter} must be an integer from 1 to ${MAX_INT}; got "${input}"`,
        ]);
      },
    );
  });

  describe('messages', () => {
    const priceCases: [string, unknown, string][] = [
      ['a negative price', '-5', 'price must not be negative; got "-5"'],
      [
        'three decimals',
        '1.234',
        'price must have at most 2 decimals, such as "19.90"; got "1.234"',
      ],
      [
        'eleven digits',
        '12345678901',
        'price must have at most 10 digits before the decimal point; got "12345678901"',
      ],
      [
        'a word',
        'cheap',
        'price must be a decimal string of digits with an optional decimal point, such as "19.90"; got "cheap"',
      ],
      ['a number', 5, 'price must be a decimal string such as "19.90"'],
    ];

    it.each(priceCases)('rejects %s as a price', async (_name, price, text) => {
      const before = await countWrites(app);

      const response = await app
        .http()
        .post('/books')
        .set(...bearer(editor.token))
        .send({ title: uniqueName('book'), authorId: author.id, price });

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([text]);
      expect(await countWrites(app)).toEqual(before);
    });

    it('rejects a bad price in an import row once', async () => {
      const response = await app
        .http()
        .post('/jobs')
        .set(...bearer(editor.token))
        .send({
          type: 'catalog.import',
          payload: { books: [{ title: 'T', author: 'A', price: '-5' }] },
        });

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([
        'payload.books.0.price must not be negative; got "-5"',
      ]);
    });

    it('states an invalid as-of instant once', async () => {
      const response = await app
        .http()
        .get(`/history/books/${book.id}/as-of?at=now`)
        .set(...bearer(editor.token));

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([
        'at must be an ISO 8601 instant with an offset, such as 2026-01-05T10:00:00.000Z',
      ]);
    });

    it('requires one import source in one message', async () => {
      const before = await countWrites(app);

      const response = await app
        .http()
        .post('/jobs')
        .set(...bearer(editor.token))
        .send({ type: 'catalog.import', payload: {} });

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([
        'payload must contain exactly one of books, csv or file; it contains none',
      ]);
      expect(await countWrites(app)).toEqual(before);
    });

    it('names a file check by its bulk path', async () => {
      const before = await countWrites(app);

      const response = await app
        .http()
        .post('/jobs/bulk')
        .set(...bearer(editor.token))
        .send({
          jobs: [
            { type: 'system.noop', payload: {} },
            { type: 'catalog.import', payload: { file: 'missing.csv' } },
          ],
        });

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([
        'jobs.1.payload.file "missing.csv" does not exist in the import folder',
      ]);
      expect(await countWrites(app)).toEqual(before);
    });

    it.each([
      ['/jobs', (payload: object) => ({ type: 'audit.prune', payload }), ''],
      [
        '/jobs/bulk',
        (payload: object) => ({ jobs: [{ type: 'audit.prune', payload }] }),
        'jobs.0.',
      ],
    ])(
      'names the audit.prune payload once on %s',
      async (path, request, prefix) => {
        const response = await app
          .http()
          .post(path)
          .set(...bearer(app.adminToken))
          .send(request({ type: 'authors' }));

        expect(response.status).toBe(400);
        expect(response.body.message).toEqual([
          `${prefix}payload needs keepLast, olderThanDays or both`,
        ]);
      },
    );

    it('names both import sources once', async () => {
      const response = await app
        .http()
        .post('/jobs')
        .set(...bearer(editor.token))
        .send({
          type: 'catalog.import',
          payload: { csv: 'title,author\nT,A', file: 'books.csv' },
        });

      expect(response.status).toBe(400);
      expect(response.body.message).toEqual([
        'payload must contain exactly one of books, csv or file; it contains csv and file',
      ]);
    });
  });
});
