import type { EntityManager } from 'typeorm';

/** The earliest version of an object still in audit_version. */
export interface EarliestVersion {
  version: number;
  at: Date;
}

/**
 * Returns the earliest version kept of an object, or null when it has none.
 * Retention removes an object's oldest versions, so a first kept version
 * above 1 means the ones before it were pruned.
 */
export async function earliestKeptVersion(
  manager: EntityManager,
  entityType: string,
  id: string,
): Promise<EarliestVersion | null> {
  const [row] = await manager.query<EarliestVersion[]>(
    `SELECT version, created_at AS at FROM audit_version
     WHERE entity_type = $1 AND entity_id = $2
     ORDER BY version
     LIMIT 1`,
    [entityType, id],
  );

  return row ?? null;
}

/** Explains a missing version that retention removed, else returns null. */
export function prunedVersionMessage(
  entityType: string,
  id: string,
  version: number,
  earliest: EarliestVersion | null,
): string | null {
  if (!earliest || version >= earliest.version) return null;

  return `${entityType} ${id} version ${version} was pruned by retention; the earliest version kept is ${earliest.version}`;
}
