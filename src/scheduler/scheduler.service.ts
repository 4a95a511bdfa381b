import {
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { EntityManager } from 'typeorm';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { DomainError } from '../common/errors';
import { Environment } from '../config/environment';
import { Schedule } from './schedule.entity';
import { planDueSlots, SlotDecision } from './schedule-catch-up';
import { remainingRuns, toSlotSpec } from './schedule-spec';
import {
  type LaunchResult,
  SCHEDULED_JOB_LAUNCHER,
  type ScheduledJobLauncher,
} from './scheduled-job-launcher';
import { SCHEDULER_CLOCK, type SchedulerClock } from './scheduler-clock';

/** Maximum number of schedules one tick decides; the rest wait a tick. */
const SCHEDULES_PER_TICK = 200;

/**
 * Number of schedules one tick decides at the same time, each in its own
 * transaction (SKIP LOCKED keeps them apart). Each lane uses one database
 * connection.
 */
const TICK_LANES = 4;

/** Retry delays after a failed launch: 1 s doubling up to 60 s. */
const RETRY_BASE_MS = 1000;
const RETRY_MAX_MS = 60_000;

interface Retry {
  failures: number;
  at: number;
}

/**
 * The firing loop. Every tick it claims due schedules one at a time with
 * FOR UPDATE SKIP LOCKED. In one transaction per schedule it records the
 * decision of each due slot, stores the job runs of the fired ones, and
 * moves next_run_at and runs_count on. After the commit it hands the new job
 * runs to their queues. It disables a schedule that has no slot left, in a
 * revision without a user whose comment gives the reason.
 *
 * Any number of processes may run it at once. The row lock keeps two of
 * them off the same schedule; the primary key of schedule_slots keeps any
 * slot to one decision even if next_run_at were moved back onto a decided
 * slot. A slot's decision and its job run commit together: when anything
 * fails the transaction rolls back, neither exists, and this process retries
 * the schedule with a growing delay.
 */
@Injectable()
export class SchedulerService
  implements OnApplicationBootstrap, OnApplicationShutdown
{
  private readonly logger = new Logger(SchedulerService.name);
  private readonly retries = new Map<string, Retry>();
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private stopped = true;

  constructor(
    private readonly transactions: AuditedTransactionService,
    private readonly environment: Environment,
    @Inject(SCHEDULED_JOB_LAUNCHER)
    private readonly launcher: ScheduledJobLauncher,
    @Inject(SCHEDULER_CLOCK) private readonly clock: SchedulerClock,
  ) {}

  onApplicationBootstrap(): void {
    if (this.environment.SCHEDULER_TICK_MS > 0) this.start();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.stop();
  }

  /** Starts ticking every SCHEDULER_TICK_MS; a no-op when started. */
  start(): void {
    if (!this.stopped) return;

    this.stopped = false;
    this.logger.log(
      `Scheduler started, ticking every ${this.environment.SCHEDULER_TICK_MS} ms`,
    );
    this.scheduleTick();
  }

  /** Stops ticking and waits for a tick in progress to finish. */
  async stop(): Promise<void> {
    if (this.stopped) return;

    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    await this.running;
    this.logger.log('Scheduler stopped');
  }

  /**
   * Decides the due slots of every due schedule once.
   *
   * @returns the ids of the schedules it claimed.
   */
  async tick(): Promise<string[]> {
    const now = this.clock.now();
    const claimed: string[] = [];
    // Schedules claimed in this tick, added as each claim returns. A lane
    // builds its exclude list before its query, so it can claim a schedule
    // whose failed decision another lane just rolled back. This set keeps it
    // from deciding that schedule again before the retry delay.
    const claimedInTick = new Set<string>();
    const lane = async (): Promise<void> => {
      while (claimed.length < SCHEDULES_PER_TICK) {
        const exclude = [...claimedInTick, ...this.waitingRetries(now)];
        const id = await this.decideOne(now, exclude, claimedInTick);
        if (id === null) return;
        claimed.push(id);
      }
    };
    // Every lane waits for its transactions, so a stop waits for all of them.
    const lanes = await Promise.allSettled(
      Array.from({ length: TICK_LANES }, lane),
    );
    const failed = lanes.find((result) => result.status === 'rejected');
    if (failed) throw failed.reason;

    return [...new Set(claimed)];
  }

  private scheduleTick(): void {
    this.timer = setTimeout(() => {
      this.running = this.tick()
        .then(() => undefined)
        .catch((error: unknown) => {
          this.logger.error(`Scheduler tick failed: ${describe(error)}`);
        })
        .finally(() => {
          this.running = null;
          if (!this.stopped) this.scheduleTick();
        });
    }, this.environment.SCHEDULER_TICK_MS);
  }

  /**
   * Claims one due schedule and decides its due slots, in one transaction.
   *
   * @returns the claimed schedule's id, or null when none is due.
   */
  private async decideOne(
    now: Date,
    exclude: string[],
    claimedInTick: Set<string>,
  ): Promise<string | null> {
    let claimedId: string | null = null;
    try {
      const decided = await this.transactions.run(
        async (manager) => {
          const schedule = await this.claim(manager, now, exclude);
          if (!schedule) return null;
          if (claimedInTick.has(schedule.id))
            return { id: schedule.id, launched: null };

          claimedInTick.add(schedule.id);
          claimedId = schedule.id;
          const launched = await this.decide(manager, schedule, now);

          return { id: schedule.id, launched };
        },
        { userId: null, source: 'schedule' },
      );
      if (decided === null) return null;
      // Another lane of this tick decided it already.
      if (decided.launched === null) return decided.id;

      this.retries.delete(decided.id);
      await this.launcher.dispatch(decided.launched);

      return decided.id;
    } catch (error) {
      if (claimedId === null) throw error;

      this.deferRetry(claimedId, now, error);

      return claimedId;
    }
  }

  private async claim(
    manager: EntityManager,
    now: Date,
    exclude: string[],
  ): Promise<Schedule | null> {
    const rows: { id: string }[] = await manager.query(
      `SELECT id FROM schedules
       WHERE enabled AND next_run_at <= $1 AND NOT (id = ANY($2::uuid[]))
       ORDER BY next_run_at
       LIMIT 1
       FOR UPDATE SKIP LOCKED`,
      [now.toISOString(), exclude],
    );
    if (rows.length === 0) return null;

    return manager.findOneByOrFail(Schedule, { id: rows[0].id });
  }

  /** @returns the ids of the job runs created, to dispatch after commit. */
  private async decide(
    manager: EntityManager,
    schedule: Schedule,
    now: Date,
  ): Promise<string[]> {
    const plan = planDueSlots({
      spec: toSlotSpec(schedule),
      nextRunAt: schedule.nextRunAt as Date,
      now,
      policy: schedule.catchUp,
      graceMs: this.environment.SCHEDULE_MISFIRE_GRACE_MS,
      remainingRuns: remainingRuns(schedule),
    });
    const recorded = await this.record(manager, schedule.id, plan.decisions);
    const launched: string[] = [];
    const fired: SlotDecision[] = [];
    for (const decision of recorded) {
      if (decision.outcome !== 'fired') continue;
      const result = await this.launch(manager, schedule, decision.slotAt);
      if (result === null) continue;
      fired.push(decision);
      if (result.created) launched.push(result.jobRunId);
    }
    this.reportNotFired(schedule, recorded);

    // Only fires that created a job run count towards the limit, so a slot
    // whose job was rejected leaves the run for the next slot.
    const runsCount = schedule.runsCount + fired.length;
    const finished = finishReason(schedule, runsCount, plan.nextRunAt);
    await manager.update(
      Schedule,
      { id: schedule.id },
      {
        nextRunAt: finished === null ? plan.nextRunAt : null,
        runsCount,
        lastRunAt: fired.at(-1)?.slotAt ?? schedule.lastRunAt,
      },
    );
    if (finished !== null) {
      await this.disable(manager, schedule.id, finished);
      this.logger.log(
        `Schedule ${schedule.id} disabled after ${runsCount} run(s): ${finished}`,
      );
    }

    return launched;
  }

  /**
   * Disables a finished schedule in a revision of its own whose comment is
   * the reason. The revision has no user: the scheduler, not the owner,
   * made the change.
   */
  private async disable(
    manager: EntityManager,
    scheduleId: string,
    reason: string,
  ): Promise<void> {
    await this.transactions.actAs(
      manager,
      { userId: null, source: 'schedule', comment: reason },
      () => manager.update(Schedule, { id: scheduleId }, { enabled: false }),
    );
  }

  /**
   * Inserts the decisions; a slot already decided keeps its first decision.
   *
   * @returns the decisions this call recorded.
   */
  private async record(
    manager: EntityManager,
    scheduleId: string,
    decisions: SlotDecision[],
  ): Promise<SlotDecision[]> {
    if (decisions.length === 0) return [];

    const rows: { slot_at: Date }[] = await manager.query(
      `INSERT INTO schedule_slots (schedule_id, slot_at, outcome, reason)
       SELECT $1, slot.at, slot.outcome, slot.reason
       FROM unnest($2::timestamptz[], $3::text[], $4::text[])
         AS slot (at, outcome, reason)
       ON CONFLICT ON CONSTRAINT schedule_slots_pkey DO NOTHING
       RETURNING slot_at`,
      [
        scheduleId,
        decisions.map((decision) => decision.slotAt.toISOString()),
        decisions.map((decision) => decision.outcome),
        decisions.map((decision) => decision.reason),
      ],
    );
    const inserted = new Set(rows.map((row) => row.slot_at.getTime()));
    if (inserted.size < decisions.length) {
      this.logger.warn(
        `Schedule ${scheduleId}: ${decisions.length - inserted.size} slot(s) were already decided; kept their first decision`,
      );
    }

    return decisions.filter((d) => inserted.has(d.slotAt.getTime()));
  }

  /**
   * Creates the job run of a fired slot in the scheduler's transaction.
   *
   * @returns null when the job was rejected as invalid, which turns the
   *   slot into a missed one.
   */
  private async launch(
    manager: EntityManager,
    schedule: Schedule,
    slotAt: Date,
  ): Promise<LaunchResult | null> {
    const slot = [schedule.id, slotAt.toISOString()];
    let result: LaunchResult;
    try {
      result = await this.launcher.launch(manager, schedule, slotAt);
    } catch (error) {
      if (!isRejection(error)) throw error;

      await this.recordRejection(manager, schedule, slotAt, error);

      return null;
    }

    await manager.query(
      `UPDATE schedule_slots SET job_run_id = $3
       WHERE schedule_id = $1 AND slot_at = $2`,
      [...slot, result.jobRunId],
    );
    this.logger.log(
      `Schedule ${schedule.id} fired slot ${slotAt.toISOString()} as job run ${result.jobRunId}${result.created ? '' : ' (existing)'}`,
    );

    return result;
  }

  /**
   * A job the job framework rejects would be rejected on every retry (its
   * type, payload or queue no longer pass, for instance after a change of
   * configuration), so the slot is recorded as missed with the reason.
   */
  private async recordRejection(
    manager: EntityManager,
    schedule: Schedule,
    slotAt: Date,
    error: DomainError,
  ): Promise<void> {
    const reason = `job rejected: ${error.message}`;
    await manager.query(
      `UPDATE schedule_slots SET outcome = 'missed', reason = $3
       WHERE schedule_id = $1 AND slot_at = $2`,
      [schedule.id, slotAt.toISOString(), reason],
    );
    this.logger.error(
      `Schedule ${schedule.id}: slot ${slotAt.toISOString()} recorded as missed, ${reason}`,
    );
  }

  private reportNotFired(schedule: Schedule, decisions: SlotDecision[]): void {
    const missed = decisions.filter((d) => d.outcome === 'missed').length;
    const skipped = decisions.filter((d) => d.outcome === 'skipped').length;
    if (missed + skipped === 0) return;

    this.logger.warn(
      `Schedule ${schedule.id}: ${missed} slot(s) missed and ${skipped} skipped after the scheduler was not running (catchUp ${schedule.catchUp})`,
    );
  }

  private deferRetry(scheduleId: string, now: Date, error: unknown): void {
    const failures = (this.retries.get(scheduleId)?.failures ?? 0) + 1;
    const delay = Math.min(RETRY_MAX_MS, RETRY_BASE_MS * 2 ** (failures - 1));
    this.retries.set(scheduleId, { failures, at: now.getTime() + delay });
    this.logger.error(
      `Schedule ${scheduleId}: deciding its due slots failed (attempt ${failures}), retrying in ${delay} ms: ${describe(error)}`,
    );
  }

  /** Schedules whose retry delay has not passed at `now`. */
  private waitingRetries(now: Date): string[] {
    return [...this.retries]
      .filter(([, retry]) => retry.at > now.getTime())
      .map(([id]) => id);
  }
}

/**
 * Returns why a schedule has no slot left after a round, or null while it has
 * one. `runsCount` counts the fires that created a job run, and `nextRunAt` is
 * the round's first undecided slot.
 */
function finishReason(
  schedule: Schedule,
  runsCount: number,
  nextRunAt: Date | null,
): string | null {
  const { limit } = schedule;
  if (limit !== null && runsCount >= limit) {
    return `limit of ${limit} ${limit === 1 ? 'run' : 'runs'} reached`;
  }
  if (nextRunAt !== null) return null;
  if (schedule.kind === 'at' && schedule.runAt) {
    return `no slot left after runAt ${schedule.runAt.toISOString()}`;
  }
  if (schedule.endAt) {
    return `no slot left after endAt ${schedule.endAt.toISOString()}`;
  }

  return 'no slot left';
}

/** Tells whether the job framework rejected the job itself (400 or 413). */
function isRejection(error: unknown): error is DomainError {
  return (
    error instanceof DomainError &&
    (error.kind === 'invalid' || error.kind === 'too-large')
  );
}

function describe(error: unknown): string {
  return error instanceof Error
    ? (error.stack ?? error.message)
    : JSON.stringify(error);
}
