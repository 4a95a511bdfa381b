import { Logger } from '@nestjs/common';
import IORedis, { RedisOptions } from 'ioredis';

const logger = new Logger('Redis');

/**
 * Opens an ioredis connection to REDIS_URL.
 *
 * BullMQ workers need `maxRetriesPerRequest: null` so a blocking command
 * survives reconnects; request-path clients instead fail fast (`fast`), so an
 * HTTP request gets a 503 instead of waiting for Redis to return.
 */
export function createRedisConnection(
  url: string,
  purpose: string,
  { fast = false }: { fast?: boolean } = {},
): IORedis {
  const options: RedisOptions = {
    connectionName: `chronicle:${purpose}`,
    maxRetriesPerRequest: fast ? 1 : null,
    enableOfflineQueue: !fast,
    retryStrategy: (attempt) => Math.min(attempt * 200, 5000),
    lazyConnect: false,
  };
  const connection = new IORedis(url, options);
  let lastError = '';
  connection.on('error', (error: Error) => {
    // ioredis emits the same error on every reconnect attempt; log changes only.
    if (error.message !== lastError) {
      lastError = error.message;
      logger.warn(`Redis connection ${purpose} failed: ${error.message}`);
    }
  });
  connection.on('ready', () => {
    if (lastError) logger.log(`Redis connection ${purpose} is back`);
    lastError = '';
  });

  return connection;
}
