import { bearer, TestApp } from '../support/test-app';

describe('Auth', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start();
  });

  afterAll(async () => {
    await app.close();
  });

  it('rejects a request without a token with 401', async () => {
    const response = await app.http().get('/books').expect(401);

    expect(response.body.statusCode).toBe(401);
    expect(response.body.error).toBe('Unauthorized');
    expect(response.headers['www-authenticate']).toBe('Bearer');
  });

  it('rejects an unknown token with 401', async () => {
    await app
      .http()
      .get('/books')
      .set(...bearer('chr_unknown'))
      .expect(401);
  });

  it('rejects a role too low with 403', async () => {
    const viewer = await app.createUser('viewer');

    const response = await app
      .http()
      .post('/authors')
      .set(...bearer(viewer.token))
      .send({ name: 'Nobody' })
      .expect(403);

    expect(response.body.message[0]).toContain('requires the editor role');
  });

  it('lets each role do what the roles before it may', async () => {
    const editor = await app.createUser('editor');

    await app
      .http()
      .get('/books')
      .set(...bearer(editor.token))
      .expect(200);
    await app
      .http()
      .get('/users')
      .set(...bearer(editor.token))
      .expect(403);
    await app
      .http()
      .get('/users')
      .set(...bearer(app.adminToken))
      .expect(200);
  });

  it('stores tokens only as SHA-256 hashes', async () => {
    const user = await app.createUser('viewer');

    const rows = await app.query(
      'SELECT token_hash FROM api_tokens WHERE user_id = $1',
      [user.id],
    );

    expect(rows).toHaveLength(1);
    expect(rows[0].token_hash).toMatch(/^[0-9a-f]{64}$/);
    expect(rows[0].token_hash).not.toContain(user.token);
  });

  it('revokes a token at once', async () => {
    const user = await app.createUser('viewer');
    const issued = await app
      .http()
      .post(`/users/${user.id}/tokens`)
      .set(...bearer(app.adminToken))
      .send({ name: 'second' })
      .expect(201);
    await app
      .http()
      .get('/books')
      .set(...bearer(issued.body.token))
      .expect(200);

    await app
      .http()
      .delete(`/tokens/${issued.body.id}`)
      .set(...bearer(app.adminToken))
      .expect(200);

    await app
      .http()
      .get('/books')
      .set(...bearer(issued.body.token))
      .expect(401);
    await app
      .http()
      .get('/books')
      .set(...bearer(user.token))
      .expect(200);
  });

  it('rejects a duplicate user name with 409', async () => {
    const user = await app.createUser('viewer');

    await app
      .http()
      .post('/users')
      .set(...bearer(app.adminToken))
      .send({ name: user.name, role: 'viewer' })
      .expect(409);
  });

  it('rejects an unknown role with 400 naming the field', async () => {
    const response = await app
      .http()
      .post('/users')
      .set(...bearer(app.adminToken))
      .send({ name: 'x-role', role: 'root' })
      .expect(400);

    expect(response.body.message.join()).toContain('role must be one of');
  });

  it('never stores a token hash in a snapshot', async () => {
    const user = await app.createUser('operator');

    const rows = await app.query(
      `SELECT snapshot FROM audit_version
       WHERE entity_type = 'api-tokens' AND snapshot->>'user_id' = $1`,
      [user.id],
    );

    expect(rows).toHaveLength(1);
    expect(rows[0].snapshot).not.toHaveProperty('token_hash');
  });

  it('echoes or generates X-Request-Id on every response', async () => {
    const given = await app
      .http()
      .get('/health')
      .set('X-Request-Id', 'req-123')
      .expect(200);
    const generated = await app.http().get('/books').expect(401);

    expect(given.headers['x-request-id']).toBe('req-123');
    expect(generated.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(generated.body.requestId).toBe(generated.headers['x-request-id']);
  });
});
