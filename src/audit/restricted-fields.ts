import { type Role, roleIncludes } from '../auth/role';
import { ERROR_STACK_ROLE, PAYLOAD_HEADERS_ROLE } from '../jobs/job-status';
import type { ChangesDto, SnapshotDto } from './history-response.dto';

/**
 * A key inside a JSON field of a tracked row that readers below `role` do
 * not get. `field` is the camelCase name that responses use.
 */
interface RestrictedKey {
  entityType: string;
  field: string;
  key: string;
  role: Role;
}

const RESTRICTED_KEYS: readonly RestrictedKey[] = [
  // job_runs.error is {message, stack}, as GET /jobs/:id shows it.
  {
    entityType: 'job-runs',
    field: 'error',
    key: 'stack',
    role: ERROR_STACK_ROLE,
  },
  // Webhook headers, which often carry credentials, as GET /jobs/:id hides them.
  {
    entityType: 'job-runs',
    field: 'payload',
    key: 'headers',
    role: PAYLOAD_HEADERS_ROLE,
  },
];

/** A response item that carries row values: a version, diff or revision version. */
interface RowValues {
  snapshot?: SnapshotDto;
  changes?: ChangesDto;
}

/**
 * Returns the item without the restricted keys of `entityType` that
 * `reader` may not read, in its snapshot and in both sides of its changes.
 * Items of other types are returned unchanged.
 */
export function redactRowValues<Item extends RowValues>(
  entityType: string,
  item: Item,
  reader: Role,
): Item {
  const hidden = RESTRICTED_KEYS.filter(
    (restricted) =>
      restricted.entityType === entityType &&
      !roleIncludes(reader, restricted.role),
  );
  if (hidden.length === 0) return item;

  const redacted = { ...item };
  if (item.snapshot) {
    const snapshot = { ...item.snapshot };
    for (const { field, key } of hidden) {
      if (field in snapshot) snapshot[field] = withoutKey(snapshot[field], key);
    }
    redacted.snapshot = snapshot;
  }
  if (item.changes) {
    const changes = { ...item.changes };
    for (const { field, key } of hidden) {
      const change = changes[field];
      if (change === undefined) continue;
      changes[field] = {
        from: withoutKey(change.from, key),
        to: withoutKey(change.to, key),
      };
    }
    redacted.changes = changes;
  }

  return redacted;
}

/** Returns a JSON object without `key`; other values are returned as they are. */
function withoutKey(value: unknown, key: string): unknown {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return value;
  }

  return Object.fromEntries(
    Object.entries(value).filter(([name]) => name !== key),
  );
}
