import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { JobRun } from '../jobs/job-run.entity';
import { JobsCoreModule } from '../jobs/jobs-core.module';
import { RegistryJobValidator } from './registry-job-validator';
import { Schedule } from './schedule.entity';
import { ScheduleSlot } from './schedule-slot.entity';
import { SCHEDULED_JOB_VALIDATOR } from './scheduled-job-validator';
import { SCHEDULER_CLOCK, systemClock } from './scheduler-clock';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

/**
 * The schedules REST API. A schedule's job is validated by the job type
 * registry, like a submission (RegistryJobValidator).
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([Schedule, ScheduleSlot, JobRun]),
    JobsCoreModule,
  ],
  controllers: [SchedulesController],
  providers: [
    SchedulesService,
    { provide: SCHEDULED_JOB_VALIDATOR, useClass: RegistryJobValidator },
    { provide: SCHEDULER_CLOCK, useValue: systemClock },
  ],
  exports: [SchedulesService],
})
export class SchedulerModule {}
