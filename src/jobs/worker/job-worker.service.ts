import {
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Worker } from 'bullmq';
import type IORedis from 'ioredis';
import { Environment } from '../../config/environment';
import { createRedisConnection } from '../../redis/redis-connection';
import { cancelChannel } from '../job-cancellation';
import type { QueuedJobData } from '../job-queues.service';
import { CANCEL_REASON, JobProcessor } from './job-processor';

/**
 * Runs a BullMQ worker per queue of JOB_QUEUES with WORKER_CONCURRENCY, and
 * listens for cancellations of the jobs it runs.
 */
@Injectable()
export class JobWorkerService
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(JobWorkerService.name);
  private readonly workers: Worker<QueuedJobData>[] = [];
  private connection?: IORedis;
  private subscriber?: IORedis;

  constructor(
    private readonly processor: JobProcessor,
    private readonly environment: Environment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { REDIS_URL, REDIS_PREFIX, WORKER_CONCURRENCY, WORKER_ID } =
      this.environment;
    this.connection = createRedisConnection(REDIS_URL, 'worker');
    for (const name of this.environment.JOB_QUEUES.split(',')) {
      const worker = new Worker<QueuedJobData>(
        name,
        (job, token, signal) => this.processor.process(job, token, signal),
        {
          connection: this.connection,
          prefix: REDIS_PREFIX,
          concurrency: WORKER_CONCURRENCY,
          name: WORKER_ID,
        },
      );
      worker.on('error', (error: Error) =>
        this.logger.error(`Worker of queue ${name} failed: ${error.message}`),
      );
      worker.on('stalled', (jobId: string) =>
        this.logger.warn(`Job ${jobId} in queue ${name} stalled`),
      );
      this.workers.push(worker);
    }
    await this.listenForCancellations();
    this.logger.log(
      `Worker ${WORKER_ID} runs queues ${this.environment.JOB_QUEUES} ` +
        `with concurrency ${WORKER_CONCURRENCY}`,
    );
  }

  async onApplicationShutdown(): Promise<void> {
    this.logger.log(`Worker ${this.environment.WORKER_ID} stopping`);
    await Promise.allSettled(this.workers.map((worker) => worker.close()));
    this.subscriber?.disconnect();
    this.connection?.disconnect();
    this.logger.log(`Worker ${this.environment.WORKER_ID} stopped`);
  }

  private async listenForCancellations(): Promise<void> {
    const channel = cancelChannel(this.environment.REDIS_PREFIX);
    this.subscriber = createRedisConnection(
      this.environment.REDIS_URL,
      'cancel-listener',
    );
    this.subscriber.on('message', (from: string, jobRunId: string) => {
      if (from !== channel) return;
      const found = this.workers.some((worker) =>
        worker.cancelJob(jobRunId, CANCEL_REASON),
      );
      if (found) this.logger.log(`Aborting job ${jobRunId}: cancelled`);
    });
    await this.subscriber.subscribe(channel);
  }
}
