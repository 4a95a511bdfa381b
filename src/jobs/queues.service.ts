import { Injectable } from '@nestjs/common';
import { JobQueues } from './job-queues.service';

export interface QueueStatusDto {
  name: string;
  counts: Record<string, number>;
  paused: boolean;
  workers: number;
}

const STATES = [
  'waiting',
  'prioritized',
  'delayed',
  'active',
  'completed',
  'failed',
] as const;

/** Live BullMQ state of each queue, read from Redis. */
@Injectable()
export class QueuesService {
  constructor(private readonly queues: JobQueues) {}

  /** @throws DomainError (unavailable) while Redis is disconnected. */
  async list(): Promise<QueueStatusDto[]> {
    this.queues.assertConnected();

    return Promise.all(
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
  }
}
