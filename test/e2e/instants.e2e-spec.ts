import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

/** Instants without an offset, which depend on the reader's time zone. */
const WITHOUT_OFFSET = [
  '2026-01-05T10:00:00',
  '2026-01-05T10:00',
  '2026-01-05',
];

const instantMessage = (field: string) =>
  `${field} must be an ISO 8601 instant with an offset, such as 2026-01-05T10:00:00.000Z`;

describe('Instants in requests', () => {
  let app: TestApp;
  let operator: TestUser;
  let admin: TestUser;

  beforeAll(async () => {
    app = await TestApp.start();
    operator = await app.createUser('operator');
    admin = await app.createUser('admin');
  });

  afterAll(async () => {
    await app.close();
  });

  const count = async (table: string) => {
    const [row] = await app.query(`SELECT count(*)::int AS n FROM ${table}`);

    return row.n as number;
  };

  describe.each(WITHOUT_OFFSET)('%s', (instant) => {
    it.each(['from', 'to'])('rejects GET /jobs %s', async (field) => {
      const response = await app
        .http()
        .get('/jobs')
        .query({ [field]: instant })
        .set(...bearer(operator.token))
        .expect(400);

      expect(response.body.message).toContain(instantMessage(field));
    });

    it.each(['from', 'to'])('rejects GET /audit/verify %s', async (field) => {
      const response = await app
        .http()
        .get('/audit/verify')
        .query({ [field]: instant })
        .set(...bearer(admin.token))
        .expect(400);

      expect(response.body.message).toContain(instantMessage(field));
    });

    it.each(['runAt', 'startAt', 'endAt'])(
      'rejects schedule %s',
      async (field) => {
        const before = await count('schedules');
        const body: Record<string, unknown> = {
          name: uniqueName('instant'),
          type: 'system.noop',
          payload: {},
          everyMs: 60_000,
          [field]: instant,
        };
        if (field === 'runAt') delete body.everyMs;

        const response = await app
          .http()
          .post('/schedules')
          .set(...bearer(operator.token))
          .send(body)
          .expect(400);

        expect(response.body.message).toContain(instantMessage(field));
        expect(await count('schedules')).toBe(before);
      },
    );

    it.each(['from', 'to'])('rejects audit.export %s', async (field) => {
      const before = await count('job_runs');
      const payload: Record<string, unknown> = {
        from: '2026-01-01T00:00:00Z',
        to: '2026-02-01T00:00:00Z',
        format: 'ndjson',
        [field]: instant,
      };

      const response = await app
        .http()
        .post('/jobs')
        .set(...bearer(operator.token))
        .send({ type: 'audit.export', payload })
        .expect(400);

      expect(response.body.message.join(' ')).toContain(
        instantMessage(`payload.${field}`),
      );
      expect(await count('job_runs')).toBe(before);
    });
  });

  it('accepts instants with an offset', async () => {
    await app
      .http()
      .get('/jobs')
      .query({ from: '2026-01-05T10:00:00+01:00', to: '2026-01-06T10:00Z' })
      .set(...bearer(operator.token))
      .expect(200);
    await app
      .http()
      .get('/audit/verify')
      .query({ from: '2026-01-05T10:00:00.000Z' })
      .set(...bearer(admin.token))
      .expect(200);
  });
});
