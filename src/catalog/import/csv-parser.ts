/** One record of a CSV text, with the line it starts on (1-based). */
export interface CsvRecord {
  line: number;
  fields: string[];
}

/** A CSV text that does not follow RFC 4180, with the line of the fault. */
export class CsvParseError extends Error {
  constructor(
    readonly line: number,
    readonly reason: string,
  ) {
    super(`line ${line}: ${reason}`);
    this.name = 'CsvParseError';
  }
}

const BOM = '\uFEFF';

/**
 * Parses CSV text as RFC 4180 describes it: fields separated by commas,
 * records by CRLF or LF, and double-quoted fields that may contain commas,
 * line breaks and quotes written as `""`. A leading byte order mark is
 * skipped, and a line break at the end of the text ends the last record
 * rather than starting an empty one.
 *
 * @throws CsvParseError for a quote inside an unquoted field, text after a
 *   closing quote, or a quoted field that is never closed.
 */
export function parseCsv(text: string): CsvRecord[] {
  const parser = new CsvStateMachine(
    text.startsWith(BOM) ? text.slice(1) : text,
  );

  return parser.parse();
}

class CsvStateMachine {
  private readonly records: CsvRecord[] = [];
  private fields: string[] = [];
  private field = '';
  private inQuotes = false;
  private closedQuote = false;
  private line = 1;
  private recordLine = 1;

  constructor(private readonly text: string) {}

  parse(): CsvRecord[] {
    let index = 0;
    while (index < this.text.length) {
      index = this.inQuotes ? this.readQuoted(index) : this.readPlain(index);
    }
    if (this.inQuotes) {
      throw new CsvParseError(this.recordLine, 'quoted field is not closed');
    }
    if (this.field !== '' || this.fields.length > 0 || this.closedQuote) {
      this.endRecord();
    }

    return this.records;
  }

  /** Consumes one character inside quotes and returns the next index. */
  private readQuoted(index: number): number {
    const char = this.text[index];
    if (char !== '"') {
      if (char === '\n') this.line += 1;
      this.field += char;
      return index + 1;
    }
    if (this.text[index + 1] === '"') {
      this.field += '"';
      return index + 2;
    }
    this.inQuotes = false;
    this.closedQuote = true;

    return index + 1;
  }

  /** Consumes one character outside quotes and returns the next index. */
  private readPlain(index: number): number {
    const char = this.text[index];
    switch (char) {
      case ',':
        this.endField();
        return index + 1;
      case '\r':
      case '\n': {
        this.endRecord();
        this.line += 1;
        this.recordLine = this.line;
        const crlf = char === '\r' && this.text[index + 1] === '\n';
        return index + (crlf ? 2 : 1);
      }
      case '"':
        if (this.field !== '' || this.closedQuote) {
          throw new CsvParseError(
            this.line,
            'a quote inside an unquoted field must be in a quoted field as ""',
          );
        }
        this.inQuotes = true;
        return index + 1;
      default:
        if (this.closedQuote) {
          throw new CsvParseError(
            this.line,
            `unexpected ${JSON.stringify(char)} after a closing quote; ` +
              'expected a comma or a line break',
          );
        }
        this.field += char;
        return index + 1;
    }
  }

  private endField(): void {
    this.fields.push(this.field);
    this.field = '';
    this.closedQuote = false;
  }

  private endRecord(): void {
    this.endField();
    this.records.push({ line: this.recordLine, fields: this.fields });
    this.fields = [];
  }
}
