import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import { decodeCursor, Page, PageQueryDto, toPage } from './pagination';

/** A row that {@link fetchKeysetPage} can sort and resume after. */
export interface CreatedAtKeyedRow extends ObjectLiteral {
  createdAt: Date;
  id: string;
}

/**
 * Fetches one page of the builder's rows, newest first by `createdAt` and
 * then `id`, starting after the row that `page.cursor` names. The builder
 * keeps its own conditions, and this adds the order, the cursor condition
 * and the limit. The page's next cursor is `[createdAt as ISO 8601, id]` of
 * its last row.
 *
 * @param alias the alias the builder gives the row's entity.
 * @throws BadRequestException when the cursor is not one of ours.
 */
export async function fetchKeysetPage<Row extends CreatedAtKeyedRow, Item>(
  builder: SelectQueryBuilder<Row>,
  alias: string,
  page: Pick<PageQueryDto, 'limit' | 'cursor'>,
  map: (row: Row) => Item,
): Promise<Page<Item>> {
  builder
    .orderBy(`${alias}.createdAt`, 'DESC')
    .addOrderBy(`${alias}.id`, 'DESC')
    .limit(page.limit + 1);
  if (page.cursor) {
    const [createdAt, id] = decodeCursor(page.cursor, ['instant', 'uuid']);
    // All conditions of a builder share one set of parameters, so these
    // names stay clear of the ones callers bind, such as `:id`.
    builder.andWhere(
      `(${alias}.createdAt, ${alias}.id) < (:cursorCreatedAt, :cursorId)`,
      { cursorCreatedAt: createdAt, cursorId: id },
    );
  }
  const rows = await builder.getMany();

  return toPage(
    rows,
    page.limit,
    (row) => [row.createdAt.toISOString(), row.id],
    map,
  );
}
