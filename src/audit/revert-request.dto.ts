import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import {
  IsBoolean,
  IsInt,
  IsOptional,
  IsString,
  Max,
  MaxLength,
  Min,
} from 'class-validator';
import { MAX_COMMENT_LENGTH } from '../common/request-id.middleware';
import { MAX_VERSION, VERSION_LIMITS } from './history-query.dto';

const COMMENT_LIMITS = {
  maxLength: MAX_COMMENT_LENGTH,
  description: 'Stored on the revision the write creates',
} as const;

/** `POST /history/:type/:id/revert`. */
export class RevertRequestDto {
  @ApiProperty({ ...VERSION_LIMITS, description: 'The version to go back to' })
  @IsInt({ message: 'version must be an integer' })
  @Min(1, { message: 'version must be at least 1' })
  @Max(MAX_VERSION, { message: `version must be at most ${MAX_VERSION}` })
  version: number;

  /** The version the caller believes is current; a mismatch is a 409. */
  @ApiPropertyOptional({
    ...VERSION_LIMITS,
    description:
      'The version the caller believes is current; a mismatch is a 409',
  })
  @IsOptional()
  @IsInt({ message: 'expectedVersion must be an integer' })
  @Min(1, { message: 'expectedVersion must be at least 1' })
  @Max(MAX_VERSION, {
    message: `expectedVersion must be at most ${MAX_VERSION}`,
  })
  expectedVersion?: number;

  @ApiPropertyOptional(COMMENT_LIMITS)
  @IsOptional()
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;
}

/** `POST /history/:type/:id/recover`. */
export class AuditCommentDto {
  @ApiPropertyOptional(COMMENT_LIMITS)
  @IsOptional()
  @IsString()
  @MaxLength(MAX_COMMENT_LENGTH)
  comment?: string;
}

/** `POST /revisions/:id/revert`. */
export class RevisionRevertRequestDto extends AuditCommentDto {
  @ApiPropertyOptional({
    default: false,
    description:
      'Revert objects that later revisions changed too, discarding those later changes; without it such a revert is a 409',
  })
  @IsOptional()
  @IsBoolean({ message: 'force must be a boolean' })
  force?: boolean;
}
