import { QueryRunner } from 'typeorm';

export interface TrackTableOptions {
  /** Entity type recorded on each version; defaults to the table name. */
  entityType?: string;
  /** Columns left out of every snapshot, such as secrets. */
  exclude?: string[];
  /** Column whose value becomes the readable label of each version. */
  labelColumn?: string;
}

const TRIGGER = 'audit_capture_trigger';

function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

function arrayLiteral(values: string[]): string {
  return quoteLiteral(`{${values.map((value) => `"${value}"`).join(',')}}`);
}

/**
 * Installs the audit capture trigger on a table, so every insert, update and
 * delete on it becomes a version in the same transaction.
 *
 * The trigger receives the table's timestamp and numeric columns as arguments,
 * because snapshots store them as strings (UTC ISO 8601 with milliseconds, and
 * decimals with their scale). A migration that adds or retypes such a column
 * on a tracked table must call this again; the call replaces the trigger.
 */
export async function trackTable(
  runner: QueryRunner,
  table: string,
  options: TrackTableOptions = {},
): Promise<void> {
  const columns: { column_name: string; data_type: string }[] =
    await runner.query(
      `SELECT column_name, data_type FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1`,
      [table],
    );
  if (columns.length === 0) {
    throw new Error(`Cannot track table "${table}": it does not exist`);
  }

  const exclude = options.exclude ?? [];
  const kept = columns.filter((c) => !exclude.includes(c.column_name));
  const timestamps = kept
    .filter((c) => c.data_type === 'timestamp with time zone')
    .map((c) => c.column_name);
  const decimals = kept
    .filter((c) => c.data_type === 'numeric')
    .map((c) => c.column_name);
  const args = [
    quoteLiteral(options.entityType ?? table),
    arrayLiteral(exclude),
    arrayLiteral(timestamps),
    arrayLiteral(decimals),
    quoteLiteral(options.labelColumn ?? ''),
  ];

  await runner.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON "${table}"`);
  await runner.query(
    `CREATE TRIGGER ${TRIGGER}
     AFTER INSERT OR UPDATE OR DELETE ON "${table}"
     FOR EACH ROW EXECUTE FUNCTION audit_capture(${args.join(', ')})`,
  );
}

/** Removes the audit capture trigger from a table; its history stays. */
export async function untrackTable(
  runner: QueryRunner,
  table: string,
): Promise<void> {
  await runner.query(`DROP TRIGGER IF EXISTS ${TRIGGER} ON "${table}"`);
}
