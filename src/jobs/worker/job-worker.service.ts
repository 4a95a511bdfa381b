import {
  BeforeApplicationShutdown,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Job, Worker } from 'bullmq';
import type IORedis from 'ioredis';
import { Environment } from '../../config/environment';
import { createRedisConnection } from '../../redis/redis-connection';
import { cancelChannel } from '../job-cancellation';
import type { QueuedJobData } from '../job-queues.service';
import { JobReconciler } from '../job-reconciler.service';
import { CANCEL_REASON, JobProcessor, SHUTDOWN_REASON } from './job-processor';
import { WorkerHeartbeat } from './worker-heartbeat.service';

/** After the grace period, how long interrupted jobs get to record it. */
const INTERRUPT_WAIT_MS = 10_000;

/**
 * Runs a BullMQ worker per queue of JOB_QUEUES with WORKER_CONCURRENCY, and
 * listens for cancellations of the jobs it runs.
 *
 * Start-up does not wait for Redis, so an API with the worker in-process
 * listens while Redis is unreachable; the BullMQ workers and the
 * cancellation listener connect once Redis is reachable, and {@link started}
 * resolves then.
 *
 * On shutdown it stops taking jobs and gives the active ones
 * SHUTDOWN_GRACE_MS to finish. It aborts the others, which are recorded as
 * interrupted and go back to the queue for another worker.
 */
@Injectable()
export class JobWorkerService
  implements
    OnApplicationBootstrap,
    BeforeApplicationShutdown,
    OnApplicationShutdown
{
  private readonly logger = new Logger(JobWorkerService.name);
  private readonly workers: Worker<QueuedJobData>[] = [];
  /** Ids of the jobs this process is running. */
  private readonly active = new Set<string>();
  private connection?: IORedis;
  private subscriber?: IORedis;
  private stopping = false;
  /**
   * Resolves when the cancellation listener is subscribed, so the worker
   * takes jobs and aborts the cancelled ones; rejects when subscribing fails.
   */
  started: Promise<void> = Promise.resolve();

  constructor(
    private readonly processor: JobProcessor,
    private readonly heartbeat: WorkerHeartbeat,
    private readonly reconciler: JobReconciler,
    private readonly environment: Environment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    const { REDIS_URL, REDIS_PREFIX, WORKER_CONCURRENCY, WORKER_ID } =
      this.environment;
    // Attempts are recorded with this worker id only once it reports alive.
    await this.heartbeat.start();
    this.connection = createRedisConnection(REDIS_URL, 'worker');
    for (const name of this.environment.JOB_QUEUES.split(',')) {
      const worker = new Worker<QueuedJobData>(
        name,
        (job, token, signal) => this.run(job, token, signal),
        {
          connection: this.connection,
          prefix: REDIS_PREFIX,
          concurrency: WORKER_CONCURRENCY,
          name: WORKER_ID,
          lockDuration: this.environment.WORKER_LOCK_MS,
          stalledInterval: this.environment.WORKER_LOCK_MS,
        },
      );
      // BullMQ emits the same error on every reconnect attempt; log changes.
      let lastError = '';
      worker.on('error', (error: Error) => {
        if (error.message === lastError) return;
        lastError = error.message;
        this.logger.error(`Worker of queue ${name} failed: ${error.message}`);
      });
      this.connection.on('ready', () => (lastError = ''));
      worker.on('stalled', (jobId: string) =>
        this.logger.warn(`Job ${jobId} in queue ${name} stalled`),
      );
      this.workers.push(worker);
    }
    this.logger.log(`Worker ${WORKER_ID} is connecting to Redis`);
    this.started = this.listenForCancellations().then(() =>
      this.logger.log(
        `Worker ${WORKER_ID} runs queues ${this.environment.JOB_QUEUES} ` +
          `with concurrency ${WORKER_CONCURRENCY}`,
      ),
    );
    // Awaited by worker processes; here only logged, so start-up goes on.
    this.started.catch((error: Error) => {
      if (this.stopping) return;
      this.logger.error(
        `Worker ${WORKER_ID} could not subscribe to cancellations: ` +
          error.message,
        error.stack,
      );
    });
  }

  /**
   * Drains before any connection closes, so that outcomes are still
   * recorded.
   */
  async beforeApplicationShutdown(signal?: string): Promise<void> {
    const { WORKER_ID, SHUTDOWN_GRACE_MS } = this.environment;
    const activeAtStart = this.active.size;
    this.stopping = true;
    this.logger.log(
      `Worker ${WORKER_ID} shutting down${signal ? ` on ${signal}` : ''}: ` +
        `taking no more jobs; ${activeAtStart} active jobs have ` +
        `${SHUTDOWN_GRACE_MS} ms to finish`,
    );
    await this.reconciler.stop();
    const closing = Promise.allSettled(
      this.workers.map((worker) => worker.close()),
    );

    let interrupted: string[] = [];
    if (this.active.size === 0 && this.connection?.status !== 'ready') {
      // BullMQ's close waits for a connection that may never come back, and
      // no job is running that could still finish.
      this.logger.warn(
        `Worker ${WORKER_ID}: Redis is not connected and no job is active; ` +
          'closing without waiting for Redis',
      );
    } else if (!(await settlesWithin(closing, SHUTDOWN_GRACE_MS))) {
      interrupted = [...this.active];
      this.logger.warn(
        `Worker ${WORKER_ID}: interrupting jobs ${interrupted.join(', ')} ` +
          `after ${SHUTDOWN_GRACE_MS} ms`,
      );
      for (const worker of this.workers) worker.cancelAllJobs(SHUTDOWN_REASON);
      if (!(await settlesWithin(closing, INTERRUPT_WAIT_MS))) {
        this.logger.error(
          `Worker ${WORKER_ID}: jobs ${[...this.active].join(', ')} did not ` +
            `stop within ${INTERRUPT_WAIT_MS} ms; closing anyway, the ` +
            'reconciler will record them as stalled',
        );
        const forced = Promise.allSettled(
          this.workers.map((worker) => worker.close(true)),
        );
        // A forced close still waits for Redis, which may be gone.
        await settlesWithin(forced, INTERRUPT_WAIT_MS);
      }
    }
    await this.heartbeat.stop();
    this.logger.log(
      `Worker ${WORKER_ID} shut down: ${activeAtStart - interrupted.length} ` +
        `active jobs finished, ${interrupted.length} interrupted`,
    );
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
    this.connection?.disconnect();
    this.logger.log(`Worker ${this.environment.WORKER_ID} stopped`);
  }

  private async run(
    job: Job<QueuedJobData>,
    token: string | undefined,
    signal: AbortSignal | undefined,
  ): Promise<null> {
    const id = job.id as string;
    this.active.add(id);
    try {
      return await this.processor.process(job, token, signal);
    } finally {
      this.active.delete(id);
    }
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

/** Waits at most `ms` for `work` and returns whether it settled in time. */
async function settlesWithin(
  work: Promise<unknown>,
  ms: number,
): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([work.then(() => true), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
