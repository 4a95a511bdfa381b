import { Type } from 'class-transformer';
import {
  IsDate,
  IsInt,
  IsOptional,
  IsString,
  Length,
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
