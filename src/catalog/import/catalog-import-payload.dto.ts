import { Type } from 'class-transformer';
import {
  ArrayMaxSize,
  ArrayMinSize,
  IsArray,
  IsInt,
  IsOptional,
  IsString,
  Length,
  Matches,
  Max,
  Min,
  registerDecorator,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { PRICE_PATTERN } from '../catalog.dto';

/** The payload fields that name where the rows come from. */
const SOURCES = ['books', 'csv', 'file'] as const;

/** Maximum rows in a `books` payload; CSV rows are bounded by the text size. */
export const MAX_IMPORT_BOOKS = 10_000;

function presentSources(payload: object): string[] {
  const record = payload as Record<string, unknown>;

  return SOURCES.filter((source) => record[source] !== undefined);
}

/** Fails unless the payload has exactly one of books, csv and file. */
function ExactlyOneSource(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'exactlyOneImportSource',
      target: target.constructor,
      propertyName: propertyName as string,
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          presentSources(args.object).length === 1,
        defaultMessage: (args: ValidationArguments) => {
          const present = presentSources(args.object);
          const found = present.length === 0 ? 'none' : present.join(', ');

          return `payload must contain exactly one of books, csv or file (found: ${found})`;
        },
      },
    });
  };
}

/** One book to upsert: the author by name, the book by ISBN or title. */
export class CatalogImportBookDto {
  @IsString()
  @Length(1, 500)
  @Matches(/\S/, { message: 'title must not be blank' })
  title: string;

  @IsString()
  @Length(1, 300)
  @Matches(/\S/, { message: 'author must not be blank' })
  author: string;

  @IsOptional()
  @IsString()
  @Length(1, 32)
  isbn?: string | null;

  @IsOptional()
  @IsInt({ message: 'year must be an integer' })
  @Min(-5000)
  @Max(9999)
  year?: number | null;

  @IsOptional()
  @IsString()
  @Length(1, 500)
  originalTitle?: string | null;

  @IsOptional()
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @Length(1, 100, { each: true })
  tags?: string[];

  @IsOptional()
  @IsString({ message: 'price must be a decimal string such as "19.90"' })
  @Matches(PRICE_PATTERN, {
    message:
      'price must be a decimal string with at most 2 decimals, such as "19.90"',
  })
  price?: string | null;
}

/**
 * Payload of `catalog.import`: exactly one of `books` (rows as JSON), `csv`
 * (text with the header `title,author,year,original_title,tags`, optionally
 * also `isbn` and `price`) or `file` (a CSV file inside IMPORT_DIR).
 */
export class CatalogImportPayloadDto {
  @ValidateIf(
    (payload: object) =>
      (payload as CatalogImportPayloadDto).books !== undefined ||
      presentSources(payload).length === 0,
  )
  @ExactlyOneSource()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_BOOKS)
  @ValidateNested({ each: true })
  @Type(() => CatalogImportBookDto)
  books?: CatalogImportBookDto[];

  @ValidateIf(
    (payload: object) => (payload as CatalogImportPayloadDto).csv !== undefined,
  )
  @ExactlyOneSource()
  @IsString()
  csv?: string;

  @ValidateIf(
    (payload: object) =>
      (payload as CatalogImportPayloadDto).file !== undefined,
  )
  @ExactlyOneSource()
  @IsString()
  @Length(1, 255)
  file?: string;
}
