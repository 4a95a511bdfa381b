import { ApiProperty, ApiPropertyOptional, PartialType } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  ArrayUnique,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  IsUUID,
  Length,
  Matches,
  Max,
  Min,
  ValidateBy,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { PageQueryDto } from '../common/pagination';

export const PRICE_PATTERN = /^\d{1,10}(\.\d{1,2})?$/;

/** Returns the message for a price `value` that breaks the price rule. */
function priceMessage(field: string, value: unknown): string {
  const example = 'such as "19.90"';
  if (typeof value !== 'string') {
    return `${field} must be a decimal string ${example}`;
  }

  const got = `got ${JSON.stringify(value)}`;
  const number = /^(-?)(\d+)(?:\.(\d+))?$/.exec(value);
  if (!number) {
    return `${field} must be a decimal string of digits with an optional decimal point, ${example}; ${got}`;
  }
  const [, sign, whole, fraction = ''] = number;
  if (sign) return `${field} must not be negative; ${got}`;
  if (whole.length > 10) {
    return `${field} must have at most 10 digits before the decimal point; ${got}`;
  }
  if (fraction.length > 2) {
    return `${field} must have at most 2 decimals, ${example}; ${got}`;
  }

  return `${field} must be a decimal string ${example}; ${got}`;
}

/**
 * Validates a price: a string of up to 10 digits with up to 2 decimals, so
 * never negative (PRICE_PATTERN), with one message that names which part of
 * the rule the value breaks.
 */
export function IsPrice(): PropertyDecorator {
  return ValidateBy({
    name: 'isPrice',
    validator: {
      validate: (value: unknown) =>
        typeof value === 'string' && PRICE_PATTERN.test(value),
      defaultMessage: (args?: ValidationArguments) =>
        priceMessage(args?.property ?? 'price', args?.value),
    },
  });
}

export class AuthorCreateDto {
  @ApiProperty({ minLength: 1, maxLength: 300, example: 'Jane Austen' })
  @IsString()
  @Length(1, 300)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;
}

export class AuthorUpdateDto extends PartialType(AuthorCreateDto) {}

export class BookCreateDto {
  @ApiProperty({
    minLength: 1,
    maxLength: 500,
    example: 'Pride and Prejudice',
  })
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: 'title must not be blank' })
  title: string;

  @ApiProperty({ format: 'uuid' })
  @IsUUID('all', { message: 'authorId must be a UUID' })
  authorId: string;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    minLength: 1,
    maxLength: 32,
    description: 'Unique among books',
  })
  @IsOptional()
  @IsString()
  @Length(1, 32)
  isbn?: string | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    minLength: 1,
    maxLength: 500,
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  originalTitle?: string | null;

  @ApiPropertyOptional({
    type: 'integer',
    nullable: true,
    minimum: -5000,
    maximum: 9999,
    example: 1813,
  })
  @IsOptional()
  @IsInt({ message: 'publishedYear must be an integer' })
  @Min(-5000)
  @Max(9999)
  publishedYear?: number | null;

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    pattern: PRICE_PATTERN.source,
    example: '19.90',
    description:
      'Decimal string, not negative, with at most 10 digits before the decimal point and 2 after',
  })
  @IsOptional()
  @IsPrice()
  price?: string | null;

  @ApiPropertyOptional({
    type: [String],
    maxItems: 50,
    example: ['classic'],
    description: 'Each tag 1 to 100 characters',
  })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  tags?: string[];
}

export class BookUpdateDto extends PartialType(BookCreateDto) {}

export class BookBulkUpdateDto {
  @ApiProperty({
    type: [String],
    format: 'uuid',
    minItems: 1,
    maxItems: 1000,
    uniqueItems: true,
    description: 'Books to change, all in one transaction',
  })
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'each value in ids must be a UUID' })
  ids: string[];

  @ApiProperty({
    type: () => BookUpdateDto,
    description: 'Fields to set on every book; at least one',
  })
  @ValidateNested()
  @Type(() => BookUpdateDto)
  set: BookUpdateDto;
}

export class AuthorListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 300,
    description: 'Part of the name, case-insensitive',
  })
  @IsOptional()
  @IsString()
  @Length(1, 300)
  q?: string;
}

export class BookListQueryDto extends PageQueryDto {
  @ApiPropertyOptional({ format: 'uuid', description: 'Books of this author' })
  @IsOptional()
  @IsUUID('all', { message: 'authorId must be a UUID' })
  authorId?: string;

  @ApiPropertyOptional({
    minLength: 1,
    maxLength: 500,
    description: 'Part of the title, case-insensitive',
  })
  @IsOptional()
  @IsString()
  @Length(1, 500)
  q?: string;
}
