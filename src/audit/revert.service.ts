import { Injectable, Logger } from '@nestjs/common';
import { EntityManager } from 'typeorm';
import type { Actor } from '../auth/actor';
import { roleIncludes } from '../auth/role';
import { conflict, forbidden, notFound, unprocessable } from '../common/errors';
import { currentAuditContext } from './audit-context';
import {
  AuditAction,
  AuditedTransactionService,
} from './audited-transaction.service';
import type {
  AuditCommentDto,
  RevertRequestDto,
  RevisionRevertRequestDto,
} from './revert-request.dto';
import type {
  RevertResponseDto,
  RevisionRevertItemDto,
  RevisionRevertResponseDto,
} from './revert-response.dto';
import {
  isForeignKeyViolation,
  Snapshot,
  TableColumn,
  TableWriter,
  toRevertError,
} from './table-writer';
import { TrackedTable, TrackedTableRegistry } from './tracked-table.registry';
import { toSnapshotDto } from './version.mapper';
import { earliestKeptVersion, prunedVersionMessage } from './pruned-history';

/** Entity types whose history is a record that must not be rewritten. */
const NOT_REVERTABLE: Record<string, string> = {
  'api-tokens':
    'a revert or recover could un-revoke a token; issue a new token instead',
  'job-runs':
    'a job run is a record of an execution; submit or retry the job instead',
};

/** Entity types only an admin may revert or recover. */
const ADMIN_ONLY = new Set(['users']);

interface LatestVersion {
  version: number;
  action: string;
  snapshot: Snapshot;
  revisionId: string;
}

/** One object touched by a revision, and what reverting it takes. */
interface RevisionStep {
  table: TrackedTable;
  columns: TableColumn[];
  id: string;
  /** The state before the revision; undefined when the object did not exist. */
  before?: Snapshot;
  current?: Snapshot;
  action: RevisionRevertItemDto['action'];
  /** The object's latest version number before the revert. */
  versionBefore: number;
  /** The object's last version written by the reverted revision. */
  lastInRevision: number;
  ignoredFields: string[];
}

/** Objects named in full in a later-changes conflict; the rest are counted. */
const MAX_NAMED_CONFLICTS = 5;

/**
 * Rejects reverting a revision whose objects later revisions changed: going
 * back to the state before it would silently discard those later changes,
 * including changes to fields the revision never touched.
 *
 * @throws DomainError conflict naming the objects and their current versions.
 */
function assertNoLaterChanges(revisionId: number, steps: RevisionStep[]) {
  const changed = steps.filter(
    (step) => step.versionBefore > step.lastInRevision,
  );
  if (changed.length === 0) return;

  const named = changed
    .slice(0, MAX_NAMED_CONFLICTS)
    .map(
      (step) =>
        `${step.table.entityType} ${step.id} (version ${step.lastInRevision} in the revision, now version ${step.versionBefore})`,
    );
  const more =
    changed.length > named.length
      ? ` and ${changed.length - named.length} more`
      : '';
  throw conflict(
    `Revision ${revisionId}: later revisions changed ${named.join(', ')}${more}; ` +
      'pass force: true to revert anyway and discard those later changes, ' +
      'or revert the objects one by one with POST /history/:type/:id/revert',
  );
}

/**
 * Writes old snapshots back as new versions (action revert or recover) and
 * reverts whole revisions. History itself is never changed.
 */
@Injectable()
export class RevertService {
  private readonly logger = new Logger(RevertService.name);

  constructor(
    private readonly transactions: AuditedTransactionService,
    private readonly registry: TrackedTableRegistry,
    private readonly writer: TableWriter,
  ) {}

  /**
   * Sets an object back to the snapshot of one of its versions.
   *
   * @throws DomainError conflict when `expectedVersion` is not the current
   *   version, unprocessable or conflict when the old state cannot be written.
   */
  async revert(
    type: string,
    id: string,
    request: RevertRequestDto,
    actor: Actor,
  ): Promise<RevertResponseDto> {
    const comment =
      request.comment ??
      currentAuditContext().comment ??
      `Reverted to version ${request.version}`;

    const result = await this.transactions.run(
      (manager) => this.revertObject(manager, type, id, request, actor),
      { comment },
    );
    this.logger.log(
      `Reverted ${type} ${id} to version ${request.version}: now version ${result.version} [revisionId=${result.revisionId}]`,
    );

    return result;
  }

  /**
   * Re-creates a deleted object from its last snapshot under the same id.
   *
   * @throws DomainError conflict when the object exists.
   */
  async recover(
    type: string,
    id: string,
    request: AuditCommentDto,
    actor: Actor,
  ): Promise<RevertResponseDto> {
    const result = await this.transactions.run((manager) =>
      this.recoverObject(manager, type, id, request, actor),
    );
    this.logger.log(
      `Recovered ${type} ${id} as version ${result.version} [revisionId=${result.revisionId}]`,
    );

    return result;
  }

  /**
   * Sets every object a revision touched back to its state before that
   * revision, in one transaction: an object it created is deleted, one it
   * deleted is recovered. All objects are reverted or none is.
   */
  async revertRevision(
    revisionId: number,
    request: RevisionRevertRequestDto,
    actor: Actor,
  ): Promise<RevisionRevertResponseDto> {
    const comment =
      request.comment ??
      currentAuditContext().comment ??
      `Reverted revision ${revisionId}`;

    const result = await this.transactions.run(
      (manager) =>
        this.revertRevisionSteps(
          manager,
          revisionId,
          actor,
          request.force ?? false,
        ),
      { comment },
    );
    this.logger.log(
      `Reverted revision ${revisionId}: ${result.items.length} objects [revisionId=${result.revisionId}]`,
    );

    return result;
  }

  private async revertObject(
    manager: EntityManager,
    type: string,
    id: string,
    request: RevertRequestDto,
    actor: Actor,
  ): Promise<RevertResponseDto> {
    const table = await this.writableTable(manager, type, id, actor);
    id = this.registry.canonicalId(table, id);
    const columns = await this.writer.columns(manager, table);
    const current = await this.writer.read(manager, table, columns, id, true);
    const latest = await this.latestVersion(manager, table, id);

    this.assertExpected(table, id, latest, request.expectedVersion);
    if (!current) {
      throw conflict(
        `${type} ${id} is deleted; recover it first with POST /history/${type}/${id}/recover`,
      );
    }
    const target = await this.snapshotAt(manager, table, id, request.version);

    const subject = `revert ${type} ${id} to version ${request.version}`;
    const ignoredFields = await this.write(manager, 'revert', subject, () =>
      this.writer.update(manager, table, columns, id, target),
    );

    return this.result(manager, table, columns, id, latest, ignoredFields);
  }

  private async recoverObject(
    manager: EntityManager,
    type: string,
    id: string,
    request: AuditCommentDto,
    actor: Actor,
  ): Promise<RevertResponseDto> {
    const table = await this.writableTable(manager, type, id, actor);
    id = this.registry.canonicalId(table, id);
    const columns = await this.writer.columns(manager, table);
    if (await this.writer.read(manager, table, columns, id)) {
      throw conflict(`${type} ${id} exists, so there is nothing to recover`);
    }
    const latest = await this.latestVersion(manager, table, id);

    const context = {
      ...currentAuditContext(),
      comment:
        request.comment ??
        currentAuditContext().comment ??
        `Recovered from version ${latest.version}`,
    };
    const subject = `recover ${type} ${id} from version ${latest.version}`;
    const ignoredFields = await this.transactions.actAs(manager, context, () =>
      this.write(manager, 'recover', subject, () =>
        this.writer.insert(manager, table, columns, latest.snapshot),
      ),
    );

    return this.result(manager, table, columns, id, latest, ignoredFields);
  }

  private async revertRevisionSteps(
    manager: EntityManager,
    revisionId: number,
    actor: Actor,
    force: boolean,
  ): Promise<RevisionRevertResponseDto> {
    const steps = await this.planRevision(manager, revisionId, actor);
    if (!force) assertNoLaterChanges(revisionId, steps);

    await this.applySteps(manager, revisionId, steps);

    const items: RevisionRevertItemDto[] = [];
    for (const step of steps) {
      const latest = await this.latestVersion(manager, step.table, step.id);
      items.push({
        type: step.table.entityType,
        id: step.id,
        action:
          latest.version === step.versionBefore ? 'unchanged' : step.action,
        version: latest.version,
        ignoredFields: step.ignoredFields,
      });
    }

    return {
      revertedRevisionId: revisionId,
      revisionId: await this.currentRevisionId(manager),
      items,
    };
  }

  /** Works out each object's state before the revision, locking its row. */
  private async planRevision(
    manager: EntityManager,
    revisionId: number,
    actor: Actor,
  ): Promise<RevisionStep[]> {
    const objects: { type: string; id: string; first: number; last: number }[] =
      await manager.query(
        `SELECT entity_type AS type, entity_id AS id, min(version) AS first,
           max(version) AS last
         FROM audit_version WHERE revision_id = $1
         GROUP BY entity_type, entity_id
         ORDER BY entity_type, entity_id`,
        [revisionId],
      );
    if (objects.length === 0) {
      throw notFound(`Revision ${revisionId} not found`);
    }

    // NOTE: each object costs five queries here and one or two to write, so
    // a revision of n rows issues about 7n; batching by type would cut that.
    const tables = new Map<string, [TrackedTable, TableColumn[]]>();
    const steps: RevisionStep[] = [];
    for (const object of objects) {
      let resolved = tables.get(object.type);
      if (!resolved) {
        const table = await this.writableTable(
          manager,
          object.type,
          object.id,
          actor,
        );
        resolved = [table, await this.writer.columns(manager, table)];
        tables.set(object.type, resolved);
      }
      const [table, columns] = resolved;
      const current = await this.writer.read(
        manager,
        table,
        columns,
        object.id,
        true,
      );
      const before = await this.stateBefore(manager, table, object);
      const latest = await this.latestVersion(manager, table, object.id);
      steps.push({
        table,
        columns,
        id: object.id,
        before,
        current,
        action: stepAction(before, current),
        versionBefore: latest.version,
        lastInRevision: object.last,
        ignoredFields: [],
      });
    }

    return steps;
  }

  /**
   * Applies the steps in an order the foreign keys allow: a step that fails
   * on a foreign key is retried after the others (a book recovered after
   * its author, deleted before it), until a pass makes no progress.
   */
  private async applySteps(
    manager: EntityManager,
    revisionId: number,
    steps: RevisionStep[],
  ): Promise<void> {
    let pending = steps.filter((step) => step.action !== 'unchanged');

    for (let pass = 0; pending.length > 0 && pass < steps.length; pass += 1) {
      const failed: { step: RevisionStep; error: unknown }[] = [];
      for (const step of pending) {
        try {
          step.ignoredFields = await this.applyStep(manager, revisionId, step);
        } catch (error) {
          if (!isForeignKeyViolation(error)) {
            throw toRevertError(error, describe(revisionId, step));
          }
          this.logger.debug(
            `Deferred ${describe(revisionId, step)} to pass ${pass + 2}: ${(error as Error).message}`,
          );
          failed.push({ step, error });
        }
      }

      if (failed.length === pending.length) {
        const [first] = failed;
        throw toRevertError(first.error, describe(revisionId, first.step));
      }
      pending = failed.map((failure) => failure.step);
    }
  }

  private async applyStep(
    manager: EntityManager,
    revisionId: number,
    step: RevisionStep,
  ): Promise<string[]> {
    const { table, columns, id, before } = step;
    const subject = describe(revisionId, step);

    switch (step.action) {
      case 'revert':
        return this.write(
          manager,
          'revert',
          subject,
          () => this.writer.update(manager, table, columns, id, before ?? {}),
          false,
        );
      case 'recover':
        return this.write(
          manager,
          'recover',
          subject,
          () => this.writer.insert(manager, table, columns, before ?? {}),
          false,
        );
      case 'delete':
        await this.inSavepoint(manager, () =>
          this.writer.delete(manager, table, id),
        );
        return [];
      case 'unchanged':
        return [];
    }
  }

  /**
   * Runs one write marked with an action, inside a savepoint, so a failed
   * statement leaves the transaction usable for the action reset and for the
   * caller's next step.
   */
  private async write<T>(
    manager: EntityManager,
    action: AuditAction,
    subject: string,
    work: () => Promise<T>,
    mapErrors = true,
  ): Promise<T> {
    try {
      return await this.transactions.withAction(manager, action, () =>
        this.inSavepoint(manager, work),
      );
    } catch (error) {
      if (!mapErrors) throw error;
      throw toRevertError(error, subject);
    }
  }

  private async inSavepoint<T>(
    manager: EntityManager,
    work: () => Promise<T>,
  ): Promise<T> {
    await manager.query('SAVEPOINT audit_revert_write');
    try {
      const result = await work();
      await manager.query('RELEASE SAVEPOINT audit_revert_write');

      return result;
    } catch (error) {
      await manager.query('ROLLBACK TO SAVEPOINT audit_revert_write');
      throw error;
    }
  }

  /** Resolves a type for a write, checking the id and the actor's role. */
  private async writableTable(
    manager: EntityManager,
    type: string,
    id: string,
    actor: Actor,
  ): Promise<TrackedTable> {
    const table = await this.registry.getFresh(type, manager);
    this.registry.assertId(table, id);

    const reason = NOT_REVERTABLE[table.entityType];
    if (reason) {
      throw unprocessable(
        `${table.entityType} cannot be reverted or recovered: ${reason}`,
      );
    }
    if (
      ADMIN_ONLY.has(table.entityType) &&
      !roleIncludes(actor.role, 'admin')
    ) {
      throw forbidden(
        `Reverting or recovering ${table.entityType} requires the admin role; the token's user is ${actor.role}`,
      );
    }

    return table;
  }

  private assertExpected(
    table: TrackedTable,
    id: string,
    latest: LatestVersion,
    expected: number | undefined,
  ): void {
    if (expected !== undefined && expected !== latest.version) {
      throw conflict(
        `expectedVersion ${expected} is not the current version of ${table.entityType} ${id}, which is ${latest.version}; reload and retry`,
      );
    }
  }

  private async latestVersion(
    manager: EntityManager,
    table: TrackedTable,
    id: string,
  ): Promise<LatestVersion> {
    const [row]: LatestVersion[] = await manager.query(
      `SELECT version, action, snapshot, revision_id AS "revisionId"
       FROM audit_version
       WHERE entity_type = $1 AND entity_id = $2
       ORDER BY version DESC LIMIT 1`,
      [table.entityType, id],
    );
    if (!row) throw notFound(`${table.entityType} ${id} has no history`);

    return row;
  }

  private async snapshotAt(
    manager: EntityManager,
    table: TrackedTable,
    id: string,
    version: number,
  ): Promise<Snapshot> {
    const [row]: { snapshot: Snapshot }[] = await manager.query(
      `SELECT snapshot FROM audit_version
       WHERE entity_type = $1 AND entity_id = $2 AND version = $3`,
      [table.entityType, id, version],
    );
    if (!row) {
      const pruned = prunedVersionMessage(
        table.entityType,
        id,
        version,
        await earliestKeptVersion(manager, table.entityType, id),
      );
      throw notFound(
        pruned ?? `${table.entityType} ${id} has no version ${version}`,
      );
    }

    return row.snapshot;
  }

  /** The snapshot before `first`, or undefined when the object was absent. */
  private async stateBefore(
    manager: EntityManager,
    table: TrackedTable,
    object: { id: string; first: number },
  ): Promise<Snapshot | undefined> {
    if (object.first === 1) return undefined;

    const [row]: { action: string; snapshot: Snapshot }[] = await manager.query(
      `SELECT action, snapshot FROM audit_version
       WHERE entity_type = $1 AND entity_id = $2 AND version = $3`,
      [table.entityType, object.id, object.first - 1],
    );
    if (!row) {
      // Retention removed the earlier state; reading the gap as "did not
      // exist" would delete an object the revision only changed.
      throw unprocessable(
        `${table.entityType} ${object.id}: version ${object.first - 1}, its state before the revision, was pruned by retention, so the revision cannot be reverted; revert the object to a kept version with POST /history/${table.entityType}/${object.id}/revert`,
      );
    }

    return row.action !== 'delete' ? row.snapshot : undefined;
  }

  /** The object as it now is, with what the write did. */
  private async result(
    manager: EntityManager,
    table: TrackedTable,
    columns: TableColumn[],
    id: string,
    before: LatestVersion,
    ignoredFields: string[],
  ): Promise<RevertResponseDto> {
    const row = await this.writer.read(manager, table, columns, id);
    const after = await this.latestVersion(manager, table, id);
    const reverted = after.version !== before.version;

    return {
      ...toSnapshotDto(row ?? {}),
      version: after.version,
      ignoredFields,
      reverted,
      revisionId: reverted ? Number(after.revisionId) : null,
    };
  }

  /** The revision the capture trigger opened in this transaction, if any. */
  private async currentRevisionId(
    manager: EntityManager,
  ): Promise<number | null> {
    const [row]: { revision: string | null }[] = await manager.query(
      `SELECT CASE WHEN split_part(s.value, '|', 1) = pg_current_xact_id_if_assigned()::text
                THEN split_part(s.value, '|', 2) END AS revision
       FROM (SELECT current_setting('chronicle.revision', true) AS value) s`,
    );

    return row?.revision ? Number(row.revision) : null;
  }
}

function stepAction(
  before: Snapshot | undefined,
  current: Snapshot | undefined,
): RevisionRevertItemDto['action'] {
  if (before && current) return 'revert';
  if (before) return 'recover';
  if (current) return 'delete';

  return 'unchanged';
}

function describe(revisionId: number, step: RevisionStep): string {
  return `revert revision ${revisionId} (${step.action} ${step.table.entityType} ${step.id})`;
}
