import { ApiProperty, type ApiPropertyOptions } from '@nestjs/swagger';
import { AUDIT_SOURCES, type AuditSource } from './audit-context';

export const VERSION_ACTIONS = [
  'create',
  'update',
  'delete',
  'revert',
  'recover',
] as const;
export type VersionAction = (typeof VERSION_ACTIONS)[number];

/** Field changes keyed by camelCase field name. */
export type ChangesDto = Record<string, { from: unknown; to: unknown }>;

/** A row as JSON, keyed by camelCase field name. */
export type SnapshotDto = Record<string, unknown>;

/** OpenAPI schema of a `ChangesDto`. */
const CHANGES_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: {
    type: 'object',
    properties: { from: {}, to: {} },
    required: ['from', 'to'],
  },
  example: { title: { from: 'Pride & Prejudice', to: 'Pride and Prejudice' } },
  description:
    'Changed fields by camelCase name, each with its value before and after',
};

/** OpenAPI schema of a `SnapshotDto`. */
const SNAPSHOT_SCHEMA: ApiPropertyOptions = {
  type: 'object',
  additionalProperties: true,
  description:
    'The row as JSON by camelCase field name; timestamps are UTC ISO strings with milliseconds, numerics are strings',
};

const INSTANT = { type: String, format: 'date-time' } as const;

export class UserRefDto {
  @ApiProperty({ format: 'uuid' })
  id: string;

  @ApiProperty({
    type: String,
    nullable: true,
    description:
      'Null only when the user is gone and no version of it names it',
  })
  name: string | null;
}

/** One version of one object, as listed by `GET /history/:type/:id`. */
export class VersionResponseDto {
  @ApiProperty({ type: 'integer', minimum: 1, example: 3 })
  version: number;

  @ApiProperty({ type: 'integer' })
  revisionId: number;

  @ApiProperty({ enum: VERSION_ACTIONS })
  action: VersionAction;

  @ApiProperty({
    ...INSTANT,
    description: 'When the revision was written: UTC, milliseconds',
  })
  at: string;

  @ApiProperty({ type: () => UserRefDto, nullable: true })
  user: UserRefDto | null;

  @ApiProperty({ enum: AUDIT_SOURCES })
  source: AuditSource;

  @ApiProperty({ type: String, nullable: true })
  comment: string | null;

  @ApiProperty({ type: String, nullable: true })
  requestId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  jobRunId: string | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Human-readable name of the object at this version',
  })
  label: string | null;

  @ApiProperty(CHANGES_SCHEMA)
  changes: ChangesDto;
}

/** `GET /history/:type/:id/versions/:version`: a version and its row. */
export class VersionDetailResponseDto extends VersionResponseDto {
  @ApiProperty({ example: 'books', description: 'The entity type' })
  type: string;

  @ApiProperty()
  id: string;

  @ApiProperty(SNAPSHOT_SCHEMA)
  snapshot: SnapshotDto;

  @ApiProperty({
    type: 'integer',
    description: 'Version of the snapshot encoding',
  })
  snapshotFormat: number;
}

/** `GET /history/:type/:id/as-of`: the version in force at `asOf`. */
export class AsOfResponseDto extends VersionDetailResponseDto {
  @ApiProperty({ ...INSTANT, description: 'The requested instant' })
  asOf: string;
}

/** `GET /history/:type/:id/diff`, computed from the two snapshots. */
export class DiffResponseDto {
  @ApiProperty({ example: 'books' })
  type: string;

  @ApiProperty()
  id: string;

  @ApiProperty({ type: 'integer' })
  from: number;

  @ApiProperty({ type: 'integer' })
  to: number;

  @ApiProperty(CHANGES_SCHEMA)
  changes: ChangesDto;
}

/** An object of `GET /history/:type/deleted`: its delete and last state. */
export class DeletedObjectResponseDto {
  @ApiProperty({ example: 'books' })
  type: string;

  @ApiProperty()
  id: string;

  @ApiProperty({
    type: 'integer',
    description: 'The version number of the delete',
  })
  version: number;

  @ApiProperty({ type: 'integer' })
  revisionId: number;

  @ApiProperty(INSTANT)
  deletedAt: string;

  @ApiProperty({ type: () => UserRefDto, nullable: true })
  deletedBy: UserRefDto | null;

  @ApiProperty({ type: String, nullable: true })
  label: string | null;

  @ApiProperty({
    ...SNAPSHOT_SCHEMA,
    description: 'The row as it was just before the delete',
  })
  snapshot: SnapshotDto;
}

/** A version as listed inside a revision. */
export class RevisionVersionDto {
  @ApiProperty({ example: 'books' })
  type: string;

  @ApiProperty()
  id: string;

  @ApiProperty({ type: 'integer' })
  version: number;

  @ApiProperty({ enum: VERSION_ACTIONS })
  action: VersionAction;

  @ApiProperty({ type: String, nullable: true })
  label: string | null;

  @ApiProperty(CHANGES_SCHEMA)
  changes: ChangesDto;
}

/** One transaction's changes, or one actor block's inside it. */
export class RevisionResponseDto {
  @ApiProperty({ type: 'integer' })
  id: number;

  @ApiProperty(INSTANT)
  at: string;

  @ApiProperty({ type: () => UserRefDto, nullable: true })
  user: UserRefDto | null;

  @ApiProperty({ enum: AUDIT_SOURCES })
  source: AuditSource;

  @ApiProperty({ type: String, nullable: true })
  comment: string | null;

  @ApiProperty({ type: String, nullable: true })
  requestId: string | null;

  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  jobRunId: string | null;

  @ApiProperty({
    description:
      'Database role that wrote it; telling for writes from outside the service',
  })
  dbRole: string;

  @ApiProperty({ type: String, nullable: true })
  applicationName: string | null;

  @ApiProperty({ type: () => [RevisionVersionDto] })
  versions: RevisionVersionDto[];
}
