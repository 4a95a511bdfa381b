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

/** Encodes the sort key of the last item of a page as an opaque cursor. */
export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

/**
 * Decodes a cursor made by {@link encodeCursor}.
 *
 * @throws BadRequestException when the cursor is not one of ours.
 */
export function decodeCursor(cursor: string, arity: number): CursorKey {
  try {
    const key: unknown = JSON.parse(
      Buffer.from(cursor, 'base64url').toString('utf8'),
    );
    const valid =
      Array.isArray(key) &&
      key.length === arity &&
      key.every((part) => ['string', 'number'].includes(typeof part));
    if (valid) return key as CursorKey;
  } catch {
    // falls through to the error below
  }

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
