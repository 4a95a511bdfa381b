import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

describe('Schedules API', () => {
  let app: TestApp;
  let operator: TestUser;
  let viewer: TestUser;

  beforeAll(async () => {
    app = await TestApp.start();
    operator = await app.createUser('operator');
    viewer = await app.createUser('viewer');
  });

  afterAll(async () => {
    await app.close();
  });

  const create = (body: Record<string, unknown>, token = operator.token) =>
    app
      .http()
      .post('/schedules')
      .set(...bearer(token))
      .send({ name: uniqueName('schedule'), type: 'system.noop', ...body });

  it('creates a cron schedule owned by its creator, with its next run', async () => {
    const response = await create({
      cron: '0 3 * * *',
      timezone: 'Europe/Amsterdam',
      payload: { sleepMs: 30 },
      queue: 'default',
      attempts: 3,
      backoff: { type: 'exponential', delayMs: 1000 },
    }).expect(201);

    expect(response.body).toMatchObject({
      kind: 'cron',
      cron: '0 3 * * *',
      timezone: 'Europe/Amsterdam',
      everyMs: null,
      runAt: null,
      enabled: true,
      catchUp: 'last',
      runsCount: 0,
      ownerId: operator.id,
      createdBy: operator.id,
      payload: { sleepMs: 30 },
      backoff: { type: 'exponential', delayMs: 1000 },
    });
    const next = new Date(response.body.nextRunAt);
    expect(next.getTime()).toBeGreaterThan(Date.now());
    expect(['01:00', '02:00']).toContain(next.toISOString().slice(11, 16));
  });

  it.each([
    [{ cron: '0 3 * *' }, 'cron must have 5 or 6 fields'],
    [{ cron: '0 25 * * *' }, 'cron is invalid'],
    [
      { cron: '0 3 * * *', timezone: 'Mars/Olympus' },
      'timezone "Mars/Olympus"',
    ],
    [{ everyMs: 10 }, 'everyMs must be at least 1000'],
    [{ runAt: '2001-01-01T00:00:00Z' }, 'runAt must be in the future'],
    [
      { cron: '0 3 * * *', everyMs: 5000 },
      'cron and everyMs: give exactly one',
    ],
    [{}, 'cron, everyMs or runAt is required'],
    [
      {
        everyMs: 5000,
        startAt: '2031-01-02T00:00:00Z',
        endAt: '2031-01-01T00:00:00Z',
      },
      'endAt must not be before startAt',
    ],
    [{ everyMs: 5000, endAt: '2001-01-01T00:00:00Z' }, 'endAt is before'],
    [
      { runAt: '2031-01-01T00:00:00Z', startAt: '2032-01-01T00:00:00Z' },
      'runAt is outside startAt and endAt',
    ],
    [{ everyMs: 5000, catchUp: 'some' }, 'catchUp must be one of'],
  ])('rejects %j with 400 naming the field', async (body, expected) => {
    const response = await create(body).expect(400);

    expect(response.body.message.join(' | ')).toContain(expected);
  });

  it('rejects a duplicate name with 409', async () => {
    const name = uniqueName('duplicate');
    await create({ name, everyMs: 60_000 }).expect(201);

    const response = await create({ name, cron: '* * * * *' }).expect(409);

    expect(response.body.message[0]).toContain(name);
  });

  it('lets viewers read and only operators manage', async () => {
    const { body } = await create({ everyMs: 60_000 }).expect(201);

    await create({ everyMs: 60_000 }, viewer.token).expect(403);
    await app
      .http()
      .get(`/schedules/${body.id}`)
      .set(...bearer(viewer.token))
      .expect(200);
    await app
      .http()
      .post(`/schedules/${body.id}/pause`)
      .set(...bearer(viewer.token))
      .expect(403);
    await app
      .http()
      .get('/schedules/00000000-0000-4000-8000-000000000000')
      .set(...bearer(viewer.token))
      .expect(404);
  });

  it('lists schedules newest first, each exactly once across pages', async () => {
    // The newest five schedules of the type: this test creates them last.
    const type = 'system.noop';
    const ids: string[] = [];
    for (let index = 0; index < 5; index += 1) {
      const { body } = await create({ type, everyMs: 60_000 }).expect(201);
      ids.push(body.id);
    }

    const seen: string[] = [];
    let cursor: string | null = null;
    for (let page = 0; page < 3; page += 1) {
      const response: { body: any } = await app
        .http()
        .get('/schedules')
        .query({ type, limit: 2, ...(cursor ? { cursor } : {}) })
        .set(...bearer(viewer.token))
        .expect(200);
      seen.push(...response.body.items.map((item: { id: string }) => item.id));
      cursor = response.body.nextCursor;
      if (!cursor) break;
    }

    expect(seen.slice(0, 5)).toEqual([...ids].reverse());
    expect(new Set(seen).size).toBe(seen.length);
  });

  it('lists the next fire times of a cron in its zone, in UTC', async () => {
    const { body } = await create({
      cron: '30 2 * * *',
      timezone: 'Europe/Amsterdam',
      startAt: '2030-03-30T00:00:00Z',
    }).expect(201);

    const response = await app
      .http()
      .get(`/schedules/${body.id}/next`)
      .query({ count: 3 })
      .set(...bearer(viewer.token))
      .expect(200);

    // 2030-03-31 is the spring-forward day: 02:30 does not exist.
    expect(response.body.items).toEqual([
      '2030-03-30T01:30:00.000Z',
      '2030-03-31T01:00:00.000Z',
      '2030-04-01T00:30:00.000Z',
    ]);
  });

  it('stops the next fire times at the run limit', async () => {
    const { body } = await create({ everyMs: 60_000, limit: 2 }).expect(201);

    const response = await app
      .http()
      .get(`/schedules/${body.id}/next`)
      .query({ count: 5 })
      .set(...bearer(viewer.token))
      .expect(200);

    expect(response.body.items).toHaveLength(2);
  });

  it.each([0, 101, 'many'])('rejects next?count=%s with 400', async (count) => {
    const { body } = await create({ everyMs: 60_000 }).expect(201);

    const response = await app
      .http()
      .get(`/schedules/${body.id}/next`)
      .query({ count })
      .set(...bearer(viewer.token))
      .expect(400);

    expect(response.body.message.join()).toContain('count');
  });

  it('replaces the timing on PATCH and clears a field set to null', async () => {
    const { body } = await create({ everyMs: 60_000, limit: 5 }).expect(201);

    const response = await app
      .http()
      .patch(`/schedules/${body.id}`)
      .set(...bearer(operator.token))
      .send({
        cron: '0 12 * * 1',
        timezone: 'America/Los_Angeles',
        limit: null,
      })
      .expect(200);

    expect(response.body).toMatchObject({
      kind: 'cron',
      cron: '0 12 * * 1',
      everyMs: null,
      limit: null,
      timezone: 'America/Los_Angeles',
    });
    expect(new Date(response.body.nextRunAt).getUTCDay()).toBe(1);
  });

  it('rejects a PATCH that sets two timings or breaks the bounds', async () => {
    const { body } = await create({
      everyMs: 60_000,
      startAt: '2031-01-01T00:00:00Z',
    }).expect(201);

    const two = await app
      .http()
      .patch(`/schedules/${body.id}`)
      .set(...bearer(operator.token))
      .send({ everyMs: 5000, runAt: '2031-06-01T00:00:00Z' })
      .expect(400);
    const bounds = await app
      .http()
      .patch(`/schedules/${body.id}`)
      .set(...bearer(operator.token))
      .send({ endAt: '2030-01-01T00:00:00Z' })
      .expect(400);

    expect(two.body.message[0]).toContain('everyMs and runAt');
    expect(bounds.body.message[0]).toContain('endAt must not be before');
  });

  it('pauses and resumes, with no next run while paused', async () => {
    const { body } = await create({ everyMs: 60_000 }).expect(201);

    const paused = await app
      .http()
      .post(`/schedules/${body.id}/pause`)
      .set(...bearer(operator.token))
      .expect(200);
    const next = await app
      .http()
      .get(`/schedules/${body.id}/next`)
      .set(...bearer(viewer.token))
      .expect(200);
    const resumed = await app
      .http()
      .post(`/schedules/${body.id}/resume`)
      .set(...bearer(operator.token))
      .expect(200);

    expect(paused.body).toMatchObject({ enabled: false, nextRunAt: null });
    expect(next.body.items).toEqual([]);
    expect(resumed.body.enabled).toBe(true);
    expect(new Date(resumed.body.nextRunAt).getTime()).toBeGreaterThan(
      Date.now() - 60_000,
    );
  });

  it('records create, change, pause and delete as versions with the user', async () => {
    const { body } = await create({ cron: '0 1 * * *' }).expect(201);
    await app
      .http()
      .patch(`/schedules/${body.id}`)
      .set(...bearer(operator.token))
      .send({ cron: '0 2 * * *' })
      .expect(200);
    await app
      .http()
      .post(`/schedules/${body.id}/pause`)
      .set(...bearer(operator.token))
      .expect(200);
    await app
      .http()
      .delete(`/schedules/${body.id}`)
      .set(...bearer(operator.token))
      .expect(204);

    const versions = await app.query(
      `SELECT v.version, v.action, v.changes, r.user_id, r.source
       FROM audit_version v JOIN audit_revision r ON r.id = v.revision_id
       WHERE v.entity_type = 'schedules' AND v.entity_id = $1
       ORDER BY v.version`,
      [body.id],
    );

    expect(versions.map((v) => v.action)).toEqual([
      'create',
      'update',
      'update',
      'delete',
    ]);
    expect(versions.every((v) => v.user_id === operator.id)).toBe(true);
    expect(versions.every((v) => v.source === 'http')).toBe(true);
    expect(versions[1].changes.cron).toEqual({
      from: '0 1 * * *',
      to: '0 2 * * *',
    });
    expect(Object.keys(versions[2].changes).sort()).toEqual([
      'enabled',
      'updated_at',
    ]);
    const history = await app
      .http()
      .get(`/history/schedules/${body.id}`)
      .set(...bearer(viewer.token))
      .expect(200);
    expect(
      history.body.items.map((item: { action: string }) => item.action),
    ).toEqual(['delete', 'update', 'update', 'create']);
    expect(history.body.items[2].user).toEqual({
      id: operator.id,
      name: operator.name,
    });
    expect(history.body.items[2].changes.cron.to).toBe('0 2 * * *');
  });

  it('keeps who/when and history untouched by next-run bookkeeping', async () => {
    const { body } = await create({ everyMs: 60_000 }).expect(201);

    await app.query(
      `UPDATE schedules SET next_run_at = next_run_at + interval '1 minute',
         runs_count = runs_count + 1 WHERE id = $1`,
      [body.id],
    );
    const [row] = await app.query(
      'SELECT updated_at, updated_by FROM schedules WHERE id = $1',
      [body.id],
    );
    const versions = await app.query(
      `SELECT 1 FROM audit_version
       WHERE entity_type = 'schedules' AND entity_id = $1`,
      [body.id],
    );

    expect(row.updated_by).toBe(operator.id);
    expect(row.updated_at.toISOString()).toBe(body.updatedAt);
    expect(versions).toHaveLength(1);
  });

  it('returns 404 for the slots of an unknown schedule', async () => {
    await app
      .http()
      .get('/schedules/00000000-0000-4000-8000-000000000000/slots')
      .set(...bearer(viewer.token))
      .expect(404);
  });

  it('rejects an interval beyond 100 years', async () => {
    const response = await create({
      everyMs: Number.MAX_SAFE_INTEGER,
      payload: {},
    }).expect(400);

    expect(response.body.message).toContain(
      'everyMs must be at most 3153600000000 (100 years)',
    );
  });

  describe('owners and job roles', () => {
    const prune = { type: 'audit.prune', payload: { keepLast: 5 } };

    it('rejects an operator schedule of audit.prune', async () => {
      const name = uniqueName('prune');
      const response = await create({ ...prune, name, cron: '0 3 * * *' });

      expect(response.status).toBe(403);
      expect(response.body.message[0]).toBe(
        'Submitting audit.prune jobs requires the admin role; the submitter is operator',
      );
      const rows = await app.query('SELECT 1 FROM schedules WHERE name = $1', [
        name,
      ]);
      expect(rows).toHaveLength(0);
    });

    it('makes the editor of a schedule its owner', async () => {
      const admin = await app.createUser('admin');
      const created = await create(
        { cron: '0 3 * * *', payload: {} },
        admin.token,
      ).expect(201);
      expect(created.body.ownerId).toBe(admin.id);

      const edited = await app
        .http()
        .patch(`/schedules/${created.body.id}`)
        .set(...bearer(operator.token))
        .send({ cron: '0 4 * * *' })
        .expect(200);

      expect(edited.body.ownerId).toBe(operator.id);
    });

    it('rejects an operator edit of an admin prune schedule', async () => {
      const admin = await app.createUser('admin');
      const created = await create(
        { ...prune, cron: '0 3 * * *' },
        admin.token,
      ).expect(201);

      const response = await app
        .http()
        .patch(`/schedules/${created.body.id}`)
        .set(...bearer(operator.token))
        .send({ cron: '* * * * *' })
        .expect(403);

      expect(response.body.message[0]).toContain('requires the admin role');
      const [row] = await app.query<{ cron: string; owner_id: string }>(
        'SELECT cron, owner_id FROM schedules WHERE id = $1',
        [created.body.id],
      );
      expect(row).toEqual({ cron: '0 3 * * *', owner_id: admin.id });
    });
  });
});
