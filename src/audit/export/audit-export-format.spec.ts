import { parseCsv } from '../../catalog/import/csv-parser';
import {
  AuditExportRecord,
  csvHeader,
  EXPORT_COLUMNS,
  quoteCsv,
  toCsvLine,
  toNdjsonLine,
} from './audit-export-format';

const record: AuditExportRecord = {
  versionId: '12',
  revisionId: '7',
  at: '2026-12-03T10:00:00.000Z',
  userId: '5f0c8a4e-2d7b-4c55-9a57-1d8e0f1b2c3d',
  userName: 'ada, "the first"',
  source: 'job',
  comment: 'line one\nline two',
  requestId: null,
  jobRunId: null,
  entityType: 'books',
  entityId: 'b1',
  version: 3,
  action: 'update',
  changes: '{"title": {"to": "War, and \\"Peace\\"", "from": "Война и мир"}}',
  snapshot: '{"id": "b1", "tags": ["a;b"], "title": "War, and \\"Peace\\""}',
};

describe(toCsvLine.name, () => {
  it('round-trips through an RFC 4180 parser', () => {
    const [header, row] = parseCsv(csvHeader() + toCsvLine(record));

    expect(header.fields).toEqual(EXPORT_COLUMNS);
    expect(row.fields).toHaveLength(EXPORT_COLUMNS.length);
    const parsed = Object.fromEntries(
      EXPORT_COLUMNS.map((column, index) => [column, row.fields[index]]),
    );
    expect(parsed.userName).toBe(record.userName);
    expect(parsed.comment).toBe(record.comment);
    expect(parsed.requestId).toBe('');
    expect(parsed.version).toBe('3');
    expect(parsed.changes).toBe(record.changes);
    expect(JSON.parse(parsed.snapshot)).toEqual({
      id: 'b1',
      tags: ['a;b'],
      title: 'War, and "Peace"',
    });
  });

  it('ends records with CRLF', () => {
    expect(toCsvLine(record).endsWith('\r\n')).toBe(true);
    expect(csvHeader().endsWith('\r\n')).toBe(true);
  });
});

describe(quoteCsv.name, () => {
  it.each([
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['two\r\nlines', '"two\r\nlines"'],
    [' padded', '" padded"'],
    ['', ''],
  ])('writes %j as %j', (text, expected) => {
    expect(quoteCsv(text)).toBe(expected);
  });
});

describe(toNdjsonLine.name, () => {
  it('writes one JSON object per line', () => {
    const line = toNdjsonLine(record);

    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(JSON.parse(line)).toEqual({
      ...record,
      changes: JSON.parse(record.changes),
      snapshot: JSON.parse(record.snapshot),
    });
  });
});
