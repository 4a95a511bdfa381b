import { Logger } from '@nestjs/common';
import { bearer, TestApp } from '../support/test-app';

interface LogLine {
  level: string;
  context?: string;
  message: string;
  requestId?: string;
  userId?: string;
  route?: string;
  status?: number;
}

describe('Structured logs', () => {
  let app: TestApp;
  let written: string[];
  let stdout: jest.SpyInstance;

  function captureStdout(): void {
    written = [];
    stdout = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: string | Uint8Array) => {
        written.push(chunk.toString());
        return true;
      });
  }

  beforeAll(async () => {
    captureStdout();
    app = await TestApp.start({}, { LOG_JSON: 'true', LOG_LEVEL: 'debug' });
    stdout.mockRestore();
  });

  beforeEach(captureStdout);

  afterEach(() => {
    stdout.mockRestore();
  });

  afterAll(async () => {
    await app.close();
  });

  function lines(): LogLine[] {
    return written
      .join('')
      .split('\n')
      .filter((line) => line.startsWith('{'))
      .map((line) => JSON.parse(line) as LogLine);
  }

  it('writes an access line with the request id, the user and no token', async () => {
    const viewer = await app.createUser('viewer');
    written = [];

    await app
      .http()
      .get('/users/me')
      .set(...bearer(viewer.token))
      .set('X-Request-Id', 'log-line-check-1')
      .expect(200);

    const access = lines().find(
      (line) =>
        line.context === 'HttpAccess' && line.requestId === 'log-line-check-1',
    );
    expect(access).toMatchObject({
      level: 'log',
      route: '/users/me',
      status: 200,
      userId: viewer.id,
    });
    expect(written.join('')).not.toContain(viewer.token);
    expect(written.join('').toLowerCase()).not.toContain('authorization');
  });

  it('adds the request and user ids to lines written while serving', async () => {
    const viewer = await app.createUser('viewer');
    written = [];

    await app
      .http()
      .get('/books/not-a-uuid')
      .set(...bearer(viewer.token))
      .set('X-Request-Id', 'log-line-check-2')
      .expect(400);

    const filterLine = lines().find(
      (line) => line.context === 'AllExceptionsFilter',
    );
    expect(filterLine).toMatchObject({
      level: 'debug',
      requestId: 'log-line-check-2',
      userId: viewer.id,
    });
  });

  it('masks tokens in messages and token-like fields', () => {
    const logger = new Logger('LeakCheck');

    logger.log('presented Bearer chr_abcdefghijklmnop', {
      token: 'chr_abcdefghijklmnop',
      authorization: 'Bearer chr_abcdefghijklmnop',
    });

    const line = lines().find((candidate) => candidate.context === 'LeakCheck');
    expect(line).toBeDefined();
    expect(written.join('')).not.toContain('chr_abcdefghijklmnop');
  });
});
