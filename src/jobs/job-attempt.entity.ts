import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { JobAttemptStatus } from './job-status';

/** One attempt of a job run, recorded once however often BullMQ delivers. */
@Entity({ name: 'job_attempts' })
export class JobAttempt {
  @PrimaryColumn({ name: 'job_run_id', type: 'uuid' })
  jobRunId: string;

  /** 1 for the first attempt. */
  @PrimaryColumn({ type: 'integer' })
  number: number;

  @Column({ type: 'text' })
  status: JobAttemptStatus;

  @Column({ name: 'started_at', type: 'timestamptz', precision: 3 })
  startedAt: Date;

  @Column({
    name: 'finished_at',
    type: 'timestamptz',
    precision: 3,
    nullable: true,
  })
  finishedAt: Date | null;

  @Column({ name: 'worker_id', type: 'text' })
  workerId: string;

  @Column({ name: 'error_message', type: 'text', nullable: true })
  errorMessage: string | null;

  @Column({ name: 'error_stack', type: 'text', nullable: true })
  errorStack: string | null;
}
