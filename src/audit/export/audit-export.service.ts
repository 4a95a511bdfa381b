import { Injectable, Logger } from '@nestjs/common';
import { FileHandle, mkdir, open, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { DataSource, QueryRunner } from 'typeorm';
import { Environment } from '../../config/environment';
import { readUserRole, roleIncludes } from '../../auth/role';
import type { JobContext } from '../../jobs/job-type';
import { UnrecoverableJobError } from '../../jobs/job-type';
import { HISTORY_READ_ROLES, historyReadRole } from '../tracked-table.registry';
import {
  AuditExportRecord,
  csvHeader,
  toCsvLine,
  toNdjsonLine,
} from './audit-export-format';
import type {
  AuditExportPayloadDto,
  ExportFormat,
} from './audit-export-payload.dto';

/** Result of `audit.export`, stored on the job run. */
export interface AuditExportResult {
  /** Absolute path of the written file. */
  path: string;
  rows: number;
  format: ExportFormat;
}

/** The fields of its job that an export reads. No submitter means a system job. */
export type AuditExportContext = Pick<
  JobContext,
  'jobRunId' | 'signal' | 'progress'
> &
  Partial<Pick<JobContext, 'submittedBy'>>;

interface VersionRow {
  version_id: string;
  revision_id: string;
  at: Date;
  user_id: string | null;
  user_name: string | null;
  source: string;
  comment: string | null;
  request_id: string | null;
  job_run_id: string | null;
  entity_type: string;
  entity_id: string;
  version: number;
  action: string;
  changes: string;
  snapshot: string;
}

/** The versions of the range; users are joined for their names. */
const RANGE = `
  FROM audit_version v
  JOIN audit_revision r ON r.id = v.revision_id
  LEFT JOIN users u ON u.id = r.user_id
  WHERE r.created_at >= $1 AND r.created_at < $2
    AND ($3::text IS NULL OR v.entity_type = $3)
    AND NOT (v.entity_type = ANY($4::text[]))`;

/** Size of the range and its bounds in version ids, for the batches. */
const BOUNDS_SQL = `
  SELECT count(*)::int AS total, min(v.id) AS first_id, max(v.id) AS last_id
  ${RANGE}`;

const BATCH_SQL = `
  SELECT v.id AS version_id, v.revision_id, r.created_at AS at, r.user_id,
    u.name AS user_name, r.source, r.comment, r.request_id, r.job_run_id,
    v.entity_type, v.entity_id, v.version, v.action,
    v.changes::text AS changes, v.snapshot::text AS snapshot
  ${RANGE}
    AND v.id > $5::bigint AND v.id <= $6::bigint
  ORDER BY v.id
  LIMIT $7`;

/**
 * Writes the versions of a time range, joined with their revisions, to a
 * file in EXPORT_DIR named after the job run, in version id order (the order
 * of capture). Versions are read in keyset batches of one REPEATABLE READ,
 * read-only transaction, so the file is one consistent picture however long
 * the export takes, and memory stays at one batch.
 *
 * Batches walk the primary key between the first and last version id of the
 * range. Keyset on (revision_id, id) would sort a whole revision per batch,
 * because no index has both columns, and one import is one revision.
 */
@Injectable()
export class AuditExportService {
  private readonly logger = new Logger(AuditExportService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly environment: Environment,
  ) {}

  /**
   * Writes the file, first as `<name>.partial`, renamed when complete. On
   * failure or abort the partial file is removed.
   */
  async export(
    payload: AuditExportPayloadDto,
    context: AuditExportContext,
    batchSize = 1000,
  ): Promise<AuditExportResult> {
    const path = await this.targetPath(context.jobRunId, payload.format);
    const partial = `${path}.partial`;
    const runner = this.dataSource.createQueryRunner();
    let file: FileHandle | undefined;
    try {
      await runner.connect();
      await runner.startTransaction('REPEATABLE READ');
      await runner.query('SET TRANSACTION READ ONLY');

      file = await open(partial, 'w');
      const rows = await this.write(runner, file, payload, context, batchSize);
      await file.close();
      file = undefined;
      await rename(partial, path);
      await runner.commitTransaction();

      return { path, rows, format: payload.format };
    } catch (error) {
      await this.discard(runner, file, partial, context.jobRunId);
      throw error;
    } finally {
      await runner.release();
    }
  }

  private async targetPath(
    jobRunId: string,
    format: ExportFormat,
  ): Promise<string> {
    if (!/^[A-Za-z0-9_-]+$/.test(jobRunId)) {
      throw new Error(
        `job run id ${JSON.stringify(jobRunId)} cannot be used as a file name`,
      );
    }
    const folder = resolve(this.environment.EXPORT_DIR);
    await mkdir(folder, { recursive: true });

    return join(folder, `${jobRunId}.${format}`);
  }

  /**
   * Returns the entity types whose history the submitter may not read, as
   * the history API decides it, so an export never shows more than the API
   * would. A deleted submitter counts as a viewer.
   */
  private async hiddenTypes(
    runner: QueryRunner,
    submittedBy: string | null,
  ): Promise<string[]> {
    if (submittedBy === null) return [];
    const role = await readUserRole(runner, submittedBy);

    return [...HISTORY_READ_ROLES]
      .filter(([, needed]) => !roleIncludes(role, needed))
      .map(([entityType]) => entityType);
  }

  private async write(
    runner: QueryRunner,
    file: FileHandle,
    payload: AuditExportPayloadDto,
    context: AuditExportContext,
    batchSize: number,
  ): Promise<number> {
    const hidden = await this.hiddenTypes(runner, context.submittedBy ?? null);
    if (payload.type && hidden.includes(payload.type)) {
      throw new UnrecoverableJobError(
        `Exporting the history of ${payload.type} requires the ` +
          `${historyReadRole(payload.type)} role, which the job's submitter lacks`,
      );
    }
    const range = [payload.from, payload.to, payload.type ?? null, hidden];
    const [bounds] = (await runner.query(BOUNDS_SQL, range)) as {
      total: number;
      first_id: string | null;
      last_id: string | null;
    }[];
    const { total } = bounds;
    await context.progress({ written: 0, total });
    if (payload.format === 'csv') await file.write(csvHeader());
    if (bounds.first_id === null || bounds.last_id === null) return 0;

    let written = 0;
    let cursor = (BigInt(bounds.first_id) - 1n).toString();
    for (;;) {
      context.signal.throwIfAborted();
      const rows = (await runner.query(BATCH_SQL, [
        ...range,
        cursor,
        bounds.last_id,
        batchSize,
      ])) as VersionRow[];
      if (rows.length === 0) break;

      await file.write(rows.map((row) => format(payload.format, row)).join(''));
      written += rows.length;
      await context.progress({ written, total });

      cursor = rows[rows.length - 1].version_id;
    }

    return written;
  }

  /** Closes and removes the partial file and rolls back, logging failures. */
  private async discard(
    runner: QueryRunner,
    file: FileHandle | undefined,
    partial: string,
    jobRunId: string,
  ): Promise<void> {
    const steps: [string, () => Promise<unknown>][] = [
      [`close ${partial}`, async () => file?.close()],
      [`remove ${partial}`, () => rm(partial, { force: true })],
      [
        'roll back the read transaction',
        async () => runner.isTransactionActive && runner.rollbackTransaction(),
      ],
    ];
    for (const [step, work] of steps) {
      try {
        await work();
      } catch (error) {
        this.logger.error(
          `Export of job run ${jobRunId}: could not ${step}: ` +
            `${(error as Error).message}`,
          (error as Error).stack,
        );
      }
    }
  }
}

function format(exportFormat: ExportFormat, row: VersionRow): string {
  const record = toRecord(row);
  switch (exportFormat) {
    case 'ndjson':
      return toNdjsonLine(record);
    case 'csv':
      return toCsvLine(record);
  }
}

function toRecord(row: VersionRow): AuditExportRecord {
  return {
    versionId: row.version_id,
    revisionId: row.revision_id,
    at: row.at.toISOString(),
    userId: row.user_id,
    userName: row.user_name,
    source: row.source,
    comment: row.comment,
    requestId: row.request_id,
    jobRunId: row.job_run_id,
    entityType: row.entity_type,
    entityId: row.entity_id,
    version: row.version,
    action: row.action,
    changes: row.changes,
    snapshot: row.snapshot,
  };
}
