import { toCamelCase, toChangesDto, toSnapshotDto } from './version.mapper';

describe('version mapper', () => {
  it.each([
    ['author_id', 'authorId'],
    ['published_year', 'publishedYear'],
    ['title', 'title'],
    ['a_b_c', 'aBC'],
  ])('turns %s into %s', (column, field) => {
    expect(toCamelCase(column)).toBe(field);
  });

  it('renames only top-level snapshot keys', () => {
    const snapshot = toSnapshotDto({ author_id: 'a', meta: { inner_key: 1 } });

    expect(snapshot).toEqual({ authorId: 'a', meta: { inner_key: 1 } });
  });

  it('fills a missing side of a change with null', () => {
    const changes = toChangesDto({ price: { from: '1.00' } as never });

    expect(changes).toEqual({ price: { from: '1.00', to: null } });
  });
});
