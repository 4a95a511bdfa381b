import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ImportRowError,
  rowsFromBooks,
  rowsFromCsv,
} from './catalog-import-rows';

const HEADER = 'title,author,year,original_title,tags';

function errorOf(work: () => unknown): Error {
  try {
    work();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe(rowsFromCsv.name, () => {
  it('reads the sample file', () => {
    const text = readFileSync(
      join(__dirname, '../../../data/classic-books.csv'),
      'utf8',
    );

    const rows = rowsFromCsv(text);

    expect(rows).toHaveLength(70);
    expect(rows.find((row) => row.title === 'Candide')).toEqual({
      position: 'row 34',
      title: 'Candide',
      author: 'Voltaire',
      fields: {
        originalTitle: "Candide, ou l'Optimisme",
        publishedYear: 1759,
        tags: ['novella', 'satire'],
      },
    });
    expect(rows.find((row) => row.title === 'Kokoro')?.fields).toMatchObject({
      originalTitle: 'こゝろ',
    });
  });

  it('clears fields with empty cells', () => {
    const [row] = rowsFromCsv(`${HEADER}\nEmma,Jane Austen,,,\n`);

    expect(row.fields).toEqual({
      originalTitle: null,
      publishedYear: null,
      tags: [],
    });
  });

  it('accepts isbn and price columns in any order', () => {
    const [row] = rowsFromCsv('price,isbn,author,title\n19.9,978-1,A,B\n');

    expect(row).toMatchObject({ title: 'B', author: 'A' });
    expect(row.fields).toEqual({ isbn: '978-1', price: '19.90' });
  });

  it('names the row of an invalid year', () => {
    const error = errorOf(() =>
      rowsFromCsv(`${HEADER}\nEmma,Jane Austen,1815,,\nX,Y,soon,,\n`),
    );

    expect(error).toBeInstanceOf(ImportRowError);
    expect(error.message).toBe('row 3: year must be an integer');
  });

  it('adds the line when quoted line breaks shift rows', () => {
    const error = errorOf(() =>
      rowsFromCsv(`${HEADER}\n"Two\nlines",A,,,\n,B,,,\n`),
    );

    expect(error.message).toMatch(/^row 3 \(line 4\): title/);
  });

  it('names the row with a wrong field count', () => {
    const error = errorOf(() => rowsFromCsv(`${HEADER}\nEmma,Jane Austen\n`));

    expect(error.message).toBe('row 2: has 2 fields, but the header has 5');
  });

  it.each([
    ['title,writer,year', 'row 1: unknown column "writer"'],
    ['title,title,author', 'row 1: column title appears twice'],
    ['title,year', 'row 1: the header lacks the column author'],
  ])('rejects the header %s', (header, message) => {
    const error = errorOf(() => rowsFromCsv(`${header}\nA,B,C\n`));

    expect(error).toBeInstanceOf(ImportRowError);
    expect(error.message).toContain(message);
  });

  it('names the line of malformed CSV', () => {
    const error = errorOf(() => rowsFromCsv(`${HEADER}\n"open,A,,,\n`));

    expect(error.message).toContain('line 2: quoted field is not closed');
  });

  it('skips a byte order mark and CRLF line breaks', () => {
    const rows = rowsFromCsv(
      `\uFEFF${HEADER}\r\nEmma,Jane Austen,1815,,novel\r\n`,
    );

    expect(rows).toHaveLength(1);
    expect(rows[0].fields.publishedYear).toBe(1815);
  });
});

describe(rowsFromBooks.name, () => {
  it('keeps only the fields a row gives', () => {
    const [row] = rowsFromBooks([{ title: 'Emma', author: 'Jane Austen' }]);

    expect(row).toEqual({
      position: 'row 1',
      title: 'Emma',
      author: 'Jane Austen',
      fields: {},
    });
  });

  it('names the row of a missing author', () => {
    const error = errorOf(() =>
      rowsFromBooks([{ title: 'Emma', author: 'Jane Austen' }, { title: 'X' }]),
    );

    expect(error.message).toMatch(/^row 2: author must/);
  });

  it('rejects unknown properties', () => {
    const error = errorOf(() =>
      rowsFromBooks([{ title: 'Emma', author: 'A', publisher: 'B' }]),
    );

    expect(error.message).toContain('property publisher should not exist');
  });
});
