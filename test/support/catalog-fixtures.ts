import { bearer, TestApp, TestUser, uniqueName } from './test-app';

/** Writes authors and books through the API and reads their history. */
export class CatalogFixtures {
  constructor(
    private readonly app: TestApp,
    private readonly editor: TestUser,
  ) {}

  async createAuthor(name = uniqueName('author')) {
    const response = await this.app
      .http()
      .post('/authors')
      .set(...bearer(this.editor.token))
      .send({ name })
      .expect(201);

    return response.body as { id: string; name: string };
  }

  async createBook(fields: Record<string, unknown> = {}) {
    const author = fields.authorId ? undefined : await this.createAuthor();
    const response = await this.app
      .http()
      .post('/books')
      .set(...bearer(this.editor.token))
      .send({ title: uniqueName('book'), authorId: author?.id, ...fields })
      .expect(201);

    return response.body as Record<string, any> & { id: string };
  }

  async updateBook(
    id: string,
    fields: Record<string, unknown>,
    user = this.editor,
  ) {
    const response = await this.app
      .http()
      .patch(`/books/${id}`)
      .set(...bearer(user.token))
      .send(fields)
      .expect(200);

    return response.body as Record<string, any>;
  }

  /** Every version of an object, newest first, read page by page. */
  async allVersions(type: string, id: string, limit = 500) {
    const versions: Record<string, any>[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 100; page += 1) {
      const response: { body: any } = await this.app
        .http()
        .get(`/history/${type}/${id}`)
        .query(cursor ? { limit, cursor } : { limit })
        .set(...bearer(this.editor.token))
        .expect(200);
      versions.push(...response.body.items);
      cursor = response.body.nextCursor;
      if (!cursor) break;
    }

    return versions;
  }
}

/** Who/when columns that the stamp trigger changes on every update. */
export const WHO_WHEN_FIELDS = [
  'createdAt',
  'createdBy',
  'updatedAt',
  'updatedBy',
];

/** The changed field names of a version, who/when columns left out. */
export function domainFields(changes: Record<string, unknown>): string[] {
  return Object.keys(changes)
    .filter((field) => !WHO_WHEN_FIELDS.includes(field))
    .sort();
}
