import { bearer, TestApp } from '../support/test-app';

const RATE_LIMIT = 5;
const BODY_LIMIT = 2048;

describe('Limits', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start(
      {},
      {
        RATE_LIMIT_PER_MINUTE: String(RATE_LIMIT),
        BODY_LIMIT_BYTES: String(BODY_LIMIT),
      },
    );
  });

  afterAll(async () => {
    await app.close();
  });

  it('rejects a large body with 413', async () => {
    const editor = await app.createUser('editor');

    const response = await app
      .http()
      .post('/authors')
      .set(...bearer(editor.token))
      .set('X-Request-Id', 'body-limit-check')
      .send({ name: 'x'.repeat(BODY_LIMIT + 1) })
      .expect(413);

    expect(response.body).toEqual({
      statusCode: 413,
      error: 'Payload Too Large',
      message: [expect.stringMatching(/too large/i)],
      requestId: 'body-limit-check',
    });
  });

  it('returns 429 with Retry-After', async () => {
    const viewer = await app.createUser('viewer');
    const other = await app.createUser('viewer');
    for (let request = 0; request < RATE_LIMIT; request += 1) {
      const response = await app
        .http()
        .get('/users/me')
        .set(...bearer(viewer.token))
        .expect(200);

      expect(response.headers['x-ratelimit-limit']).toBe(String(RATE_LIMIT));
    }

    const refused = await app
      .http()
      .get('/authors')
      .set(...bearer(viewer.token))
      .expect(429);
    await app
      .http()
      .get('/users/me')
      .set(...bearer(other.token))
      .expect(200);

    expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
    expect(refused.body).toMatchObject({
      statusCode: 429,
      error: 'Too Many Requests',
      message: [expect.stringContaining(`${RATE_LIMIT} requests a minute`)],
    });
  });

  it('does not count health checks', async () => {
    for (let request = 0; request <= RATE_LIMIT; request += 1) {
      await app.http().get('/health').expect(200);
    }
  });

  it('caps the page size at 500', async () => {
    const viewer = await app.createUser('viewer');

    const response = await app
      .http()
      .get('/books?limit=501')
      .set(...bearer(viewer.token))
      .expect(400);

    expect(response.body.message[0]).toContain('limit');
  });
});

describe('Limits with RATE_LIMIT_PER_MINUTE=0', () => {
  let app: TestApp;

  beforeAll(async () => {
    app = await TestApp.start({}, { RATE_LIMIT_PER_MINUTE: '0' });
  });

  afterAll(async () => {
    await app.close();
  });

  it('turns rate limiting off', async () => {
    const viewer = await app.createUser('viewer');
    for (let request = 0; request < 3 * RATE_LIMIT; request += 1) {
      const response = await app
        .http()
        .get('/users/me')
        .set(...bearer(viewer.token))
        .expect(200);

      expect(response.headers['x-ratelimit-limit']).toBeUndefined();
    }
  });
});
