import { randomUUID } from 'node:crypto';
import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

const INVALID_CURSOR = ['cursor is invalid; pass a nextCursor value'];

const INSTANT = '2026-01-05T10:00:00.000Z';

/** A cursor whose base64url content is `text`, valid base64 of any bytes. */
const encoded = (text: string) => Buffer.from(text).toString('base64url');

/** A cursor that decodes to the JSON of `key`. */
const cursorOf = (key: unknown) => encoded(JSON.stringify(key));

/** Cursors that no list issues, whatever its sort key. */
const MALFORMED: [string, string][] = [
  ['characters outside base64url', '!!!'],
  ['base64 of text that is not JSON', encoded('not json')],
  ['a JSON object', cursorOf({ createdAt: INSTANT })],
  ['an empty array', cursorOf([])],
  ['nulls', cursorOf([null, null])],
  ['nested arrays', cursorOf([[INSTANT], ['x']])],
];

/** Sort keys of the right arity with a bad value, by the key's parts. */
const TAMPERED_KEYS: Record<string, [string, unknown[]][]> = {
  'instant, uuid': [
    ['an instant that is not a date', ['yesterday', randomUUID()]],
    ['an impossible date', ['2026-02-30T00:00:00.000Z', randomUUID()]],
    ['year 0', ['0000-01-01T00:00:00.000Z', randomUUID()]],
    ['an instant without offset', ['2026-01-05T10:00:00', randomUUID()]],
    ['an instant as a number', [Date.parse(INSTANT), randomUUID()]],
    ['an invalid uuid', [INSTANT, 'not-a-uuid']],
    ['a uuid as a number', [INSTANT, 42]],
    ['one part too many', [INSTANT, randomUUID(), 'x']],
  ],
  'instant, bigint': [
    ['an instant that is not a date', ['2026-13-01T00:00:00.000Z', '1']],
    ['an id that is not a number', [INSTANT, 'abc']],
    ['an id out of bigint range', [INSTANT, '99999999999999999999']],
    ['a negative id', [INSTANT, '-1']],
    ['a fractional id', [INSTANT, 1.5]],
    ['one part too few', [INSTANT]],
  ],
  bigint: [
    ['an id that is not a number', ['abc']],
    ['an id out of bigint range', ['99999999999999999999']],
    ['a fractional id', [2.5]],
    ['an id with a sign', ['+7']],
  ],
  version: [
    ['a version as a string', ['3']],
    ['a fractional version', [1.5]],
    ['version 0', [0]],
    ['a version beyond integer range', [2 ** 40]],
  ],
  instant: [
    ['an instant that is not a date', ['soon']],
    ['an instant with a time zone name', ['2026-01-05T10:00:00.000 UTC']],
    ['an instant as a number', [1767607200000]],
  ],
};

/**
 * Every list endpoint that takes `?cursor=`: a cursor that no page issued is
 * a 400 naming the cursor, never a PostgreSQL message, and a cursor a page
 * issued keeps working.
 */
describe('List cursors', () => {
  let app: TestApp;
  let editor: TestUser;
  let operator: TestUser;
  let viewer: TestUser;
  const paths: Record<string, string> = {};
  const scheduleIds: string[] = [];

  function get(path: string, query: Record<string, unknown>) {
    return app
      .http()
      .get(path)
      .query(query)
      .set(...bearer(viewer.token));
  }

  async function post(path: string, body: object, user: TestUser) {
    const response = await app
      .http()
      .post(path)
      .set(...bearer(user.token))
      .send(body);
    if (response.status >= 300) {
      throw new Error(
        `POST ${path} returned ${response.status}: ${JSON.stringify(response.body)}`,
      );
    }

    return response.body as { id: string };
  }

  beforeAll(async () => {
    app = await TestApp.start();
    editor = await app.createUser('editor');
    operator = await app.createUser('operator');
    viewer = await app.createUser('viewer');

    const author = await post('/authors', { name: uniqueName('a') }, editor);
    await post('/authors', { name: uniqueName('a') }, editor);
    const book = { title: uniqueName('b'), authorId: author.id };
    await post('/books', book, editor);
    await post('/books', { ...book, title: uniqueName('b') }, editor);
    await app
      .http()
      .patch(`/authors/${author.id}`)
      .set(...bearer(editor.token))
      .send({ name: uniqueName('renamed') })
      .expect(200);
    for (let index = 0; index < 2; index += 1) {
      const deleted = await post('/authors', { name: uniqueName('a') }, editor);
      await app
        .http()
        .delete(`/authors/${deleted.id}`)
        .set(...bearer(editor.token))
        .expect(204);
    }

    const job = { type: 'system.noop', payload: {}, delayMs: 3_600_000 };
    const run = await post('/jobs', job, operator);
    await post('/jobs', job, operator);
    await post(`/jobs/${run.id}/cancel`, {}, operator);
    await app.query(
      `INSERT INTO job_logs (job_run_id, attempt, level, message)
       VALUES ($1, 1, 'info', 'first'), ($1, 1, 'info', 'second')`,
      [run.id],
    );

    const schedule = { type: 'system.noop', cron: '0 3 * * *' };
    for (let index = 0; index < 2; index += 1) {
      const created = await post(
        '/schedules',
        { ...schedule, name: uniqueName('s') },
        operator,
      );
      scheduleIds.push(created.id);
    }

    Object.assign(paths, {
      authors: '/authors',
      books: '/books',
      jobs: '/jobs',
      jobLogs: `/jobs/${run.id}/logs`,
      jobHistory: `/jobs/${run.id}/history`,
      schedules: '/schedules',
      slots: `/schedules/${scheduleIds[0]}/slots`,
      runs: `/schedules/${scheduleIds[0]}/runs`,
      deleted: '/history/authors/deleted',
      versions: `/history/authors/${author.id}`,
      revisions: '/revisions',
    });
  });

  afterAll(async () => {
    // A scheduler that another test file turns on must not fire them.
    await app.query('DELETE FROM schedules WHERE id = ANY($1::uuid[])', [
      scheduleIds,
    ]);
    await app.close();
  });

  /** Each list with the parts of its sort key. */
  const LISTS: [string, string][] = [
    ['authors', 'instant, uuid'],
    ['books', 'instant, uuid'],
    ['jobs', 'instant, uuid'],
    ['jobLogs', 'bigint'],
    ['jobHistory', 'version'],
    ['schedules', 'instant, uuid'],
    ['slots', 'instant'],
    ['runs', 'instant, uuid'],
    ['deleted', 'instant, bigint'],
    ['versions', 'version'],
    ['revisions', 'instant, bigint'],
  ];

  const cases = LISTS.flatMap(([list, key]) => [
    ...MALFORMED.map(([name, cursor]) => [list, name, cursor] as const),
    ...TAMPERED_KEYS[key].map(
      ([name, parts]) => [list, name, cursorOf(parts)] as const,
    ),
  ]);

  it.each(cases)('%s rejects %s', async (list, _name, cursor) => {
    const response = await get(paths[list], { cursor });

    expect(response.status).toBe(400);
    expect(response.body.error).toBe('Bad Request');
    expect(response.body.message).toEqual(INVALID_CURSOR);
  });

  it.each(LISTS.filter(([list]) => !['slots', 'runs'].includes(list)))(
    '%s accepts the cursor it issued',
    async (list) => {
      const first = await get(paths[list], { limit: 1 }).expect(200);
      expect(first.body.items).toHaveLength(1);
      expect(first.body.nextCursor).toEqual(expect.any(String));

      const second = await get(paths[list], {
        limit: 1,
        cursor: first.body.nextCursor,
      }).expect(200);

      expect(second.body.items).toHaveLength(1);
      expect(second.body.items[0]).not.toEqual(first.body.items[0]);
    },
  );
});
