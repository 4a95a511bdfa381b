import { CsvParseError, parseCsv } from './csv-parser';

function fields(text: string): string[][] {
  return parseCsv(text).map((record) => record.fields);
}

describe(parseCsv.name, () => {
  it('splits records and fields', () => {
    expect(fields('a,b,c\n1,2,3\n')).toEqual([
      ['a', 'b', 'c'],
      ['1', '2', '3'],
    ]);
  });

  it('keeps commas inside quotes', () => {
    expect(fields('"Faust, Part One",Goethe')).toEqual([
      ['Faust, Part One', 'Goethe'],
    ]);
  });

  it('reads doubled quotes as one quote', () => {
    expect(fields('"say ""hello""",x\n""""')).toEqual([
      ['say "hello"', 'x'],
      ['"'],
    ]);
  });

  it('keeps line breaks inside quotes', () => {
    expect(fields('"one\ntwo","three\r\nfour"\nnext')).toEqual([
      ['one\ntwo', 'three\r\nfour'],
      ['next'],
    ]);
  });

  it('numbers records by the line they start on', () => {
    const records = parseCsv('h\n"a\nb"\nc\n');

    expect(records.map((record) => record.line)).toEqual([1, 2, 4]);
  });

  it('keeps empty fields', () => {
    expect(fields(',a,,\n"",b')).toEqual([
      ['', 'a', '', ''],
      ['', 'b'],
    ]);
  });

  it('reads a blank line as one empty field', () => {
    expect(fields('a\n\nb')).toEqual([['a'], [''], ['b']]);
  });

  it('skips a byte order mark', () => {
    expect(fields('\uFEFFtitle,author\n')).toEqual([['title', 'author']]);
  });

  it('accepts CRLF line breaks', () => {
    expect(fields('a,b\r\n1,2\r\n')).toEqual([
      ['a', 'b'],
      ['1', '2'],
    ]);
  });

  it('reads the last record without a final line break', () => {
    expect(fields('a,b\n1,')).toEqual([
      ['a', 'b'],
      ['1', ''],
    ]);
  });

  it('keeps non-Latin scripts', () => {
    expect(fields('Война и мир,こゝろ,"Les Misérables"')).toEqual([
      ['Война и мир', 'こゝろ', 'Les Misérables'],
    ]);
  });

  it('returns no records for an empty text', () => {
    expect(parseCsv('')).toEqual([]);
  });

  it.each([
    ['a,b"c\n', 1, 'quote inside an unquoted field'],
    ['a\n"b"c\n', 2, 'after a closing quote'],
    ['a\nb\n"open,\nstill open', 3, 'quoted field is not closed'],
  ])('rejects %j at line %i', (text, line, reason) => {
    let caught: unknown;
    try {
      parseCsv(text);
    } catch (error) {
      caught = error;
    }

    expect(caught).toBeInstanceOf(CsvParseError);
    expect((caught as CsvParseError).line).toBe(line);
    expect((caught as CsvParseError).message).toContain(`line ${line}:`);
    expect((caught as CsvParseError).message).toContain(reason);
  });
});
