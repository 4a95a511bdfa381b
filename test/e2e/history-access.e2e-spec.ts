import { randomUUID } from 'node:crypto';
import type { Role } from '../../src/auth/role';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

/** Entity types whose history, like their own tables, only admins may read. */
const ADMIN_TYPES = ['users', 'api-tokens'] as const;
type AdminType = (typeof ADMIN_TYPES)[number];

const NON_ADMIN_ROLES: Role[] = ['viewer', 'operator', 'editor'];

/** Returns the paths of the history reads of one object, by read name. */
function historyPaths(type: string, id: string, at: string) {
  return {
    versions: `/history/${type}/${id}`,
    version: `/history/${type}/${id}/versions/1`,
    diff: `/history/${type}/${id}/diff?from=1&to=2`,
    'as-of': `/history/${type}/${id}/as-of?at=${encodeURIComponent(at)}`,
    deleted: `/history/${type}/deleted`,
  };
}

type HistoryRead = keyof ReturnType<typeof historyPaths>;

const HISTORY_READS: HistoryRead[] = [
  'versions',
  'version',
  'diff',
  'as-of',
  'deleted',
];

describe('History of users and tokens', () => {
  let app: TestApp;
  let readers: Map<Role, TestUser>;
  /** A user with two versions (created, renamed) and a token with two (created, revoked). */
  let subject: TestUser;
  let subjectTokenId: string;
  /** The revision of POST /users that created `subject` and its token. */
  let subjectRevisionId: number;
  /** One database transaction that renamed `subject` and created an author. */
  let mixedRevisionId: number;
  let deletedUserId: string;
  let deletedTokenId: string;
  let suiteStart: string;
  let afterSetup: string;

  beforeAll(async () => {
    app = await TestApp.start();
    suiteStart = new Date().toISOString();
    readers = new Map();
    for (const role of NON_ADMIN_ROLES) {
      readers.set(role, await app.createUser(role));
    }

    subject = await app.createUser('viewer');
    const [token] = await app.query(
      'SELECT id FROM api_tokens WHERE user_id = $1',
      [subject.id],
    );
    subjectTokenId = token.id;
    await app
      .http()
      .delete(`/tokens/${subjectTokenId}`)
      .set(...bearer(app.adminToken))
      .expect(200);
    const [created] = await app.query(
      `SELECT revision_id::int AS id FROM audit_version
       WHERE entity_type = 'users' AND entity_id = $1 AND version = 1`,
      [subject.id],
    );
    subjectRevisionId = created.id;

    mixedRevisionId = await renameWithAuthor(subject.id);
    ({ deletedUserId, deletedTokenId } = await deleteUserAndToken());
    afterSetup = new Date().toISOString();
  });

  afterAll(async () => {
    await app.close();
  });

  /** Renames a user and creates an author in one transaction; returns its revision. */
  async function renameWithAuthor(userId: string): Promise<number> {
    const client = await app.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('UPDATE users SET name = $1 WHERE id = $2', [
        uniqueName('renamed'),
        userId,
      ]);
      await client.query('INSERT INTO authors (name) VALUES ($1)', [
        uniqueName('author'),
      ]);
      await client.query('COMMIT');
    } finally {
      client.release();
    }
    const [renamed] = await app.query(
      `SELECT revision_id::int AS id FROM audit_version
       WHERE entity_type = 'users' AND entity_id = $1 AND version = 2`,
      [userId],
    );

    return renamed.id;
  }

  /** Writes a user and a token of it, then deletes both with raw SQL. */
  async function deleteUserAndToken() {
    const [user] = await app.query(
      `INSERT INTO users (name, role) VALUES ($1, 'viewer') RETURNING id`,
      [uniqueName('deleted')],
    );
    const [token] = await app.query(
      `INSERT INTO api_tokens (user_id, token_hash, name)
       VALUES ($1, $2, 'laptop') RETURNING id`,
      [user.id, uniqueName('hash')],
    );
    await app.query('DELETE FROM api_tokens WHERE id = $1', [token.id]);
    await app.query('DELETE FROM users WHERE id = $1', [user.id]);

    return { deletedUserId: user.id as string, deletedTokenId: token.id };
  }

  function idOf(type: AdminType): string {
    return type === 'users' ? subject.id : subjectTokenId;
  }

  function get(path: string, token: string) {
    return app
      .http()
      .get(path)
      .set(...bearer(token));
  }

  function reader(role: Role): TestUser {
    const user = readers.get(role);
    if (!user) throw new Error(`No test user with role ${role}`);

    return user;
  }

  describe.each(ADMIN_TYPES)('%s', (type) => {
    it.each(
      NON_ADMIN_ROLES.flatMap((role) =>
        HISTORY_READS.map((read) => [role, read] as const),
      ),
    )('returns 403 to %s for %s', async (role, read) => {
      const path = historyPaths(type, idOf(type), afterSetup)[read];

      const response = await get(path, reader(role).token).expect(403);

      expect(response.body.message).toEqual([
        `Reading the history of ${type} requires the admin role; the token's user is ${role}`,
      ]);
    });

    it('rejects a viewer before checking the id', async () => {
      const viewer = reader('viewer').token;

      await get(`/history/${type}/not-a-uuid`, viewer).expect(403);
      await get(`/history/${type}/${randomUUID()}`, viewer).expect(403);
    });

    it('gives an admin every read', async () => {
      const paths = historyPaths(type, idOf(type), afterSetup);

      const versions = await get(paths.versions, app.adminToken).expect(200);
      const version = await get(paths.version, app.adminToken).expect(200);
      const diff = await get(paths.diff, app.adminToken).expect(200);
      const asOf = await get(paths['as-of'], app.adminToken).expect(200);
      const deleted = await get(paths.deleted, app.adminToken).expect(200);

      expect(versions.body.items.map((item: any) => item.version)).toEqual([
        2, 1,
      ]);
      expect(version.body.snapshot.id).toBe(idOf(type));
      expect(Object.keys(diff.body.changes).length).toBeGreaterThan(0);
      expect(asOf.body.version).toBe(2);
      const deletedId = type === 'users' ? deletedUserId : deletedTokenId;
      expect(deleted.body.items.map((item: any) => item.id)).toContain(
        deletedId,
      );
    });
  });

  it('shows an admin the user fields that a viewer may not read', async () => {
    const version = await get(
      `/history/users/${subject.id}/versions/1`,
      app.adminToken,
    ).expect(200);
    const token = await get(
      `/history/api-tokens/${subjectTokenId}/diff?from=1&to=2`,
      app.adminToken,
    ).expect(200);

    expect(version.body.snapshot.name).toBe(subject.name);
    expect(version.body.snapshot.role).toBe('viewer');
    expect(token.body.changes.revokedAt.from).toBeNull();
    expect(token.body.changes.revokedAt.to).toEqual(expect.any(String));
  });

  it('keeps other types readable by a viewer', async () => {
    const [author] = await app.query(
      `SELECT entity_id AS id FROM audit_version
       WHERE revision_id = $1 AND entity_type = 'authors'`,
      [mixedRevisionId],
    );

    const response = await get(
      `/history/authors/${author.id}`,
      reader('viewer').token,
    ).expect(200);

    expect(response.body.items).toHaveLength(1);
  });

  describe('revisions', () => {
    it.each(NON_ADMIN_ROLES)(
      'hide user and token versions from %s',
      async (role) => {
        const response = await get(
          `/revisions/${subjectRevisionId}`,
          reader(role).token,
        ).expect(200);

        expect(response.body.id).toBe(subjectRevisionId);
        expect(response.body.source).toBe('http');
        expect(response.body.user).toEqual({
          id: expect.any(String),
          name: expect.any(String),
        });
        expect(response.body.versions).toEqual([]);
      },
    );

    it('keep the readable versions of a mixed revision', async () => {
      const viewer = await get(
        `/revisions/${mixedRevisionId}`,
        reader('viewer').token,
      ).expect(200);
      const admin = await get(
        `/revisions/${mixedRevisionId}`,
        app.adminToken,
      ).expect(200);

      expect(viewer.body.versions.map((v: any) => v.type)).toEqual(['authors']);
      expect(admin.body.versions.map((v: any) => v.type).sort()).toEqual([
        'authors',
        'users',
      ]);
    });

    it('give an admin the user and token versions', async () => {
      const response = await get(
        `/revisions/${subjectRevisionId}`,
        app.adminToken,
      ).expect(200);

      const versions = response.body.versions;
      expect(versions.map((v: any) => v.type).sort()).toEqual([
        'api-tokens',
        'users',
      ]);
      const user = versions.find((v: any) => v.type === 'users');
      expect(user.id).toBe(subject.id);
      expect(user.label).toBe(subject.name);
    });

    it.each(NON_ADMIN_ROLES)(
      'list without user and token versions for %s',
      async (role) => {
        const response = await get(
          `/revisions?from=${encodeURIComponent(suiteStart)}&limit=500`,
          reader(role).token,
        ).expect(200);

        const items: any[] = response.body.items;
        expect(items.map((item) => item.id)).toContain(subjectRevisionId);
        const types = items.flatMap((item) =>
          item.versions.map((version: any) => version.type),
        );
        expect(types).toContain('authors');
        expect(types).not.toContain('users');
        expect(types).not.toContain('api-tokens');
      },
    );

    it('list user and token versions for an admin', async () => {
      const response = await get(
        `/revisions?from=${encodeURIComponent(suiteStart)}&limit=500`,
        app.adminToken,
      ).expect(200);

      const types = response.body.items.flatMap((item: any) =>
        item.versions.map((version: any) => version.type),
      );
      expect(types).toContain('users');
      expect(types).toContain('api-tokens');
    });

    it.each(
      NON_ADMIN_ROLES.flatMap((role) =>
        ADMIN_TYPES.map((type) => [role, type] as const),
      ),
    )('reject %s filtering by %s', async (role, type) => {
      const response = await get(
        `/revisions?type=${type}`,
        reader(role).token,
      ).expect(403);

      expect(response.body.message).toEqual([
        `Reading the history of ${type} requires the admin role; the token's user is ${role}`,
      ]);
    });

    it.each(ADMIN_TYPES)('filter by %s for an admin', async (type) => {
      const response = await get(
        `/revisions?type=${type}&from=${encodeURIComponent(suiteStart)}&limit=500`,
        app.adminToken,
      ).expect(200);

      const ids = response.body.items.map((item: any) => item.id);
      expect(ids).toContain(subjectRevisionId);
    });
  });

  describe('revert and recover', () => {
    function post(path: string, body: object, token: string) {
      return app
        .http()
        .post(path)
        .set(...bearer(token))
        .send(body);
    }

    it('lets only an admin recover a user', async () => {
      const editor = reader('editor').token;

      const denied = await post(
        `/history/users/${deletedUserId}/recover`,
        {},
        editor,
      ).expect(403);
      const absent = await app.query('SELECT id FROM users WHERE id = $1', [
        deletedUserId,
      ]);
      const recovered = await post(
        `/history/users/${deletedUserId}/recover`,
        {},
        app.adminToken,
      ).expect(201);

      expect(denied.body.message[0]).toContain('admin');
      expect(absent).toEqual([]);
      expect(recovered.body.id).toBe(deletedUserId);
      expect(recovered.body.version).toBe(3);
    });

    it('rejects an editor reverting a revision of users', async () => {
      const response = await post(
        `/revisions/${mixedRevisionId}/revert`,
        {},
        reader('editor').token,
      ).expect(403);

      expect(response.body.message[0]).toContain('admin');
      const [user] = await app.query('SELECT name FROM users WHERE id = $1', [
        subject.id,
      ]);
      expect(user.name).not.toBe(subject.name);
    });
  });
});
