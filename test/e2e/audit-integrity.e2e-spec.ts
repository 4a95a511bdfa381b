import { bearer, TestApp, TestUser, uniqueName } from '../support/test-app';

interface SealBody {
  sealed: number;
  lastSeq: number;
  lastHash: string;
}

interface VerifyBody {
  ok: boolean;
  checked: number;
  unsealed: number;
  pruned: number;
  firstBadRevisionId: number | null;
  firstBadSeq: number | null;
  problem: string | null;
}

/**
 * A tracked table of its own per test, so each test's entity type, versions
 * and prune rule touch nothing another test wrote.
 */
interface Probe {
  table: string;
  entityType: string;
}

describe('Audit integrity', () => {
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

  /** Reads the database clock, truncated to milliseconds as revisions store it. */
  async function databaseNow(): Promise<string> {
    const [row] = await app.query<{ at: string }>(
      `SELECT to_char(date_trunc('milliseconds', clock_timestamp())
                      AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS at`,
    );

    return row.at;
  }

  async function createProbe(): Promise<Probe> {
    const table = uniqueName('probe').replace(/-/g, '_');
    const entityType = table.replace(/_/g, '-');
    await app.query(
      `CREATE TABLE ${table} (id text PRIMARY KEY, value integer NOT NULL)`,
    );
    await app.query(`SELECT audit_track_table($1::regclass, $2)`, [
      table,
      entityType,
    ]);

    return { table, entityType };
  }

  /** Writes one revision (one autocommitted statement) and returns its id. */
  async function write(probe: Probe, id: string, value: number) {
    await app.query(
      `INSERT INTO ${probe.table} (id, value) VALUES ($1, $2)
       ON CONFLICT (id) DO UPDATE SET value = excluded.value`,
      [id, value],
    );
    const [row] = await app.query<{ revision_id: string }>(
      `SELECT revision_id FROM audit_version
       WHERE entity_type = $1 AND entity_id = $2
       ORDER BY version DESC LIMIT 1`,
      [probe.entityType, id],
    );

    return Number(row.revision_id);
  }

  /** Writes and seals three revisions of one object, all inside [from, to). */
  async function sealedHistory() {
    const probe = await createProbe();
    const from = await databaseNow();
    const revisions = [
      await write(probe, 'a', 1),
      await write(probe, 'a', 2),
      await write(probe, 'a', 3),
    ];
    await seal();
    const to = await databaseNow();

    return { probe, from, to, revisions };
  }

  async function seal() {
    const response = await app
      .http()
      .post('/audit/seal')
      .set(...bearer(operator.token))
      .send({ settleMs: 0 })
      .expect(200);

    return response.body as SealBody;
  }

  async function verify(
    from: string,
    to: string,
    anchor?: SealBody,
  ): Promise<VerifyBody> {
    const anchorQuery = anchor
      ? { anchorSeq: anchor.lastSeq, anchorHash: anchor.lastHash }
      : {};
    const response = await app
      .http()
      .get('/audit/verify')
      .query({ from, to: laterThan(to), ...anchorQuery })
      .set(...bearer(viewer.token))
      .expect(200);

    return response.body as VerifyBody;
  }

  /** Runs SQL with triggers (the append-only guard among them) disabled. */
  async function tamper(sql: string, params: unknown[] = []): Promise<void> {
    const client = await app.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query('SET LOCAL session_replication_role = replica');
      await client.query(sql, params);
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK');
      throw error;
    } finally {
      client.release();
    }
  }

  it('passes on a clean history after sealing, with every revision sealed', async () => {
    const editor = await app.createUser('editor');
    const from = await databaseNow();
    const author = await app
      .http()
      .post('/authors')
      .set(...bearer(editor.token))
      .send({ name: uniqueName('Sealed Author') })
      .expect(201);
    for (const suffix of ['II', 'III']) {
      await app
        .http()
        .patch(`/authors/${author.body.id}`)
        .set(...bearer(editor.token))
        .send({ name: `${author.body.name} ${suffix}` })
        .expect(200);
    }

    const sealed = await seal();
    const result = await verify(from, await databaseNow());

    expect(sealed.sealed).toBeGreaterThanOrEqual(3);
    expect(result).toMatchObject({
      ok: true,
      unsealed: 0,
      firstBadRevisionId: null,
      problem: null,
    });
    expect(result.checked).toBeGreaterThanOrEqual(3);
    const seals = await app.query(
      `SELECT s.seq FROM audit_seal s
       JOIN audit_version v ON v.revision_id = s.revision_id
       WHERE v.entity_type = 'authors' AND v.entity_id = $1`,
      [author.body.id],
    );
    expect(seals).toHaveLength(3);
  });

  it('reports revisions written after the last seal as unsealed', async () => {
    const { probe, from } = await sealedHistory();
    await write(probe, 'b', 1);

    const result = await verify(from, await databaseNow());

    expect(result.ok).toBe(true);
    expect(result.unsealed).toBe(1);
  });

  it('fails on an edited snapshot, naming its revision', async () => {
    const { probe, from, to, revisions } = await sealedHistory();

    await tamper(
      `UPDATE audit_version SET snapshot = jsonb_set(snapshot, '{value}', '99')
       WHERE revision_id = $1 AND entity_type = $2`,
      [revisions[1], probe.entityType],
    );
    const result = await verify(from, to);

    expect(result.ok).toBe(false);
    expect(result.firstBadRevisionId).toBe(revisions[1]);
    expect(result.problem).toContain('differs from what was sealed');
  });

  it('fails on an edited changes field, naming its revision', async () => {
    const { probe, from, to, revisions } = await sealedHistory();

    await tamper(
      `UPDATE audit_version
       SET changes = '{"value": {"from": 1, "to": 7}}'
       WHERE revision_id = $1 AND entity_type = $2`,
      [revisions[1], probe.entityType],
    );
    const result = await verify(from, to);

    expect(result.ok).toBe(false);
    expect(result.firstBadRevisionId).toBe(revisions[1]);
  });

  it.each([
    ['user', `user_id = gen_random_uuid()`],
    ['timestamp', `created_at = created_at - interval '1 hour'`],
    ['source', `source = 'system'`],
  ])('fails on an edited revision %s, naming it', async (_field, set) => {
    const { from, to, revisions } = await sealedHistory();

    await tamper(`UPDATE audit_revision SET ${set} WHERE id = $1`, [
      revisions[2],
    ]);
    const result = await verify(from, to);

    expect(result.ok).toBe(false);
    expect(result.firstBadRevisionId).toBe(revisions[2]);
  });

  it('fails on an edited version timestamp, naming its revision', async () => {
    const { probe, from, to, revisions } = await sealedHistory();

    await tamper(
      `UPDATE audit_version SET created_at = created_at + interval '1 second'
       WHERE revision_id = $1 AND entity_type = $2`,
      [revisions[0], probe.entityType],
    );
    const result = await verify(from, to);

    expect(result.firstBadRevisionId).toBe(revisions[0]);
  });

  it('fails on a deleted revision, naming it', async () => {
    const { from, to, revisions } = await sealedHistory();

    await tamper('DELETE FROM audit_version WHERE revision_id = $1', [
      revisions[1],
    ]);
    await tamper('DELETE FROM audit_revision WHERE id = $1', [revisions[1]]);
    const result = await verify(from, to);

    expect(result.ok).toBe(false);
    expect(result.firstBadRevisionId).toBe(revisions[1]);
    expect(result.problem).toBe('revision is missing');
  });

  it('fails on a version deleted by hand with triggers disabled', async () => {
    const { probe, from, to, revisions } = await sealedHistory();

    await tamper(
      'DELETE FROM audit_version WHERE revision_id = $1 AND entity_type = $2',
      [revisions[0], probe.entityType],
    );
    const result = await verify(from, to);

    expect(result.ok).toBe(false);
    expect(result.firstBadRevisionId).toBe(revisions[0]);
  });

  it('fails on a version added to a sealed revision', async () => {
    const { probe, from, to, revisions } = await sealedHistory();

    await app.query(
      `INSERT INTO audit_version (revision_id, entity_type, entity_id, version,
         action, snapshot, changes, created_at)
       VALUES ($1, $2, 'forged', 1, 'create', '{"id": "forged"}', '{}', now())`,
      [revisions[1], probe.entityType],
    );
    const result = await verify(from, to);

    expect(result.ok).toBe(false);
    expect(result.firstBadRevisionId).toBe(revisions[1]);
  });

  it('fails on a deleted seal, at the seal after the gap', async () => {
    const { from, to, revisions } = await sealedHistory();

    await tamper('DELETE FROM audit_seal WHERE revision_id = $1', [
      revisions[1],
    ]);
    const result = await verify(from, to);

    expect(result.ok).toBe(false);
    expect(result.firstBadRevisionId).toBe(revisions[2]);
    expect(result.problem).toBe('the seal before it is missing');
    expect(result.unsealed).toBe(1);
  });

  it('fails on an edited seal hash, naming its revision', async () => {
    const { from, to, revisions } = await sealedHistory();

    await tamper(
      `UPDATE audit_seal SET content_hash = sha256('forged')
       WHERE revision_id = $1`,
      [revisions[1]],
    );
    const result = await verify(from, to);

    expect(result.firstBadRevisionId).toBe(revisions[1]);
  });

  it('detects a truncated tail against an anchor', async () => {
    const probe = await createProbe();
    const from = await databaseNow();
    await write(probe, 'a', 1);
    const head = await seal();
    const to = await databaseNow();
    const before = await verify(from, to, head);

    await tamper('DELETE FROM audit_seal WHERE seq = $1', [head.lastSeq]);
    const anchored = await verify(from, to, head);
    const unanchored = await verify(from, to);

    expect(before.ok).toBe(true);
    expect(anchored.ok).toBe(false);
    expect(anchored.firstBadSeq).toBe(head.lastSeq);
    expect(anchored.problem).toContain('truncated');
    expect(unanchored).toMatchObject({ ok: true, unsealed: 1 });
  });

  it('detects a resealed rewrite against an anchor', async () => {
    const probe = await createProbe();
    const from = await databaseNow();
    const revision = await write(probe, 'a', 1);
    const head = await seal();
    const to = await databaseNow();

    await tamper('DELETE FROM audit_seal WHERE seq = $1', [head.lastSeq]);
    await tamper(
      `UPDATE audit_version SET snapshot = jsonb_set(snapshot, '{value}', '5')
       WHERE revision_id = $1 AND entity_type = $2`,
      [revision, probe.entityType],
    );
    await seal();
    const anchored = await verify(from, to, head);
    const unanchored = await verify(from, to);

    expect(unanchored.ok).toBe(true);
    expect(anchored.ok).toBe(false);
    expect(anchored.firstBadRevisionId).toBe(revision);
    expect(anchored.problem).toContain('rewritten');
  });

  it('rejects an anchor seq without its hash', async () => {
    await app
      .http()
      .get('/audit/verify')
      .query({ anchorSeq: 1 })
      .set(...bearer(viewer.token))
      .expect(400);
  });

  it('passes after a recorded prune', async () => {
    const probe = await createProbe();
    const from = await databaseNow();
    for (let value = 1; value <= 5; value += 1) await write(probe, 'a', value);
    await write(probe, 'b', 1);
    await seal();

    const response = await app
      .http()
      .post('/audit/prune')
      .set(...bearer(app.adminToken))
      .send({ keepLast: 2, type: probe.entityType })
      .expect(200);
    await seal();
    const result = await verify(from, await databaseNow());

    expect(response.body).toMatchObject({
      pruned: 3,
      objects: 1,
      byType: { [probe.entityType]: 3 },
    });
    expect(result).toMatchObject({ ok: true, pruned: 3, unsealed: 0 });
    const remaining = await app.query<{
      entity_id: string;
      version: number;
    }>(
      `SELECT entity_id, version FROM audit_version WHERE entity_type = $1
       ORDER BY entity_id, version`,
      [probe.entityType],
    );
    expect(remaining).toEqual([
      { entity_id: 'a', version: 4 },
      { entity_id: 'a', version: 5 },
      { entity_id: 'b', version: 1 },
    ]);
    const [revision] = await app.query(
      `SELECT r.source, r.comment, u.name AS user_name
       FROM audit_revision r LEFT JOIN users u ON u.id = r.user_id
       WHERE r.id = $1`,
      [response.body.revisionId],
    );
    expect(revision.source).toBe('system');
    expect(revision.user_name).toBe('admin');
    expect(revision.comment).toContain(`keepLast=2, type=${probe.entityType}`);
    expect(revision.comment).toContain('pruned 3 versions of 1 objects');
    const records = await app.query(
      `SELECT version FROM audit_pruned_version
       WHERE pruned_by_revision_id = $1 ORDER BY version`,
      [response.body.revisionId],
    );
    expect(records.map((record) => record.version)).toEqual([1, 2, 3]);
  });

  it('never prunes an object’s latest version, and numbering continues after it', async () => {
    const probe = await createProbe();
    for (let value = 1; value <= 3; value += 1) await write(probe, 'a', value);

    const response = await app
      .http()
      .post('/audit/prune')
      .set(...bearer(app.adminToken))
      .send({ olderThanDays: 0, type: probe.entityType })
      .expect(200);
    await write(probe, 'a', 4);

    expect(response.body.pruned).toBe(2);
    const remaining = await app.query<{ version: number }>(
      `SELECT version FROM audit_version WHERE entity_type = $1
       ORDER BY version`,
      [probe.entityType],
    );
    expect(remaining.map((row) => row.version)).toEqual([3, 4]);
  });

  it('names pruned versions in history errors', async () => {
    const probe = await createProbe();
    const [created] = await app.query<{ now: Date }>(
      'SELECT clock_timestamp() AS now',
    );
    for (let value = 1; value <= 3; value += 1) await write(probe, 'a', value);
    await app
      .http()
      .post('/audit/prune')
      .set(...bearer(app.adminToken))
      .send({ keepLast: 1, type: probe.entityType })
      .expect(200);
    const history = `/history/${probe.entityType}/a`;

    const version = await app
      .http()
      .get(`${history}/versions/1`)
      .set(...bearer(viewer.token))
      .expect(404);
    const asOf = await app
      .http()
      .get(`${history}/as-of`)
      .query({ at: created.now.toISOString() })
      .set(...bearer(viewer.token))
      .expect(404);

    expect(version.body.message[0]).toBe(
      `${probe.entityType} a version 1 was pruned by retention; the earliest version kept is 3`,
    );
    expect(asOf.body.message[0]).toContain(
      'versions before 3 were pruned by retention',
    );
  });

  it('refuses a revision revert whose earlier state was pruned', async () => {
    const probe = await createProbe();
    await write(probe, 'a', 1);
    const change = await write(probe, 'a', 2);
    await app
      .http()
      .post('/audit/prune')
      .set(...bearer(app.adminToken))
      .send({ keepLast: 1, type: probe.entityType })
      .expect(200);

    const response = await app
      .http()
      .post(`/revisions/${change}/revert`)
      .set(...bearer(app.adminToken))
      .send({})
      .expect(422);

    expect(response.body.message[0]).toContain(
      'its state before the revision, was pruned by retention',
    );
    const rows = await app.query<{ value: number }>(
      `SELECT value FROM ${probe.table} WHERE id = 'a'`,
    );
    expect(rows).toEqual([{ value: 2 }]);
  });

  it('rejects pruning an unknown type', async () => {
    const response = await app
      .http()
      .post('/audit/prune')
      .set(...bearer(app.adminToken))
      .send({ keepLast: 1, type: 'no-such-type' })
      .expect(400);

    expect(response.body.message[0]).toContain(
      'type "no-such-type" is not an entity type with history; known types:',
    );
    expect(response.body.message[0]).toContain('books');
  });

  it('keeps versions younger than the age limit even beyond keepLast', async () => {
    const probe = await createProbe();
    for (let value = 1; value <= 4; value += 1) await write(probe, 'a', value);

    const response = await app
      .http()
      .post('/audit/prune')
      .set(...bearer(app.adminToken))
      .send({ keepLast: 1, olderThanDays: 30, type: probe.entityType })
      .expect(200);

    expect(response.body).toMatchObject({ pruned: 0, revisionId: null });
  });

  it('fails on a forged prune record', async () => {
    const { probe, from, to, revisions } = await sealedHistory();

    await tamper(
      `INSERT INTO audit_pruned_version (version_id, revision_id, entity_type,
         entity_id, version, digest, pruned_by_revision_id)
       SELECT v.id, v.revision_id, v.entity_type, v.entity_id, v.version,
         audit_version_digest(v), 999999999
       FROM audit_version v WHERE v.revision_id = $1 AND v.entity_type = $2`,
      [revisions[1], probe.entityType],
    );
    await tamper(
      'DELETE FROM audit_version WHERE revision_id = $1 AND entity_type = $2',
      [revisions[1], probe.entityType],
    );
    const result = await verify(from, to);

    expect(result.ok).toBe(false);
    expect(result.firstBadRevisionId).toBe(revisions[1]);
    expect(result.problem).toContain('missing pruning revision');
  });

  it('rejects a prune rule with no limit and bad limits', async () => {
    for (const body of [{}, { keepLast: 0 }, { olderThanDays: -1 }]) {
      await app
        .http()
        .post('/audit/prune')
        .set(...bearer(app.adminToken))
        .send(body)
        .expect(400);
    }
  });

  it('lets operators seal and only admins prune', async () => {
    await app
      .http()
      .post('/audit/seal')
      .set(...bearer(viewer.token))
      .send({})
      .expect(403);
    await app
      .http()
      .post('/audit/prune')
      .set(...bearer(operator.token))
      .send({ keepLast: 1 })
      .expect(403);
  });

  it('leaves nothing unsealed after a second seal when writes run during sealing', async () => {
    const probe = await createProbe();
    const from = await databaseNow();
    const writers = Array.from({ length: 4 }, async (_unused, writer) => {
      for (let value = 0; value < 25; value += 1) {
        await write(probe, `w${writer}`, value);
      }
    });
    const sealers = Array.from({ length: 5 }, () => seal());

    await Promise.all([...writers, ...sealers]);
    await seal();
    const result = await verify(from, await databaseNow());

    expect(result).toMatchObject({ ok: true, unsealed: 0, checked: 100 });
  });

  it('seals a late-committing lower id in a later batch', async () => {
    const probe = await createProbe();
    const from = await databaseNow();
    const slow = await app.pool.connect();
    let lower: number;
    try {
      await slow.query('BEGIN');
      await slow.query(
        `INSERT INTO ${probe.table} (id, value) VALUES ('slow', 1)`,
      );
      const [row] = (
        await slow.query(
          `SELECT revision_id FROM audit_version
           WHERE entity_type = $1 AND entity_id = 'slow'`,
          [probe.entityType],
        )
      ).rows;
      lower = Number(row.revision_id);
      const higher = await write(probe, 'fast', 1);
      await seal();
      await slow.query('COMMIT');
      await seal();

      const seals = await app.query<{ revision_id: string; seq: string }>(
        'SELECT revision_id, seq FROM audit_seal WHERE revision_id IN ($1, $2)',
        [lower, higher],
      );
      const seqOf = (id: number) =>
        Number(seals.find((seal) => Number(seal.revision_id) === id)?.seq);
      expect(lower).toBeLessThan(higher);
      expect(seqOf(lower)).toBeGreaterThan(seqOf(higher));
    } finally {
      // A no-op after COMMIT; ends the transaction if an assertion failed.
      await slow.query('ROLLBACK');
      slow.release();
    }
    const result = await verify(from, await databaseNow());

    expect(result).toMatchObject({ ok: true, checked: 2, unsealed: 0 });
  });

  it('does not fork the chain when two seals run at once', async () => {
    const probe = await createProbe();
    const from = await databaseNow();
    for (let value = 0; value < 40; value += 1) {
      await write(probe, `o${value % 4}`, value);
    }
    const [before] = await app.query<{ seq: string }>(
      'SELECT coalesce(max(seq), 0) AS seq FROM audit_seal',
    );

    const [first, second] = await Promise.all([seal(), seal()]);

    const seals = await app.query<{ seq: string; linked: boolean }>(
      `SELECT s.seq, s.previous_hash = p.hash AS linked
       FROM audit_seal s JOIN audit_seal p ON p.seq = s.seq - 1
       WHERE s.seq > $1 ORDER BY s.seq`,
      [before.seq],
    );
    expect(first.sealed + second.sealed).toBe(seals.length);
    expect(seals.length).toBeGreaterThanOrEqual(40);
    expect(seals.every((row) => row.linked)).toBe(true);
    expect(Math.max(first.lastSeq, second.lastSeq)).toBe(
      Number(before.seq) + seals.length,
    );
    const result = await verify(from, await databaseNow());
    expect(result).toMatchObject({ ok: true, checked: 40, unsealed: 0 });
  });

  it.each([
    ['UPDATE audit_revision SET comment = $$x$$', 'UPDATE on audit_revision'],
    ['DELETE FROM audit_revision', 'DELETE on audit_revision'],
    ['TRUNCATE audit_revision CASCADE', 'TRUNCATE on audit_revision'],
    ['UPDATE audit_version SET label = $$x$$', 'UPDATE on audit_version'],
    ['DELETE FROM audit_version', 'DELETE on audit_version'],
    ['UPDATE audit_seal SET sealed_at = now()', 'UPDATE on audit_seal'],
    ['DELETE FROM audit_seal', 'DELETE on audit_seal'],
    ['TRUNCATE audit_seal', 'TRUNCATE on audit_seal'],
    [
      'UPDATE audit_pruned_version SET version = 0',
      'UPDATE on audit_pruned_version',
    ],
    ['DELETE FROM audit_pruned_version', 'DELETE on audit_pruned_version'],
  ])('rejects %s', async (sql, message) => {
    await expect(app.query(sql)).rejects.toThrow(message);
  });

  it('rejects an unrecorded prune delete', async () => {
    const { revisions } = await sealedHistory();
    const client = await app.pool.connect();
    try {
      await client.query('BEGIN');
      await client.query(`SET LOCAL chronicle.pruning = 'on'`);

      await expect(
        client.query('DELETE FROM audit_version WHERE revision_id = $1', [
          revisions[0],
        ]),
      ).rejects.toThrow('it is not recorded in audit_pruned_version');
    } finally {
      await client.query('ROLLBACK');
      client.release();
    }
  });
});

/** Returns the instant one millisecond after an ISO date-time. */
function laterThan(iso: string): string {
  return new Date(new Date(iso).getTime() + 1).toISOString();
}
