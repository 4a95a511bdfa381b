import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { type Role, roleIncludes } from '../auth/role';
import { forbidden, invalid, notFound } from '../common/errors';

/** A table carrying the audit capture trigger, as the trigger describes it. */
export interface TrackedTable {
  entityType: string;
  table: string;
  /** Columns the trigger leaves out of every snapshot. */
  excluded: string[];
  /** SQL type of the `id` column, such as `uuid` or `bigint`. */
  idType: string;
  /** Lowest role that may read the history of this type. */
  readRole: Role;
}

/**
 * Entity types whose history needs more than the viewer role, because their
 * own tables do: `GET /users` and `GET /users/:id/tokens` need admin. Every
 * other type is readable by viewers.
 */
export const HISTORY_READ_ROLES: ReadonlyMap<string, Role> = new Map([
  ['users', 'admin'],
  ['api-tokens', 'admin'],
]);

/**
 * Returns the lowest role that may read the history of an entity type, also
 * for a type that is no longer tracked but still has versions.
 */
export function historyReadRole(entityType: string): Role {
  return HISTORY_READ_ROLES.get(entityType) ?? 'viewer';
}

/**
 * Returns a sentence naming the types of HISTORY_READ_ROLES and their roles,
 * such as "The history of users and api-tokens needs the admin role.", for
 * the OpenAPI descriptions.
 */
export function describeHistoryReadRoles(): string {
  const typesByRole = new Map<Role, string[]>();
  for (const [entityType, role] of HISTORY_READ_ROLES) {
    typesByRole.set(role, [...(typesByRole.get(role) ?? []), entityType]);
  }
  const list = new Intl.ListFormat('en', { type: 'conjunction' });

  return [...typesByRole]
    .map(
      ([role, types]) =>
        `The history of ${list.format(types)} needs the ${role} role.`,
    )
    .join(' ');
}

/**
 * Checks that `reader` may read the history of the type.
 *
 * @throws DomainError forbidden naming the type and the role it needs.
 */
export function assertHistoryReadable(
  type: Pick<TrackedTable, 'entityType' | 'readRole'>,
  reader: Role,
): void {
  if (roleIncludes(reader, type.readRole)) return;

  throw forbidden(
    `Reading the history of ${type.entityType} requires the ${type.readRole} role; the token's user is ${reader}`,
  );
}

interface TriggerRow {
  table: string;
  args: Buffer;
  idType: string | null;
}

/** How long a discovered set of tracked tables is trusted. */
const CACHE_TTL_MS = 5_000;

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const INTEGER = /^-?\d{1,19}$/;
const MAX_TEXT_ID_LENGTH = 500;

/**
 * Discovers tracked tables from the capture triggers themselves (trigger
 * `audit_capture_trigger`, first argument the entity type), so tracking a new
 * table in a migration is all it takes to give it a history API.
 */
@Injectable()
export class TrackedTableRegistry {
  private readonly logger = new Logger(TrackedTableRegistry.name);
  private cache?: { loadedAt: number; tables: Map<string, TrackedTable> };

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Returns the tracked table of an entity type. An unknown type triggers one
   * fresh discovery before it is rejected, so a table tracked a moment ago is
   * found at once.
   *
   * @throws DomainError not-found naming the known types.
   */
  async get(
    entityType: string,
    manager: EntityManager = this.dataSource.manager,
  ): Promise<TrackedTable> {
    let tables = await this.tables(manager);
    if (!tables.has(entityType)) tables = await this.load(manager);

    const table = tables.get(entityType);
    if (!table) {
      const known = [...tables.keys()].sort().join(', ');
      throw notFound(
        `Unknown entity type "${entityType}"; known types: ${known}`,
      );
    }

    return table;
  }

  /** Re-reads the triggers, for writes that must see the current arguments. */
  async getFresh(
    entityType: string,
    manager: EntityManager,
  ): Promise<TrackedTable> {
    await this.load(manager);

    return this.get(entityType, manager);
  }

  /**
   * Checks that an object id fits the table's id column.
   *
   * @throws DomainError invalid naming the field.
   */
  assertId(table: TrackedTable, id: string): void {
    if (table.idType === 'uuid' && !UUID.test(id)) {
      throw invalid(`id must be a UUID for ${table.entityType}; got "${id}"`);
    }
    if (['integer', 'bigint', 'smallint'].includes(table.idType)) {
      if (!INTEGER.test(id)) {
        throw invalid(`id must be an integer for ${table.entityType}`);
      }
    }
    if (id.length === 0 || id.length > MAX_TEXT_ID_LENGTH) {
      throw invalid(`id must be 1 to ${MAX_TEXT_ID_LENGTH} characters`);
    }
  }

  /**
   * Returns the id as the capture trigger stored it in entity_id: a UUID in
   * lower case and an integer without leading zeros, so `/history/books/ABC…`
   * finds what `/books/ABC…` changed. Call after {@link assertId}.
   */
  canonicalId(table: TrackedTable, id: string): string {
    if (table.idType === 'uuid') return id.toLowerCase();
    if (['integer', 'bigint', 'smallint'].includes(table.idType)) {
      return BigInt(id).toString();
    }

    return id;
  }

  private async tables(
    manager: EntityManager,
  ): Promise<Map<string, TrackedTable>> {
    const fresh = this.cache && Date.now() - this.cache.loadedAt < CACHE_TTL_MS;

    return fresh && this.cache ? this.cache.tables : this.load(manager);
  }

  private async load(
    manager: EntityManager,
  ): Promise<Map<string, TrackedTable>> {
    const rows: TriggerRow[] = await manager.query(`
      SELECT c.relname AS "table", t.tgargs AS args,
             format_type(a.atttypid, a.atttypmod) AS "idType"
      FROM pg_trigger t
      JOIN pg_class c ON c.oid = t.tgrelid
      JOIN pg_namespace n ON n.oid = c.relnamespace
      LEFT JOIN pg_attribute a
        ON a.attrelid = c.oid AND a.attname = 'id' AND NOT a.attisdropped
      WHERE t.tgname = 'audit_capture_trigger'
        AND n.nspname = current_schema()`);
    const tables = new Map<string, TrackedTable>();
    for (const row of rows) {
      const table = toTrackedTable(row);
      tables.set(table.entityType, table);
    }
    this.cache = { loadedAt: Date.now(), tables };
    this.logger.debug(
      `Discovered tracked types: ${[...tables.keys()].join(', ')}`,
    );

    return tables;
  }
}

/** Trigger arguments set by audit_track_table(): type, excluded, label. */
function toTrackedTable(row: TriggerRow): TrackedTable {
  const args = splitTriggerArgs(row.args);
  const entityType = args[0] || row.table;

  return {
    entityType,
    table: row.table,
    excluded: parseTextArray(args[1] ?? '{}'),
    idType: row.idType ?? 'text',
    readRole: historyReadRole(entityType),
  };
}

/** pg_trigger.tgargs stores each argument followed by a NUL byte. */
function splitTriggerArgs(args: Buffer): string[] {
  const parts = args.toString('utf8').split('\0');
  if (parts[parts.length - 1] === '') parts.pop();

  return parts;
}

/** Parses the `{"a","b"}` literals that trackTable() writes. */
function parseTextArray(literal: string): string[] {
  const inner = literal.trim().replace(/^\{/, '').replace(/\}$/, '');
  if (inner === '') return [];

  return inner.split(',').map((item) => item.replace(/^"|"$/g, ''));
}
