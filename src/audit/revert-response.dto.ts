/**
 * The object as it is after a revert or recover (camelCase fields), plus
 * what the write did.
 */
export type RevertResponseDto = Record<string, unknown> & {
  /** The object's current version number after the write. */
  version: number;
  /** Fields of the old snapshot that the table no longer has. */
  ignoredFields: string[];
  /** False when the object already matched the snapshot: nothing was written. */
  reverted: boolean;
  /** The revision the write created, or null when nothing was written. */
  revisionId: number | null;
};

/** Outcome of a revision revert for one object the revision touched. */
export interface RevisionRevertItemDto {
  type: string;
  id: string;
  action: 'revert' | 'recover' | 'delete' | 'unchanged';
  /** The object's latest version number after the revert. */
  version: number;
  ignoredFields: string[];
}

/** `POST /revisions/:id/revert`. */
export interface RevisionRevertResponseDto {
  revertedRevisionId: number;
  /** The revision holding the revert, or null when nothing changed. */
  revisionId: number | null;
  items: RevisionRevertItemDto[];
}
