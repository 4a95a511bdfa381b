import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { type Role, roleIncludes } from '../auth/role';
import { notFound } from '../common/errors';
import { decodeCursor, Page, toPage } from '../common/pagination';
import type { RevisionResponseDto } from './history-response.dto';
import { redactRowValues } from './restricted-fields';
import type { RevisionQueryDto } from './revision-query.dto';
import {
  assertHistoryReadable,
  historyReadRole,
} from './tracked-table.registry';
import {
  REVISION_SELECT,
  RevisionRow,
  toRevisionResponse,
  VERSION_JOINS,
  VERSION_SELECT,
  VersionRow,
} from './version.mapper';

/**
 * Reads revisions, each with the versions it wrote. A reader gets every
 * revision, but only the versions of types whose history its role may read
 * (historyReadRole), without the restricted keys (restricted-fields.ts) that
 * its role may not read.
 */
@Injectable()
export class RevisionsService {
  constructor(private readonly dataSource: DataSource) {}

  /** Lists revisions newest first, filtered by user, type, source and time. */
  async list(
    query: RevisionQueryDto,
    reader: Role,
  ): Promise<Page<RevisionResponseDto>> {
    if (query.type) {
      const readRole = historyReadRole(query.type);
      assertHistoryReadable({ entityType: query.type, readRole }, reader);
    }
    const { where, params } = this.filters(query);
    params.push(query.limit + 1);

    const rows: RevisionRow[] = await this.dataSource.query(
      `${REVISION_SELECT}
       ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY r.created_at DESC, r.id DESC
       LIMIT $${params.length}`,
      params,
    );
    const versions = await this.versionsOf(
      rows.slice(0, query.limit).map((row) => row.id),
    );

    return toPage(
      rows,
      query.limit,
      (row) => [row.at.toISOString(), row.id],
      (row) =>
        redactRevision(
          toRevisionResponse(row, versions.get(row.id) ?? []),
          reader,
        ),
    );
  }

  async get(id: number, reader: Role): Promise<RevisionResponseDto> {
    const [row]: RevisionRow[] = await this.dataSource.query(
      `${REVISION_SELECT} WHERE r.id = $1`,
      [id],
    );
    if (!row) throw notFound(`Revision ${id} not found`);
    const versions = await this.versionsOf([row.id]);

    return redactRevision(
      toRevisionResponse(row, versions.get(row.id) ?? []),
      reader,
    );
  }

  private filters(query: RevisionQueryDto): {
    where: string[];
    params: unknown[];
  } {
    const where: string[] = [];
    const params: unknown[] = [];
    // Each ? in a condition becomes the next numbered parameter.
    const add = (condition: string, ...values: unknown[]) => {
      let next = 0;
      where.push(
        condition.replace(/\?/g, () => {
          params.push(values[next]);
          next += 1;

          return `$${params.length}`;
        }),
      );
    };

    if (query.userId) add('r.user_id = ?::uuid', query.userId);
    if (query.source) add('r.source = ?', query.source);
    if (query.from) add('r.created_at >= ?::timestamptz', query.from);
    if (query.to) add('r.created_at < ?::timestamptz', query.to);
    if (query.type) {
      add(
        `EXISTS (SELECT 1 FROM audit_version tv
           WHERE tv.revision_id = r.id AND tv.entity_type = ?)`,
        query.type,
      );
    }
    if (query.cursor) {
      const [at, id] = decodeCursor(query.cursor, ['instant', 'bigint']);
      add('(r.created_at, r.id) < (?::timestamptz, ?::bigint)', at, id);
    }

    return { where, params };
  }

  // NOTE: a revision's versions are returned whole; a bulk revision of
  // many thousand rows makes a large response.
  private async versionsOf(
    revisionIds: string[],
  ): Promise<Map<string, VersionRow[]>> {
    const byRevision = new Map<string, VersionRow[]>();
    if (revisionIds.length === 0) return byRevision;

    const rows: VersionRow[] = await this.dataSource.query(
      `${VERSION_SELECT} ${VERSION_JOINS}
       WHERE v.revision_id = ANY($1::bigint[])
       ORDER BY v.revision_id, v.id`,
      [revisionIds],
    );
    for (const row of rows) {
      const list = byRevision.get(row.revisionId) ?? [];
      list.push(row);
      byRevision.set(row.revisionId, list);
    }

    return byRevision;
  }
}

/**
 * Returns the revision without the versions of types whose history `reader`
 * may not read, and without restricted keys in the others. The revision's
 * own fields (who, when, source) stay, so an audit trail stays readable.
 */
function redactRevision(
  revision: RevisionResponseDto,
  reader: Role,
): RevisionResponseDto {
  const readable = revision.versions.filter((version) =>
    roleIncludes(reader, historyReadRole(version.type)),
  );

  return {
    ...revision,
    versions: readable.map((version) =>
      redactRowValues(version.type, version, reader),
    ),
  };
}
