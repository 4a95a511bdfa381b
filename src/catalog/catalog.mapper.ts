import type { Author } from './author.entity';
import type { Book } from './book.entity';
import type {
  AuthorResponseDto,
  BookResponseDto,
} from './catalog-response.dto';

export type { AuthorResponseDto, BookResponseDto };

export function toAuthorResponse(author: Author): AuthorResponseDto {
  return {
    id: author.id,
    name: author.name,
    createdAt: author.createdAt,
    createdBy: author.createdBy,
    updatedAt: author.updatedAt,
    updatedBy: author.updatedBy,
  };
}

export function toBookResponse(book: Book): BookResponseDto {
  return {
    id: book.id,
    title: book.title,
    authorId: book.authorId,
    isbn: book.isbn,
    originalTitle: book.originalTitle,
    publishedYear: book.publishedYear,
    price: book.price,
    tags: book.tags,
    createdAt: book.createdAt,
    createdBy: book.createdBy,
    updatedAt: book.updatedAt,
    updatedBy: book.updatedBy,
  };
}
