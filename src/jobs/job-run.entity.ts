import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JobBackoff, JobError, JobRunStatus } from './job-status';

const timestamp = (name: string, nullable = true) =>
  Column({ name, type: 'timestamptz', precision: 3, nullable });

/**
 * A submitted job: the durable truth about it, whatever Redis holds. Every
 * change to a row is a version (entity type `job-runs`).
 */
@Entity({ name: 'job_runs' })
export class JobRun {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'text' })
  queue: string;

  @Column({ type: 'text' })
  status: JobRunStatus;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ type: 'jsonb', nullable: true })
  result: unknown;

  @Column({ type: 'jsonb', nullable: true })
  error: JobError | null;

  @Column({ type: 'jsonb', nullable: true })
  progress: unknown;

  /** BullMQ priority: 0 means no priority and runs first, then 1 is highest. */
  @Column({ type: 'integer', default: 0 })
  priority: number;

  /** When the next attempt is due. */
  @timestamp('run_at', false)
  runAt: Date;

  @Column({ name: 'max_attempts', type: 'integer' })
  maxAttempts: number;

  /** Number of the latest attempt started; 0 before the first. */
  @Column({ name: 'attempts_made', type: 'integer', default: 0 })
  attemptsMade: number;

  @Column({ type: 'jsonb', nullable: true })
  backoff: JobBackoff | null;

  @Column({ name: 'timeout_ms', type: 'integer', nullable: true })
  timeoutMs: number | null;

  @Column({ name: 'idempotency_key', type: 'text', nullable: true })
  idempotencyKey: string | null;

  @Column({ name: 'submitted_by', type: 'uuid', nullable: true })
  submittedBy: string | null;

  @Column({ name: 'schedule_id', type: 'uuid', nullable: true })
  scheduleId: string | null;

  @timestamp('scheduled_for')
  scheduledFor: Date | null;

  @timestamp('created_at', false)
  createdAt: Date;

  @timestamp('started_at')
  startedAt: Date | null;

  @timestamp('finished_at')
  finishedAt: Date | null;

  @timestamp('updated_at', false)
  updatedAt: Date;
}
