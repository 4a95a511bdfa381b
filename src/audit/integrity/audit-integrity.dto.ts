import { Type } from 'class-transformer';
import {
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
} from 'class-validator';

export class AuditSealDto {
  /** Overrides AUDIT_SEAL_SETTLE_MS for this call; 0 seals every committed revision. */
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  settleMs?: number;
}

export class AuditVerifyQueryDto {
  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'from must be an ISO 8601 date-time' })
  from?: Date;

  @IsOptional()
  @Type(() => Date)
  @IsDate({ message: 'to must be an ISO 8601 date-time' })
  to?: Date;

  /** Seq of a chain head recorded earlier; needs anchorHash. */
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  anchorSeq?: number;

  /** Hex SHA-256 of the seal at anchorSeq; needs anchorSeq. */
  @IsOptional()
  @Matches(/^[0-9a-fA-F]{64}$/, {
    message: 'anchorHash must be a hex SHA-256 (64 hex digits)',
  })
  anchorHash?: string;
}

export class AuditPruneDto {
  @IsOptional()
  @IsInt()
  @Min(1)
  keepLast?: number;

  @IsOptional()
  @IsInt()
  @Min(0)
  olderThanDays?: number;

  @IsOptional()
  @IsString()
  @Length(1, 100)
  type?: string;
}
