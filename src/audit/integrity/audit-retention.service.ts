import { Injectable, Logger } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DataSource, EntityManager } from 'typeorm';
import { invalid } from '../../common/errors';
import { currentAuditContext } from '../audit-context';

export interface AuditPruneRule {
  /** Keeps the newest N versions of each object (N >= 1). */
  keepLast?: number;
  /** Keeps versions younger than D days. */
  olderThanDays?: number;
  /** Limits the rule to one entity type. */
  type?: string;
}

/** `POST /audit/prune`. */
export class AuditPruneResult {
  @ApiProperty({
    type: 'integer',
    nullable: true,
    description:
      'The revision that records this prune, or null when nothing matched',
  })
  revisionId: number | null;

  @ApiProperty({ type: 'integer', description: 'Versions removed' })
  pruned: number;

  @ApiProperty({
    type: 'integer',
    description: 'Objects that lost at least one version',
  })
  objects: number;

  @ApiProperty({
    type: 'object',
    additionalProperties: { type: 'integer' },
    example: { books: 12 },
    description: 'Versions removed per entity type',
  })
  byType: Record<string, number>;

  @ApiProperty({
    description: "The rule and counts, as written into the revision's comment",
  })
  comment: string;
}

interface RecordRow {
  revision_id: string;
  comment: string;
  pruned: string;
  objects: string;
  by_type: Record<string, number>;
}

/*
 * One statement picks the versions to remove, writes the revision that
 * records the prune (its comment carries the counts, so they are computed
 * before it) and records each version's digest. The versions are deleted by
 * a second statement: the guard lets a version go only once its record is
 * visible, and a statement does not see rows its own sibling parts insert.
 *
 * $1 type, $2 keepLast, $3 olderThanDays, $4 rule text, $5 user id,
 * $6 request id, $7 job run id.
 */
const RECORD_SQL = `
WITH ranked AS (
  SELECT v.id, v.entity_type, v.entity_id, v.created_at,
    row_number() OVER (PARTITION BY v.entity_type, v.entity_id
                       ORDER BY v.version DESC) AS rank
  FROM audit_version v
  WHERE $1::text IS NULL OR v.entity_type = $1
), doomed AS MATERIALIZED (
  SELECT id, entity_type, entity_id FROM ranked
  WHERE rank > 1
    AND ($2::int IS NULL OR rank > $2)
    AND ($3::int IS NULL
         OR created_at < clock_timestamp() - make_interval(days => $3))
), revision AS (
  INSERT INTO audit_revision (created_at, user_id, source, comment,
    request_id, job_run_id, db_role, application_name, transaction_id)
  SELECT clock_timestamp(), $5::uuid, 'system',
    format('Retention (%s): pruned %s versions of %s objects', $4::text,
      count(*), count(DISTINCT (entity_type, entity_id))),
    $6, $7::uuid, current_user,
    NULLIF(current_setting('application_name', true), ''),
    pg_current_xact_id()
  FROM doomed
  HAVING count(*) > 0
  RETURNING id, comment
), recorded AS (
  INSERT INTO audit_pruned_version (version_id, revision_id, entity_type,
    entity_id, version, digest, pruned_by_revision_id)
  SELECT v.id, v.revision_id, v.entity_type, v.entity_id, v.version,
    audit_version_digest(v), revision.id
  FROM audit_version v
  JOIN doomed ON doomed.id = v.id
  CROSS JOIN revision
  RETURNING entity_type, entity_id
), per_type AS (
  SELECT entity_type, count(*) AS pruned FROM recorded GROUP BY entity_type
)
SELECT revision.id AS revision_id, revision.comment,
  (SELECT count(*) FROM recorded) AS pruned,
  (SELECT count(DISTINCT (entity_type, entity_id)) FROM recorded) AS objects,
  (SELECT coalesce(jsonb_object_agg(entity_type, pruned), '{}')
   FROM per_type) AS by_type
FROM revision`;

const DELETE_SQL = `
WITH removed AS (
  DELETE FROM audit_version v
  USING audit_pruned_version p
  WHERE p.pruned_by_revision_id = $1 AND v.id = p.version_id
  RETURNING v.id
)
SELECT count(*) AS removed FROM removed`;

/**
 * Applies retention to audit_version. Every removal is recorded (a revision
 * of its own plus a digest per version in audit_pruned_version), so the hash
 * chain still verifies afterwards. An object's latest version always stays,
 * because version numbering continues from it.
 */
@Injectable()
export class AuditRetentionService {
  private readonly logger = new Logger(AuditRetentionService.name);

  constructor(private readonly dataSource: DataSource) {}

  /**
   * Removes the versions the rule selects: beyond the newest `keepLast` of
   * each object, and/or older than `olderThanDays`. With both, a version is
   * removed only when both select it.
   *
   * @throws DomainError 'invalid' when the rule selects nothing to keep by.
   */
  async prune(rule: AuditPruneRule): Promise<AuditPruneResult> {
    const problem = await this.checkType(rule.type);
    if (problem) throw invalid(problem);
    const ruleText = describeRule(rule);
    this.logger.log(`Pruning audit versions: ${ruleText}`);

    try {
      const result = await this.dataSource.transaction((manager) =>
        this.pruneIn(manager, rule, ruleText),
      );
      this.logger.log(
        `Pruned ${result.pruned} versions of ${result.objects} objects in revision ${result.revisionId} (${ruleText})`,
      );

      return result;
    } catch (error) {
      this.logger.error(
        `Pruning (${ruleText}) failed: ${(error as Error).message}`,
        (error as Error).stack,
      );
      throw error;
    }
  }

  /**
   * Returns why `type` cannot be pruned, or null when it can: a tracked type,
   * or one whose table is no longer tracked but still has history.
   */
  async checkType(type: string | undefined): Promise<string | null> {
    if (type === undefined) return null;
    const [row] = await this.dataSource.query<
      { known: boolean; types: string | null }[]
    >(
      `SELECT EXISTS (SELECT 1 FROM audit_tracked_table WHERE entity_type = $1)
         OR EXISTS (SELECT 1 FROM audit_version WHERE entity_type = $1)
         AS known,
       (SELECT string_agg(entity_type, ', ' ORDER BY entity_type)
        FROM audit_tracked_table) AS types`,
      [type],
    );
    if (row.known) return null;

    return `type "${type}" is not an entity type with history; known types: ${row.types ?? 'none'}`;
  }

  private async pruneIn(
    manager: EntityManager,
    rule: AuditPruneRule,
    ruleText: string,
  ): Promise<AuditPruneResult> {
    // One prune at a time: the counts in the comment must match the deletes.
    await manager.query(
      `SELECT set_config('chronicle.pruning', 'on', true),
              pg_advisory_xact_lock(hashtextextended('chronicle.audit_prune', 0))`,
    );

    const context = currentAuditContext();
    const [record] = await manager.query<RecordRow[]>(RECORD_SQL, [
      rule.type ?? null,
      rule.keepLast ?? null,
      rule.olderThanDays ?? null,
      ruleText,
      context.userId,
      context.requestId ?? null,
      context.jobRunId ?? null,
    ]);
    if (!record) {
      return {
        revisionId: null,
        pruned: 0,
        objects: 0,
        byType: {},
        comment: `Retention (${ruleText}): nothing to prune`,
      };
    }

    const [{ removed }] = await manager.query<{ removed: string }[]>(
      DELETE_SQL,
      [record.revision_id],
    );
    if (removed !== record.pruned) {
      throw new Error(
        `Revision ${record.revision_id} records ${record.pruned} pruned versions but ${removed} were deleted`,
      );
    }

    return {
      revisionId: Number(record.revision_id),
      pruned: Number(record.pruned),
      objects: Number(record.objects),
      byType: record.by_type,
      comment: record.comment,
    };
  }
}

/**
 * Checks a rule and describes it, e.g. `keepLast=5, olderThanDays=30, type=books`.
 *
 * @throws DomainError 'invalid' for a rule with neither limit or bad numbers.
 */
export function describeRule(rule: AuditPruneRule): string {
  const { keepLast, olderThanDays, type } = rule;
  if (keepLast === undefined && olderThanDays === undefined) {
    throw invalid('Give keepLast, olderThanDays or both');
  }
  if (
    keepLast !== undefined &&
    !(Number.isInteger(keepLast) && keepLast >= 1)
  ) {
    throw invalid(`keepLast must be an integer of at least 1, not ${keepLast}`);
  }
  if (
    olderThanDays !== undefined &&
    !(Number.isInteger(olderThanDays) && olderThanDays >= 0)
  ) {
    throw invalid(
      `olderThanDays must be an integer of at least 0, not ${olderThanDays}`,
    );
  }

  const parts = [
    keepLast === undefined ? undefined : `keepLast=${keepLast}`,
    olderThanDays === undefined ? undefined : `olderThanDays=${olderThanDays}`,
    type === undefined ? undefined : `type=${type}`,
  ];

  return parts.filter((part) => part !== undefined).join(', ');
}
