import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditedTransactionService } from '../../src/audit/audited-transaction.service';
import { EXPORT_COLUMNS } from '../../src/audit/export/audit-export-format';
import { AuditExportJob } from '../../src/audit/export/audit-export.job';
import { AuditExportService } from '../../src/audit/export/audit-export.service';
import { Author } from '../../src/catalog/author.entity';
import { Book } from '../../src/catalog/book.entity';
import { parseCsv } from '../../src/catalog/import/csv-parser';
import { testJobContext } from '../support/job-context';
import { TestApp, TestUser, uniqueName } from '../support/test-app';

interface VersionRow {
  id: string;
  entity_type: string;
  entity_id: string;
  changes: unknown;
  snapshot: unknown;
}

describe(AuditExportJob.name, () => {
  let app: TestApp;
  let job: AuditExportJob;
  let exporter: AuditExportService;
  let user: TestUser;
  let base: string;
  let exportDir: string;

  beforeAll(async () => {
    base = await mkdtemp(join(tmpdir(), 'chronicle-export-e2e-'));
    exportDir = join(base, 'not', 'yet', 'there');
    app = await TestApp.start({}, { EXPORT_DIR: exportDir });
    job = app.app.get(AuditExportJob);
    exporter = app.app.get(AuditExportService);
    user = await app.createUser('operator');
  });

  afterAll(async () => {
    await app.close();
    await rm(base, { recursive: true, force: true });
  });

  async function now(): Promise<string> {
    const [row] = await app.query<{ now: Date }>(
      'SELECT clock_timestamp() AS now',
    );

    return row.now.toISOString();
  }

  /**
   * Writes three revisions (authors and books, one with a comment that needs
   * CSV quoting) and returns a range that contains them.
   */
  async function writeHistory(): Promise<{ from: string; to: string }> {
    const transactions = app.app.get(AuditedTransactionService);
    const from = await now();
    const author = await transactions.run(
      (manager) =>
        manager.save(manager.create(Author, { name: uniqueName('author') })),
      { userId: user.id, source: 'http', comment: 'first, "quoted"\nline' },
    );
    await transactions.run(
      async (manager) => {
        for (const title of ['One', 'Two', 'Three', 'Four']) {
          await manager.insert(Book, { title, authorId: author.id });
        }
      },
      { userId: user.id, source: 'job' },
    );
    await transactions.run(
      (manager) =>
        manager.update(Author, { id: author.id }, { name: uniqueName('new') }),
      { userId: null, source: 'system' },
    );
    const [row] = await app.query<{ to: Date }>(
      `SELECT clock_timestamp() + interval '1 millisecond' AS to`,
    );

    return { from, to: row.to.toISOString() };
  }

  async function versionsIn(
    from: string,
    to: string,
    type?: string,
  ): Promise<VersionRow[]> {
    return app.query<VersionRow>(
      `SELECT v.id, v.entity_type, v.entity_id, v.changes, v.snapshot
       FROM audit_version v JOIN audit_revision r ON r.id = v.revision_id
       WHERE r.created_at >= $1 AND r.created_at < $2
         AND ($3::text IS NULL OR v.entity_type = $3)
       ORDER BY v.id`,
      [from, to, type ?? null],
    );
  }

  it('exports a range as NDJSON', async () => {
    const range = await writeHistory();
    const context = testJobContext(app, 'audit.export', user.id);

    const result = await exporter.export(
      { ...range, format: 'ndjson' },
      context,
      3,
    );

    const expected = await versionsIn(range.from, range.to);
    expect(expected.length).toBeGreaterThanOrEqual(6);
    expect(result).toEqual({
      path: join(exportDir, `${context.jobRunId}.ndjson`),
      rows: expected.length,
      format: 'ndjson',
    });
    const lines = (await readFile(result.path, 'utf8')).trimEnd().split('\n');
    const records = lines.map((line) => JSON.parse(line));
    expect(records.map((record) => record.versionId)).toEqual(
      expected.map((version) => version.id),
    );
    expect(records.map((record) => record.snapshot)).toEqual(
      expected.map((version) => version.snapshot),
    );
    const commented = records.find(
      (record) => record.comment === 'first, "quoted"\nline',
    );
    expect(commented).toMatchObject({
      userId: user.id,
      userName: user.name,
      source: 'http',
      entityType: 'authors',
      version: 1,
      action: 'create',
    });
    expect(context.progressValues.at(-1)).toEqual({
      written: expected.length,
      total: expected.length,
    });
  });

  it('exports a range as CSV', async () => {
    const range = await writeHistory();
    const context = testJobContext(app, 'audit.export', user.id);

    const result = await exporter.export(
      { ...range, format: 'csv' },
      context,
      4,
    );

    const expected = await versionsIn(range.from, range.to);
    expect(result.rows).toBe(expected.length);
    expect(result.path).toBe(join(exportDir, `${context.jobRunId}.csv`));
    const [header, ...records] = parseCsv(await readFile(result.path, 'utf8'));
    expect(header.fields).toEqual(EXPORT_COLUMNS);
    const column = (name: string) => EXPORT_COLUMNS.indexOf(name as never);
    expect(records.map((record) => record.fields[column('versionId')])).toEqual(
      expected.map((version) => version.id),
    );
    expect(
      records.map((record) => JSON.parse(record.fields[column('changes')])),
    ).toEqual(expected.map((version) => version.changes));
    expect(
      records.some(
        (record) =>
          record.fields[column('comment')] === 'first, "quoted"\nline',
      ),
    ).toBe(true);
  });

  it('exports one entity type', async () => {
    const range = await writeHistory();
    const context = testJobContext(app, 'audit.export', user.id);

    const result = await job.run(
      { ...range, type: 'authors', format: 'ndjson' },
      context,
    );

    const expected = await versionsIn(range.from, range.to, 'authors');
    const lines = (await readFile(result.path, 'utf8')).trimEnd().split('\n');
    const records = lines.map((line) => JSON.parse(line));
    expect(records.map((record) => record.versionId)).toEqual(
      expected.map((version) => version.id),
    );
    expect(records.every((record) => record.entityType === 'authors')).toBe(
      true,
    );
    expect(result.rows).toBe(expected.length);
  });

  it('writes a header only for an empty range', async () => {
    const context = testJobContext(app, 'audit.export', user.id);

    const result = await exporter.export(
      {
        from: '2000-01-01T00:00:00.000Z',
        to: '2000-01-02T00:00:00.000Z',
        format: 'csv',
      },
      context,
    );

    expect(result.rows).toBe(0);
    expect(await readFile(result.path, 'utf8')).toBe(
      `${EXPORT_COLUMNS.join(',')}\r\n`,
    );
  });

  it('removes the partial file on abort', async () => {
    const range = await writeHistory();
    const context = testJobContext(app, 'audit.export', user.id, (value) => {
      if ((value as { written: number }).written > 0) {
        context.controller.abort();
      }
    });

    await expect(
      exporter.export({ ...range, format: 'csv' }, context, 2),
    ).rejects.toThrow(/abort/i);

    const files = await readdir(exportDir);
    expect(files.filter((name) => name.startsWith(context.jobRunId))).toEqual(
      [],
    );
    expect(context.progressValues).toContainEqual(
      expect.objectContaining({ written: 2 }),
    );
  });

  it('rejects a range that ends before it starts', () => {
    expect(
      job.check({
        from: '2026-02-01T00:00:00Z',
        to: '2026-01-01T00:00:00Z',
        format: 'csv',
      }),
    ).toEqual(['payload.to must be later than payload.from']);
    expect(
      job.check({
        from: '2026-01-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
        format: 'csv',
      }),
    ).toEqual([]);
  });

  describe('history a submitter may not read', () => {
    /** Writes a user (admin-only history) and an author in one range. */
    async function writeUserAndAuthor() {
      const from = await now();
      const created = await app.createUser('viewer');
      await app.app
        .get(AuditedTransactionService)
        .run(
          (manager) =>
            manager.save(
              manager.create(Author, { name: uniqueName('author') }),
            ),
          { userId: user.id, source: 'http' },
        );
      const [row] = await app.query<{ to: Date }>(
        `SELECT clock_timestamp() + interval '1 millisecond' AS to`,
      );

      return { from, to: row.to.toISOString(), userId: created.id };
    }

    async function exportedTypes(submittedBy: string | null) {
      const { from, to } = await writeUserAndAuthor();
      const context = testJobContext(app, 'audit.export', submittedBy);
      const result = await exporter.export(
        { from, to, format: 'ndjson' },
        context,
      );
      const lines = (await readFile(result.path, 'utf8'))
        .trim()
        .split('\n')
        .map((line) => JSON.parse(line) as { entityType: string });

      return new Set(lines.map((line) => line.entityType));
    }

    it('leaves users out for an operator', async () => {
      const types = await exportedTypes(user.id);

      expect(types.has('authors')).toBe(true);
      expect(types.has('users')).toBe(false);
      expect(types.has('api-tokens')).toBe(false);
    });

    it('includes users for an admin', async () => {
      const admin = await app.createUser('admin');

      const types = await exportedTypes(admin.id);

      expect(types.has('authors')).toBe(true);
      expect(types.has('users')).toBe(true);
    });

    it('fails an operator export of users', async () => {
      const { from, to } = await writeUserAndAuthor();
      const context = testJobContext(app, 'audit.export', user.id);

      await expect(
        exporter.export({ from, to, format: 'ndjson', type: 'users' }, context),
      ).rejects.toThrow(
        'Exporting the history of users requires the admin role',
      );
    });
  });
});
