import type { EntityManager } from 'typeorm';
import type { Schedule } from './schedule.entity';

export interface LaunchResult {
  jobRunId: string;
  /** False when a job run for this schedule and slot already existed. */
  created: boolean;
}

/**
 * Creates the job runs of fired slots. The scheduler calls `launch` inside
 * its transaction, so a slot's decision and its job run commit together or
 * not at all, and calls `dispatch` after that transaction committed, with the
 * job runs `launch` created.
 */
export interface ScheduledJobLauncher {
  /**
   * Stores the job run of one slot with `manager`. Idempotent per (schedule,
   * slot): a slot launched again returns its job run with `created: false`.
   *
   * @throws DomainError invalid or too-large when the job is rejected; the
   *   scheduler records the slot as missed with the message.
   */
  launch(
    manager: EntityManager,
    schedule: Schedule,
    slotAt: Date,
  ): Promise<LaunchResult>;

  /**
   * Hands committed job runs to their queues. It does not throw: a job run
   * that could not be handed over stays queued in PostgreSQL.
   */
  dispatch(jobRunIds: string[]): Promise<void>;
}

/** Injection token of the {@link ScheduledJobLauncher}. */
export const SCHEDULED_JOB_LAUNCHER = Symbol('SCHEDULED_JOB_LAUNCHER');
