import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditedTransactionService } from '../../src/audit/audited-transaction.service';
import { Author } from '../../src/catalog/author.entity';
import { Book } from '../../src/catalog/book.entity';
import { CatalogImportJob } from '../../src/catalog/import/catalog-import.job';
import { parseCsv } from '../../src/catalog/import/csv-parser';
import { UnrecoverableJobError } from '../../src/jobs/job-type';
import { testJobContext } from '../support/job-context';
import { TestApp, TestUser, uniqueName } from '../support/test-app';

const SAMPLE = join(__dirname, '../../data/classic-books.csv');

function quote(cell: string): string {
  return /[",\r\n]/.test(cell) ? `"${cell.replaceAll('"', '""')}"` : cell;
}

describe(CatalogImportJob.name, () => {
  let app: TestApp;
  let job: CatalogImportJob;
  let user: TestUser;
  let importDir: string;

  beforeAll(async () => {
    importDir = await mkdtemp(join(tmpdir(), 'chronicle-import-e2e-'));
    app = await TestApp.start({}, { IMPORT_DIR: importDir });
    job = app.app.get(CatalogImportJob);
    user = await app.createUser('operator');
  });

  afterAll(async () => {
    await app.close();
    await rm(importDir, { recursive: true, force: true });
  });

  /**
   * Copies the sample into the import folder with a unique suffix on every
   * author, so the books are new to this run's database whatever other
   * tests imported. Returns the file name and the suffixed author names.
   */
  async function copySample(): Promise<{ file: string; authors: string[] }> {
    const suffix = ` (${uniqueName('import')})`;
    const [header, ...records] = parseCsv(await readFile(SAMPLE, 'utf8'));
    const authorColumn = header.fields.indexOf('author');
    const lines = [header.fields.join(',')];
    for (const { fields } of records) {
      fields[authorColumn] += suffix;
      lines.push(fields.map(quote).join(','));
    }
    const file = `${uniqueName('classic-books')}.csv`;
    await writeFile(join(importDir, file), `${lines.join('\r\n')}\r\n`);
    const authors = records.map(({ fields }) => fields[authorColumn]);

    return { file, authors: [...new Set(authors)] };
  }

  async function revisionsOf(jobRunId: string) {
    return app.query(
      `SELECT id, user_id, source, job_run_id FROM audit_revision
       WHERE job_run_id = $1`,
      [jobRunId],
    );
  }

  async function authorCount(names: string[]): Promise<number> {
    const [row] = await app.query<{ count: number }>(
      'SELECT count(*)::int AS count FROM authors WHERE name = ANY($1)',
      [names],
    );

    return row.count;
  }

  it('imports the sample file for the submitter', async () => {
    const { file, authors } = await copySample();
    const context = testJobContext(app, 'catalog.import', user.id);

    const result = await job.run({ file }, context);

    expect(result).toEqual({
      rows: 70,
      authorsCreated: authors.length,
      booksCreated: 70,
      booksUpdated: 0,
      booksUnchanged: 0,
    });
    const books = await app.query(
      `SELECT b.title, b.original_title, b.published_year, b.tags,
         b.created_by
       FROM books b JOIN authors a ON a.id = b.author_id
       WHERE a.name = ANY($1)`,
      [authors],
    );
    expect(books).toHaveLength(70);
    expect(books.every((book) => book.created_by === user.id)).toBe(true);
    expect(books.find((book) => book.title === 'Kokoro')).toMatchObject({
      original_title: 'こゝろ',
      published_year: 1914,
      tags: ['novel'],
    });
    expect(books.find((book) => book.title === 'Candide')?.original_title).toBe(
      "Candide, ou l'Optimisme",
    );
    expect(context.progressValues.at(-1)).toEqual({
      processed: 70,
      total: 70,
    });
  });

  it('links the versions to the job run', async () => {
    const { file, authors } = await copySample();
    const context = testJobContext(app, 'catalog.import', user.id);

    await job.run({ file }, context);

    const revisions = await revisionsOf(context.jobRunId);
    expect(revisions).toHaveLength(1);
    expect(revisions[0].user_id).toBe(user.id);
    expect(revisions[0].source).toBe('job');
    const versions = await app.query<{ entity_type: string; count: number }>(
      `SELECT entity_type, count(*)::int AS count FROM audit_version
       WHERE revision_id = $1 AND action = 'create'
       GROUP BY entity_type ORDER BY entity_type`,
      [revisions[0].id],
    );
    expect(versions).toEqual([
      { entity_type: 'authors', count: authors.length },
      { entity_type: 'books', count: 70 },
    ]);
  });

  it('writes no versions when imported twice', async () => {
    const { file, authors } = await copySample();
    await job.run({ file }, testJobContext(app, 'catalog.import', user.id));
    const versionCount = async () => {
      const [row] = await app.query<{ count: number }>(
        `SELECT count(*)::int AS count FROM audit_version v
         WHERE v.entity_id IN (
           SELECT b.id::text FROM books b JOIN authors a ON a.id = b.author_id
           WHERE a.name = ANY($1)
           UNION SELECT id::text FROM authors WHERE name = ANY($1))`,
        [authors],
      );
      return row.count;
    };
    const before = await versionCount();
    const second = testJobContext(app, 'catalog.import', user.id);

    const result = await job.run({ file }, second);

    expect(result).toEqual({
      rows: 70,
      authorsCreated: 0,
      booksCreated: 0,
      booksUpdated: 0,
      booksUnchanged: 70,
    });
    expect(before).toBe(70 + authors.length);
    expect(await versionCount()).toBe(before);
    expect(await revisionsOf(second.jobRunId)).toHaveLength(0);
  });

  it('rejects an invalid row with its number', async () => {
    const names = [1, 2, 3].map(() => uniqueName('author'));
    const csv = [
      'title,author,year,original_title,tags',
      `First,${names[0]},1900,,`,
      `Second,${names[1]},1901,,`,
      `Third,${names[2]},soon,,`,
    ].join('\n');
    const context = testJobContext(app, 'catalog.import', user.id);

    const failure = job.run({ csv }, context);

    await expect(failure).rejects.toThrow(UnrecoverableJobError);
    await expect(failure).rejects.toThrow('row 4: year must be an integer');
    expect(await authorCount(names)).toBe(0);
    expect(await revisionsOf(context.jobRunId)).toHaveLength(0);
  });

  it('names the line of a CSV syntax error once', async () => {
    const csv = 'title,author\n"Unclosed,Someone\n';
    const context = testJobContext(app, 'catalog.import', user.id);

    const failure = job.run({ csv }, context);

    await expect(failure).rejects.toThrow(UnrecoverableJobError);
    await expect(failure).rejects.toMatchObject({
      message: 'line 2: quoted field is not closed',
    });
    expect(await revisionsOf(context.jobRunId)).toHaveLength(0);
  });

  it('rolls back rows written before a failing row', async () => {
    const transactions = app.app.get(AuditedTransactionService);
    const twice = uniqueName('twice');
    const fresh = uniqueName('fresh');
    await transactions.run(async (manager) => {
      const author = await manager.save(
        manager.create(Author, { name: twice }),
      );
      for (let copy = 0; copy < 2; copy += 1) {
        await manager.insert(Book, { title: 'Twins', authorId: author.id });
      }
    });
    const context = testJobContext(app, 'catalog.import', user.id);

    const failure = job.run(
      {
        books: [
          { title: 'Fresh', author: fresh },
          { title: 'Twins', author: twice },
        ],
      },
      context,
    );

    await expect(failure).rejects.toThrow(UnrecoverableJobError);
    await expect(failure).rejects.toThrow(/^row 2: several books are titled/);
    expect(await authorCount([fresh])).toBe(0);
    expect(await revisionsOf(context.jobRunId)).toHaveLength(0);
  });

  it('updates a book matched by ISBN', async () => {
    const author = uniqueName('author');
    const isbn = uniqueName('isbn').slice(-32);
    const first = { title: 'Draft', author, isbn, price: '10', tags: ['a'] };
    await job.run(
      { books: [first] },
      testJobContext(app, 'catalog.import', user.id),
    );
    const context = testJobContext(app, 'catalog.import', user.id);

    const result = await job.run(
      { books: [{ ...first, title: 'Final', price: '12.5' }] },
      context,
    );

    expect(result).toMatchObject({ booksUpdated: 1, booksCreated: 0 });
    const [version] = await app.query(
      `SELECT v.action, v.changes FROM audit_version v
       JOIN audit_revision r ON r.id = v.revision_id
       WHERE r.job_run_id = $1`,
      [context.jobRunId],
    );
    expect(version.action).toBe('update');
    expect(version.changes.title).toEqual({ from: 'Draft', to: 'Final' });
    expect(version.changes.price).toEqual({ from: '10.00', to: '12.50' });
    expect(Object.keys(version.changes).sort()).toEqual(
      ['price', 'title', 'updated_at'].sort(),
    );
  });

  it('stops when the signal aborts', async () => {
    const { file, authors } = await copySample();
    const context = testJobContext(app, 'catalog.import', user.id, () =>
      context.controller.abort(),
    );

    await expect(job.run({ file }, context)).rejects.toThrow(/abort/i);
    expect(await authorCount(authors)).toBe(0);
    expect(await revisionsOf(context.jobRunId)).toHaveLength(0);
  });

  it('checks that the file is inside IMPORT_DIR', async () => {
    const { file } = await copySample();

    expect(await job.check({ file })).toEqual([]);
    expect(await job.check({ file: '../etc/passwd' })).toEqual([
      'payload.file "../etc/passwd" must not contain ".." segments',
    ]);
    expect(await job.check({ file: '/etc/passwd' })).toEqual([
      expect.stringMatching(/^payload\.file .* not an absolute path$/),
    ]);
    expect(await job.check({ books: [] })).toEqual([]);
  });
});
