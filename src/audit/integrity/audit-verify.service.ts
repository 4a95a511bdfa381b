import { Injectable, Logger } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DataSource } from 'typeorm';

export interface AuditVerifyRange {
  /** Revisions created at or after this instant. */
  from?: Date;
  /** Revisions created before this instant. */
  to?: Date;
  /**
   * A chain head recorded earlier outside the database (the `lastSeq` and
   * `lastHash` of a seal call). The seal at that seq must still have that hash.
   */
  anchor?: AuditChainAnchor;
}

export interface AuditChainAnchor {
  seq: number;
  /** Hex SHA-256, as the seal call returns it. */
  hash: string;
}

/** `GET /audit/verify`. */
export class AuditVerifyResult {
  @ApiProperty({
    description: 'True when every checked revision matches its seal',
  })
  ok: boolean;

  @ApiProperty({
    type: 'integer',
    description:
      'Sealed revisions whose content and chain link were recomputed',
  })
  checked: number;

  @ApiProperty({
    type: 'integer',
    description: 'Revisions in the range that no seal covers yet',
  })
  unsealed: number;

  @ApiProperty({
    type: 'integer',
    description:
      'Versions of checked revisions that retention removed, verified by digest',
  })
  pruned: number;

  @ApiProperty({ type: 'integer', nullable: true })
  firstBadRevisionId: number | null;

  @ApiProperty({ type: 'integer', nullable: true })
  firstBadSeq: number | null;

  @ApiProperty({
    type: String,
    nullable: true,
    description: 'Reason the first bad revision failed, or null',
  })
  problem: string | null;
}

interface AnchorRow {
  revision_id: string;
  hash: string;
}

interface VerifyRow {
  checked: string;
  unsealed: string;
  pruned: string;
  first_bad_revision_id: string | null;
  first_bad_seq: string | null;
  problem: string | null;
}

/*
 * Every seal in the range is checked on its own against the stored hash of
 * the seal before it. Checking all links this way proves the same as walking
 * the whole chain, and it lets a range be verified without reading the rest.
 */
const VERIFY_SQL = `
WITH orphaned AS (
  SELECT DISTINCT p.revision_id FROM audit_pruned_version p
  WHERE NOT EXISTS (SELECT 1 FROM audit_revision r
                    WHERE r.id = p.pruned_by_revision_id)
), checked AS (
  SELECT s.seq, s.revision_id,
    CASE
      WHEN c.revision_id IS NULL THEN 'revision is missing'
      WHEN c.content_hash <> s.content_hash
        THEN 'revision or one of its versions differs from what was sealed'
      WHEN s.revision_id IN (SELECT revision_id FROM orphaned)
        THEN 'a pruned version of it names a missing pruning revision'
      WHEN c.created_at <> s.revision_created_at
        OR s.hash <> sha256(s.previous_hash || s.content_hash)
        OR (s.seq = 1 AND s.previous_hash <> decode(repeat('00', 32), 'hex'))
        THEN 'seal was altered'
      WHEN s.seq > 1 AND previous.seq IS NULL
        THEN 'the seal before it is missing'
      WHEN s.seq > 1 AND previous.hash <> s.previous_hash
        THEN 'chain link to the seal before it is broken'
    END AS problem
  FROM audit_seal s
  LEFT JOIN audit_revision_content c ON c.revision_id = s.revision_id
  LEFT JOIN audit_seal previous ON previous.seq = s.seq - 1
  WHERE ($1::timestamptz IS NULL OR s.revision_created_at >= $1)
    AND ($2::timestamptz IS NULL OR s.revision_created_at < $2)
), first_bad AS (
  SELECT seq, revision_id, problem FROM checked
  WHERE problem IS NOT NULL
  ORDER BY seq
  LIMIT 1
)
SELECT
  (SELECT count(*) FROM checked) AS checked,
  (SELECT count(*) FROM audit_revision r
    WHERE ($1::timestamptz IS NULL OR r.created_at >= $1)
      AND ($2::timestamptz IS NULL OR r.created_at < $2)
      AND NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.revision_id = r.id)
  ) AS unsealed,
  (SELECT count(*) FROM audit_pruned_version p
    JOIN checked c ON c.revision_id = p.revision_id) AS pruned,
  first_bad.revision_id AS first_bad_revision_id,
  first_bad.seq AS first_bad_seq,
  first_bad.problem
FROM (SELECT 1) AS one
LEFT JOIN first_bad ON true`;

/**
 * Recomputes the hash chain from the revisions and versions as they are now,
 * so edits and deletions made behind the append-only guard come to light.
 *
 * NOTE: deleting the last seals (a truncated tail) leaves a shorter chain that
 * is still valid, so without an anchor it is not detected. With one (a head
 * that sealing returned and logged, kept outside the database) it is.
 */
@Injectable()
export class AuditVerifyService {
  private readonly logger = new Logger(AuditVerifyService.name);

  constructor(private readonly dataSource: DataSource) {}

  /** Verifies the seals of the revisions created in the range (all by default). */
  async verify(range: AuditVerifyRange = {}): Promise<AuditVerifyResult> {
    const [row] = await this.dataSource.query<VerifyRow[]>(VERIFY_SQL, [
      range.from ?? null,
      range.to ?? null,
    ]);
    const result = toResult(row);
    if (result.ok && range.anchor) {
      Object.assign(result, await this.checkAnchor(range.anchor));
    }

    const scope = `from=${range.from?.toISOString() ?? '-'} to=${range.to?.toISOString() ?? '-'}`;
    if (result.ok) {
      this.logger.log(
        `Verified ${result.checked} sealed revisions (${scope}); ${result.unsealed} unsealed`,
      );
    } else {
      this.logger.warn(
        `Verification failed (${scope}) at revision ${result.firstBadRevisionId} seq=${result.firstBadSeq}: ${result.problem}`,
      );
    }

    return result;
  }

  private async checkAnchor(
    anchor: AuditChainAnchor,
  ): Promise<Partial<AuditVerifyResult>> {
    const [seal] = await this.dataSource.query<AnchorRow[]>(
      `SELECT revision_id, encode(hash, 'hex') AS hash
       FROM audit_seal WHERE seq = $1`,
      [anchor.seq],
    );
    if (!seal) {
      return {
        ok: false,
        firstBadSeq: anchor.seq,
        problem: `anchored seal ${anchor.seq} is missing: the chain was truncated`,
      };
    }
    if (seal.hash !== anchor.hash.toLowerCase()) {
      return {
        ok: false,
        firstBadSeq: anchor.seq,
        firstBadRevisionId: Number(seal.revision_id),
        problem: `anchored seal ${anchor.seq} has another hash: the chain was rewritten`,
      };
    }

    return {};
  }
}

function toResult(row: VerifyRow): AuditVerifyResult {
  const nullableNumber = (value: string | null) =>
    value === null ? null : Number(value);

  return {
    ok: row.problem === null,
    checked: Number(row.checked),
    unsealed: Number(row.unsealed),
    pruned: Number(row.pruned),
    firstBadRevisionId: nullableNumber(row.first_bad_revision_id),
    firstBadSeq: nullableNumber(row.first_bad_seq),
    problem: row.problem,
  };
}
