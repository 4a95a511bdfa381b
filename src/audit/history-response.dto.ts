import type { AuditSource } from './audit-context';

export type VersionAction =
  'create' | 'update' | 'delete' | 'revert' | 'recover';

/** Field changes keyed by camelCase field name. */
export type ChangesDto = Record<string, { from: unknown; to: unknown }>;

/** A row as JSON, keyed by camelCase field name. */
export type SnapshotDto = Record<string, unknown>;

export interface UserRefDto {
  id: string;
  /** Null only when the user is gone and no version of it names it. */
  name: string | null;
}

/** One version of one object, as listed by `GET /history/:type/:id`. */
export interface VersionResponseDto {
  version: number;
  revisionId: number;
  action: VersionAction;
  /** When the revision was written: ISO 8601, UTC, milliseconds. */
  at: string;
  user: UserRefDto | null;
  source: AuditSource;
  comment: string | null;
  requestId: string | null;
  jobRunId: string | null;
  label: string | null;
  changes: ChangesDto;
}

/** `GET /history/:type/:id/versions/:version`: a version and its row. */
export interface VersionDetailResponseDto extends VersionResponseDto {
  type: string;
  id: string;
  snapshot: SnapshotDto;
  snapshotFormat: number;
}

/** `GET /history/:type/:id/as-of`: the version in force at `asOf`. */
export interface AsOfResponseDto extends VersionDetailResponseDto {
  asOf: string;
}

/** `GET /history/:type/:id/diff`, computed from the two snapshots. */
export interface DiffResponseDto {
  type: string;
  id: string;
  from: number;
  to: number;
  changes: ChangesDto;
}

/** An object of `GET /history/:type/deleted`: its delete and last state. */
export interface DeletedObjectResponseDto {
  type: string;
  id: string;
  /** The version number of the delete. */
  version: number;
  revisionId: number;
  deletedAt: string;
  deletedBy: UserRefDto | null;
  label: string | null;
  snapshot: SnapshotDto;
}

/** A version as listed inside a revision. */
export interface RevisionVersionDto {
  type: string;
  id: string;
  version: number;
  action: VersionAction;
  label: string | null;
  changes: ChangesDto;
}

/** One transaction's changes, or one actor block's inside it. */
export interface RevisionResponseDto {
  id: number;
  at: string;
  user: UserRefDto | null;
  source: AuditSource;
  comment: string | null;
  requestId: string | null;
  jobRunId: string | null;
  /** Database role that wrote it; telling for writes from outside the service. */
  dbRole: string;
  applicationName: string | null;
  versions: RevisionVersionDto[];
}
