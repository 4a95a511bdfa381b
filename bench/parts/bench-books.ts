import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { trackTable } from '../../migrations/support/track-table';
import type { AuditContext } from '../../src/audit/audit-context';
import { AuditedTransactionService } from '../../src/audit/audited-transaction.service';

/** Copy of `books` with the stamp trigger and without audit capture. */
export const PLAIN_TABLE = 'bench_plain_books';
/** Copy of `books` with the stamp trigger and the audit capture trigger. */
export const AUDITED_TABLE = 'bench_audited_books';
/** Entity type that the capture trigger records for the audited copy. */
export const AUDITED_ENTITY_TYPE = 'bench-audited-books';

/** Price the seeded rows start with, outside the range the updates write. */
const SEED_PRICE = '9999999.00';

/**
 * Creates two copies of `books`, identical in columns, defaults, constraints
 * (the foreign key to authors included) and indexes, both with the
 * stamp_who_when() trigger that `books` has. Only the audited copy gets the
 * capture trigger, so the difference between them is that trigger alone.
 */
export async function createBenchBooks(dataSource: DataSource): Promise<void> {
  const runner = dataSource.createQueryRunner();
  await runner.connect();
  try {
    for (const table of [PLAIN_TABLE, AUDITED_TABLE]) {
      await runner.query(`CREATE TABLE ${table} (LIKE books INCLUDING ALL)`);
      await runner.query(
        `ALTER TABLE ${table} ADD CONSTRAINT ${table}_author_fkey
           FOREIGN KEY (author_id) REFERENCES authors (id)`,
      );
      await runner.query(
        `CREATE TRIGGER ${table}_stamp_who_when
           BEFORE INSERT OR UPDATE ON ${table}
           FOR EACH ROW EXECUTE FUNCTION stamp_who_when()`,
      );
    }
    await trackTable(runner, AUDITED_TABLE, {
      entityType: AUDITED_ENTITY_TYPE,
      labelColumn: 'title',
    });
  } finally {
    await runner.release();
  }
}

/**
 * Inserts `count` books into both copies, with the same ids in the same
 * order, under one author. Returns the ids.
 */
export async function seedBenchBooks(
  transactions: AuditedTransactionService,
  count: number,
): Promise<string[]> {
  const ids = Array.from({ length: count }, () => randomUUID());
  await transactions.run(async (manager) => {
    const [author] = await manager.query(
      `INSERT INTO authors (name) VALUES ($1) RETURNING id`,
      [`Bench author ${randomUUID()}`],
    );
    for (const table of [PLAIN_TABLE, AUDITED_TABLE]) {
      await manager.query(
        `INSERT INTO ${table} (id, title, author_id, price, tags)
         SELECT id, 'Bench book ' || ordinality, $2, $3, '{bench}'
         FROM unnest($1::uuid[]) WITH ORDINALITY AS t (id, ordinality)`,
        [ids, author.id, SEED_PRICE],
      );
    }
  }, benchAuditContext('seed'));

  return ids;
}

/** The audit context of the bench's writes: an HTTP request by a user. */
export function benchAuditContext(requestId: string): Partial<AuditContext> {
  return {
    userId: '00000000-0000-4000-8000-00000000be9c',
    source: 'http',
    requestId: `bench-${requestId}`,
  };
}

/** A price for the n-th update: distinct for every n, so each update changes the row. */
export function priceOf(n: number): string {
  return (n / 100).toFixed(2);
}
