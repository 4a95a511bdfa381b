import { BadRequestException } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Max, Min } from 'class-validator';

export const DEFAULT_PAGE_SIZE = 50;
export const MAX_PAGE_SIZE = 500;

/** `?limit=&cursor=` of every list endpoint. */
export class PageQueryDto {
  @ApiPropertyOptional({
    type: 'integer',
    minimum: 1,
    maximum: MAX_PAGE_SIZE,
    default: DEFAULT_PAGE_SIZE,
    description: 'Items per page',
  })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(MAX_PAGE_SIZE)
  limit: number = DEFAULT_PAGE_SIZE;

  @ApiPropertyOptional({
    description: 'The nextCursor of the previous page',
  })
  @IsOptional()
  @IsString()
  cursor?: string;
}

/** One page of a list; `nextCursor` is null on the last page. */
export interface Page<T> {
  items: T[];
  nextCursor: string | null;
}

export type CursorKey = (string | number)[];

/**
 * The kind of one part of a cursor's sort key. An `instant` is a UTC ISO 8601
 * string with milliseconds, as `Date.toISOString()` writes it. A `bigint` is
 * a PostgreSQL bigint id as a string of digits, and a `version` is an integer
 * from 1 to 2^31 - 1.
 */
export type CursorPart = 'instant' | 'uuid' | 'bigint' | 'version';

type CursorPartValue<Part extends CursorPart> = Part extends 'version'
  ? number
  : string;

/** A decoded sort key, one value per part of its shape. */
export type DecodedCursor<Shape extends readonly CursorPart[]> = {
  [Index in keyof Shape]: CursorPartValue<Shape[Index]>;
};

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const DIGITS = /^(0|[1-9]\d{0,18})$/;
/** Largest PostgreSQL bigint and integer, the types of ids and versions. */
const MAX_BIGINT = 9_223_372_036_854_775_807n;
const MAX_INTEGER = 2_147_483_647;

/** Returns true when `value` is a part that {@link encodeCursor} could write. */
function isCursorPart(value: unknown, part: CursorPart): boolean {
  switch (part) {
    case 'instant':
      // The round trip rejects dates such as February 30, which Date rolls
      // over. Year 0 is out of PostgreSQL's range.
      return (
        typeof value === 'string' &&
        ISO_INSTANT.test(value) &&
        !value.startsWith('0000') &&
        !Number.isNaN(Date.parse(value)) &&
        new Date(value).toISOString() === value
      );
    case 'uuid':
      return typeof value === 'string' && UUID.test(value);
    case 'bigint':
      return (
        typeof value === 'string' &&
        DIGITS.test(value) &&
        BigInt(value) <= MAX_BIGINT
      );
    case 'version':
      return (
        Number.isInteger(value) &&
        (value as number) >= 1 &&
        (value as number) <= MAX_INTEGER
      );
  }
}

/** Encodes the sort key of the last item of a page as an opaque cursor. */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor} for a sort key of the given
 * shape. Each part must have the type and format that {@link toPage} writes,
 * so a cursor a client altered never reaches PostgreSQL as a malformed value.
 *
 * @throws BadRequestException when the cursor is not one of ours.
 */
export function decodeCursor<const Shape extends readonly CursorPart[]>(
  cursor: string,
  shape: Shape,
): DecodedCursor<Shape> {
  let key: unknown;
  try {
    key = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    key = undefined;
  }
  const valid =
    Array.isArray(key) &&
    key.length === shape.length &&
    shape.every((part, index) => isCursorPart(key[index], part));
  if (valid) return key as DecodedCursor<Shape>;

  throw new BadRequestException(['cursor is invalid; pass a nextCursor value']);
}

/**
 * Builds a page from rows fetched with `limit + 1`, so the extra row shows
 * whether another page follows.
 */
export function toPage<Row, Item>(
  rows: Row[],
  limit: number,
  keyOf: (row: Row) => CursorKey,
  map: (row: Row) => Item,
): Page<Item> {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  const nextCursor =
    rows.length > limit && last !== undefined
      ? encodeCursor(keyOf(last))
      : null;

  return { items: items.map(map), nextCursor };
}
