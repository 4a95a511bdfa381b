import { Injectable } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { conflict, notFound } from '../common/errors';
import { escapeLike } from '../common/like';
import { fetchKeysetPage } from '../common/keyset-page';
import { Page } from '../common/pagination';
import { Author } from './author.entity';
import { Book } from './book.entity';
import { AuthorResponseDto, toAuthorResponse } from './catalog.mapper';
import type {
  AuthorCreateDto,
  AuthorListQueryDto,
  AuthorUpdateDto,
} from './catalog.dto';

@Injectable()
export class AuthorsService {
  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: AuditedTransactionService,
  ) {}

  async create(input: AuthorCreateDto): Promise<AuthorResponseDto> {
    return this.transactions.run(async (manager) => {
      await this.assertNameFree(manager.getRepository(Author), input.name);
      const { id } = await manager.save(
        manager.create(Author, { name: input.name }),
      );

      return toAuthorResponse(await manager.findOneByOrFail(Author, { id }));
    });
  }

  async list(query: AuthorListQueryDto): Promise<Page<AuthorResponseDto>> {
    const builder = this.dataSource.manager.createQueryBuilder(Author, 'a');
    if (query.q) {
      builder.andWhere(`a.name ILIKE :q ESCAPE '\\'`, {
        q: `%${escapeLike(query.q)}%`,
      });
    }

    return fetchKeysetPage(builder, 'a', query, toAuthorResponse);
  }

  async get(id: string): Promise<AuthorResponseDto> {
    const author = await this.dataSource.manager.findOneBy(Author, { id });
    if (!author) throw notFound(`Author ${id} not found`);

    return toAuthorResponse(author);
  }

  async update(id: string, input: AuthorUpdateDto): Promise<AuthorResponseDto> {
    return this.transactions.run(async (manager) => {
      const repository = manager.getRepository(Author);
      const author = await repository.findOneBy({ id });
      if (!author) throw notFound(`Author ${id} not found`);

      if (input.name !== undefined && input.name !== author.name) {
        await this.assertNameFree(repository, input.name);
        await repository.update({ id }, { name: input.name });
      }

      return toAuthorResponse(await repository.findOneByOrFail({ id }));
    });
  }

  async remove(id: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      const author = await manager.findOneBy(Author, { id });
      if (!author) throw notFound(`Author ${id} not found`);

      const books = await manager.countBy(Book, { authorId: id });
      if (books > 0) {
        throw conflict(
          `Author ${id} has ${books} book(s); delete them or move them to another author first`,
        );
      }
      await manager.delete(Author, { id });
    });
  }

  private async assertNameFree(
    repository: { existsBy(where: { name: string }): Promise<boolean> },
    name: string,
  ): Promise<void> {
    if (await repository.existsBy({ name })) {
      throw conflict(`An author named "${name}" already exists`);
    }
  }
}
