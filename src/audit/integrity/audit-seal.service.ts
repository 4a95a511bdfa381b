import { Injectable, Logger } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';
import { MetricsService } from '../../metrics/metrics.service';

export interface AuditSealOptions {
  /** Minimum age of a revision before it is sealed; defaults to AUDIT_SEAL_SETTLE_MS. */
  settleMs?: number;
  /** Upper bound on round trips in one call; each seals up to AUDIT_SEAL_BATCH_SIZE. */
  maxBatches?: number;
}

/** `POST /audit/seal`. */
export class AuditSealResult {
  @ApiProperty({
    type: 'integer',
    description: 'Revisions chained by this call',
  })
  sealed: number;

  @ApiProperty({
    type: 'integer',
    description:
      "Sequence number of the chain's head, 0 while nothing is sealed",
  })
  lastSeq: number;

  @ApiProperty({
    type: String,
    nullable: true,
    pattern: '^[0-9a-f]{64}$',
    description:
      "Hex SHA-256 of the chain's head, worth recording outside the database",
  })
  lastHash: string | null;
}

interface SealRow {
  sealed: number;
  last_seq: string;
  last_hash: string;
}

const DEFAULT_MAX_BATCHES = 100;

/**
 * Extends the hash chain over revisions (audit_seal). Writers never take part:
 * this step runs on demand and from the scheduled `audit.seal` job, and the
 * hashing runs inside PostgreSQL, one round trip per batch.
 */
@Injectable()
export class AuditSealService {
  private readonly logger = new Logger(AuditSealService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly environment: Environment,
    private readonly metrics: MetricsService,
  ) {}

  /**
   * Seals every committed revision older than the settle window, in id order,
   * batch after batch until one comes back short.
   *
   * @returns how many revisions were sealed and the head of the chain.
   */
  async seal(options: AuditSealOptions = {}): Promise<AuditSealResult> {
    const settleMs = options.settleMs ?? this.environment.AUDIT_SEAL_SETTLE_MS;
    const batchSize = this.environment.AUDIT_SEAL_BATCH_SIZE;
    const maxBatches = options.maxBatches ?? DEFAULT_MAX_BATCHES;
    const result: AuditSealResult = { sealed: 0, lastSeq: 0, lastHash: null };

    for (let batch = 0; batch < maxBatches; batch += 1) {
      const row = await this.sealBatch(settleMs, batchSize);
      result.sealed += row.sealed;
      result.lastSeq = Number(row.last_seq);
      result.lastHash = result.lastSeq > 0 ? row.last_hash : null;
      if (row.sealed < batchSize) break;
    }

    this.logger.log(
      `Sealed ${result.sealed} revisions; chain head seq=${result.lastSeq} hash=${result.lastHash}`,
    );
    this.metrics.sealingLag.set(await this.unsealedAgeSeconds());

    return result;
  }

  /** Age of the oldest revision not yet in the chain, 0 when none is. */
  private async unsealedAgeSeconds(): Promise<number> {
    const [row] = await this.dataSource.query<{ age: number | null }[]>(
      `SELECT extract(epoch FROM clock_timestamp() - min(r.created_at))::float8
         AS age
       FROM audit_revision r
       WHERE NOT EXISTS (SELECT 1 FROM audit_seal s WHERE s.revision_id = r.id)`,
    );

    return row?.age ?? 0;
  }

  private async sealBatch(
    settleMs: number,
    batchSize: number,
  ): Promise<SealRow> {
    try {
      const [row] = await this.dataSource.query<SealRow[]>(
        `SELECT sealed, last_seq, encode(last_hash, 'hex') AS last_hash
         FROM audit_seal_pending(make_interval(secs => $1::float8 / 1000), $2)`,
        [settleMs, batchSize],
      );

      return row;
    } catch (error) {
      this.logger.error(
        `Sealing a batch of up to ${batchSize} revisions failed: ${(error as Error).message}`,
        (error as Error).stack,
      );
      throw error;
    }
  }
}
