import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQueryDto } from '../common/pagination';
import { AUDIT_SOURCES, type AuditSource } from './audit-context';
import {
  INSTANT_EXAMPLE,
  INSTANT_PATTERN,
  IsInstant,
} from './is-instant.decorator';

const INSTANT_LIMITS = {
  format: 'date-time',
  pattern: INSTANT_PATTERN.source,
  example: INSTANT_EXAMPLE,
} as const;

/**
 * `GET /revisions?userId=&type=&source=&from=&to=`. The time range includes
 * `from` and excludes `to`.
 */
export class RevisionQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    format: 'uuid',
    description: 'Revisions written by this user',
  })
  @IsOptional()
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId?: string;

  /** Keeps revisions with at least one version of this entity type. */
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 200,
    example: 'books',
    description:
      "Revisions with at least one version of this entity type. A type whose history the token's user may not read is a 403.",
  })
  @IsOptional()
  @IsString()
  @Length(1, 200)
  type?: string;

  @ApiPropertyOptional({ enum: AUDIT_SOURCES })
  @IsOptional()
  @IsIn(AUDIT_SOURCES, {
    message: `source must be one of: ${AUDIT_SOURCES.join(', ')}`,
  })
  source?: AuditSource;

  @ApiPropertyOptional({
    ...INSTANT_LIMITS,
    description: 'Revisions at or after this instant',
  })
  @IsOptional()
  @IsInstant('from')
  from?: string;

  @ApiPropertyOptional({
    ...INSTANT_LIMITS,
    description: 'Revisions before this instant',
  })
  @IsOptional()
  @IsInstant('to')
  to?: string;
}
