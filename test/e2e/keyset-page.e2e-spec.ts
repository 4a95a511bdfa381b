import { BadRequestException } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { DataSource } from 'typeorm';
import { Author } from '../../src/catalog/author.entity';
import { fetchKeysetPage } from '../../src/common/keyset-page';
import { encodeCursor } from '../../src/common/pagination';
import { dataSourceOptions } from '../../src/database/data-source-options';

/**
 * Runs fetchKeysetPage on its own against this run's PostgreSQL, over
 * authors inserted with chosen created_at values, several of them equal so
 * that id decides their order.
 */
describe(fetchKeysetPage.name, () => {
  const prefix = `keyset-${randomUUID()}`;
  const createdAts = [
    '2001-02-03T04:05:06.007Z',
    '2001-02-03T04:05:06.008Z',
    '2001-02-03T04:05:06.007Z',
    '2001-02-03T04:05:06.006Z',
    '2001-02-03T04:05:06.008Z',
    '2001-02-03T04:05:06.007Z',
  ];
  let dataSource: DataSource;
  /** Ids of the inserted authors, newest first by created_at, then id. */
  let expectedIds: string[];

  beforeAll(async () => {
    dataSource = new DataSource({
      ...dataSourceOptions({
        DATABASE_URL: process.env.DATABASE_URL ?? '',
        DATABASE_POOL_SIZE: 2,
      }),
      entities: [Author],
    });
    await dataSource.initialize();

    const rows = createdAts.map((createdAt, index) => ({
      id: randomUUID(),
      name: `${prefix}-${index}`,
      createdAt,
    }));
    for (const row of rows) {
      // stamp_who_when() keeps a created_at that the INSERT sets.
      await dataSource.query(
        'INSERT INTO authors (id, name, created_at) VALUES ($1, $2, $3)',
        [row.id, row.name, row.createdAt],
      );
    }
    // PostgreSQL orders uuids as bytes, which is the order of their
    // lowercase hex text.
    const descending = (a: string, b: string) => {
      if (a === b) return 0;

      return a < b ? 1 : -1;
    };
    expectedIds = rows
      .sort(
        (a, b) =>
          descending(a.createdAt, b.createdAt) || descending(a.id, b.id),
      )
      .map((row) => row.id);
  });

  afterAll(async () => {
    await dataSource.query('DELETE FROM authors WHERE name LIKE $1', [
      `${prefix}-%`,
    ]);
    await dataSource.destroy();
  });

  function inserted() {
    return dataSource.manager
      .createQueryBuilder(Author, 'a')
      .where('a.name LIKE :prefix', { prefix: `${prefix}-%` });
  }

  /** Follows nextCursor from the first page to the last, at most 20 pages. */
  async function walk(limit: number, builder = inserted) {
    const pages: { ids: string[]; nextCursor: string | null }[] = [];
    let cursor: string | undefined;
    for (let request = 0; request < 20; request++) {
      const page = await fetchKeysetPage(
        builder(),
        'a',
        { limit, cursor },
        (row) => row.id,
      );
      pages.push({ ids: page.items, nextCursor: page.nextCursor });
      if (page.nextCursor === null) break;
      cursor = page.nextCursor;
    }

    return pages;
  }

  it.each([1, 2, 4, 5, 6, 7, 50])(
    'returns every row once with limit %i',
    async (limit) => {
      const pages = await walk(limit);

      expect(pages.flatMap((page) => page.ids)).toEqual(expectedIds);
      expect(pages).toHaveLength(Math.ceil(expectedIds.length / limit));
      expect(pages.at(-1)?.nextCursor).toBeNull();
      for (const page of pages.slice(0, -1)) {
        expect(page.ids).toHaveLength(limit);
      }
    },
  );

  it('encodes createdAt and id in the cursor', async () => {
    const page = await fetchKeysetPage(
      inserted(),
      'a',
      { limit: 2 },
      (row) => row,
    );
    const last = page.items[1];

    expect(last.createdAt).toEqual(new Date('2001-02-03T04:05:06.008Z'));
    expect(page.nextCursor).toBe(
      Buffer.from(
        JSON.stringify([last.createdAt.toISOString(), last.id]),
      ).toString('base64url'),
    );
  });

  it('keeps conditions that bind :id', async () => {
    const chosen = [expectedIds[0], expectedIds[2], expectedIds[3]];
    const pages = await walk(1, () =>
      inserted().andWhere('a.id IN (:...id)', { id: chosen }),
    );

    expect(pages.flatMap((page) => page.ids)).toEqual(chosen);
  });

  it('returns an empty last page when nothing matches', async () => {
    const builder = dataSource.manager
      .createQueryBuilder(Author, 'a')
      .where('a.name = :name', { name: `${prefix}-none` });
    const page = await fetchKeysetPage(
      builder,
      'a',
      { limit: 5 },
      (row) => row,
    );

    expect(page).toEqual({ items: [], nextCursor: null });
  });

  it.each([
    ['not base64url JSON', 'garbage'],
    ['one part', encodeCursor(['2001-02-03T04:05:06.007Z'])],
    ['three parts', encodeCursor(['2001-02-03T04:05:06.007Z', 'a', 'b'])],
  ])('rejects a cursor of %s', async (_case, cursor) => {
    const error: unknown = await fetchKeysetPage(
      inserted(),
      'a',
      { limit: 5, cursor },
      (row) => row,
    ).catch((rejection: unknown) => rejection);

    expect(error).toBeInstanceOf(BadRequestException);
    expect((error as BadRequestException).getResponse()).toMatchObject({
      message: ['cursor is invalid; pass a nextCursor value'],
    });
  });
});
