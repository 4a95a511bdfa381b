import { Column, Entity, PrimaryColumn, ValueTransformer } from 'typeorm';
import { StampedAtColumn, StampedByColumn } from '../common/who-when-columns';
import type { CatchUpPolicy } from './schedule-catch-up';

export const SCHEDULE_KINDS = ['at', 'every', 'cron'] as const;
export type ScheduleKind = (typeof SCHEDULE_KINDS)[number];

export interface ScheduleBackoff {
  type: 'fixed' | 'exponential';
  delayMs: number;
}

/** bigint comes back from pg as a string; intervals fit a JS number. */
const bigintToNumber: ValueTransformer = {
  to: (value: number | null | undefined) => value,
  from: (value: string | null) => (value === null ? null : Number(value)),
};

/**
 * A schedule: when to create job runs of one type and payload. Exactly one of
 * runAt, everyMs and cron is set, matching `kind`. Who/when columns are filled
 * by the stamp_who_when() trigger; nextRunAt, lastRunAt and runsCount are the
 * scheduler's bookkeeping and are left out of history.
 */
@Entity({ name: 'schedules' })
export class Schedule {
  @PrimaryColumn({ type: 'uuid', default: () => 'gen_random_uuid()' })
  id: string;

  @Column({ type: 'text' })
  name: string;

  @Column({ type: 'text' })
  type: string;

  @Column({ type: 'jsonb' })
  payload: Record<string, unknown>;

  @Column({ type: 'text' })
  kind: ScheduleKind;

  @Column({ name: 'run_at', type: 'timestamptz', precision: 3, nullable: true })
  runAt: Date | null;

  @Column({
    name: 'every_ms',
    type: 'bigint',
    nullable: true,
    transformer: bigintToNumber,
  })
  everyMs: number | null;

  @Column({ type: 'text', nullable: true })
  cron: string | null;

  @Column({ type: 'text' })
  timezone: string;

  @Column({ name: 'run_limit', type: 'integer', nullable: true })
  limit: number | null;

  @Column({ name: 'runs_count', type: 'integer', default: 0 })
  runsCount: number;

  @Column({
    name: 'start_at',
    type: 'timestamptz',
    precision: 3,
    nullable: true,
  })
  startAt: Date | null;

  @Column({ name: 'end_at', type: 'timestamptz', precision: 3, nullable: true })
  endAt: Date | null;

  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ name: 'catch_up', type: 'text' })
  catchUp: CatchUpPolicy;

  @Column({ type: 'text', nullable: true })
  queue: string | null;

  @Column({ type: 'integer', nullable: true })
  priority: number | null;

  @Column({ type: 'integer', nullable: true })
  attempts: number | null;

  @Column({ type: 'jsonb', nullable: true })
  backoff: ScheduleBackoff | null;

  @Column({ name: 'owner_id', type: 'uuid', nullable: true })
  ownerId: string | null;

  @Column({
    name: 'next_run_at',
    type: 'timestamptz',
    precision: 3,
    nullable: true,
  })
  nextRunAt: Date | null;

  @Column({
    name: 'last_run_at',
    type: 'timestamptz',
    precision: 3,
    nullable: true,
  })
  lastRunAt: Date | null;

  @StampedAtColumn('created_at')
  createdAt: Date;

  @StampedByColumn('created_by')
  createdBy: string | null;

  @StampedAtColumn('updated_at')
  updatedAt: Date;

  @StampedByColumn('updated_by')
  updatedBy: string | null;
}
