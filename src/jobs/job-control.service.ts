import { Inject, Injectable, Logger } from '@nestjs/common';
import type IORedis from 'ioredis';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { conflict, notFound, unavailable } from '../common/errors';
import { Environment } from '../config/environment';
import { REDIS_CLIENT } from '../redis/redis.module';
import { withRedisTimeout } from '../redis/redis-timeout';
import { cancelChannel } from './job-cancellation';
import { JobQueues } from './job-queues.service';
import { JobRun } from './job-run.entity';
import { JobRunResponseDto, toJobRunResponse } from './job-run.mapper';
import { JobSubmissionService } from './job-submission.service';

/**
 * Cancels and retries job runs. The job_runs row changes first, in an
 * audited transaction attributed to the operator; Redis follows. Every Redis
 * call is bounded by REDIS_REQUEST_TIMEOUT_MS, so a request never waits for
 * Redis to come back.
 */
@Injectable()
export class JobControlService {
  private readonly logger = new Logger(JobControlService.name);

  constructor(
    private readonly transactions: AuditedTransactionService,
    private readonly queues: JobQueues,
    private readonly submission: JobSubmissionService,
    private readonly environment: Environment,
    @Inject(REDIS_CLIENT) private readonly redis: IORedis,
  ) {}

  /**
   * Cancels a job. A queued or delayed job is cancelled at once in
   * PostgreSQL and never runs: when Redis cannot remove its BullMQ job, a
   * warning is logged and the worker skips that job. An active job has its
   * handler's AbortSignal fired through Redis, and becomes cancelled when the
   * handler stops; nothing is written for it in PostgreSQL.
   *
   * @throws DomainError not-found, conflict for a finished job, or
   * unavailable when Redis cannot tell the workers to abort an active job.
   */
  async cancel(id: string): Promise<JobRunResponseDto> {
    const run = await this.transactions.run(async (manager) => {
      await manager.query(
        `UPDATE job_runs
         SET status = 'cancelled', finished_at = clock_timestamp(),
           updated_at = clock_timestamp()
         WHERE id = $1 AND status IN ('queued', 'delayed')`,
        [id],
      );

      return manager.findOneBy(JobRun, { id });
    });
    if (!run) throw notFound(`Job ${id} not found`);

    switch (run.status) {
      case 'cancelled':
        await this.removeFromQueue(run);
        break;
      case 'active':
        await this.abortActive(id);
        break;
      case 'queued':
      case 'delayed':
      case 'completed':
      case 'failed':
        throw conflict(
          `Job ${id} is ${run.status}; only queued, delayed or active jobs ` +
            'can be cancelled',
        );
    }

    return toJobRunResponse(run);
  }

  /**
   * Runs a failed or cancelled job again as a new attempt, with at least one
   * attempt left. While Redis is disconnected nothing changes (503). When
   * Redis fails after the commit, the run stays queued in PostgreSQL and the
   * reconciler of a worker enqueues it.
   *
   * @throws DomainError not-found, conflict for a job in another state, or
   * unavailable while Redis is disconnected.
   */
  async retry(id: string): Promise<JobRunResponseDto> {
    const run = await this.transactions.run(async (manager) => {
      const found = await manager.findOneBy(JobRun, { id });
      if (!found) throw notFound(`Job ${id} not found`);
      if (found.status !== 'failed' && found.status !== 'cancelled') {
        throw conflict(
          `Job ${id} is ${found.status}; only failed or cancelled jobs can ` +
            'be retried',
        );
      }
      this.queues.assertConnected();
      await manager.query(
        `UPDATE job_runs
         SET status = 'queued', max_attempts = greatest(max_attempts,
             attempts_made + 1),
           run_at = clock_timestamp(), result = NULL, error = NULL,
           finished_at = NULL, updated_at = clock_timestamp()
         WHERE id = $1`,
        [id],
      );

      return manager.findOneByOrFail(JobRun, { id });
    });

    try {
      // The old BullMQ job has the same id; adding before removing it would
      // change nothing.
      await withRedisTimeout(
        this.queues.get(run.queue).remove(run.id),
        `remove job ${id} from queue ${run.queue}`,
      );
      await this.submission.enqueue(run);
      this.logger.log(`Retrying job ${id} as attempt ${run.attemptsMade + 1}`);
    } catch (error) {
      this.logger.error(
        `Job ${id} stays queued in PostgreSQL until it is enqueued again: ` +
          (error as Error).message,
        (error as Error).stack,
      );
    }

    return toJobRunResponse(run);
  }

  /**
   * Publishes the cancellation of an active job to the workers.
   *
   * @throws DomainError (unavailable) when Redis does not take it.
   */
  private async abortActive(id: string): Promise<void> {
    if (this.redis.status !== 'ready') {
      throw unavailable(
        `Redis is not connected (${this.redis.status}), so active job ${id} ` +
          'cannot be aborted; it keeps running; retry later',
      );
    }
    await withRedisTimeout(
      this.redis.publish(cancelChannel(this.environment.REDIS_PREFIX), id),
      `publish the cancellation of active job ${id}`,
    );
    this.logger.log(`Asked workers to abort job ${id}`);
  }

  /**
   * Removes the BullMQ job of a cancelled run. A failure is only logged,
   * because the run is cancelled in PostgreSQL and a worker skips it.
   */
  private async removeFromQueue(run: JobRun): Promise<void> {
    try {
      this.queues.assertConnected();
      await withRedisTimeout(
        this.queues.get(run.queue).remove(run.id),
        `remove job ${run.id} from queue ${run.queue}`,
      );
    } catch (error) {
      this.logger.warn(
        `Could not remove cancelled job ${run.id} from queue ${run.queue}; ` +
          `its worker will skip it: ${(error as Error).message}`,
      );
    }
  }
}
