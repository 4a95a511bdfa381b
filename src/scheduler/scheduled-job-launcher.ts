import { Injectable } from '@nestjs/common';
import { unavailable } from '../common/errors';
import type { Schedule } from './schedule.entity';

export interface LaunchResult {
  jobRunId: string;
  /** False when a job run for this schedule and slot already existed. */
  created: boolean;
}

/**
 * Creates the job run of one slot. It must be idempotent per (schedule,
 * slot): the scheduler calls it inside its transaction, and when that
 * transaction rolls back after a launch, the retry must return the same job
 * run with `created: false` instead of creating a second one.
 */
export interface ScheduledJobLauncher {
  launch(schedule: Schedule, slotAt: Date): Promise<LaunchResult>;
}

/** Injection token of the {@link ScheduledJobLauncher}. */
export const SCHEDULED_JOB_LAUNCHER = Symbol('SCHEDULED_JOB_LAUNCHER');

/**
 * The binding while no job framework is part of the application: it refuses
 * every launch, so the scheduler records nothing and retries the slot later.
 */
@Injectable()
export class UnavailableJobLauncher implements ScheduledJobLauncher {
  launch(schedule: Schedule): Promise<LaunchResult> {
    return Promise.reject(
      unavailable(
        `Cannot launch schedule ${schedule.id}: job framework not available`,
      ),
    );
  }
}
