import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import type { Book } from '../book.entity';
import { CatalogImportBookDto } from './catalog-import-payload.dto';
import { CsvParseError, CsvRecord, parseCsv } from './csv-parser';

/** Book columns an import row may set; absent fields are left unchanged. */
export type ImportBookFields = Partial<
  Pick<Book, 'isbn' | 'originalTitle' | 'publishedYear' | 'price' | 'tags'>
>;

/** A validated row, ready to upsert. */
export interface CatalogImportRow {
  /** Position for messages: `row 3`, or `row 3 (line 5)` in CSV. */
  position: string;
  title: string;
  author: string;
  fields: ImportBookFields;
}

/** A row that can never be imported, with its position and the reason. */
export class ImportRowError extends Error {
  constructor(position: string, reason: string) {
    super(`${position}: ${reason}`);
    this.name = 'ImportRowError';
  }
}

/** CSV column to `books` row property; `title` and `author` are required. */
const CSV_COLUMNS = {
  title: 'title',
  author: 'author',
  year: 'year',
  original_title: 'originalTitle',
  tags: 'tags',
  isbn: 'isbn',
  price: 'price',
} as const;
type CsvColumn = keyof typeof CSV_COLUMNS;
const REQUIRED_COLUMNS: CsvColumn[] = ['title', 'author'];

/**
 * Validates the rows of a `books` payload. Row numbers start at 1 for
 * `books[0]`.
 *
 * @throws ImportRowError for the first invalid row.
 */
export function rowsFromBooks(books: unknown[]): CatalogImportRow[] {
  return books.map((book, index) =>
    toRow(`row ${index + 1}`, book as Record<string, unknown>),
  );
}

/**
 * Parses and validates CSV text. The header is row 1, as a spreadsheet
 * numbers it. Empty cells clear the field, and `tags` are split on `;`.
 *
 * @throws ImportRowError for a malformed text, a header with unknown,
 *   repeated or missing columns, or the first invalid row.
 */
export function rowsFromCsv(text: string): CatalogImportRow[] {
  const records = parseRecords(text).filter(
    (record) => !(record.fields.length === 1 && record.fields[0] === ''),
  );
  if (records.length === 0) {
    throw new ImportRowError('row 1', 'the CSV text is empty');
  }
  const [header, ...data] = records;
  const columns = readHeader(header);

  return data.map((record, index) => {
    const position = csvPosition(index + 2, record.line);
    if (record.fields.length !== columns.length) {
      throw new ImportRowError(
        position,
        `has ${record.fields.length} fields, but the header has ${columns.length}`,
      );
    }

    return toRow(position, csvValues(columns, record.fields));
  });
}

function parseRecords(text: string): CsvRecord[] {
  try {
    return parseCsv(text);
  } catch (error) {
    if (error instanceof CsvParseError) {
      throw new ImportRowError(`line ${error.line}`, error.reason);
    }
    throw error;
  }
}

function readHeader(header: CsvRecord): CsvColumn[] {
  const position = csvPosition(1, header.line);
  const expected = Object.keys(CSV_COLUMNS).join(', ');
  const columns = header.fields.map((name) => name.trim().toLowerCase());
  for (const [index, column] of columns.entries()) {
    if (!(column in CSV_COLUMNS)) {
      throw new ImportRowError(
        position,
        `unknown column ${JSON.stringify(header.fields[index])}; ` +
          `the columns are ${expected}`,
      );
    }
    if (columns.indexOf(column) !== index) {
      throw new ImportRowError(position, `column ${column} appears twice`);
    }
  }
  const missing = REQUIRED_COLUMNS.filter((name) => !columns.includes(name));
  if (missing.length > 0) {
    throw new ImportRowError(
      position,
      `the header lacks the column ${missing.join(' and ')}; ` +
        `the columns are ${expected}`,
    );
  }

  return columns as CsvColumn[];
}

/** Names a CSV row, adding its line when quoted line breaks shift it. */
function csvPosition(row: number, line: number): string {
  return row === line ? `row ${row}` : `row ${row} (line ${line})`;
}

/** Converts CSV cells to the JSON shape of a `books` row. */
function csvValues(
  columns: CsvColumn[],
  cells: string[],
): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const [index, column] of columns.entries()) {
    values[CSV_COLUMNS[column]] = csvValue(column, cells[index]);
  }

  return values;
}

function csvValue(column: CsvColumn, cell: string): unknown {
  switch (column) {
    case 'title':
    case 'author':
      return cell;
    case 'tags':
      return cell
        .split(';')
        .map((tag) => tag.trim())
        .filter((tag) => tag !== '');
    case 'year':
      if (cell.trim() === '') return null;
      return /^\s*-?\d+\s*$/.test(cell) ? Number(cell) : cell;
    case 'original_title':
    case 'isbn':
    case 'price':
      return cell === '' ? null : cell;
  }
}

function toRow(
  position: string,
  input: Record<string, unknown>,
): CatalogImportRow {
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new ImportRowError(position, 'must be an object');
  }
  const book = plainToInstance(CatalogImportBookDto, input);
  const errors = validateSync(book, {
    whitelist: true,
    forbidNonWhitelisted: true,
  });
  if (errors.length > 0) {
    // One reason per property: class-validator lists the constraints of a
    // property bottom-up, so the last one is its first decorator, which is
    // the type check on every property of CatalogImportBookDto.
    const reasons = errors.map(
      (error) => Object.values(error.constraints ?? {}).at(-1) ?? 'is invalid',
    );
    throw new ImportRowError(position, reasons.join('; '));
  }

  return {
    position,
    title: book.title,
    author: book.author,
    fields: toFields(book),
  };
}

function toFields(book: CatalogImportBookDto): ImportBookFields {
  const fields: ImportBookFields = {
    isbn: book.isbn,
    originalTitle: book.originalTitle,
    publishedYear: book.year,
    tags: book.tags,
    price: book.price == null ? book.price : normalizePrice(book.price),
  };

  return Object.fromEntries(
    Object.entries(fields).filter(([, value]) => value !== undefined),
  );
}

/** Writes a price as PostgreSQL returns numeric(12, 2): "19.9" is "19.90". */
function normalizePrice(price: string): string {
  const [units, cents = ''] = price.split('.');

  return `${BigInt(units).toString()}.${cents.padEnd(2, '0')}`;
}
