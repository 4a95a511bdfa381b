import { Injectable } from '@nestjs/common';
import { ApiProperty } from '@nestjs/swagger';
import { withRedisTimeout } from '../redis/redis-timeout';
import { JobQueues } from './job-queues.service';

const STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
] as const;

/** One entry of `GET /queues`. */
export class QueueStatusDto {
  @ApiProperty({ example: 'default' })
  name: string;

  @ApiProperty({
    type: 'object',
    properties: Object.fromEntries(
      STATES.map((state) => [state, { type: 'integer' }]),
    ),
    description: 'BullMQ jobs of the queue by state',
  })
  counts: Record<string, number>;

  @ApiProperty()
  paused: boolean;

  @ApiProperty({ type: 'integer', description: 'Workers connected to it' })
  workers: number;
}

/** Live BullMQ state of each queue, read from Redis. */
@Injectable()
export class QueuesService {
  constructor(private readonly queues: JobQueues) {}

  /**
   * @throws DomainError (unavailable) while Redis is disconnected or does not
   * respond within REDIS_REQUEST_TIMEOUT_MS.
   */
  async list(): Promise<QueueStatusDto[]> {
    this.queues.assertConnected();

    const statuses = Promise.all(
      this.queues.names.map(async (name) => {
        const queue = this.queues.get(name);
        const [counts, paused, workers] = await Promise.all([
          queue.getJobCounts(...STATES),
          queue.isPaused(),
          queue.getWorkersCount(),
        ]);

        return { name, counts, paused, workers };
      }),
    );

    return withRedisTimeout(statuses, 'read the queue counts');
  }
}
