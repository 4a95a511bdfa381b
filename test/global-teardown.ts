import IORedis from 'ioredis';
import { onServer } from './support/test-database';

/** Drops the database and Redis keys that globalSetup created for this run. */
export default async function globalTeardown(): Promise<void> {
  const runId = process.env.TEST_RUN_ID;
  if (!runId) return;

  if (process.env.KEEP_TEST_DATABASE !== 'true') {
    await onServer(
      `DROP DATABASE IF EXISTS chronicle_test_${runId} WITH (FORCE)`,
    );
  }

  const redis = new IORedis(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379');
  try {
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(
        cursor,
        'MATCH',
        `chronicle_test_${runId}*`,
        'COUNT',
        1000,
      );
      if (keys.length > 0) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}
