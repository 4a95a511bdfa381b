import { randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { AuditedTransactionService } from '../../src/audit/audited-transaction.service';
import { CatalogFixtures, domainFields } from '../support/catalog-fixtures';
import { bearer, TestApp, TestUser } from '../support/test-app';

describe('History', () => {
  let app: TestApp;
  let editor: TestUser;
  let otherEditor: TestUser;
  let viewer: TestUser;
  let fixtures: CatalogFixtures;

  beforeAll(async () => {
    app = await TestApp.start();
    editor = await app.createUser('editor');
    otherEditor = await app.createUser('editor');
    viewer = await app.createUser('viewer');
    fixtures = new CatalogFixtures(app, editor);
  });

  afterAll(async () => {
    await app.close();
  });

  function get(path: string, query: Record<string, unknown> = {}) {
    return app
      .http()
      .get(path)
      .query(query)
      .set(...bearer(viewer.token));
  }

  async function countVersions(id: string): Promise<number> {
    const [row] = await app.query(
      'SELECT count(*)::int AS n FROM audit_version WHERE entity_id = $1',
      [id],
    );

    return row.n;
  }

  it('lists versions newest first with their revision', async () => {
    const book = await fixtures.createBook({ price: '19.90' });
    await fixtures.updateBook(book.id, { price: '21.00' }, otherEditor);

    const response = await get(`/history/books/${book.id}`).expect(200);

    expect(response.body.nextCursor).toBeNull();
    expect(response.body.items.map((v: any) => v.version)).toEqual([2, 1]);
    const [update, create] = response.body.items;
    expect(create.action).toBe('create');
    expect(update.action).toBe('update');
    expect(update.user).toEqual({ id: otherEditor.id, name: otherEditor.name });
    expect(update.source).toBe('http');
    expect(update.at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    expect(update.changes.price).toEqual({ from: '19.90', to: '21.00' });
    expect(update.label).toBe(book.title);
    expect(typeof update.revisionId).toBe('number');
    expect(update.requestId).toEqual(expect.any(String));
  });

  it('finds a history by an upper-case UUID', async () => {
    const book = await fixtures.createBook({ price: '19.90' });
    const upper = book.id.toUpperCase();

    const versions = await get(`/history/books/${upper}`).expect(200);
    const version = await get(`/history/books/${upper}/versions/1`).expect(200);

    expect(versions.body.items.map((v: any) => v.version)).toEqual([1]);
    expect(version.body.snapshot.id).toBe(book.id);
  });

  it('attributes fifty concurrent pairs to their own users', async () => {
    const first = await fixtures.createBook();
    const second = await fixtures.createBook();
    const requests: Promise<unknown>[] = [];
    for (let pair = 0; pair < 50; pair += 1) {
      const [mine, theirs] = pair % 2 === 0 ? [first, second] : [second, first];
      requests.push(
        fixtures.updateBook(mine.id, { title: `A-${pair}` }, editor),
        fixtures.updateBook(theirs.id, { title: `B-${pair}` }, otherEditor),
      );
    }
    await Promise.all(requests);

    const versions = [
      ...(await fixtures.allVersions('books', first.id)),
      ...(await fixtures.allVersions('books', second.id)),
    ].filter((version) => version.action === 'update');

    expect(versions).toHaveLength(100);
    for (const version of versions) {
      const title: string = version.changes.title.to;
      const expected = title.startsWith('A-') ? editor : otherEditor;
      expect(version.user.id).toBe(expected.id);
    }
    const requestIds = new Set(versions.map((version) => version.requestId));
    expect(requestIds.size).toBe(100);
  }, 60_000);

  it('numbers thirty concurrent updates 1 to 31', async () => {
    const book = await fixtures.createBook();

    await Promise.all(
      Array.from({ length: 30 }, (_, index) =>
        fixtures.updateBook(book.id, { title: `Title ${index}` }),
      ),
    );

    const versions = await fixtures.allVersions('books', book.id, 7);
    expect(versions.map((version) => version.version)).toEqual(
      Array.from({ length: 31 }, (_, index) => 31 - index),
    );
  }, 60_000);

  it('keeps only versions outside a rolled-back savepoint', async () => {
    const books = [
      await fixtures.createBook({ price: '1.00' }),
      await fixtures.createBook({ price: '1.00' }),
      await fixtures.createBook({ price: '1.00' }),
    ];
    const client = await app.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`UPDATE books SET price = 2 WHERE id = $1`, [
        books[0].id,
      ]);
      await client.query('SAVEPOINT batch_row');
      await expect(
        client.query(`UPDATE books SET price = -1 WHERE id = $1`, [
          books[1].id,
        ]),
      ).rejects.toThrow(/books_price_check/);
      await client.query('ROLLBACK TO SAVEPOINT batch_row');
      await client.query(`UPDATE books SET price = 3 WHERE id = $1`, [
        books[2].id,
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }

    expect(await countVersions(books[0].id)).toBe(2);
    expect(await countVersions(books[1].id)).toBe(1);
    expect(await countVersions(books[2].id)).toBe(2);
    const [latest] = await fixtures.allVersions('books', books[2].id);
    expect(latest.changes.price).toEqual({ from: '1.00', to: '3.00' });
  });

  it('leaves no version for a bulk update that fails', async () => {
    const book = await fixtures.createBook();

    await app
      .http()
      .patch('/books')
      .set(...bearer(editor.token))
      .send({ ids: [book.id, randomUUID()], set: { title: 'Never' } })
      .expect(404);

    expect(await countVersions(book.id)).toBe(1);
  });

  it('leaves no version after failed work', async () => {
    const book = await fixtures.createBook();
    const transactions = app.app.get(AuditedTransactionService);

    await expect(
      transactions.run(async (manager) => {
        await manager.query(`UPDATE books SET title = 'Gone' WHERE id = $1`, [
          book.id,
        ]);
        throw new Error('failure after the write');
      }),
    ).rejects.toThrow('failure after the write');

    expect(await countVersions(book.id)).toBe(1);
    const [row] = await app.query('SELECT title FROM books WHERE id = $1', [
      book.id,
    ]);
    expect(row.title).toBe(book.title);
  });

  it('versions each book of a bulk update', async () => {
    const books = [
      await fixtures.createBook({ price: '5.00', isbn: randomIsbn() }),
      await fixtures.createBook({ price: '6.00', isbn: randomIsbn() }),
      await fixtures.createBook({ price: '7.00', isbn: randomIsbn() }),
    ];

    await app
      .http()
      .patch('/books')
      .set(...bearer(editor.token))
      .send({ ids: books.map((book) => book.id), set: { price: '9.99' } })
      .expect(200);

    const revisions = new Set<number>();
    for (const book of books) {
      const versions = await fixtures.allVersions('books', book.id);
      expect(versions).toHaveLength(2);
      expect(domainFields(versions[0].changes)).toEqual(['price']);
      expect(versions[0].changes.price.to).toBe('9.99');
      revisions.add(versions[0].revisionId);

      const detail = await get(`/history/books/${book.id}/versions/2`).expect(
        200,
      );
      expect(detail.body.snapshot.title).toBe(book.title);
      expect(detail.body.snapshot.isbn).toBe(book.isbn);
    }
    expect(revisions.size).toBe(1);
  });

  it('creates no version for an update that changes nothing', async () => {
    const book = await fixtures.createBook();

    await fixtures.updateBook(book.id, { title: book.title });
    await app.query('UPDATE books SET title = title WHERE id = $1', [book.id]);

    expect(await countVersions(book.id)).toBe(1);
  });

  it('versions raw SQL with source db', async () => {
    const book = await fixtures.createBook();
    const client = new Client({
      connectionString: process.env.DATABASE_URL,
      application_name: 'history-e2e-psql',
    });
    await client.connect();
    let role: string;
    try {
      await client.query(`UPDATE books SET title = 'Raw' WHERE id = $1`, [
        book.id,
      ]);
      [{ role }] = (await client.query('SELECT current_user AS role')).rows;
    } finally {
      await client.end();
    }

    const [latest] = await fixtures.allVersions('books', book.id);
    expect(latest.source).toBe('db');
    expect(latest.user).toBeNull();
    expect(latest.changes.title).toEqual({ from: book.title, to: 'Raw' });
    const revision = await get(`/revisions/${latest.revisionId}`).expect(200);
    expect(revision.body.dbRole).toBe(role);
    expect(revision.body.applicationName).toBe('history-e2e-psql');
    expect(revision.body.source).toBe('db');
  });

  it('pages versions that share a timestamp exactly once', async () => {
    const book = await fixtures.createBook();
    const client = await app.pool.connect();
    try {
      await client.query('BEGIN');
      for (let step = 0; step < 9; step += 1) {
        await client.query('UPDATE books SET title = $1 WHERE id = $2', [
          `Step ${step}`,
          book.id,
        ]);
      }
      await client.query('COMMIT');
    } finally {
      client.release();
    }

    const versions = await fixtures.allVersions('books', book.id, 2);
    const numbers = versions.map((version) => version.version);
    expect(numbers).toEqual([10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
    const shared = new Set(versions.slice(0, 9).map((version) => version.at));
    expect(shared.size).toBe(1);

    const before = await get(`/history/books/${book.id}`, {
      beforeVersion: 6,
      limit: 3,
    }).expect(200);
    expect(before.body.items.map((v: any) => v.version)).toEqual([5, 4, 3]);
    const next = await get(`/history/books/${book.id}`, {
      cursor: before.body.nextCursor,
      limit: 3,
    }).expect(200);
    expect(next.body.items.map((v: any) => v.version)).toEqual([2, 1]);
    expect(next.body.nextCursor).toBeNull();
  });

  it('returns as-of snapshots between versions', async () => {
    const book = await fixtures.createBook({ title: 'First' });
    await pause(5);
    await fixtures.updateBook(book.id, { title: 'Second' });
    await pause(5);
    await app
      .http()
      .delete(`/books/${book.id}`)
      .set(...bearer(editor.token))
      .expect(204);
    const [deleted, second, first] = await fixtures.allVersions(
      'books',
      book.id,
    );
    const at = (version: any, offsetMs: number) =>
      new Date(Date.parse(version.at) + offsetMs).toISOString();

    const tooEarly = await get(`/history/books/${book.id}/as-of`, {
      at: at(first, -1),
    }).expect(404);
    expect(tooEarly.body.message[0]).toContain('did not exist yet');
    const atFirst = await get(`/history/books/${book.id}/as-of`, {
      at: first.at,
    }).expect(200);
    expect(atFirst.body.snapshot.title).toBe('First');
    expect(atFirst.body.version).toBe(1);
    const betweenFirstAndSecond = await get(`/history/books/${book.id}/as-of`, {
      at: at(second, -1),
    }).expect(200);
    expect(betweenFirstAndSecond.body.snapshot.title).toBe('First');
    const betweenSecondAndDelete = await get(
      `/history/books/${book.id}/as-of`,
      { at: at(deleted, -1) },
    ).expect(200);
    expect(betweenSecondAndDelete.body.snapshot.title).toBe('Second');
    expect(betweenSecondAndDelete.body.version).toBe(2);
    const afterDelete = await get(`/history/books/${book.id}/as-of`, {
      at: deleted.at,
    }).expect(404);
    expect(afterDelete.body.message[0]).toContain('was deleted');
  });

  it('diffs non-adjacent versions from their snapshots', async () => {
    const book = await fixtures.createBook({ title: 'One', price: '1.00' });
    await fixtures.updateBook(book.id, { title: 'Two', publishedYear: 1999 });
    await fixtures.updateBook(book.id, { title: 'One', price: '3.00' });

    const response = await get(`/history/books/${book.id}/diff`, {
      from: 1,
      to: 3,
    }).expect(200);

    expect(response.body.from).toBe(1);
    expect(response.body.to).toBe(3);
    expect(domainFields(response.body.changes)).toEqual([
      'price',
      'publishedYear',
    ]);
    expect(response.body.changes.price).toEqual({ from: '1.00', to: '3.00' });
    expect(response.body.changes.publishedYear).toEqual({
      from: null,
      to: 1999,
    });
    const backwards = await get(`/history/books/${book.id}/diff`, {
      from: 3,
      to: 1,
    }).expect(200);
    expect(backwards.body.changes.price).toEqual({ from: '3.00', to: '1.00' });
  });

  it('lists deleted objects with their last snapshot', async () => {
    const kept = await fixtures.createBook();
    const gone = await fixtures.createBook({ title: 'Deleted Book' });
    await app
      .http()
      .delete(`/books/${gone.id}`)
      .set(...bearer(editor.token))
      .expect(204);

    const deleted = await collectDeleted();

    const entry = deleted.find((item) => item.id === gone.id);
    expect(entry).toBeDefined();
    expect(entry.snapshot.title).toBe('Deleted Book');
    expect(entry.deletedBy).toEqual({ id: editor.id, name: editor.name });
    expect(deleted.some((item) => item.id === kept.id)).toBe(false);
    const ids = deleted.map((item) => item.id);
    expect(new Set(ids).size).toBe(ids.length);
  });

  async function collectDeleted() {
    const items: any[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page += 1) {
      const response: { body: any } = await get(
        '/history/books/deleted',
        cursor ? { limit: 2, cursor } : { limit: 2 },
      ).expect(200);
      items.push(...response.body.items);
      cursor = response.body.nextCursor;
      if (!cursor) break;
    }

    return items;
  }

  it('filters revisions', async () => {
    const writer = await app.createUser('editor');
    const since = new Date().toISOString();
    const book = await fixtures.createBook();
    await fixtures.updateBook(book.id, { title: 'By writer' }, writer);

    const byUser = await get('/revisions', {
      userId: writer.id,
      type: 'books',
      source: 'http',
      from: since,
    }).expect(200);

    const mine = byUser.body.items.filter((revision: any) =>
      revision.versions.some((version: any) => version.id === book.id),
    );
    expect(mine).toHaveLength(1);
    expect(mine[0].user.id).toBe(writer.id);
    expect(mine[0].versions[0]).toMatchObject({
      type: 'books',
      id: book.id,
      version: 2,
      action: 'update',
    });
    const before = await get('/revisions', {
      userId: writer.id,
      to: since,
    }).expect(200);
    expect(before.body.items).toHaveLength(0);
  });

  it('pages revisions newest first', async () => {
    const book = await fixtures.createBook();
    for (let step = 0; step < 4; step += 1) {
      await fixtures.updateBook(book.id, { title: `Paged ${step}` });
    }

    const first = await get('/revisions', {
      userId: editor.id,
      limit: 2,
    }).expect(200);
    const second = await get('/revisions', {
      userId: editor.id,
      limit: 2,
      cursor: first.body.nextCursor,
    }).expect(200);

    const ids = [...first.body.items, ...second.body.items].map(
      (revision: any) => revision.id,
    );
    expect(ids).toEqual([...ids].sort((a, b) => b - a));
    expect(new Set(ids).size).toBe(4);
  });

  it('rejects an unknown type with 404', async () => {
    const response = await get(`/history/unicorns/${randomUUID()}`).expect(404);

    expect(response.body.message[0]).toContain('unicorns');
    expect(response.body.message[0]).toContain('books');
    expect(response.body.message[0]).toContain('authors');
  });

  it('rejects bad ids, versions and instants with 400', async () => {
    const book = await fixtures.createBook();

    const badId = await get('/history/books/not-a-uuid').expect(400);
    expect(badId.body.message[0]).toContain('id must be a UUID');
    const badVersion = await get(
      `/history/books/${book.id}/versions/zero`,
    ).expect(400);
    expect(badVersion.body.message[0]).toContain('version must be');
    const badInstant = await get(`/history/books/${book.id}/as-of`, {
      at: 'yesterday',
    }).expect(400);
    expect(badInstant.body.message[0]).toContain('at must be');
    const noOffset = await get(`/history/books/${book.id}/as-of`, {
      at: '2026-01-05T10:00:00',
    }).expect(400);
    expect(noOffset.body.message[0]).toContain('at must be');
    const badDiff = await get(`/history/books/${book.id}/diff`, {
      from: 1,
    }).expect(400);
    expect(badDiff.body.message.join()).toContain('to must be');
    const badCursor = await get(`/history/books/${book.id}`, {
      cursor: 'nonsense',
    }).expect(400);
    expect(badCursor.body.message[0]).toContain('cursor');
    const badRevision = await get('/revisions/abc').expect(400);
    expect(badRevision.body.message[0]).toContain('id must be');
  });

  it('returns 404 without history', async () => {
    const book = await fixtures.createBook();

    await get(`/history/books/${randomUUID()}`).expect(404);
    const missing = await get(`/history/books/${book.id}/versions/5`).expect(
      404,
    );
    expect(missing.body.message[0]).toContain('no version 5');
    await get('/revisions/999999999').expect(404);
  });
});

function randomIsbn(): string {
  return `isbn-${randomUUID().slice(0, 8)}`;
}

/** Lets the clock move on, so two writes get different timestamps. */
function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
