import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import type { Role } from '../auth/role';
import { notFound } from '../common/errors';
import { decodeCursor, Page, PageQueryDto, toPage } from '../common/pagination';
import type {
  AsOfQueryDto,
  DiffQueryDto,
  HistoryQueryDto,
} from './history-query.dto';
import type {
  AsOfResponseDto,
  DeletedObjectResponseDto,
  DiffResponseDto,
  VersionDetailResponseDto,
  VersionResponseDto,
} from './history-response.dto';
import { redactRowValues } from './restricted-fields';
import {
  assertHistoryReadable,
  TrackedTable,
  TrackedTableRegistry,
} from './tracked-table.registry';
import {
  toChangesDto,
  toDeletedObject,
  toVersionDetail,
  toVersionResponse,
  VERSION_JOINS,
  VERSION_SELECT,
  VersionRow,
} from './version.mapper';
import { earliestKeptVersion, prunedVersionMessage } from './pruned-history';

const WITH_SNAPSHOT = `${VERSION_SELECT},
    v.snapshot, v.snapshot_format AS "snapshotFormat"`;

/**
 * Reads the versions of tracked objects: pages, single versions, diffs. Each
 * read rejects a reader below the type's read role (TrackedTable.readRole)
 * and leaves out the restricted keys (restricted-fields.ts) that the
 * reader's role may not read.
 */
@Injectable()
export class HistoryService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly registry: TrackedTableRegistry,
  ) {}

  /** Lists an object's versions, newest first, keyset-paginated by version. */
  async list(
    type: string,
    id: string,
    query: HistoryQueryDto,
    reader: Role,
  ): Promise<Page<VersionResponseDto>> {
    const table = await this.resolve(type, id, reader);
    id = this.registry.canonicalId(table, id);
    const below = this.upperBound(query);

    const rows: VersionRow[] = await this.dataSource.query(
      `${VERSION_SELECT} ${VERSION_JOINS}
       WHERE v.entity_type = $1 AND v.entity_id = $2 AND v.version < $3::bigint
       ORDER BY v.version DESC
       LIMIT $4`,
      [table.entityType, id, below, query.limit + 1],
    );
    if (rows.length === 0) await this.assertHasHistory(table, id);

    return toPage(
      rows,
      query.limit,
      (row) => [row.version],
      (row) =>
        redactRowValues(table.entityType, toVersionResponse(row), reader),
    );
  }

  async getVersion(
    type: string,
    id: string,
    version: number,
    reader: Role,
  ): Promise<VersionDetailResponseDto> {
    const table = await this.resolve(type, id, reader);
    id = this.registry.canonicalId(table, id);
    const row = await this.findVersion(table, id, version);

    return redactRowValues(table.entityType, toVersionDetail(row), reader);
  }

  /** Compares two snapshots field by field; the versions need not be adjacent. */
  async diff(
    type: string,
    id: string,
    query: DiffQueryDto,
    reader: Role,
  ): Promise<DiffResponseDto> {
    const table = await this.resolve(type, id, reader);
    id = this.registry.canonicalId(table, id);
    const from = await this.findVersion(table, id, query.from);
    const to = await this.findVersion(table, id, query.to);

    const [row] = await this.dataSource.query(
      `SELECT coalesce(jsonb_object_agg(coalesce(b.key, a.key),
                jsonb_build_object('from', a.value, 'to', b.value)), '{}')
                AS changes
       FROM jsonb_each($1::jsonb) a
       FULL JOIN jsonb_each($2::jsonb) b ON b.key = a.key
       WHERE a.value IS DISTINCT FROM b.value`,
      [JSON.stringify(from.snapshot), JSON.stringify(to.snapshot)],
    );

    const diff: DiffResponseDto = {
      type: table.entityType,
      id,
      from: query.from,
      to: query.to,
      changes: toChangesDto(row.changes),
    };

    return redactRowValues(table.entityType, diff, reader);
  }

  /**
   * Returns the version in force at an instant: the last one written at or
   * before it (the highest number among versions of one transaction).
   *
   * @throws DomainError not-found before the first version or after a delete.
   */
  async asOf(
    type: string,
    id: string,
    query: AsOfQueryDto,
    reader: Role,
  ): Promise<AsOfResponseDto> {
    const table = await this.resolve(type, id, reader);
    id = this.registry.canonicalId(table, id);

    const [row]: VersionRow[] = await this.dataSource.query(
      `${WITH_SNAPSHOT} ${VERSION_JOINS}
       WHERE v.entity_type = $1 AND v.entity_id = $2
         AND v.created_at <= $3::timestamptz
       ORDER BY v.created_at DESC, v.version DESC
       LIMIT 1`,
      [table.entityType, id, query.at],
    );
    if (!row) {
      await this.assertHasHistory(table, id);
      const earliest = await earliestKeptVersion(
        this.dataSource.manager,
        table.entityType,
        id,
      );
      if (earliest && earliest.version > 1) {
        throw notFound(
          `${type} ${id} has no version kept from ${query.at}: versions before ${earliest.version} were pruned by retention, and version ${earliest.version} is from ${earliest.at.toISOString()}`,
        );
      }
      throw notFound(`${type} ${id} did not exist yet at ${query.at}`);
    }
    if (row.action === 'delete') {
      throw notFound(
        `${type} ${id} was deleted at ${row.at.toISOString()} (version ${row.version}) and did not exist at ${query.at}`,
      );
    }

    const version: AsOfResponseDto = {
      ...toVersionDetail(row),
      asOf: new Date(query.at).toISOString(),
    };

    return redactRowValues(table.entityType, version, reader);
  }

  /** Lists objects whose latest version is a delete, latest delete first. */
  async deleted(
    type: string,
    query: PageQueryDto,
    reader: Role,
  ): Promise<Page<DeletedObjectResponseDto>> {
    const table = await this.readableTable(type, reader);
    const params: unknown[] = [table.entityType, query.limit + 1];
    let after = '';
    if (query.cursor) {
      const [at, versionId] = decodeCursor(query.cursor, ['instant', 'bigint']);
      params.push(at, versionId);
      after = 'AND (v.created_at, v.id) < ($3::timestamptz, $4::bigint)';
    }

    const rows: (VersionRow & { versionId: string })[] =
      await this.dataSource.query(
        `${WITH_SNAPSHOT}, v.id AS "versionId" ${VERSION_JOINS}
         WHERE v.entity_type = $1 AND v.action = 'delete' ${after}
           AND NOT EXISTS (
             SELECT 1 FROM audit_version later
             WHERE later.entity_type = v.entity_type
               AND later.entity_id = v.entity_id
               AND later.version > v.version)
         ORDER BY v.created_at DESC, v.id DESC
         LIMIT $2`,
        params,
      );

    return toPage(
      rows,
      query.limit,
      (row) => [row.at.toISOString(), row.versionId],
      (row) => redactRowValues(table.entityType, toDeletedObject(row), reader),
    );
  }

  /**
   * Resolves the table and checks the reader's role before the id, so a 403
   * does not reveal which ids exist.
   */
  private async resolve(
    type: string,
    id: string,
    reader: Role,
  ): Promise<TrackedTable> {
    const table = await this.readableTable(type, reader);
    this.registry.assertId(table, id);

    return table;
  }

  private async readableTable(
    type: string,
    reader: Role,
  ): Promise<TrackedTable> {
    const table = await this.registry.get(type);
    assertHistoryReadable(table, reader);

    return table;
  }

  /** The exclusive upper version bound from `cursor` and `beforeVersion`. */
  private upperBound(query: HistoryQueryDto): number {
    let below = Number.MAX_SAFE_INTEGER;
    if (query.cursor) {
      const [version] = decodeCursor(query.cursor, ['version']);
      below = Math.min(below, version);
    }
    if (query.beforeVersion !== undefined) {
      below = Math.min(below, query.beforeVersion);
    }

    return below;
  }

  private async findVersion(
    table: TrackedTable,
    id: string,
    version: number,
  ): Promise<VersionRow> {
    const [row]: VersionRow[] = await this.dataSource.query(
      `${WITH_SNAPSHOT} ${VERSION_JOINS}
       WHERE v.entity_type = $1 AND v.entity_id = $2 AND v.version = $3`,
      [table.entityType, id, version],
    );
    if (!row) {
      await this.assertHasHistory(table, id);
      const pruned = prunedVersionMessage(
        table.entityType,
        id,
        version,
        await earliestKeptVersion(
          this.dataSource.manager,
          table.entityType,
          id,
        ),
      );
      throw notFound(
        pruned ?? `${table.entityType} ${id} has no version ${version}`,
      );
    }

    return row;
  }

  private async assertHasHistory(
    table: TrackedTable,
    id: string,
  ): Promise<void> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM audit_version
       WHERE entity_type = $1 AND entity_id = $2 LIMIT 1`,
      [table.entityType, id],
    );
    if (rows.length === 0) {
      throw notFound(`${table.entityType} ${id} has no history`);
    }
  }
}
