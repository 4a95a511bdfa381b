import type { AuditSource } from './audit-context';
import type {
  ChangesDto,
  DeletedObjectResponseDto,
  RevisionResponseDto,
  RevisionVersionDto,
  SnapshotDto,
  UserRefDto,
  VersionAction,
  VersionDetailResponseDto,
  VersionResponseDto,
} from './history-response.dto';

/** A version joined with its revision and user, as VERSION_COLUMNS selects it. */
export interface VersionRow {
  entityType: string;
  entityId: string;
  version: number;
  revisionId: string;
  action: VersionAction;
  at: Date;
  label: string | null;
  changes: Record<string, { from: unknown; to: unknown }>;
  snapshot?: Record<string, unknown>;
  snapshotFormat?: number;
  userId: string | null;
  userName: string | null;
  source: AuditSource;
  comment: string | null;
  requestId: string | null;
  jobRunId: string | null;
}

export interface RevisionRow {
  id: string;
  at: Date;
  userId: string | null;
  userName: string | null;
  source: AuditSource;
  comment: string | null;
  requestId: string | null;
  jobRunId: string | null;
  dbRole: string;
  applicationName: string | null;
}

/**
 * The name of a revision's user: the current one, or else the label of the
 * user's last version, so the history of a deleted user still reads well.
 */
const USER_NAME = `coalesce(u.name, (
  SELECT uv.label FROM audit_version uv
  WHERE uv.entity_type = 'users' AND uv.entity_id = r.user_id::text
  ORDER BY uv.version DESC LIMIT 1))`;

/** Columns and joins behind {@link VersionRow}; `v` is audit_version. */
export const VERSION_SELECT = `
  SELECT v.entity_type AS "entityType", v.entity_id AS "entityId",
    v.version, v.revision_id AS "revisionId", v.action,
    v.created_at AS "at", v.label, v.changes,
    r.user_id AS "userId", ${USER_NAME} AS "userName", r.source,
    r.comment, r.request_id AS "requestId", r.job_run_id AS "jobRunId"`;

export const VERSION_JOINS = `
  FROM audit_version v
  JOIN audit_revision r ON r.id = v.revision_id
  LEFT JOIN users u ON u.id = r.user_id`;

export const REVISION_SELECT = `
  SELECT r.id, r.created_at AS "at", r.user_id AS "userId",
    ${USER_NAME} AS "userName", r.source, r.comment,
    r.request_id AS "requestId", r.job_run_id AS "jobRunId",
    r.db_role AS "dbRole", r.application_name AS "applicationName"
  FROM audit_revision r
  LEFT JOIN users u ON u.id = r.user_id`;

/** Turns `author_id` into `authorId`; other characters stay as they are. */
export function toCamelCase(name: string): string {
  return name.replace(/_+([a-z0-9])/g, (_match, letter: string) =>
    letter.toUpperCase(),
  );
}

/** Renames the top-level keys of a row to camelCase; values stay as stored. */
export function toSnapshotDto(row: Record<string, unknown>): SnapshotDto {
  return Object.fromEntries(
    Object.entries(row).map(([key, value]) => [toCamelCase(key), value]),
  );
}

export function toChangesDto(
  changes: Record<string, { from: unknown; to: unknown }>,
): ChangesDto {
  return Object.fromEntries(
    Object.entries(changes).map(([key, change]) => [
      toCamelCase(key),
      { from: change.from ?? null, to: change.to ?? null },
    ]),
  );
}

function toUserRef(
  userId: string | null,
  userName: string | null,
): UserRefDto | null {
  return userId === null ? null : { id: userId, name: userName };
}

export function toVersionResponse(row: VersionRow): VersionResponseDto {
  return {
    version: row.version,
    revisionId: Number(row.revisionId),
    action: row.action,
    at: row.at.toISOString(),
    user: toUserRef(row.userId, row.userName),
    source: row.source,
    comment: row.comment,
    requestId: row.requestId,
    jobRunId: row.jobRunId,
    label: row.label,
    changes: toChangesDto(row.changes),
  };
}

export function toVersionDetail(row: VersionRow): VersionDetailResponseDto {
  return {
    type: row.entityType,
    id: row.entityId,
    ...toVersionResponse(row),
    snapshot: toSnapshotDto(row.snapshot ?? {}),
    snapshotFormat: row.snapshotFormat ?? 1,
  };
}

export function toDeletedObject(row: VersionRow): DeletedObjectResponseDto {
  return {
    type: row.entityType,
    id: row.entityId,
    version: row.version,
    revisionId: Number(row.revisionId),
    deletedAt: row.at.toISOString(),
    deletedBy: toUserRef(row.userId, row.userName),
    label: row.label,
    snapshot: toSnapshotDto(row.snapshot ?? {}),
  };
}

export function toRevisionVersion(row: VersionRow): RevisionVersionDto {
  return {
    type: row.entityType,
    id: row.entityId,
    version: row.version,
    action: row.action,
    label: row.label,
    changes: toChangesDto(row.changes),
  };
}

export function toRevisionResponse(
  row: RevisionRow,
  versions: VersionRow[],
): RevisionResponseDto {
  return {
    id: Number(row.id),
    at: row.at.toISOString(),
    user: toUserRef(row.userId, row.userName),
    source: row.source,
    comment: row.comment,
    requestId: row.requestId,
    jobRunId: row.jobRunId,
    dbRole: row.dbRole,
    applicationName: row.applicationName,
    versions: versions.map(toRevisionVersion),
  };
}
