jest.setTimeout(120_000);

import { buildProject, freePort, TestProcess } from '../support/child-process';
import { pollUntil } from '../support/poll';
import { uniqueName } from '../support/test-app';

/** Wait for a stopping API before its output is attached to the failure. */
const STOP_BOUND_MS = 60_000;

/**
 * `node dist/src/main.js` with the worker in-process (WORKER defaults to
 * true): the API listens while Redis is unreachable, and the worker takes
 * jobs once Redis is reachable.
 */
describe('API with the worker in-process', () => {
  const processes: TestProcess[] = [];

  beforeAll(() => {
    buildProject();
  });

  afterEach(async () => {
    for (const child of processes.splice(0)) await child.stop('SIGKILL');
  });

  async function startApi(redisPort: number) {
    const port = await freePort();
    const api = await TestProcess.start(
      process.execPath,
      ['dist/src/main.js'],
      {
        PORT: `${port}`,
        HOST: '127.0.0.1',
        REDIS_URL: `redis://127.0.0.1:${redisPort}`,
        MIGRATE: 'false',
        LOG_JSON: 'false',
        LOG_LEVEL: 'log',
        WORKER_ID: uniqueName('worker'),
      },
      'Chronicle API listening',
    );
    processes.push(api);

    return { api, base: `http://127.0.0.1:${port}` };
  }

  function startRedis(port: number) {
    return TestProcess.start(
      'redis-server',
      ['--port', `${port}`, '--bind', '127.0.0.1', '--save', ''],
      {},
      'Ready to accept connections',
    );
  }

  it('listens while Redis is down, then runs jobs', async () => {
    const redisPort = await freePort();
    const { api, base } = await startApi(redisPort);

    const health = await fetch(`${base}/health`);
    expect(health.status).toBe(503);
    const report = (await health.json()) as { error: Record<string, unknown> };
    expect(Object.keys(report.error)).toContain('redis');
    expect(api.log).toContain('is connecting to Redis');

    const redis = await startRedis(redisPort);
    processes.push(redis);
    await pollUntil(
      async () => (await fetch(`${base}/health`)).status,
      (status) => status === 200,
      { timeoutMs: 30_000, intervalMs: 200 },
    );
    await api.waitForOutput('runs queues');

    const admin = { authorization: `Bearer ${process.env.ADMIN_TOKEN}` };
    const user = await fetch(`${base}/users`, {
      method: 'POST',
      headers: { ...admin, 'content-type': 'application/json' },
      body: JSON.stringify({ name: uniqueName('operator'), role: 'operator' }),
    });
    expect(user.status).toBe(201);
    const { token } = (await user.json()) as { token: string };
    const operator = {
      authorization: `Bearer ${token}`,
      'content-type': 'application/json',
    };
    const submitted = await fetch(`${base}/jobs`, {
      method: 'POST',
      headers: operator,
      body: JSON.stringify({ type: 'system.noop', payload: {} }),
    });
    expect(submitted.status).toBe(202);
    const { id } = (await submitted.json()) as { id: string };

    const job = await pollUntil(
      async () => {
        const response = await fetch(`${base}/jobs/${id}`, {
          headers: operator,
        });

        return ((await response.json()) as { status: string }).status;
      },
      (status) => status === 'completed' || status === 'failed',
      { timeoutMs: 30_000, intervalMs: 100 },
    );
    expect(job).toBe('completed');
  });

  it('stops on SIGTERM while Redis is down', async () => {
    const { api } = await startApi(await freePort());

    // The bound only attaches the output to a failure; it is not measured.
    let timer: NodeJS.Timeout | undefined;
    const hung = new Promise<never>((_resolve, reject) => {
      timer = setTimeout(
        () => reject(new Error(`API did not exit; output:\n${api.log}`)),
        STOP_BOUND_MS,
      );
    });
    const exit = await Promise.race([api.stop('SIGTERM'), hung]).finally(() =>
      clearTimeout(timer),
    );

    // Nest's shutdown hooks end the process with the signal it received.
    expect(exit).toBe('SIGTERM');
    expect(api.log).toContain('closing without waiting for Redis');
    expect(api.log).toMatch(/Worker \S+ stopped/);
  });
});
