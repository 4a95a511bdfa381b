import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobsCoreModule } from '../jobs/jobs-core.module';
import { JobSubmissionLauncher } from './job-submission-launcher';
import { Schedule } from './schedule.entity';
import { ScheduleSlot } from './schedule-slot.entity';
import { SCHEDULED_JOB_LAUNCHER } from './scheduled-job-launcher';
import { ScheduledRunRecovery } from './scheduled-run-recovery';
import { SCHEDULER_CLOCK, systemClock } from './scheduler-clock';
import { SchedulerService } from './scheduler.service';

/**
 * The firing loop, for worker processes. Fired slots become job submissions
 * stored in the scheduler's transaction (JobSubmissionLauncher) and enqueued
 * after its commit; ScheduledRunRecovery enqueues at start-up those that were
 * committed but never enqueued.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Schedule, ScheduleSlot]), JobsCoreModule],
  providers: [
    SchedulerService,
    ScheduledRunRecovery,
    { provide: SCHEDULED_JOB_LAUNCHER, useClass: JobSubmissionLauncher },
    { provide: SCHEDULER_CLOCK, useValue: systemClock },
  ],
  exports: [SchedulerService],
})
export class SchedulerWorkerModule {}
