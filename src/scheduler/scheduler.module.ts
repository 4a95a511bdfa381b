import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { Schedule } from './schedule.entity';
import { ScheduleSlot } from './schedule-slot.entity';
import {
  AcceptingJobValidator,
  SCHEDULED_JOB_VALIDATOR,
} from './scheduled-job-validator';
import { SCHEDULER_CLOCK, systemClock } from './scheduler-clock';
import { SchedulesController } from './schedules.controller';
import { SchedulesService } from './schedules.service';

/**
 * The schedules REST API. SCHEDULED_JOB_VALIDATOR is bound to a validator
 * that accepts every job; bind the job registry's validator here once the
 * application has one.
 */
@Module({
  imports: [TypeOrmModule.forFeature([Schedule, ScheduleSlot])],
  controllers: [SchedulesController],
  providers: [
    SchedulesService,
    { provide: SCHEDULED_JOB_VALIDATOR, useClass: AcceptingJobValidator },
    { provide: SCHEDULER_CLOCK, useValue: systemClock },
  ],
  exports: [SchedulesService],
})
export class SchedulerModule {}
