import { Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Environment } from '../config/environment';
import { JobRun } from '../jobs/job-run.entity';
import { JobSubmissionService } from '../jobs/job-submission.service';

/** Maximum number of job runs one start-up hands to the queues again. */
const RECOVERY_BATCH = 1000;

/**
 * Hands job runs of schedules that are still queued in PostgreSQL to their
 * queues again when a worker starts. The scheduler enqueues a slot's job run
 * after its transaction commits. A process that stopped in between, or a
 * Redis that was down, leaves the run queued with no BullMQ job. Adding a run
 * that BullMQ already contains changes nothing, so this is safe to repeat.
 */
@Injectable()
export class ScheduledRunRecovery implements OnApplicationBootstrap {
  private readonly logger = new Logger(ScheduledRunRecovery.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly submission: JobSubmissionService,
    private readonly environment: Environment,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (this.environment.SCHEDULER_TICK_MS === 0) return;

    try {
      await this.recover();
    } catch (error) {
      this.logger.error(
        `Could not enqueue the queued job runs of schedules again: ${(error as Error).message}`,
        (error as Error).stack,
      );
    }
  }

  /** @returns the number of job runs handed to the queues. */
  async recover(): Promise<number> {
    const runs = await this.dataSource.manager
      .createQueryBuilder(JobRun, 'run')
      .where('run.scheduleId IS NOT NULL')
      .andWhere("run.status = 'queued'")
      .orderBy('run.createdAt')
      .limit(RECOVERY_BATCH)
      .getMany();
    if (runs.length === 0) return 0;

    await this.submission.enqueueAll(runs);
    this.logger.log(
      `Enqueued ${runs.length} queued job run(s) of schedules again: ${runs.map((run) => run.id).join(', ')}`,
    );

    return runs.length;
  }
}
