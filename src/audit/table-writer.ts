import { Injectable } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import { conflict, unprocessable } from '../common/errors';
import type { TrackedTable } from './tracked-table.registry';
import { toCamelCase } from './version.mapper';

/** A column of a tracked table as it is now. */
export interface TableColumn {
  name: string;
  dataType: string;
  hasDefault: boolean;
  /** A generated column, which cannot be written. */
  generated: boolean;
  /** A GENERATED ALWAYS identity, written only with OVERRIDING SYSTEM VALUE. */
  identityAlways: boolean;
}

/** Who/when columns, which the table's stamp trigger sets on every write. */
const WHO_WHEN = new Set([
  'created_at',
  'created_by',
  'updated_at',
  'updated_by',
]);

/**
 * Key/value pairs per jsonb_build_object call. A PostgreSQL function takes at
 * most 100 arguments in a default build (FUNC_MAX_ARGS), so 50 pairs at most.
 */
const PAIRS_PER_CALL = 40;

export type Snapshot = Record<string, unknown>;

/**
 * Writes snapshots back into tracked tables with SQL built from the table's
 * current columns, so a table needs no entity class to be reverted.
 */
@Injectable()
export class TableWriter {
  async columns(
    manager: EntityManager,
    table: TrackedTable,
  ): Promise<TableColumn[]> {
    return manager.query(
      `SELECT column_name AS name, data_type AS "dataType",
         column_default IS NOT NULL AS "hasDefault",
         (is_generated = 'ALWAYS') AS generated,
         (identity_generation = 'ALWAYS') IS TRUE AS "identityAlways"
       FROM information_schema.columns
       WHERE table_schema = current_schema() AND table_name = $1
       ORDER BY ordinal_position`,
      [table.table],
    );
  }

  /**
   * Reads a row as snapshots store it (timestamps as UTC ISO strings with
   * milliseconds, numerics as strings, excluded columns left out), locking it
   * when `lock` is set.
   */
  async read(
    manager: EntityManager,
    table: TrackedTable,
    columns: TableColumn[],
    id: string,
    lock = false,
  ): Promise<Snapshot | undefined> {
    const [row]: { row: Snapshot }[] = await manager.query(
      `SELECT ${rowJson(columns, table.excluded)} AS row
       FROM ${quote(table.table)} t WHERE t.id = $1
       ${lock ? 'FOR UPDATE' : ''}`,
      [id],
    );

    return row?.row;
  }

  /**
   * Sets a row's columns from a snapshot. A column missing from the snapshot
   * (added since) takes its default, or keeps its value when it has none.
   * Who/when, excluded and generated columns keep their values.
   *
   * @returns the snapshot fields the table no longer has.
   */
  async update(
    manager: EntityManager,
    table: TrackedTable,
    columns: TableColumn[],
    id: string,
    snapshot: Snapshot,
  ): Promise<string[]> {
    const assignments: string[] = [];
    for (const column of columns) {
      if (!writable(column, table) || WHO_WHEN.has(column.name)) continue;
      if (column.name in snapshot) {
        assignments.push(`${quote(column.name)} = s.${quote(column.name)}`);
      } else if (column.hasDefault) {
        assignments.push(`${quote(column.name)} = DEFAULT`);
      }
    }

    if (assignments.length > 0) {
      await manager.query(
        `UPDATE ${quote(table.table)} AS t SET ${assignments.join(', ')}
         FROM jsonb_populate_record(NULL::${quote(table.table)}, $1::jsonb) s
         WHERE t.id = $2`,
        [JSON.stringify(snapshot), id],
      );
    }

    return ignoredFields(columns, snapshot);
  }

  /**
   * Inserts a row from a snapshot under its old id. Columns missing from the
   * snapshot take their defaults; the stamp trigger keeps the snapshot's
   * created_* and sets updated_* to the actor.
   *
   * @returns the snapshot fields the table no longer has.
   */
  async insert(
    manager: EntityManager,
    table: TrackedTable,
    columns: TableColumn[],
    snapshot: Snapshot,
  ): Promise<string[]> {
    const insertable = columns.filter(
      (column) =>
        (writable(column, table) || column.name === 'id') &&
        column.name in snapshot,
    );
    const names = insertable.map((column) => quote(column.name));
    const overriding = insertable.some((column) => column.identityAlways)
      ? 'OVERRIDING SYSTEM VALUE'
      : '';

    await manager.query(
      `INSERT INTO ${quote(table.table)} (${names.join(', ')}) ${overriding}
       SELECT ${names.map((name) => `s.${name}`).join(', ')}
       FROM jsonb_populate_record(NULL::${quote(table.table)}, $1::jsonb) s`,
      [JSON.stringify(snapshot)],
    );

    return ignoredFields(columns, snapshot);
  }

  async delete(
    manager: EntityManager,
    table: TrackedTable,
    id: string,
  ): Promise<void> {
    await manager.query(`DELETE FROM ${quote(table.table)} WHERE id = $1`, [
      id,
    ]);
  }
}

function writable(column: TableColumn, table: TrackedTable): boolean {
  return (
    column.name !== 'id' &&
    !column.generated &&
    !column.identityAlways &&
    !table.excluded.includes(column.name)
  );
}

function ignoredFields(columns: TableColumn[], snapshot: Snapshot): string[] {
  const present = new Set(columns.map((column) => column.name));

  return Object.keys(snapshot)
    .filter((field) => !present.has(field))
    .map(toCamelCase);
}

function quote(identifier: string): string {
  return `"${identifier.replace(/"/g, '""')}"`;
}

/** Builds a jsonb expression over row alias `t`, formatted like snapshots. */
function rowJson(columns: TableColumn[], excluded: string[]): string {
  const formatted: string[] = [];
  for (const column of columns) {
    if (excluded.includes(column.name)) continue;
    const ref = `t.${quote(column.name)}`;
    if (column.dataType === 'timestamp with time zone') {
      formatted.push(
        `'${column.name.replace(/'/g, "''")}', to_char(${ref} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`,
      );
    } else if (column.dataType === 'numeric') {
      formatted.push(`'${column.name.replace(/'/g, "''")}', ${ref}::text`);
    }
  }

  const parts = [`(to_jsonb(t) - ${textArray(excluded)})`];
  for (let start = 0; start < formatted.length; start += PAIRS_PER_CALL) {
    const pairs = formatted.slice(start, start + PAIRS_PER_CALL);
    parts.push(`jsonb_build_object(${pairs.join(', ')})`);
  }

  return parts.join(' || ');
}

function textArray(values: string[]): string {
  const items = values.map((value) => `'${value.replace(/'/g, "''")}'`);

  return `ARRAY[${items.join(', ')}]::text[]`;
}

/**
 * Turns a failed write into the reason a revert is impossible: 422 for a
 * foreign key, not-null, check or type problem, 409 for a unique value taken
 * since. Other errors are returned unchanged.
 */
export function toRevertError(error: unknown, subject: string): unknown {
  if (!(error instanceof QueryFailedError)) return error;
  const driverError = error.driverError as { code?: string; detail?: string };
  const reason = driverError.detail ?? error.message;
  const code = driverError.code ?? '';

  if (code === '23503') {
    return unprocessable(
      `Cannot ${subject}: it references a row that no longer exists or is still referenced (${reason})`,
    );
  }
  if (code === '23505') {
    return conflict(
      `Cannot ${subject}: a unique value it needs is taken (${reason})`,
    );
  }
  if (code.startsWith('23') || code.startsWith('22')) {
    return unprocessable(`Cannot ${subject}: ${error.message}`);
  }
  if (code === '40P01' || code === '40001') {
    return conflict(
      `Cannot ${subject} now: a concurrent write got in the way; retry`,
    );
  }

  return error;
}

export function isForeignKeyViolation(error: unknown): boolean {
  return (
    error instanceof QueryFailedError &&
    (error.driverError as { code?: string }).code === '23503'
  );
}
