import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Schedule } from './schedule.entity';
import { ScheduleSlot } from './schedule-slot.entity';
import {
  SCHEDULED_JOB_LAUNCHER,
  UnavailableJobLauncher,
} from './scheduled-job-launcher';
import { SCHEDULER_CLOCK, systemClock } from './scheduler-clock';
import { SchedulerService } from './scheduler.service';

/**
 * The firing loop, for worker processes. SCHEDULED_JOB_LAUNCHER is bound to
 * a launcher that refuses every launch; bind the one that submits job runs
 * here once the application has a job framework.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Schedule, ScheduleSlot])],
  providers: [
    SchedulerService,
    { provide: SCHEDULED_JOB_LAUNCHER, useClass: UnavailableJobLauncher },
    { provide: SCHEDULER_CLOCK, useValue: systemClock },
  ],
  exports: [SchedulerService],
})
export class SchedulerWorkerModule {}
