import {
  IsIn,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
} from 'class-validator';
import { IsInstant } from '../is-instant.decorator';

export const EXPORT_FORMATS = ['ndjson', 'csv'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/**
 * Payload of `audit.export`: the versions whose revision was written at or
 * after `from` and before `to`, optionally of one entity type.
 */
export class AuditExportPayloadDto {
  @IsInstant('from')
  from: string;

  @IsInstant('to')
  to: string;

  /** Entity type as in the history API, such as `books` or `job-runs`. */
  @IsOptional()
  @IsString()
  @MaxLength(100)
  @Matches(/^[a-z][a-z0-9_-]*$/, {
    message: 'type must be an entity type such as "books"',
  })
  type?: string;

  @IsIn(EXPORT_FORMATS, { message: 'format must be "ndjson" or "csv"' })
  format: ExportFormat;
}
