import { Column, Entity, PrimaryColumn } from 'typeorm';
import type { SlotOutcome } from './schedule-catch-up';

/** The decision taken for one slot of one schedule; one row per slot. */
@Entity({ name: 'schedule_slots' })
export class ScheduleSlot {
  @PrimaryColumn({ name: 'schedule_id', type: 'uuid' })
  scheduleId: string;

  @PrimaryColumn({ name: 'slot_at', type: 'timestamptz', precision: 3 })
  slotAt: Date;

  @Column({ type: 'text' })
  outcome: SlotOutcome;

  @Column({ type: 'text', nullable: true })
  reason: string | null;

  @Column({ name: 'job_run_id', type: 'uuid', nullable: true })
  jobRunId: string | null;

  @Column({ name: 'decided_at', type: 'timestamptz', precision: 3 })
  decidedAt: Date;
}
