import { QueryRunner } from 'typeorm';

export interface TrackTableOptions {
  /** Entity type recorded on each version; defaults to the table name. */
  entityType?: string;
  /** Columns left out of every snapshot, such as secrets. */
  exclude?: string[];
  /** Column whose value becomes the readable label of each version. */
  labelColumn?: string;
}

/**
 * Installs the audit capture trigger on a table, so every insert, update and
 * delete on it becomes a version in the same transaction.
 *
 * audit_track_table() generates the table's capture function from its
 * current columns. When the migration runs as a superuser, an event trigger
 * regenerates it after every ALTER TABLE. Otherwise a migration that changes
 * the columns of a tracked table calls this again; the call replaces the
 * trigger and keeps the history.
 */
export async function trackTable(
  runner: QueryRunner,
  table: string,
  options: TrackTableOptions = {},
): Promise<void> {
  await runner.query(
    'SELECT audit_track_table($1::regclass, $2, $3::text[], $4)',
    [
      `"${table.replace(/"/g, '""')}"`,
      options.entityType ?? table,
      options.exclude ?? [],
      options.labelColumn ?? null,
    ],
  );
}

/** Removes the audit capture trigger from a table; its history stays. */
export async function untrackTable(
  runner: QueryRunner,
  table: string,
): Promise<void> {
  await runner.query('SELECT audit_untrack_table($1::regclass)', [
    `"${table.replace(/"/g, '""')}"`,
  ]);
}
