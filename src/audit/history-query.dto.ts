import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import { PageQueryDto } from '../common/pagination';
import {
  INSTANT_EXAMPLE,
  INSTANT_PATTERN,
  IsInstant,
} from './is-instant.decorator';

/** Largest value of a PostgreSQL integer, the type of a version number. */
export const MAX_VERSION = 2_147_483_647;

/** OpenAPI limits of a version number field. */
export const VERSION_LIMITS = {
  type: 'integer',
  minimum: 1,
  maximum: MAX_VERSION,
} as const;

/**
 * `GET /history/:type/:id?limit=&cursor=&beforeVersion=`. `beforeVersion=N`
 * starts the page just below version N, so a client can open the history at
 * any position without walking the pages before it.
 */
export class HistoryQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    ...VERSION_LIMITS,
    description: 'Start the page just below this version',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt({ message: 'beforeVersion must be an integer' })
  @Min(1, { message: 'beforeVersion must be at least 1' })
  @Max(MAX_VERSION, { message: `beforeVersion must be at most ${MAX_VERSION}` })
  beforeVersion?: number;
}

/** `GET /history/:type/:id/diff?from=&to=`: any two versions of one object. */
export class DiffQueryDto {
  @ApiProperty({ ...VERSION_LIMITS, description: 'The older version' })
  @Type(() => Number)
  @IsInt({ message: 'from must be a version number (an integer)' })
  @Min(1, { message: 'from must be at least 1' })
  @Max(MAX_VERSION, { message: `from must be at most ${MAX_VERSION}` })
  from: number;

  @ApiProperty({ ...VERSION_LIMITS, description: 'The newer version' })
  @Type(() => Number)
  @IsInt({ message: 'to must be a version number (an integer)' })
  @Min(1, { message: 'to must be at least 1' })
  @Max(MAX_VERSION, { message: `to must be at most ${MAX_VERSION}` })
  to: number;
}

/** `GET /history/:type/:id/as-of?at=`. */
export class AsOfQueryDto {
  @ApiProperty({
    format: 'date-time',
    pattern: INSTANT_PATTERN.source,
    example: INSTANT_EXAMPLE,
    description: 'An instant with an explicit offset (Z or +01:00)',
  })
  @IsInstant('at')
  at: string;
}
