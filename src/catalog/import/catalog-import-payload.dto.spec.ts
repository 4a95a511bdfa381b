import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { CatalogImportPayloadDto } from './catalog-import-payload.dto';

function messages(payload: object): string[] {
  const errors = validateSync(
    plainToInstance(CatalogImportPayloadDto, payload),
    {
      whitelist: true,
      forbidNonWhitelisted: true,
    },
  );

  return errors.flatMap((error) => [
    ...Object.values(error.constraints ?? {}),
    ...(error.children ?? []).flatMap((child) =>
      (child.children ?? []).flatMap((grandchild) =>
        Object.values(grandchild.constraints ?? {}),
      ),
    ),
  ]);
}

describe(CatalogImportPayloadDto.name, () => {
  it.each([
    [{ books: [{ title: 'Emma', author: 'Jane Austen' }] }],
    [{ csv: 'title,author\nEmma,Jane Austen\n' }],
    [{ file: 'classic-books.csv' }],
  ])('accepts %j', (payload) => {
    expect(messages(payload)).toEqual([]);
  });

  it('rejects a payload without a source', () => {
    expect(messages({})).toEqual([
      'must contain exactly one of books, csv or file; it contains none',
    ]);
  });

  it('rejects a payload with two sources', () => {
    expect(messages({ csv: 'title,author\n', file: 'a.csv' })).toEqual([
      'must contain exactly one of books, csv or file; it contains csv and file',
    ]);
  });

  it('checks the type of each source beside the count', () => {
    expect(messages({ books: 'x', csv: 1 })).toEqual([
      'books must contain no more than 10000 elements',
      'books must contain at least 1 elements',
      'books must be an array',
      'must contain exactly one of books, csv or file; it contains books and csv',
      'each value in nested property books must be either object or array',
      'csv must be a string',
    ]);
  });

  it('rejects an invalid book at submission', () => {
    expect(messages({ books: [{ title: 'Emma', year: 'soon' }] })).toEqual(
      expect.arrayContaining([
        'author must be a string',
        'year must be an integer',
      ]),
    );
  });

  it('rejects an empty books list', () => {
    expect(messages({ books: [] })).toContain(
      'books must contain at least 1 elements',
    );
  });
});
