import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQueryDto } from '../common/pagination';
import { AUDIT_SOURCES, type AuditSource } from './audit-context';
import { IsInstant } from './is-instant.decorator';

/**
 * `GET /revisions?userId=&type=&source=&from=&to=`. The time range includes
 * `from` and excludes `to`.
 */
export class RevisionQueryDto extends PageQueryDto {
  @IsOptional()
  @IsUUID('all', { message: 'userId must be a UUID' })
  userId?: string;

  /** Keeps revisions with at least one version of this entity type. */
  @IsOptional()
  @IsString()
  @Length(1, 200)
  type?: string;

  @IsOptional()
  @IsIn(AUDIT_SOURCES, {
    message: `source must be one of: ${AUDIT_SOURCES.join(', ')}`,
  })
  source?: AuditSource;

  @IsOptional()
  @IsInstant('from')
  from?: string;

  @IsOptional()
  @IsInstant('to')
  to?: string;
}
