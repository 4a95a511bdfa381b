import type { Author } from './author.entity';
import type { Book } from './book.entity';

export function toAuthorResponse(author: Author) {
  return {
    id: author.id,
    name: author.name,
    createdAt: author.createdAt,
    createdBy: author.createdBy,
    updatedAt: author.updatedAt,
    updatedBy: author.updatedBy,
  };
}

export function toBookResponse(book: Book) {
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

export type AuthorResponseDto = ReturnType<typeof toAuthorResponse>;
export type BookResponseDto = ReturnType<typeof toBookResponse>;
