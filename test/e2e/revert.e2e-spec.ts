import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { trackTable } from '../../migrations/support/track-table';
import { AuditedTransactionService } from '../../src/audit/audited-transaction.service';
import { CatalogFixtures, domainFields } from '../support/catalog-fixtures';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

describe('Revert and recover', () => {
  let app: TestApp;
  let editor: TestUser;
  let reverter: TestUser;
  let fixtures: CatalogFixtures;

  beforeAll(async () => {
    app = await TestApp.start();
    editor = await app.createUser('editor');
    reverter = await app.createUser('editor');
    fixtures = new CatalogFixtures(app, editor);
  });

  afterAll(async () => {
    await app.close();
  });

  function post(path: string, body: object = {}, user = reverter) {
    return app
      .http()
      .post(path)
      .set(...bearer(user.token))
      .send(body);
  }

  async function countVersions(id: string): Promise<number> {
    const [row] = await app.query(
      'SELECT count(*)::int AS n FROM audit_version WHERE entity_id = $1',
      [id],
    );

    return row.n;
  }

  async function bookRow(id: string) {
    const [row] = await app.query('SELECT * FROM books WHERE id = $1', [id]);

    return row;
  }

  it('reverts a book, keeping who/when', async () => {
    const book = await fixtures.createBook({
      title: 'Old',
      price: '10.00',
      tags: ['classic', 'novel'],
      publishedYear: 1815,
    });
    await fixtures.updateBook(book.id, {
      title: 'New',
      price: '12.50',
      tags: ['modern'],
      publishedYear: null,
    });

    const response = await post(`/history/books/${book.id}/revert`, {
      version: 1,
    }).expect(200);

    expect(response.body).toMatchObject({
      id: book.id,
      title: 'Old',
      price: '10.00',
      tags: ['classic', 'novel'],
      publishedYear: 1815,
      version: 3,
      ignoredFields: [],
      reverted: true,
      createdAt: book.createdAt,
      createdBy: editor.id,
      updatedBy: reverter.id,
    });
    const [latest] = await fixtures.allVersions('books', book.id);
    expect(latest.action).toBe('revert');
    expect(latest.comment).toBe('Reverted to version 1');
    expect(latest.user.id).toBe(reverter.id);
    expect(latest.revisionId).toBe(response.body.revisionId);
    expect(latest.changes.title).toEqual({ from: 'New', to: 'Old' });
  });

  it('takes the comment from the body or X-Audit-Comment', async () => {
    const book = await fixtures.createBook({ title: 'Commented' });
    await fixtures.updateBook(book.id, { title: 'Changed' });
    await fixtures.updateBook(book.id, { title: 'Changed again' });

    await post(`/history/books/${book.id}/revert`, {
      version: 1,
      comment: 'Undo the rename',
    }).expect(200);
    await app
      .http()
      .post(`/history/books/${book.id}/revert`)
      .set(...bearer(reverter.token))
      .set('X-Audit-Comment', 'Header comment')
      .send({ version: 2 })
      .expect(200);

    const [second, first] = await fixtures.allVersions('books', book.id);
    expect(first.comment).toBe('Undo the rename');
    expect(second.comment).toBe('Header comment');
  });

  it('writes nothing when the object already matches', async () => {
    const book = await fixtures.createBook({ title: 'Same' });
    await fixtures.updateBook(book.id, { title: 'Other' });
    await fixtures.updateBook(book.id, { title: 'Same' });

    const response = await post(`/history/books/${book.id}/revert`, {
      version: 1,
    }).expect(200);

    expect(response.body.reverted).toBe(false);
    expect(response.body.version).toBe(3);
    expect(response.body.revisionId).toBeNull();
    expect(await countVersions(book.id)).toBe(3);
  });

  it('rejects a stale expectedVersion with 409', async () => {
    const book = await fixtures.createBook({ title: 'Expected' });
    await fixtures.updateBook(book.id, { title: 'Moved on' });

    const response = await post(`/history/books/${book.id}/revert`, {
      version: 1,
      expectedVersion: 1,
    }).expect(409);

    expect(response.body.message[0]).toContain('expectedVersion 1');
    expect(response.body.message[0]).toContain('which is 2');
    expect(await countVersions(book.id)).toBe(2);
    await post(`/history/books/${book.id}/revert`, {
      version: 1,
      expectedVersion: 2,
    }).expect(200);
  });

  it('rejects a deleted author with 422', async () => {
    const firstAuthor = await fixtures.createAuthor();
    const secondAuthor = await fixtures.createAuthor();
    const book = await fixtures.createBook({ authorId: firstAuthor.id });
    await fixtures.updateBook(book.id, { authorId: secondAuthor.id });
    await app
      .http()
      .delete(`/authors/${firstAuthor.id}`)
      .set(...bearer(editor.token))
      .expect(204);

    const response = await post(`/history/books/${book.id}/revert`, {
      version: 1,
    }).expect(422);

    expect(response.body.message[0]).toContain('no longer exists');
    expect(response.body.message[0]).toContain('author_id');
    expect(await countVersions(book.id)).toBe(2);
    expect((await bookRow(book.id)).author_id).toBe(secondAuthor.id);
  });

  it('rejects a taken unique value with 409', async () => {
    const isbn = `isbn-${randomUUID().slice(0, 8)}`;
    const book = await fixtures.createBook({ isbn });
    await fixtures.updateBook(book.id, { isbn: null });
    await fixtures.createBook({ isbn });

    const response = await post(`/history/books/${book.id}/revert`, {
      version: 1,
    }).expect(409);

    expect(response.body.message[0]).toContain('unique value');
    expect(response.body.message[0]).toContain(isbn);
    expect(await countVersions(book.id)).toBe(2);
  });

  it('reverts across a schema change', async () => {
    const table = `gadgets_${randomUUID().slice(0, 8)}`;
    const type = table.replace('_', '-');
    const runner = app.app.get(DataSource).createQueryRunner();
    await runner.connect();
    try {
      await runner.query(`
        CREATE TABLE ${table} (
          id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
          name text NOT NULL,
          color text,
          secret text)`);
      const tracking = {
        entityType: type,
        exclude: ['secret'],
        labelColumn: 'name',
      };
      await trackTable(runner, table, tracking);
      const [{ id }] = await runner.query(
        `INSERT INTO ${table} (name, color, secret)
         VALUES ('Lamp', 'red', 'first secret') RETURNING id`,
      );
      await runner.query(
        `UPDATE ${table} SET name = 'Desk lamp' WHERE id = $1`,
        [id],
      );
      await runner.query(`ALTER TABLE ${table} DROP COLUMN color`);
      await runner.query(
        `ALTER TABLE ${table} ADD COLUMN size integer NOT NULL DEFAULT 7`,
      );
      await runner.query(`ALTER TABLE ${table} ADD COLUMN note text`);
      await trackTable(runner, table, tracking);
      await runner.query(`UPDATE ${table} SET secret = 'new secret'`);
      await runner.query(
        `UPDATE ${table} SET size = 9, note = 'kept' WHERE id = $1`,
        [id],
      );

      const response = await post(`/history/${type}/${id}/revert`, {
        version: 1,
      }).expect(200);

      expect(response.body).toMatchObject({
        id,
        name: 'Lamp',
        size: 7,
        note: 'kept',
        version: 4,
        ignoredFields: ['color'],
        reverted: true,
      });
      expect(response.body).not.toHaveProperty('secret');
      const [row] = await runner.query(
        `SELECT secret FROM ${table} WHERE id = $1`,
        [id],
      );
      expect(row.secret).toBe('new secret');
      const [latest] = await fixtures.allVersions(type, id);
      expect(latest.action).toBe('revert');
      expect(latest.changes).toEqual({
        name: { from: 'Desk lamp', to: 'Lamp' },
        size: { from: 9, to: 7 },
      });
    } finally {
      await runner.query(`DROP TABLE IF EXISTS ${table}`);
      await runner.release();
    }
  });

  it('recovers a deleted book under the same id', async () => {
    const book = await fixtures.createBook({ title: 'Phoenix', price: '4.50' });
    await app
      .http()
      .delete(`/books/${book.id}`)
      .set(...bearer(editor.token))
      .expect(204);
    await post(`/history/books/${book.id}/revert`, { version: 1 }).expect(409);

    const response = await post(`/history/books/${book.id}/recover`).expect(
      201,
    );

    expect(response.body).toMatchObject({
      id: book.id,
      title: 'Phoenix',
      price: '4.50',
      version: 3,
      reverted: true,
      createdAt: book.createdAt,
      createdBy: editor.id,
      updatedBy: reverter.id,
    });
    const [latest] = await fixtures.allVersions('books', book.id);
    expect(latest.action).toBe('recover');
    expect(latest.comment).toBe('Recovered from version 2');
    expect(latest.user.id).toBe(reverter.id);
    const again = await post(`/history/books/${book.id}/recover`).expect(409);
    expect(again.body.message[0]).toContain('exists');
  });

  it('reverts a whole revision across three objects', async () => {
    const author = await fixtures.createAuthor();
    const updated = await fixtures.createBook({
      authorId: author.id,
      title: 'Before',
    });
    const removed = await fixtures.createBook({
      authorId: author.id,
      title: 'Removed',
    });
    const createdId = randomUUID();
    const transactions = app.app.get(AuditedTransactionService);
    await transactions.run(
      async (manager) => {
        await manager.query(`UPDATE books SET title = 'After' WHERE id = $1`, [
          updated.id,
        ]);
        await manager.query(
          `INSERT INTO books (id, title, author_id) VALUES ($1, 'Created', $2)`,
          [createdId, author.id],
        );
        await manager.query('DELETE FROM books WHERE id = $1', [removed.id]);
      },
      { userId: editor.id, source: 'system' },
    );
    const [change] = await fixtures.allVersions('books', updated.id);

    const response = await post(
      `/revisions/${change.revisionId}/revert`,
    ).expect(200);

    expect(response.body.revertedRevisionId).toBe(change.revisionId);
    const byId = new Map(
      response.body.items.map((item: any) => [item.id, item]),
    );
    expect(byId.get(updated.id)).toMatchObject({
      action: 'revert',
      version: 3,
    });
    expect(byId.get(createdId)).toMatchObject({ action: 'delete', version: 2 });
    expect(byId.get(removed.id)).toMatchObject({
      action: 'recover',
      version: 3,
    });
    expect((await bookRow(updated.id)).title).toBe('Before');
    expect(await bookRow(createdId)).toBeUndefined();
    expect((await bookRow(removed.id)).title).toBe('Removed');
    const revision = await app
      .http()
      .get(`/revisions/${response.body.revisionId}`)
      .set(...bearer(reverter.token))
      .expect(200);
    expect(revision.body.comment).toBe(
      `Reverted revision ${change.revisionId}`,
    );
    expect(revision.body.versions).toHaveLength(3);
  });

  it('orders revision steps by foreign keys', async () => {
    const authorId = randomUUID();
    const bookId = randomUUID();
    const transactions = app.app.get(AuditedTransactionService);
    await transactions.run(
      async (manager) => {
        await manager.query(`INSERT INTO authors (id, name) VALUES ($1, $2)`, [
          authorId,
          uniqueName('author'),
        ]);
        await manager.query(
          `INSERT INTO books (id, title, author_id) VALUES ($1, 'Child', $2)`,
          [bookId, authorId],
        );
      },
      { userId: editor.id, source: 'system' },
    );
    const [created] = await fixtures.allVersions('authors', authorId);

    const response = await post(
      `/revisions/${created.revisionId}/revert`,
    ).expect(200);

    expect(response.body.items.map((item: any) => item.action)).toEqual([
      'delete',
      'delete',
    ]);
    expect(await bookRow(bookId)).toBeUndefined();
    const authors = await app.query('SELECT id FROM authors WHERE id = $1', [
      authorId,
    ]);
    expect(authors).toHaveLength(0);
  });

  it('reverts a revision all or nothing', async () => {
    const isbn = `isbn-${randomUUID().slice(0, 8)}`;
    const renamed = await fixtures.createBook({ title: 'Atomic' });
    const removed = await fixtures.createBook({ isbn });
    const transactions = app.app.get(AuditedTransactionService);
    await transactions.run(
      async (manager) => {
        await manager.query(
          `UPDATE books SET title = 'Renamed' WHERE id = $1`,
          [renamed.id],
        );
        await manager.query('DELETE FROM books WHERE id = $1', [removed.id]);
      },
      { userId: editor.id, source: 'system' },
    );
    const [change] = await fixtures.allVersions('books', renamed.id);
    await fixtures.createBook({ isbn });

    const response = await post(
      `/revisions/${change.revisionId}/revert`,
    ).expect(409);

    expect(response.body.message[0]).toContain(`revision ${change.revisionId}`);
    expect(response.body.message[0]).toContain(isbn);
    expect((await bookRow(renamed.id)).title).toBe('Renamed');
    expect(await bookRow(removed.id)).toBeUndefined();
    expect(await countVersions(renamed.id)).toBe(2);
  });

  it('refuses a revision revert over later changes', async () => {
    const book = await fixtures.createBook({ title: 'Tagged', price: '19.90' });
    await fixtures.updateBook(book.id, { tags: ['novel'] });
    const [tagging] = await fixtures.allVersions('books', book.id);
    await fixtures.updateBook(book.id, { price: '1.01' });

    const response = await post(
      `/revisions/${tagging.revisionId}/revert`,
    ).expect(409);

    expect(response.body.message[0]).toContain(
      `later revisions changed books ${book.id} (version 2 in the revision, now version 3)`,
    );
    expect(response.body.message[0]).toContain('force: true');
    const row = await bookRow(book.id);
    expect(row.price).toBe('1.01');
    expect(row.tags).toEqual(['novel']);
    expect(await countVersions(book.id)).toBe(3);
  });

  it('reverts over later changes with force', async () => {
    const book = await fixtures.createBook({ title: 'Forced', price: '19.90' });
    await fixtures.updateBook(book.id, { tags: ['novel'] });
    const [tagging] = await fixtures.allVersions('books', book.id);
    await fixtures.updateBook(book.id, { price: '1.01' });

    const response = await post(`/revisions/${tagging.revisionId}/revert`, {
      force: true,
    }).expect(200);

    expect(response.body.items).toEqual([
      expect.objectContaining({ id: book.id, action: 'revert', version: 4 }),
    ]);
    const row = await bookRow(book.id);
    expect(row.price).toBe('19.90');
    expect(row.tags).toEqual([]);
  });

  it('rejects a non-boolean force', async () => {
    const book = await fixtures.createBook({ title: 'Typed' });
    const [created] = await fixtures.allVersions('books', book.id);

    const response = await post(`/revisions/${created.revisionId}/revert`, {
      force: 'yes',
    }).expect(400);

    expect(response.body.message).toContain('force must be a boolean');
    expect(await countVersions(book.id)).toBe(1);
  });

  it('refuses to revert api tokens with 422', async () => {
    const user = await app.createUser('viewer');
    const [token] = await app.query(
      'SELECT id FROM api_tokens WHERE user_id = $1',
      [user.id],
    );

    const response = await post(`/history/api-tokens/${token.id}/revert`, {
      version: 1,
    }).expect(422);

    expect(response.body.message[0]).toContain('un-revoke');
    const revision = await app.query(
      `SELECT revision_id FROM audit_version
       WHERE entity_type = 'api-tokens' AND entity_id = $1`,
      [token.id],
    );
    const whole = await post(
      `/revisions/${revision[0].revision_id}/revert`,
      {},
      { ...reverter, token: app.adminToken },
    ).expect(422);
    expect(whole.body.message[0]).toContain('api-tokens');
  });

  it('lets only an admin revert users', async () => {
    const user = await app.createUser('viewer');

    const denied = await post(`/history/users/${user.id}/revert`, {
      version: 1,
    }).expect(403);

    expect(denied.body.message[0]).toContain('admin');
    const allowed = await post(
      `/history/users/${user.id}/revert`,
      { version: 1 },
      { ...reverter, token: app.adminToken },
    ).expect(200);
    expect(allowed.body.reverted).toBe(false);
  });

  it('rejects reverts by viewers and bad versions', async () => {
    const viewer = await app.createUser('viewer');
    const book = await fixtures.createBook();

    await post(
      `/history/books/${book.id}/revert`,
      { version: 1 },
      viewer,
    ).expect(403);
    const zero = await post(`/history/books/${book.id}/revert`, {
      version: 0,
    }).expect(400);
    expect(zero.body.message[0]).toContain('version must be');
    const missing = await post(`/history/books/${book.id}/revert`, {
      version: 9,
    }).expect(404);
    expect(missing.body.message[0]).toContain('no version 9');
    await post(`/history/books/${randomUUID()}/recover`).expect(404);
    await post(`/revisions/999999999/revert`).expect(404);
  });

  it('lists only reverted fields as changes', async () => {
    const book = await fixtures.createBook({ title: 'Diffed', price: '1.00' });
    await fixtures.updateBook(book.id, { price: '2.00' });

    await post(`/history/books/${book.id}/revert`, { version: 1 }).expect(200);

    const [latest] = await fixtures.allVersions('books', book.id);
    expect(domainFields(latest.changes)).toEqual(['price']);
  });
});
