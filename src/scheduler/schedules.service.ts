import {
  BadRequestException,
  Inject,
  Injectable,
  Logger,
} from '@nestjs/common';
import { DataSource, EntityManager } from 'typeorm';
import { currentAuditContext } from '../audit/audit-context';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { readUserRole, type Role } from '../auth/role';
import { conflict, forbidden, notFound } from '../common/errors';
import { fetchKeysetPage } from '../common/keyset-page';
import { decodeCursor, Page, PageQueryDto, toPage } from '../common/pagination';
import { Environment } from '../config/environment';
import { JobRun } from '../jobs/job-run.entity';
import {
  JobRunResponseDto,
  redactJobRun,
  toJobRunResponse,
} from '../jobs/job-run.mapper';
import { Schedule, ScheduleKind } from './schedule.entity';
import {
  ScheduleCreateDto,
  ScheduleListQueryDto,
  ScheduleUpdateDto,
} from './schedule.dto';
import {
  ScheduleResponseDto,
  ScheduleSlotResponseDto,
  toScheduleResponse,
  toScheduleSlotResponse,
} from './schedule.mapper';
import { TimingDraft, timingErrors } from './schedule-rules';
import { ScheduleSlot } from './schedule-slot.entity';
import { firstSlotFrom, takeSlots } from './schedule-slots';
import { remainingRuns, toSlotSpec } from './schedule-spec';
import {
  SCHEDULED_JOB_VALIDATOR,
  type ScheduledJob,
  type ScheduledJobValidator,
} from './scheduled-job-validator';
import { SCHEDULER_CLOCK, type SchedulerClock } from './scheduler-clock';

/** Fields whose change moves the next slot. */
const TIMING_FIELDS = [
  'cron',
  'everyMs',
  'runAt',
  'timezone',
  'startAt',
  'endAt',
  'limit',
  'enabled',
] as const;

/**
 * Creates, changes, pauses and deletes schedules. Every write runs in an
 * audited transaction, so each is a version of the schedule with its user.
 *
 * Writes lock the schedule row, which the scheduler also locks while it
 * decides a slot: a pause or delete waits for a decision in progress and,
 * once committed, no further slot is decided.
 */
@Injectable()
export class SchedulesService {
  private readonly logger = new Logger(SchedulesService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: AuditedTransactionService,
    private readonly environment: Environment,
    @Inject(SCHEDULED_JOB_VALIDATOR)
    private readonly validator: ScheduledJobValidator,
    @Inject(SCHEDULER_CLOCK) private readonly clock: SchedulerClock,
  ) {}

  async create(input: ScheduleCreateDto): Promise<ScheduleResponseDto> {
    const draft = this.draftOf(input, null);
    const payload = input.payload ?? {};
    const job = { type: input.type, payload, queue: input.queue ?? null };
    await this.check(draft, job, input.runAt != null);
    await this.assertOwnerMaySubmit(this.dataSource.manager, input.type);

    const schedule = await this.transactions.run(async (manager) => {
      await this.assertNameFree(manager, input.name);
      const { id } = await manager.save(
        manager.create(Schedule, {
          ...this.timingColumns(draft),
          name: input.name,
          type: input.type,
          payload,
          limit: input.limit ?? null,
          enabled: input.enabled ?? true,
          catchUp: input.catchUp ?? 'last',
          queue: input.queue ?? null,
          priority: input.priority ?? null,
          attempts: input.attempts ?? null,
          backoff: input.backoff ?? null,
          ownerId: currentAuditContext().userId,
        }),
      );
      const created = await manager.findOneByOrFail(Schedule, { id });
      const scheduled = await this.moveNextRun(
        manager,
        created,
        created.createdAt,
      );
      if (scheduled.enabled && scheduled.nextRunAt === null) {
        throw new BadRequestException([
          scheduled.kind === 'at'
            ? 'runAt is outside startAt and endAt: the schedule would never run'
            : 'endAt is before the first slot: the schedule would never run',
        ]);
      }

      return scheduled;
    });
    this.logger.log(
      `Created schedule ${schedule.id} "${schedule.name}" (${schedule.kind}), next run ${schedule.nextRunAt?.toISOString() ?? 'none'}`,
    );

    return toScheduleResponse(schedule);
  }

  async list(query: ScheduleListQueryDto): Promise<Page<ScheduleResponseDto>> {
    const builder = this.dataSource.manager.createQueryBuilder(Schedule, 's');
    if (query.type) builder.andWhere('s.type = :type', { type: query.type });

    return fetchKeysetPage(builder, 's', query, toScheduleResponse);
  }

  async get(id: string): Promise<ScheduleResponseDto> {
    return toScheduleResponse(await this.find(this.dataSource.manager, id));
  }

  async update(
    id: string,
    input: ScheduleUpdateDto,
  ): Promise<ScheduleResponseDto> {
    const schedule = await this.transactions.run(async (manager) => {
      const current = await this.lock(manager, id);
      const draft = this.draftOf(input, current);
      const jobChanged =
        input.type !== undefined ||
        input.payload !== undefined ||
        input.queue !== undefined;
      const job = {
        type: input.type ?? current.type,
        payload: input.payload ?? current.payload,
        queue: input.queue === undefined ? current.queue : input.queue,
      };
      await this.check(draft, jobChanged ? job : null, input.runAt != null);
      await this.assertOwnerMaySubmit(manager, job.type);
      if (input.name !== undefined && input.name !== current.name) {
        await this.assertNameFree(manager, input.name);
      }
      await manager.save(
        manager.merge(Schedule, current, {
          ...this.changes(input, draft),
          ...this.newOwner(),
        }),
      );
      const updated = await manager.findOneByOrFail(Schedule, { id });
      const timingChanged = TIMING_FIELDS.some((f) => input[f] !== undefined);

      return timingChanged
        ? this.moveNextRun(manager, updated, this.clock.now())
        : updated;
    });
    this.logger.log(`Updated schedule ${id}`);

    return toScheduleResponse(schedule);
  }

  /*
   * Returns the acting user as the schedule's new owner. Its job runs act for
   * the owner, so without this an operator who edits an admin's schedule
   * could make it run jobs with the admin's rights.
   */
  private newOwner(): { ownerId?: string } {
    const userId = currentAuditContext().userId;

    return userId ? { ownerId: userId } : {};
  }

  /** @throws DomainError forbidden when the acting user may not submit `type`. */
  private async assertOwnerMaySubmit(
    manager: EntityManager,
    type: string,
  ): Promise<void> {
    const userId = currentAuditContext().userId;
    if (!userId) return;
    const role = await readUserRole(manager, userId);
    const problem = this.validator.roleProblem(type, role);
    if (problem) throw forbidden(problem);
  }

  async remove(id: string): Promise<void> {
    await this.transactions.run(async (manager) => {
      await this.lock(manager, id);
      await manager.delete(Schedule, { id });
    });
    this.logger.log(`Deleted schedule ${id}`);
  }

  async pause(id: string): Promise<ScheduleResponseDto> {
    const schedule = await this.transactions.run(async (manager) => {
      await this.lock(manager, id);
      await manager.update(
        Schedule,
        { id },
        { enabled: false, nextRunAt: null },
      );

      return manager.findOneByOrFail(Schedule, { id });
    });
    this.logger.log(`Paused schedule ${id}`);

    return toScheduleResponse(schedule);
  }

  /**
   * Resumes a schedule from now: slots that passed while it was paused are
   * not slots of the schedule, and nothing is recorded for them.
   */
  async resume(id: string): Promise<ScheduleResponseDto> {
    const schedule = await this.transactions.run(async (manager) => {
      const current = await this.lock(manager, id);
      await this.assertOwnerMaySubmit(manager, current.type);
      const resumed = await this.moveNextRun(
        manager,
        { ...current, enabled: true },
        this.clock.now(),
      );
      if (resumed.nextRunAt === null) {
        throw conflict(
          `Schedule ${id} has no slot left (limit reached, endAt or runAt passed); change its timing instead`,
        );
      }
      await manager.update(
        Schedule,
        { id },
        { enabled: true, ...this.newOwner() },
      );

      return manager.findOneByOrFail(Schedule, { id });
    });
    this.logger.log(
      `Resumed schedule ${id}, next run ${schedule.nextRunAt?.toISOString()}`,
    );

    return toScheduleResponse(schedule);
  }

  /** The next `count` fire times; none for a paused or finished schedule. */
  async next(id: string, count: number): Promise<{ items: string[] }> {
    const schedule = await this.find(this.dataSource.manager, id);
    if (!schedule.enabled || schedule.nextRunAt === null) return { items: [] };

    const remaining = remainingRuns(schedule) ?? count;
    const slots = takeSlots(
      toSlotSpec(schedule),
      schedule.nextRunAt,
      Math.min(count, remaining),
    );

    return { items: slots.map((slot) => slot.toISOString()) };
  }

  /** Decided slots, newest first. */
  async slots(
    id: string,
    query: PageQueryDto,
  ): Promise<Page<ScheduleSlotResponseDto>> {
    await this.find(this.dataSource.manager, id);
    const builder = this.dataSource.manager
      .createQueryBuilder(ScheduleSlot, 'slot')
      .where('slot.scheduleId = :id', { id })
      .orderBy('slot.slotAt', 'DESC')
      .limit(query.limit + 1);
    if (query.cursor) {
      const [slotAt] = decodeCursor(query.cursor, ['instant']);
      builder.andWhere('slot.slotAt < :slotAt', { slotAt });
    }
    const rows = await builder.getMany();

    return toPage(
      rows,
      query.limit,
      (row) => [row.slotAt.toISOString()],
      toScheduleSlotResponse,
    );
  }

  /**
   * Lists the job runs the schedule created, newest first, each with the
   * slot it was fired for (`scheduledFor`) and the error stacks `reader` may
   * read.
   */
  async runs(
    id: string,
    query: PageQueryDto,
    reader: Role,
  ): Promise<Page<JobRunResponseDto>> {
    await this.find(this.dataSource.manager, id);
    const builder = this.dataSource.manager
      .createQueryBuilder(JobRun, 'run')
      .where('run.scheduleId = :id', { id });

    return fetchKeysetPage(builder, 'run', query, (row) =>
      redactJobRun(toJobRunResponse(row), reader),
    );
  }

  /**
   * Sets next_run_at to the first undecided slot at or after `from`, or to
   * null when the schedule is paused or has no slot left. Starting after the
   * latest decided slot means a timing changed several times in a row never
   * points the scheduler at a slot it already decided.
   */
  private async moveNextRun(
    manager: EntityManager,
    schedule: Schedule,
    from: Date,
  ): Promise<Schedule> {
    const exhausted = remainingRuns(schedule) === 0;
    const start = new Date(
      Math.max(from.getTime(), await this.afterLatestSlot(manager, schedule)),
    );
    const nextRunAt =
      schedule.enabled && !exhausted
        ? firstSlotFrom(toSlotSpec(schedule), start)
        : null;
    await manager.update(Schedule, { id: schedule.id }, { nextRunAt });

    return { ...schedule, nextRunAt };
  }

  private async afterLatestSlot(
    manager: EntityManager,
    schedule: Schedule,
  ): Promise<number> {
    const [row] = await manager.query<{ latest: Date | null }[]>(
      'SELECT max(slot_at) AS latest FROM schedule_slots WHERE schedule_id = $1',
      [schedule.id],
    );

    return row?.latest ? row.latest.getTime() + 1 : -Infinity;
  }

  /** Checks the timing rules, and the job when `job` is given. */
  private async check(
    draft: TimingDraft,
    job: ScheduledJob | null,
    runAtGiven: boolean,
  ): Promise<void> {
    const errors = timingErrors(draft, {
      now: this.clock.now(),
      minEveryMs: this.environment.SCHEDULE_MIN_EVERY_MS,
      runAtGiven,
    });
    if (job) {
      errors.push(...(await this.validator.validate(job)));
    }
    if (errors.length > 0) throw new BadRequestException(errors);
  }

  /** The timing a request leaves a schedule with. */
  private draftOf(
    input: ScheduleUpdateDto,
    current: Schedule | null,
  ): TimingDraft {
    const given: ScheduleKind[] = [];
    if (input.cron != null) given.push('cron');
    if (input.everyMs != null) given.push('every');
    if (input.runAt != null) given.push('at');
    const kind = given[0] ?? current?.kind ?? null;
    const keep = given.length === 0 && current !== null;

    return {
      given,
      kind,
      cron: keep ? current.cron : (input.cron ?? null),
      everyMs: keep ? current.everyMs : (input.everyMs ?? null),
      runAt: keep ? current.runAt : dateOrNull(input.runAt),
      timezone: input.timezone ?? current?.timezone ?? 'UTC',
      startAt: merge(input.startAt, current?.startAt),
      endAt: merge(input.endAt, current?.endAt),
    };
  }

  private timingColumns(draft: TimingDraft) {
    return {
      kind: draft.kind as ScheduleKind,
      cron: draft.kind === 'cron' ? draft.cron : null,
      everyMs: draft.kind === 'every' ? draft.everyMs : null,
      runAt: draft.kind === 'at' ? draft.runAt : null,
      timezone: draft.timezone,
      startAt: draft.startAt,
      endAt: draft.endAt,
    };
  }

  private changes(
    input: ScheduleUpdateDto,
    draft: TimingDraft,
  ): Partial<Schedule> {
    const optional = {
      name: input.name,
      type: input.type,
      payload: input.payload,
      limit: input.limit,
      enabled: input.enabled,
      catchUp: input.catchUp,
      queue: input.queue,
      priority: input.priority,
      attempts: input.attempts,
      backoff: input.backoff,
    };
    const given = Object.fromEntries(
      Object.entries(optional).filter(([, value]) => value !== undefined),
    );

    return { ...this.timingColumns(draft), ...given };
  }

  private async find(manager: EntityManager, id: string): Promise<Schedule> {
    const schedule = await manager.findOneBy(Schedule, { id });
    if (!schedule) throw notFound(`Schedule ${id} not found`);

    return schedule;
  }

  /** Reads a schedule and locks it until the transaction ends. */
  private async lock(manager: EntityManager, id: string): Promise<Schedule> {
    const schedule = await manager.findOne(Schedule, {
      where: { id },
      lock: { mode: 'pessimistic_write' },
    });
    if (!schedule) throw notFound(`Schedule ${id} not found`);

    return schedule;
  }

  private async assertNameFree(
    manager: EntityManager,
    name: string,
  ): Promise<void> {
    if (await manager.existsBy(Schedule, { name })) {
      throw conflict(`A schedule named "${name}" already exists`);
    }
  }
}

function dateOrNull(value: string | null | undefined): Date | null {
  return value == null ? null : new Date(value);
}

/** undefined keeps the current value, null clears it. */
function merge(
  value: string | null | undefined,
  current: Date | null | undefined,
): Date | null {
  if (value === undefined) return current ?? null;

  return dateOrNull(value);
}
