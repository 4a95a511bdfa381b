import { unavailable } from '../common/errors';

/** Maximum wait for one Redis call made while an HTTP request waits. */
export const REDIS_REQUEST_TIMEOUT_MS = 3_000;

/** ioredis errors that mean the connection is down, not the command wrong. */
const CONNECTION_ERROR =
  /Stream isn't writeable|Connection is closed|MaxRetriesPerRequest|ECONNREFUSED|ECONNRESET/i;

/**
 * Waits at most `ms` for a Redis call. ioredis and BullMQ wait for a
 * connection that may never come back, so every Redis call on a request path
 * goes through here.
 *
 * @throws DomainError (unavailable) naming `action` when Redis does not
 * respond in time or the connection is down; other errors unchanged.
 */
export async function withRedisTimeout<T>(
  work: Promise<T>,
  action: string,
  ms = REDIS_REQUEST_TIMEOUT_MS,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(
      () =>
        reject(
          unavailable(
            `Redis is unavailable: could not ${action} within ${ms} ms; ` +
              'retry later',
          ),
        ),
      ms,
    );
  });
  // The abandoned call may still fail later; that must not be unhandled.
  work.catch(() => undefined);
  try {
    return await Promise.race([work, timeout]);
  } catch (error) {
    if (error instanceof Error && CONNECTION_ERROR.test(error.message)) {
      throw unavailable(
        `Redis is unavailable: could not ${action} (${error.message}); ` +
          'retry later',
      );
    }
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
