import { ApiProperty } from '@nestjs/swagger';

/**
 * The object as it is after a revert or recover (camelCase fields), plus
 * what the write did. The class documents the fixed fields; the object's own
 * fields sit beside them.
 */
export class RevertResponseDto {
  [field: string]: unknown;

  @ApiProperty({
    type: 'integer',
    description: "The object's current version number after the write",
  })
  version: number;

  @ApiProperty({
    type: [String],
    description: 'Fields of the old snapshot that the table no longer has',
  })
  ignoredFields: string[];

  @ApiProperty({
    description:
      'False when the object already matched the snapshot: nothing was written',
  })
  reverted: boolean;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'The revision the write created, or null when nothing was written',
  })
  revisionId: number | null;
}

export const REVISION_REVERT_ACTIONS = [
  'revert',
  'recover',
  'delete',
  'unchanged',
] as const;

/** Outcome of a revision revert for one object the revision touched. */
export class RevisionRevertItemDto {
  @ApiProperty({ example: 'books' })
  type: string;

  @ApiProperty()
  id: string;

  @ApiProperty({
    enum: REVISION_REVERT_ACTIONS,
    description:
      'revert restores the fields the object had before the revision, recover re-creates an object it deleted, delete removes one it created, unchanged writes nothing',
  })
  action: (typeof REVISION_REVERT_ACTIONS)[number];

  @ApiProperty({
    type: 'integer',
    description: "The object's latest version number after the revert",
  })
  version: number;

  @ApiProperty({ type: [String] })
  ignoredFields: string[];
}

/** `POST /revisions/:id/revert`. */
export class RevisionRevertResponseDto {
  @ApiProperty({ type: 'integer' })
  revertedRevisionId: number;

  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'The revision holding the revert, or null when nothing changed',
  })
  revisionId: number | null;

  @ApiProperty({ type: () => [RevisionRevertItemDto] })
  items: RevisionRevertItemDto[];
}
