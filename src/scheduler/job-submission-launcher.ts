import { Injectable, Logger } from '@nestjs/common';
import { DataSource, EntityManager, In } from 'typeorm';
import type { JobSubmitDto } from '../jobs/job.dto';
import { JobRun } from '../jobs/job-run.entity';
import { JobSubmissionService } from '../jobs/job-submission.service';
import type { Schedule } from './schedule.entity';
import type {
  LaunchResult,
  ScheduledJobLauncher,
} from './scheduled-job-launcher';

/**
 * Launches a slot as a job submission by the schedule's owner with source
 * `schedule`. The job run is due at once (no runAt, no delay), so the
 * launcher never leaves a delayed BullMQ job behind. The UNIQUE
 * (schedule_id, scheduled_for) key of job_runs makes a launch idempotent.
 */
@Injectable()
export class JobSubmissionLauncher implements ScheduledJobLauncher {
  private readonly logger = new Logger(JobSubmissionLauncher.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly submission: JobSubmissionService,
  ) {}

  async launch(
    manager: EntityManager,
    schedule: Schedule,
    slotAt: Date,
  ): Promise<LaunchResult> {
    const { run, created } = await this.submission.submitIn(
      manager,
      this.requestOf(schedule),
      {
        submittedBy: schedule.ownerId,
        source: 'schedule',
        scheduleId: schedule.id,
        scheduledFor: slotAt,
      },
    );

    return { jobRunId: run.id, created };
  }

  async dispatch(jobRunIds: string[]): Promise<void> {
    if (jobRunIds.length === 0) return;

    try {
      const runs = await this.dataSource.manager.findBy(JobRun, {
        id: In(jobRunIds),
      });
      await this.submission.enqueueAll(runs);
    } catch (error) {
      this.logger.error(
        `Job runs ${jobRunIds.join(', ')} stay queued in PostgreSQL until ` +
          `they are enqueued again: ${(error as Error).message}`,
        (error as Error).stack,
      );
    }
  }

  private requestOf(schedule: Schedule): JobSubmitDto {
    return {
      type: schedule.type,
      payload: schedule.payload,
      queue: schedule.queue ?? undefined,
      priority: schedule.priority ?? undefined,
      attempts: schedule.attempts ?? undefined,
      backoff: schedule.backoff ?? undefined,
    };
  }
}
