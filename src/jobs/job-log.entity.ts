import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import type { JobLogLevel } from './job-status';

/** A line a handler logged through its JobContext. */
@Entity({ name: 'job_logs' })
export class JobLog {
  @PrimaryGeneratedColumn({ type: 'bigint' })
  id: string;

  @Column({ name: 'job_run_id', type: 'uuid' })
  jobRunId: string;

  @Column({ type: 'integer' })
  attempt: number;

  @Column({ type: 'timestamptz', precision: 3 })
  at: Date;

  @Column({ type: 'text' })
  level: JobLogLevel;

  @Column({ type: 'text' })
  message: string;
}
