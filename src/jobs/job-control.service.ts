import { Inject, Injectable, Logger } from '@nestjs/common';
import type IORedis from 'ioredis';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { conflict, notFound } from '../common/errors';
import { Environment } from '../config/environment';
import { REDIS_CLIENT } from '../redis/redis.module';
import { cancelChannel } from './job-cancellation';
import { JobQueues } from './job-queues.service';
import { JobRun } from './job-run.entity';
import { JobRunResponseDto, toJobRunResponse } from './job-run.mapper';
import { JobSubmissionService } from './job-submission.service';

/**
 * Cancels and retries job runs. The job_runs row changes first, in an
 * audited transaction attributed to the operator; Redis follows.
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
   * Cancels a job. A queued or delayed job is cancelled at once and never
   * runs. An active job has its handler's AbortSignal fired, and becomes
   * cancelled when the handler stops.
   *
   * @throws DomainError not-found, or conflict for a finished job.
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
        await this.redis.publish(
          cancelChannel(this.environment.REDIS_PREFIX),
          id,
        );
        this.logger.log(`Asked workers to abort job ${id}`);
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
   * attempt left.
   *
   * @throws DomainError not-found, or conflict for a job in another state.
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
      await this.removeFromQueue(run);
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

  /** Removes the run's BullMQ job, which a worker would skip anyway. */
  private async removeFromQueue(run: JobRun): Promise<void> {
    try {
      await this.queues.get(run.queue).remove(run.id);
    } catch (error) {
      this.logger.warn(
        `Could not remove job ${run.id} from queue ${run.queue}; its worker ` +
          `will skip it: ${(error as Error).message}`,
      );
    }
  }
}
