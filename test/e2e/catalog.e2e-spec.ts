import { randomUUID } from 'node:crypto';
import { execFile } from 'node:child_process';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { promisify } from 'node:util';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

const execFileAsync = promisify(execFile);

describe('Catalog', () => {
  let app: TestApp;
  let editor: TestUser;
  let otherEditor: TestUser;

  beforeAll(async () => {
    app = await TestApp.start({}, { BODY_LIMIT_BYTES: '16384' });
    editor = await app.createUser('editor');
    otherEditor = await app.createUser('editor');
  });

  afterAll(async () => {
    await app.close();
  });

  async function createAuthor(user = editor, name = uniqueName('author')) {
    const response = await app
      .http()
      .post('/authors')
      .set(...bearer(user.token))
      .send({ name })
      .expect(201);

    return response.body;
  }

  async function createBook(body: Record<string, unknown>) {
    const response = await app
      .http()
      .post('/books')
      .set(...bearer(editor.token))
      .send(body)
      .expect(201);

    return response.body;
  }

  /**
   * POSTs JSON with curl and returns the created id. curl sends header bytes
   * as given, while Node's HTTP clients re-encode non-ASCII header values.
   */
  async function postWithCurl(
    path: string,
    body: object,
    headers: Record<string, string>,
  ): Promise<string> {
    const server = app.app.getHttpServer() as Server;
    if (!server.listening) {
      await new Promise<void>((resolve) =>
        server.listen(0, '127.0.0.1', resolve),
      );
    }
    const { port } = server.address() as AddressInfo;
    const headerArgs = Object.entries({
      ...headers,
      Authorization: `Bearer ${editor.token}`,
      'Content-Type': 'application/json',
    }).flatMap(([name, value]) => ['-H', `${name}: ${value}`]);
    const { stdout } = await execFileAsync('curl', [
      '-s',
      '-X',
      'POST',
      ...headerArgs,
      '-d',
      JSON.stringify(body),
      `http://127.0.0.1:${port}${path}`,
    ]);

    return (JSON.parse(stdout) as { id: string }).id;
  }

  async function countRows(table: 'books' | 'authors'): Promise<number> {
    const [row] = await app.query(`SELECT count(*)::int AS n FROM ${table}`);

    return row.n;
  }

  async function countVersions(): Promise<number> {
    const [row] = await app.query(
      `SELECT count(*)::int AS n FROM audit_version
       WHERE entity_type IN ('books', 'authors')`,
    );

    return row.n;
  }

  it('creates, reads, updates and deletes a book', async () => {
    const author = await createAuthor();
    const book = await createBook({
      title: 'Emma',
      authorId: author.id,
      publishedYear: 1815,
      tags: ['novel'],
    });

    const read = await app
      .http()
      .get(`/books/${book.id}`)
      .set(...bearer(editor.token))
      .expect(200);
    expect(read.body).toMatchObject({
      title: 'Emma',
      authorId: author.id,
      publishedYear: 1815,
      tags: ['novel'],
      isbn: null,
      price: null,
    });

    const updated = await app
      .http()
      .patch(`/books/${book.id}`)
      .set(...bearer(editor.token))
      .send({ title: 'Emma: A Novel', tags: [] })
      .expect(200);
    expect(updated.body.title).toBe('Emma: A Novel');
    expect(updated.body.tags).toEqual([]);
    expect(updated.body.publishedYear).toBe(1815);

    await app
      .http()
      .delete(`/books/${book.id}`)
      .set(...bearer(editor.token))
      .expect(204);
    await app
      .http()
      .get(`/books/${book.id}`)
      .set(...bearer(editor.token))
      .expect(404);
  });

  it('fills who/when columns from the authenticated user', async () => {
    const author = await createAuthor(editor);
    expect(author.createdBy).toBe(editor.id);
    expect(author.updatedBy).toBe(editor.id);
    expect(author.createdAt).toMatch(
      /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/,
    );

    const updated = await app
      .http()
      .patch(`/authors/${author.id}`)
      .set(...bearer(otherEditor.token))
      .send({ name: uniqueName('renamed') })
      .expect(200);

    expect(updated.body.createdBy).toBe(editor.id);
    expect(updated.body.createdAt).toBe(author.createdAt);
    expect(updated.body.updatedBy).toBe(otherEditor.id);
    expect(Date.parse(updated.body.updatedAt)).toBeGreaterThanOrEqual(
      Date.parse(author.updatedAt),
    );
  });

  it('rejects who/when columns sent in the body', async () => {
    const response = await app
      .http()
      .post('/authors')
      .set(...bearer(editor.token))
      .send({ name: uniqueName('author'), createdBy: otherEditor.id })
      .expect(400);

    expect(response.body.message).toContain(
      'property createdBy should not exist',
    );
  });

  it('keeps decimal prices exact end to end', async () => {
    const author = await createAuthor();
    const book = await createBook({
      title: 'Persuasion',
      authorId: author.id,
      price: '19.90',
    });

    expect(book.price).toBe('19.90');
    const [row] = await app.query(
      `SELECT price::text AS price FROM books WHERE id = $1`,
      [book.id],
    );
    expect(row.price).toBe('19.90');
    const [version] = await app.query(
      `SELECT snapshot->'price' AS price FROM audit_version
       WHERE entity_type = 'books' AND entity_id = $1`,
      [book.id],
    );
    expect(version.price).toBe('19.90');
  });

  it('rejects a price given as a number', async () => {
    const author = await createAuthor();

    const response = await app
      .http()
      .post('/books')
      .set(...bearer(editor.token))
      .send({ title: 'Mansfield Park', authorId: author.id, price: 19.9 })
      .expect(400);

    expect(response.body.message.join()).toContain('price must be');
  });

  it('updates one field of several books in one bulk request', async () => {
    const author = await createAuthor();
    const books = await Promise.all(
      ['One', 'Two', 'Three'].map((title) =>
        createBook({ title, authorId: author.id, publishedYear: 1900 }),
      ),
    );

    const response = await app
      .http()
      .patch('/books')
      .set(...bearer(otherEditor.token))
      .send({ ids: books.map((b) => b.id), set: { publishedYear: 1901 } })
      .expect(200);

    expect(response.body.updated).toBe(3);
    for (const item of response.body.items) {
      expect(item.publishedYear).toBe(1901);
      expect(item.updatedBy).toBe(otherEditor.id);
      expect(item.createdBy).toBe(editor.id);
    }
  });

  it('filters books by author and title and paginates', async () => {
    const author = await createAuthor();
    const titles = ['Alpha tale', 'Beta tale', 'Gamma story'];
    for (const title of titles)
      await createBook({ title, authorId: author.id });

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 5; page++) {
      const response: { body: any } = await app
        .http()
        .get('/books')
        .query({ authorId: author.id, limit: 1, ...(cursor ? { cursor } : {}) })
        .set(...bearer(editor.token))
        .expect(200);
      seen.push(...response.body.items.map((b: { title: string }) => b.title));
      cursor = response.body.nextCursor;
      if (!cursor) break;
    }
    expect(seen.sort()).toEqual([...titles].sort());

    const filtered = await app
      .http()
      .get('/books')
      .query({ authorId: author.id, q: 'TALE' })
      .set(...bearer(editor.token))
      .expect(200);
    expect(filtered.body.items).toHaveLength(2);
  });

  describe('rejects bad input and writes nothing', () => {
    let author: { id: string };

    beforeAll(async () => {
      author = await createAuthor();
    });

    const cases: [string, () => Record<string, unknown>, number, string][] = [
      ['a missing title', () => ({ authorId: author.id }), 400, 'title'],
      [
        'a non-integer year',
        () => ({ title: 'X', authorId: author.id, publishedYear: 1.5 }),
        400,
        'publishedYear must be an integer',
      ],
      [
        'a bad authorId',
        () => ({ title: 'X', authorId: 'nope' }),
        400,
        'authorId must be a UUID',
      ],
      [
        'an unknown authorId',
        () => ({ title: 'X', authorId: randomUUID() }),
        400,
        'does not exist',
      ],
      [
        'an unknown field',
        () => ({ title: 'X', authorId: author.id, colour: 'red' }),
        400,
        'property colour should not exist',
      ],
      [
        'tags that are not strings',
        () => ({ title: 'X', authorId: author.id, tags: [1] }),
        400,
        'tags',
      ],
    ];

    it.each(cases)('%s', async (_name, body, status, message) => {
      const books = await countRows('books');
      const versions = await countVersions();

      const response = await app
        .http()
        .post('/books')
        .set(...bearer(editor.token))
        .send(body())
        .expect(status);

      expect(response.body.statusCode).toBe(status);
      expect(response.body.message.join('\n')).toContain(message);
      expect(await countRows('books')).toBe(books);
      expect(await countVersions()).toBe(versions);
    });

    it('a NUL character with 400', async () => {
      const authors = await countRows('authors');

      const response = await app
        .http()
        .post('/authors')
        .set(...bearer(editor.token))
        .send({ name: 'nul\u0000name' })
        .expect(400);

      expect(response.body.message).toEqual([
        'name must not contain NUL characters',
      ]);
      expect(await countRows('authors')).toBe(authors);
    });

    it('a body nested too deeply with 400', async () => {
      const books = await countRows('books');
      let tags: unknown = ['deep'];
      for (let depth = 0; depth < 3000; depth++) tags = [tags];

      const response = await app
        .http()
        .post('/books')
        .set(...bearer(editor.token))
        .set('Content-Type', 'application/json')
        .send(JSON.stringify({ title: 'Deep', authorId: author.id, tags }))
        .expect(400);

      expect(response.body.statusCode).toBe(400);
      expect(await countRows('books')).toBe(books);
    });

    it('a body over the limit with 413', async () => {
      const books = await countRows('books');

      const response = await app
        .http()
        .post('/books')
        .set(...bearer(editor.token))
        .send({ title: 'x'.repeat(20000), authorId: author.id })
        .expect(413);

      expect(response.body.statusCode).toBe(413);
      expect(response.headers['x-request-id']).toBeDefined();
      expect(await countRows('books')).toBe(books);
    });

    it('an unknown book id with 404', async () => {
      const versions = await countVersions();

      await app
        .http()
        .patch(`/books/${randomUUID()}`)
        .set(...bearer(editor.token))
        .send({ title: 'Y' })
        .expect(404);

      expect(await countVersions()).toBe(versions);
    });

    it('a bulk update with one unknown id with 404', async () => {
      const book = await createBook({ title: 'Kept', authorId: author.id });
      const versions = await countVersions();

      const response = await app
        .http()
        .patch('/books')
        .set(...bearer(editor.token))
        .send({ ids: [book.id, randomUUID()], set: { title: 'Changed' } })
        .expect(404);

      expect(response.body.message[0]).toContain('Books not found');
      expect(await countVersions()).toBe(versions);
      const [row] = await app.query('SELECT title FROM books WHERE id = $1', [
        book.id,
      ]);
      expect(row.title).toBe('Kept');
    });

    it('a duplicate author name with 409', async () => {
      const name = uniqueName('dup');
      await createAuthor(editor, name);
      const authors = await countRows('authors');

      await app
        .http()
        .post('/authors')
        .set(...bearer(editor.token))
        .send({ name })
        .expect(409);

      expect(await countRows('authors')).toBe(authors);
    });

    it('an author with books with 409 on delete', async () => {
      const owner = await createAuthor();
      await createBook({ title: 'Owned', authorId: owner.id });

      const response = await app
        .http()
        .delete(`/authors/${owner.id}`)
        .set(...bearer(editor.token))
        .expect(409);

      expect(response.body.message[0]).toContain('has 1 book(s)');
    });

    it('an invalid cursor with 400', async () => {
      const response = await app
        .http()
        .get('/books')
        .query({ cursor: 'garbage' })
        .set(...bearer(editor.token))
        .expect(400);

      expect(response.body.message[0]).toContain('cursor is invalid');
    });

    it('a limit above the maximum with 400', async () => {
      await app
        .http()
        .get('/books')
        .query({ limit: 501 })
        .set(...bearer(editor.token))
        .expect(400);
    });
  });

  it('stores a UTF-8 X-Audit-Comment as sent', async () => {
    const comment = 'première édition 📚';

    const id = await postWithCurl(
      '/authors',
      { name: uniqueName('accented') },
      {
        'X-Audit-Comment': comment,
      },
    );

    const [revision] = await app.query(
      `SELECT r.comment FROM audit_revision r
       JOIN audit_version v ON v.revision_id = r.id
       WHERE v.entity_type = 'authors' AND v.entity_id = $1`,
      [id],
    );
    expect(revision.comment).toBe(comment);
  });

  it('creates no version for an update that changes nothing', async () => {
    const author = await createAuthor();
    const book = await createBook({ title: 'Same', authorId: author.id });
    const before = await app.query(
      `SELECT count(*)::int AS n FROM audit_version WHERE entity_id = $1`,
      [book.id],
    );

    const response = await app
      .http()
      .patch(`/books/${book.id}`)
      .set(...bearer(otherEditor.token))
      .send({ title: 'Same' })
      .expect(200);

    const after = await app.query(
      `SELECT count(*)::int AS n FROM audit_version WHERE entity_id = $1`,
      [book.id],
    );
    expect(after[0].n).toBe(before[0].n);
    expect(response.body.updatedBy).toBe(editor.id);
    expect(response.body.updatedAt).toBe(book.updatedAt);
  });
});
