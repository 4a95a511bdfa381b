import { PartialType } from '@nestjs/mapped-types';
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
  ValidateNested,
} from 'class-validator';
import { PageQueryDto } from '../common/pagination';

export const PRICE_PATTERN = /^\d{1,10}(\.\d{1,2})?$/;

export class AuthorCreateDto {
  @IsString()
  @Length(1, 300)
  @Matches(/\S/, { message: 'name must not be blank' })
  name: string;
}

export class AuthorUpdateDto extends PartialType(AuthorCreateDto) {}

export class BookCreateDto {
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: 'title must not be blank' })
  title: string;

  @IsUUID('all', { message: 'authorId must be a UUID' })
  authorId: string;

  @IsOptional()
  @IsString()
  @Length(1, 32)
  isbn?: string | null;

  @IsOptional()
  @IsString()
  @Length(1, 500)
  originalTitle?: string | null;

  @IsOptional()
  @IsInt({ message: 'publishedYear must be an integer' })
  @Min(-5000)
  @Max(9999)
  publishedYear?: number | null;

  @IsOptional()
  @IsString({ message: 'price must be a decimal string such as "19.90"' })
  @Matches(PRICE_PATTERN, {
    message:
      'price must be a decimal string with at most 2 decimals, such as "19.90"',
  })
  price?: string | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  tags?: string[];
}

export class BookUpdateDto extends PartialType(BookCreateDto) {}

export class BookBulkUpdateDto {
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(1000)
  @ArrayUnique()
  @IsUUID('all', { each: true, message: 'each value in ids must be a UUID' })
  ids: string[];

  @ValidateNested()
  @Type(() => BookUpdateDto)
  set: BookUpdateDto;
}

export class AuthorListQueryDto extends PageQueryDto {
  @IsOptional()
  @IsString()
  @Length(1, 300)
  q?: string;
}

export class BookListQueryDto extends PageQueryDto {
  @IsOptional()
  @IsUUID('all', { message: 'authorId must be a UUID' })
  authorId?: string;

  @IsOptional()
  @IsString()
  @Length(1, 500)
  q?: string;
}
