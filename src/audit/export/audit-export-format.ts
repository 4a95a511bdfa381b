/** One exported version, joined with its revision and the revision's user. */
export interface AuditExportRecord {
  /** bigint ids are strings, so values above 2^53 stay exact. */
  versionId: string;
  revisionId: string;
  /** When the revision was written, as a UTC ISO string. */
  at: string;
  userId: string | null;
  userName: string | null;
  source: string;
  comment: string | null;
  requestId: string | null;
  jobRunId: string | null;
  entityType: string;
  entityId: string;
  version: number;
  action: string;
  /** JSON text as PostgreSQL prints jsonb, copied to the file unparsed. */
  changes: string;
  /** JSON text, as `changes`. */
  snapshot: string;
}

/** Column order of the CSV format; NDJSON objects use the same names. */
export const EXPORT_COLUMNS: (keyof AuditExportRecord)[] = [
  'versionId',
  'revisionId',
  'at',
  'userId',
  'userName',
  'source',
  'comment',
  'requestId',
  'jobRunId',
  'entityType',
  'entityId',
  'version',
  'action',
  'changes',
  'snapshot',
];

/** Returns one JSON object and a line feed; changes and snapshot are nested. */
export function toNdjsonLine(record: AuditExportRecord): string {
  const { changes, snapshot, ...scalars } = record;
  const head = JSON.stringify(scalars).slice(0, -1);

  return `${head},"changes":${changes},"snapshot":${snapshot}}\n`;
}

/** Returns the CSV header record, ended by CRLF as RFC 4180 writes it. */
export function csvHeader(): string {
  return `${EXPORT_COLUMNS.join(',')}\r\n`;
}

/** Returns one CSV record: null is an empty cell, JSON columns JSON text. */
export function toCsvLine(record: AuditExportRecord): string {
  const cells = EXPORT_COLUMNS.map((column) => {
    const value = record[column];
    if (value === null) return '';

    return quoteCsv(typeof value === 'string' ? value : String(value));
  });

  return `${cells.join(',')}\r\n`;
}

/**
 * Quotes a cell when it contains a comma, a quote or a line break, or starts
 * or ends with a space (which some readers trim), doubling inner quotes.
 */
export function quoteCsv(text: string): string {
  if (!/[",\r\n]|^\s|\s$/.test(text)) return text;

  return `"${text.replaceAll('"', '""')}"`;
}
