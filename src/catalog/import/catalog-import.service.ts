import { Injectable } from '@nestjs/common';
import { EntityManager, QueryFailedError } from 'typeorm';
import { Author } from '../author.entity';
import { Book } from '../book.entity';
import {
  CatalogImportRow,
  ImportBookFields,
  ImportRowError,
} from './catalog-import-rows';

/** Result of `catalog.import`, stored on the job run. */
export interface CatalogImportResult {
  rows: number;
  authorsCreated: number;
  booksCreated: number;
  booksUpdated: number;
  booksUnchanged: number;
}

export interface CatalogImportOptions {
  /** Stops the import between rows; the caller's transaction then rolls back. */
  signal: AbortSignal;
  /** Called with the number of rows processed, every `progressEvery` rows. */
  onProgress: (processed: number) => Promise<void>;
  progressEvery?: number;
}

type BookValues = ImportBookFields & Pick<Book, 'title' | 'authorId'>;

/** Columns compared before an update, so unchanged rows write nothing. */
const COMPARED: (keyof BookValues)[] = [
  'title',
  'authorId',
  'isbn',
  'originalTitle',
  'publishedYear',
  'price',
  'tags',
];

/**
 * Upserts catalog rows: authors matched by exact name and created when
 * missing, books matched by ISBN when the row has one, otherwise by title
 * and author. A book is written only when a compared column differs.
 */
@Injectable()
export class CatalogImportService {
  /**
   * Upserts `rows` in order inside the caller's transaction.
   *
   * @throws ImportRowError for a row the database rejects or a row whose
   *   title and author match several books.
   */
  async upsert(
    manager: EntityManager,
    rows: CatalogImportRow[],
    options: CatalogImportOptions,
  ): Promise<CatalogImportResult> {
    const progressEvery = options.progressEvery ?? 100;
    const authors = new Map<string, string>();
    const result: CatalogImportResult = {
      rows: rows.length,
      authorsCreated: 0,
      booksCreated: 0,
      booksUpdated: 0,
      booksUnchanged: 0,
    };

    for (const [index, row] of rows.entries()) {
      options.signal.throwIfAborted();
      await this.upsertRow(manager, row, authors, result);

      const processed = index + 1;
      if (processed % progressEvery === 0 || processed === rows.length) {
        await options.onProgress(processed);
      }
    }

    return result;
  }

  private async upsertRow(
    manager: EntityManager,
    row: CatalogImportRow,
    authors: Map<string, string>,
    result: CatalogImportResult,
  ): Promise<void> {
    try {
      const authorId = await this.authorId(
        manager,
        row.author,
        authors,
        result,
      );
      const values: BookValues = { title: row.title, authorId, ...row.fields };
      const book = await this.findBook(manager, row, authorId);

      if (!book) {
        await manager.insert(Book, values);
        result.booksCreated += 1;
        return;
      }
      const changes = changedValues(book, values);
      if (Object.keys(changes).length === 0) {
        result.booksUnchanged += 1;
        return;
      }
      await manager.update(Book, { id: book.id }, changes);
      result.booksUpdated += 1;
    } catch (error) {
      throw toRowError(row, error);
    }
  }

  private async authorId(
    manager: EntityManager,
    name: string,
    authors: Map<string, string>,
    result: CatalogImportResult,
  ): Promise<string> {
    const cached = authors.get(name);
    if (cached) return cached;

    let author = await manager.findOneBy(Author, { name });
    if (!author) {
      author = await manager.save(manager.create(Author, { name }));
      result.authorsCreated += 1;
    }
    authors.set(name, author.id);

    return author.id;
  }

  private async findBook(
    manager: EntityManager,
    row: CatalogImportRow,
    authorId: string,
  ): Promise<Book | null> {
    if (row.fields.isbn) {
      return manager.findOneBy(Book, { isbn: row.fields.isbn });
    }

    const matches = await manager.find(Book, {
      where: { title: row.title, authorId },
      order: { createdAt: 'ASC', id: 'ASC' },
      take: 2,
    });
    if (matches.length > 1) {
      throw new ImportRowError(
        row.position,
        `several books are titled ${JSON.stringify(row.title)} by ` +
          `${JSON.stringify(row.author)}; add an isbn to choose one`,
      );
    }

    return matches[0] ?? null;
  }
}

function changedValues(book: Book, values: BookValues): Partial<BookValues> {
  const changed = COMPARED.filter(
    (column) =>
      values[column] !== undefined && !sameValue(book[column], values[column]),
  );

  return Object.fromEntries(changed.map((column) => [column, values[column]]));
}

function sameValue(current: unknown, next: unknown): boolean {
  if (Array.isArray(current) && Array.isArray(next)) {
    return (
      current.length === next.length &&
      current.every((item, index) => item === next[index])
    );
  }

  return current === next;
}

/**
 * Names the row in a constraint or data error from PostgreSQL (SQLSTATE
 * classes 22 and 23), which retrying cannot fix. Other errors pass through,
 * and so does a unique violation (23505): the rows are matched before they
 * are written, so it means a concurrent writer created the same author or
 * ISBN, and the next attempt matches that row instead.
 */
function toRowError(row: CatalogImportRow, error: unknown): unknown {
  if (!(error instanceof QueryFailedError)) return error;

  const driverError = error.driverError as unknown as {
    code?: string;
    detail?: string;
  };
  const code = driverError.code ?? '';
  const permanent = code.startsWith('22') || code.startsWith('23');
  if (!permanent || code === '23505') return error;

  return new ImportRowError(row.position, driverError.detail ?? error.message);
}
