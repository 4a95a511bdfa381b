import { readFileSync } from 'node:fs';
import { DataSource } from 'typeorm';
import { AuditedTransactionService } from '../src/audit/audited-transaction.service';
import { dataSourceOptions } from '../src/database/data-source-options';
import { BenchEnvironment } from './support/bench-environment';
import { runConcurrently } from './support/run-concurrently';
import { median } from './support/stats';
import {
  benchAuditContext,
  createBenchBooks,
  priceOf,
  seedBenchBooks,
} from './parts/bench-books';

const source = readFileSync('migrations/1796256000000-audit-core.ts', 'utf8');
const original = /const CAPTURE_FUNCTION = `([\s\S]*?)`;/.exec(source)![1];
const OLD_DIFF = `    SELECT coalesce(jsonb_object_agg(coalesce(n.key, o.key),
             jsonb_build_object('from', o.value, 'to', n.value)), '{}')
      INTO v_changes
      FROM jsonb_each(v_new) n FULL JOIN jsonb_each(v_old) o ON o.key = n.key
      WHERE o.value IS DISTINCT FROM n.value;`;
const NEW_DIFF = `    SELECT coalesce(jsonb_object_agg(n.key,
             jsonb_build_object('from', v_old -> n.key, 'to', n.value)), '{}')
      INTO v_changes
      FROM jsonb_each(v_new) n
      WHERE v_old -> n.key IS DISTINCT FROM n.value;`;
if (!original.includes(OLD_DIFF)) throw new Error('diff text not found');
const variants: Record<string, string> = {
  lean_diff: original.replace(OLD_DIFF, NEW_DIFF),
};

async function main() {
  const env = await BenchEnvironment.create();
  try {
    const unflushed = process.argv.includes('--unflushed');
    const base = dataSourceOptions({
      DATABASE_URL: env.databaseUrl,
      DATABASE_POOL_SIZE: 4,
    });
    const ds = new DataSource(
      unflushed
        ? {
            ...base,
            extra: { ...base.extra, options: '-c synchronous_commit=off' },
          }
        : base,
    );
    await ds.initialize();
    await createBenchBooks(ds);
    const tables = ['bench_plain_books', 'bench_audited_books'];
    for (const [name, fn] of Object.entries(variants)) {
      const sql = fn.replace(
        'CREATE FUNCTION audit_capture()',
        `CREATE FUNCTION audit_capture_${name}()`,
      );
      await ds.query(sql);
      const table = `bench_${name}_books`;
      await ds.query(`CREATE TABLE ${table} (LIKE books INCLUDING ALL)`);
      await ds.query(
        `CREATE TRIGGER ${table}_stamp BEFORE INSERT OR UPDATE ON ${table} FOR EACH ROW EXECUTE FUNCTION stamp_who_when()`,
      );
      const [{ tgargs }] = await ds.query(
        `SELECT pg_get_triggerdef(oid) AS tgargs FROM pg_trigger WHERE tgname = 'audit_capture_trigger' AND tgrelid = 'bench_audited_books'::regclass`,
      );
      const args = /audit_capture\((.*)\)$/
        .exec(tgargs)![1]
        .replace("'bench-audited-books'", `'bench-${name}'`);
      await ds.query(
        `CREATE TRIGGER ${table}_capture AFTER INSERT OR UPDATE OR DELETE ON ${table} FOR EACH ROW EXECUTE FUNCTION audit_capture_${name}(${args})`,
      );
      tables.push(table);
    }
    const tx = new AuditedTransactionService(ds);
    const ids = await seedBenchBooks(tx, 1000);
    for (const table of tables.slice(2)) {
      await tx.run((m) =>
        m.query(`INSERT INTO ${table} SELECT * FROM bench_plain_books`),
      );
    }
    const counters: Record<string, number> = {};
    const rates: Record<string, number[]> = {};
    const run = async (table: string) => {
      const start = performance.now();
      await runConcurrently(1000, 4, async () => {
        const n = (counters[table] = (counters[table] ?? 0) + 1);
        await tx.run(
          (m) =>
            m.query(`UPDATE ${table} SET price = $1 WHERE id = $2`, [
              priceOf(n),
              ids[n % ids.length],
            ]),
          benchAuditContext('x'),
        );
      });
      return 1000 / ((performance.now() - start) / 1000);
    };
    for (const t of tables) await run(t);
    for (let r = 0; r < 7; r += 1) {
      for (const t of tables) (rates[t] ??= []).push(await run(t));
    }
    const plain = median(rates.bench_plain_books);
    for (const t of tables)
      console.log(
        t,
        median(rates[t]).toFixed(0),
        (median(rates[t]) / plain).toFixed(3),
      );
    const check = await ds.query(
      `SELECT ((a.changes - 'updated_at') = (b.changes - 'updated_at') AND (a.changes ? 'updated_at') = (b.changes ? 'updated_at')) AS same, count(*) FROM audit_version a JOIN audit_version b ON b.entity_id = a.entity_id AND b.version = a.version AND b.entity_type = 'bench-lean_diff' WHERE a.entity_type = 'bench-audited-books' AND a.version BETWEEN 2 AND 4 GROUP BY 1`,
    );
    console.log(
      'changes equal to the original trigger (same row, same version):',
      JSON.stringify(check),
    );
    await ds.destroy();
  } finally {
    await env.remove();
  }
}
main().then(
  () => process.exit(0),
  (e) => {
    console.error(e);
    process.exit(1);
  },
);
