import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';
import { IsInstantDate } from '../is-instant.decorator';

export class AuditSealDto {
  /** Overrides AUDIT_SEAL_SETTLE_MS for this call; 0 seals every committed revision. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    maximum: 3_600_000,
    description:
      'Minimum age in ms of a revision to seal; overrides AUDIT_SEAL_SETTLE_MS, 0 seals every committed revision',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  settleMs?: number;
}

export class AuditVerifyQueryDto {
  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Revisions created at or after this instant',
  })
  @IsOptional()
  @IsInstantDate('from')
  from?: Date;

  @ApiPropertyOptional({
    type: String,
    format: 'date-time',
    description: 'Revisions created before this instant',
  })
  @IsOptional()
  @IsInstantDate('to')
  to?: Date;

  /** Seq of a chain head recorded earlier; needs anchorHash. */
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description:
      'lastSeq of a seal call recorded earlier; give it with anchorHash',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  anchorSeq?: number;

  /** Hex SHA-256 of the seal at anchorSeq; needs anchorSeq. */
  @ApiPropertyOptional({
    pattern: '^[0-9a-fA-F]{64}$',
    description:
      'lastHash of the same seal call: the seal at anchorSeq must still have it',
  })
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, {
    message: 'anchorHash must be a hex SHA-256 (64 hex digits)',
  })
  anchorHash?: string;
}

/** Give keepLast, olderThanDays or both; a version goes when both rules allow it. */
export class AuditPruneDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    description: 'Keep the newest N versions of each object',
  })
  @IsOptional()
  @IsInt()
  @Min(1)
  keepLast?: number;

  @ApiPropertyOptional({
    type: 'integer',
    minimum: 0,
    description: 'Keep versions younger than this many days',
  })
  @IsOptional()
  @IsInt()
  @Min(0)
  olderThanDays?: number;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 100,
    example: 'books',
    description: 'Prune only this entity type',
  })
  @IsOptional()
  @IsString()
  @Length(1, 100)
  type?: string;
}
