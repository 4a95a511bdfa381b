import { AsyncLocalStorage } from 'node:async_hooks';

/** Origin of a revision's changes. */
export const AUDIT_SOURCES = [
  'http',
  'job',
  'schedule',
  'system',
  'db',
] as const;
export type AuditSource = (typeof AUDIT_SOURCES)[number];

/** Actor and request of the revisions that a block of work writes. */
export interface AuditContext {
  userId: string | null;
  source: AuditSource;
  requestId?: string;
  comment?: string;
  jobRunId?: string;
}

/**
 * Audit context of the current request or job, carried across awaits.
 * The HTTP middleware and the job worker each open a scope per unit of work,
 * so concurrent requests never share one.
 */
export const auditContextStorage = new AsyncLocalStorage<AuditContext>();

/** Returns the context of the current scope, or a system context outside one. */
export function currentAuditContext(): AuditContext {
  return auditContextStorage.getStore() ?? { userId: null, source: 'system' };
}
