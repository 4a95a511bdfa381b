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
  ValidateBy,
  ValidateIf,
  ValidateNested,
  ValidationArguments,
} from 'class-validator';
import { IsPrice } from '../catalog.dto';

/** The payload fields that name where the rows come from. */
const SOURCES = ['books', 'csv', 'file'] as const;

/** Maximum rows in a `books` payload; CSV rows are bounded by the text size. */
export const MAX_IMPORT_BOOKS = 10_000;

function presentSources(payload: object): string[] {
  const record = payload as Record<string, unknown>;

  return SOURCES.filter((source) => record[source] !== undefined);
}

/**
 * Returns the one source property that reports a wrong number of sources: the first
 * one present, or `csv` when there is none, so the payload gets one message.
 */
function reportingSource(payload: object): string {
  return presentSources(payload)[0] ?? 'csv';
}

/** Validates a source property when it is present or reports the count. */
function ValidateSourceIf(source: (typeof SOURCES)[number]): PropertyDecorator {
  return ValidateIf(
    (payload: object) =>
      (payload as Record<string, unknown>)[source] !== undefined ||
      reportingSource(payload) === source,
  );
}

/**
 * Fails unless the payload has exactly one of books, csv and file. The
 * context `scope: 'object'` makes validationMessages name the payload, not
 * the property, in the message.
 */
function ExactlyOneSource(): PropertyDecorator {
  return (target, propertyName) => {
    registerDecorator({
      name: 'exactlyOneImportSource',
      target: target.constructor,
      propertyName: propertyName as string,
      options: { context: { scope: 'object' } },
      validator: {
        validate: (_value: unknown, args: ValidationArguments) =>
          presentSources(args.object).length === 1 ||
          reportingSource(args.object) !== args.property,
        defaultMessage: (args: ValidationArguments) => {
          const present = presentSources(args.object);
          const found = present.length === 0 ? 'none' : present.join(' and ');

          return `must contain exactly one of books, csv or file; it contains ${found}`;
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
  @IsPrice()
  price?: string | null;
}

/**
 * Payload of `catalog.import`: exactly one of `books` (rows as JSON), `csv`
 * (text with the header `title,author,year,original_title,tags`, optionally
 * also `isbn` and `price`) or `file` (a CSV file inside IMPORT_DIR).
 */
export class CatalogImportPayloadDto {
  @ValidateSourceIf('books')
  @ExactlyOneSource()
  @IsArray()
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_IMPORT_BOOKS)
  @ValidateNested({ each: true })
  @Type(() => CatalogImportBookDto)
  books?: CatalogImportBookDto[];

  // The reporting source of an empty payload, so its type check passes when
  // it is absent.
  @ValidateSourceIf('csv')
  @ExactlyOneSource()
  @ValidateBy({
    name: 'isStringIfPresent',
    validator: {
      validate: (value: unknown) =>
        value === undefined || typeof value === 'string',
      defaultMessage: () => 'csv must be a string',
    },
  })
  csv?: string;

  @ValidateSourceIf('file')
  @ExactlyOneSource()
  @IsString()
  @Length(1, 255)
  file?: string;
}
