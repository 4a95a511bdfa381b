import { Injectable } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { conflict, invalid, notFound } from '../common/errors';
import { escapeLike } from '../common/like';
import { fetchKeysetPage } from '../common/keyset-page';
import { Page } from '../common/pagination';
import { Author } from './author.entity';
import { Book } from './book.entity';
import type {
  BookBulkUpdateDto,
  BookCreateDto,
  BookListQueryDto,
  BookUpdateDto,
} from './catalog.dto';
import { BookResponseDto, toBookResponse } from './catalog.mapper';

/** Fields that may be cleared with null; title and authorId may not. */
const REQUIRED_FIELDS = ['title', 'authorId'] as const;

type BookFields = Partial<
  Pick<
    Book,
    | 'title'
    | 'authorId'
    | 'isbn'
    | 'originalTitle'
    | 'publishedYear'
    | 'price'
    | 'tags'
  >
>;

@Injectable()
export class BooksService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: AuditedTransactionService,
  ) {}

  async create(input: BookCreateDto): Promise<BookResponseDto> {
    return this.transactions.run(async (manager) => {
      const fields = this.toFields(input);
      await this.check(manager, fields);
      const { id } = await manager.save(manager.create(Book, fields));

      return toBookResponse(await manager.findOneByOrFail(Book, { id }));
    });
  }

  async list(query: BookListQueryDto): Promise<Page<BookResponseDto>> {
    const builder = this.dataSource.manager.createQueryBuilder(Book, 'b');
    if (query.authorId) {
      builder.andWhere('b.authorId = :authorId', { authorId: query.authorId });
    }
    if (query.q) {
      builder.andWhere(`b.title ILIKE :q ESCAPE '\\'`, {
        q: `%${escapeLike(query.q)}%`,
      });
    }

    return fetchKeysetPage(builder, 'b', query, toBookResponse);
  }

  async get(id: string): Promise<BookResponseDto> {
    const book = await this.dataSource.manager.findOneBy(Book, { id });
    if (!book) throw notFound(`Book ${id} not found`);

    return toBookResponse(book);
  }

  async update(id: string, input: BookUpdateDto): Promise<BookResponseDto> {
    return this.transactions.run(async (manager) => {
      const book = await manager.findOneBy(Book, { id });
      if (!book) throw notFound(`Book ${id} not found`);

      const fields = this.toFields(input);
      await this.check(manager, fields, [id]);
      if (Object.keys(fields).length > 0) {
        await manager.update(Book, { id }, fields);
      }

      return toBookResponse(await manager.findOneByOrFail(Book, { id }));
    });
  }

  /** Sets the same fields on many books in one statement, all or none. */
  async bulkUpdate(
    input: BookBulkUpdateDto,
  ): Promise<{ updated: number; items: BookResponseDto[] }> {
    return this.transactions.run(async (manager) => {
      const fields = this.toFields(input.set);
      if (Object.keys(fields).length === 0) {
        throw invalid('set must contain at least one field');
      }

      const found = await manager.find(Book, {
        select: { id: true },
        where: { id: In(input.ids) },
      });
      const missing = input.ids.filter((id) => !found.some((b) => b.id === id));
      if (missing.length > 0) {
        throw notFound(`Books not found: ${missing.join(', ')}`);
      }
      if (fields.isbn && input.ids.length > 1) {
        throw conflict('isbn is unique, so it cannot be set on several books');
      }
      await this.check(manager, fields, input.ids);

      const result = await manager
        .createQueryBuilder()
        .update(Book)
        .set(fields)
        .where('id IN (:...ids)', { ids: input.ids })
        .execute();
      const items = await manager.find(Book, {
        where: { id: In(input.ids) },
        order: { createdAt: 'DESC', id: 'DESC' },
      });

      return {
        updated: result.affected ?? 0,
        items: items.map(toBookResponse),
      };
    });
  }

  async remove(id: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      const result = await manager.delete(Book, { id });
      if (!result.affected) throw notFound(`Book ${id} not found`);
    });
  }

  /** Keeps the fields present in the input, rejecting null where required. */
  private toFields(input: BookUpdateDto): BookFields {
    for (const field of REQUIRED_FIELDS) {
      if (input[field] === null) throw invalid(`${field} must not be null`);
    }
    const entries = Object.entries(input).filter(
      ([, value]) => value !== undefined,
    );

    return Object.fromEntries(entries);
  }

  /** Checks references and unique values, so conflicts get a clear message. */
  private async check(
    manager: EntityManager,
    fields: BookFields,
    ids: string[] = [],
  ): Promise<void> {
    if (fields.authorId !== undefined) {
      const exists = await manager.existsBy(Author, { id: fields.authorId });
      if (!exists) throw invalid(`authorId ${fields.authorId} does not exist`);
    }
    if (fields.isbn) {
      const owner = await manager.findOneBy(Book, { isbn: fields.isbn });
      if (owner && !ids.includes(owner.id)) {
        throw conflict(
          `isbn ${fields.isbn} already belongs to book ${owner.id}`,
        );
      }
    }
  }
}
