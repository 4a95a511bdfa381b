import {
  Inject,
  Injectable,
  Logger,
  OnApplicationShutdown,
  OnModuleInit,
} from '@nestjs/common';
import { Queue } from 'bullmq';
import type IORedis from 'ioredis';
import { unavailable } from '../common/errors';
import { Environment } from '../config/environment';
import { BULL_BOARD_QUEUES } from '../queues/queue-registry.module';
import { createRedisConnection } from '../redis/redis-connection';

/** Data of a BullMQ job; the worker reads the rest from job_runs. */
export interface QueuedJobData {
  type: string;
  submittedBy: string | null;
  /** Attempts recorded before this BullMQ job was added (by a retry). */
  attemptOffset: number;
}

/**
 * The BullMQ queues of JOB_QUEUES, on a fail-fast connection: a submission
 * must not wait for Redis to come back. Every queue is opened at start-up and
 * added to {@link BULL_BOARD_QUEUES}, for the dashboard and the depth gauge.
 */
@Injectable()
export class JobQueues implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger(JobQueues.name);
  private readonly queues = new Map<string, Queue<QueuedJobData>>();
  private readonly connection: IORedis;
  readonly names: string[];

  constructor(
    private readonly environment: Environment,
    @Inject(BULL_BOARD_QUEUES) private readonly boardQueues: Queue[],
  ) {
    this.names = environment.JOB_QUEUES.split(',');
    // Connected at start-up, so the first submission finds it ready.
    this.connection = createRedisConnection(environment.REDIS_URL, 'queues', {
      fast: true,
    });
  }

  onModuleInit(): void {
    for (const name of this.names) this.get(name);
  }

  /**
   * Fails at once while Redis is disconnected, instead of letting BullMQ wait
   * for the connection.
   *
   * @throws DomainError (unavailable)
   */
  assertConnected(): void {
    if (this.connection.status !== 'ready') {
      throw unavailable(`Redis is not connected (${this.connection.status})`);
    }
  }

  /** The queue jobs go to when they name none. */
  get defaultName(): string {
    return this.names[0];
  }

  get(name: string): Queue<QueuedJobData> {
    let queue = this.queues.get(name);
    if (!queue) {
      queue = new Queue<QueuedJobData>(name, {
        connection: this.connection,
        prefix: this.environment.REDIS_PREFIX,
      });
      // BullMQ emits the same error on every reconnect attempt; log changes.
      let lastError = '';
      queue.on('error', (error: Error) => {
        if (error.message === lastError) return;
        lastError = error.message;
        this.logger.warn(`Queue ${name} failed: ${error.message}`);
      });
      this.connection.on('ready', () => (lastError = ''));
      this.queues.set(name, queue);
      this.boardQueues.push(queue);
    }

    return queue;
  }

  async onApplicationShutdown(): Promise<void> {
    // BullMQ's close waits for a connection that may never come back.
    const closing = Promise.allSettled(
      [...this.queues.values()].map((queue) => queue.close()),
    );
    await Promise.race([
      closing,
      new Promise((resolve) => setTimeout(resolve, 2000).unref()),
    ]);
    this.connection.disconnect();
  }
}
