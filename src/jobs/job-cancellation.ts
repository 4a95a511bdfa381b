/**
 * Redis pub/sub channel on which the API requests every worker process to
 * abort a running job. The message is the job run id. BullMQ's own cancelJob only
 * reaches the worker in the same process, so the channel carries it across.
 */
export function cancelChannel(redisPrefix: string): string {
  return `${redisPrefix}:jobs:cancel`;
}
