/**
 * Redis pub/sub channel on which the API asks every worker process to abort
 * a running job; the message is the job run id. BullMQ's own cancelJob only
 * reaches the worker in the same process, so the channel carries it across.
 */
export function cancelChannel(redisPrefix: string): string {
  return `${redisPrefix}:jobs:cancel`;
}
