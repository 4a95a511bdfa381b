import { randomUUID } from 'node:crypto';
import { Injectable, Logger } from '@nestjs/common';
import type { JobsOptions } from 'bullmq';
import { plainToInstance } from 'class-transformer';
import { validate } from 'class-validator';
import { DataSource, EntityManager, In } from 'typeorm';
import { AuditedTransactionService } from '../audit/audited-transaction.service';
import { readUserRole, type Role } from '../auth/role';
import {
  conflict,
  DomainError,
  forbidden,
  invalid,
  tooLarge,
} from '../common/errors';
import { Environment } from '../config/environment';
import { JobSubmitDto } from './job.dto';
import { JobQueues, QueuedJobData } from './job-queues.service';
import { JobRun } from './job-run.entity';
import { JobRunResponseDto, toJobRunResponse } from './job-run.mapper';
import { JobTypeRegistry } from './job-type.registry';
import { validationMessages } from './validation-messages';

/** How far in the past a runAt may be, for clocks that disagree. */
export const CLOCK_SKEW_MS = 5_000;
/** Maximum wait for Redis before a submission leaves its job queued. */
const ENQUEUE_TIMEOUT_MS = 3_000;

/** BullMQ keeps finished jobs briefly, because PostgreSQL stores the history. */
export const REMOVE_ON_COMPLETE = { age: 3600, count: 1000 };
export const REMOVE_ON_FAIL = { age: 24 * 3600, count: 5000 };

export interface JobSubmitOptions {
  /** The user the job acts for; null for system jobs. */
  submittedBy: string | null;
  /** Origin of the submission, recorded on its revision. */
  source: 'http' | 'schedule' | 'system';
  /** With scheduledFor: one job per schedule fire, however often submitted. */
  scheduleId?: string;
  scheduledFor?: Date;
}

export interface JobSubmitResult {
  job: JobRunResponseDto;
  /** False when an existing job was returned (idempotency key or fire). */
  created: boolean;
}

/** A validated job_runs row, ready to insert. */
interface PreparedRun {
  id: string;
  type: string;
  queue: string;
  status: 'queued' | 'delayed';
  payload: Record<string, unknown>;
  priority: number;
  run_at: string;
  max_attempts: number;
  backoff: { type: string; delayMs: number } | null;
  timeout_ms: number | null;
  idempotency_key: string | null;
  submitted_by: string | null;
  schedule_id: string | null;
  scheduled_for: string | null;
}

const INSERT_RUNS_SELECT = `
  INSERT INTO job_runs (id, type, queue, status, payload, priority, run_at,
    max_attempts, backoff, timeout_ms, idempotency_key, submitted_by,
    schedule_id, scheduled_for)
  SELECT id, type, queue, status, payload, priority, run_at, max_attempts,
    backoff, timeout_ms, idempotency_key, submitted_by, schedule_id,
    scheduled_for
  FROM jsonb_to_recordset($1::jsonb) AS r(id uuid, type text, queue text,
    status text, payload jsonb, priority integer, run_at timestamptz,
    max_attempts integer, backoff jsonb, timeout_ms integer,
    idempotency_key text, submitted_by uuid, schedule_id uuid,
    scheduled_for timestamptz)`;
/** Inserts runs that may collide with a stored idempotency key or fire. */
const INSERT_RUNS = `${INSERT_RUNS_SELECT} ON CONFLICT DO NOTHING RETURNING id`;
/*
 * Inserts runs that have neither an idempotency key nor a schedule fire, so
 * no unique value can collide. ON CONFLICT made each row about 17% dearer
 * (2,000-row INSERT with the capture trigger, PostgreSQL 15).
 */
const INSERT_NEW_RUNS = `${INSERT_RUNS_SELECT} RETURNING id`;

/**
 * Accepts jobs: validates them completely, records them in job_runs (an
 * audited transaction, so the submission is the run's first version), then
 * hands them to BullMQ. PostgreSQL is written first, so a job Redis never
 * received is still known and can be enqueued again.
 */
@Injectable()
export class JobSubmissionService {
  private readonly logger = new Logger(JobSubmissionService.name);

  constructor(
    private readonly dataSource: DataSource,
    private readonly transactions: AuditedTransactionService,
    private readonly registry: JobTypeRegistry,
    private readonly queues: JobQueues,
    private readonly environment: Environment,
  ) {}

  /**
   * Submits one job. A repeated idempotencyKey, or a (scheduleId,
   * scheduledFor) pair already submitted, returns the existing job with
   * `created: false` and enqueues nothing.
   *
   * @throws DomainError invalid (400) or too-large (413); nothing is stored.
   */
  async submit(
    request: JobSubmitDto,
    options: JobSubmitOptions,
  ): Promise<JobSubmitResult> {
    const [result] = await this.submitAll([request], options, '');

    return result;
  }

  /**
   * Stores one job in the caller's open transaction, as its own revision
   * attributed to `submittedBy` and `source`, and enqueues nothing: the job
   * commits or rolls back with the caller's other writes. After the commit
   * the caller hands `run` to {@link enqueue} when `created` is true; a run it
   * never enqueues stays queued in PostgreSQL.
   *
   * @throws DomainError invalid (400) or too-large (413); nothing is stored.
   */
  async submitIn(
    manager: EntityManager,
    request: JobSubmitDto,
    options: JobSubmitOptions,
  ): Promise<{ run: JobRun; created: boolean }> {
    const prepared = await this.prepare(request, options, '');
    const [result] = await this.transactions.actAs(
      manager,
      { userId: options.submittedBy, source: options.source },
      () => this.insert(manager, [prepared]),
    );

    return result;
  }

  /**
   * Submits several jobs in one transaction: all are stored or none.
   *
   * @throws DomainError naming the job by index (`jobs.2.payload.x`).
   */
  async submitBulk(
    requests: JobSubmitDto[],
    options: JobSubmitOptions,
  ): Promise<JobSubmitResult[]> {
    const max = this.environment.JOB_BULK_MAX;
    if (requests.length > max) {
      throw invalid(
        `jobs has ${requests.length} entries; at most ${max} (JOB_BULK_MAX)`,
      );
    }
    if (requests.length === 0) throw invalid('jobs must not be empty');

    return this.submitAll(requests, options, 'jobs');
  }

  /**
   * Adds a stored job run to BullMQ, with the run id as BullMQ job id, so
   * adding a run that Redis already contains changes nothing. Waits until its
   * due time and allows the attempts it has left.
   *
   * @throws Error when Redis does not accept the job.
   */
  async enqueue(jobRun: JobRun): Promise<void> {
    await this.enqueueAll([jobRun]);
  }

  /** Adds several job runs to BullMQ, one addBulk per queue. */
  async enqueueAll(jobRuns: JobRun[]): Promise<void> {
    const byQueue = new Map<string, JobRun[]>();
    for (const run of jobRuns) {
      byQueue.set(run.queue, [...(byQueue.get(run.queue) ?? []), run]);
    }

    this.queues.assertConnected();
    for (const [name, runs] of byQueue) {
      const jobs = runs.map((run) => ({
        name: run.type,
        data: this.jobData(run),
        opts: this.jobOptions(run),
      }));
      await withTimeout(
        this.queues.get(name).addBulk(jobs),
        ENQUEUE_TIMEOUT_MS,
        `Redis did not accept the jobs within ${ENQUEUE_TIMEOUT_MS} ms`,
      );
    }
  }

  private async submitAll(
    requests: JobSubmitDto[],
    options: JobSubmitOptions,
    prefix: string,
  ): Promise<JobSubmitResult[]> {
    const prepared = prefix
      ? await this.prepareEach(requests, options, prefix)
      : [await this.prepare(requests[0], options, '')];

    const results = await this.transactions.run(
      (manager) => this.insert(manager, prepared),
      { userId: options.submittedBy, source: options.source },
    );
    const created = results.filter((r) => r.created).map((r) => r.run);
    if (created.length > 0) await this.tryEnqueue(created);

    return results.map(({ run, created: isNew }) => ({
      job: toJobRunResponse(run),
      created: isNew,
    }));
  }

  /**
   * Prepares every entry of a bulk submission and reports the errors of all
   * of them, each under its `jobs.N.` path, together with idempotency keys
   * that two entries share.
   *
   * @throws DomainError too-large when every error is a size error, else
   * invalid.
   */
  private async prepareEach(
    requests: JobSubmitDto[],
    options: JobSubmitOptions,
    prefix: string,
  ): Promise<PreparedRun[]> {
    const errors: DomainError[] = duplicateKeys(requests, prefix).map(
      (message) => invalid(message),
    );
    const prepared: PreparedRun[] = [];
    for (const [index, request] of requests.entries()) {
      try {
        prepared.push(
          await this.prepare(request, options, `${prefix}.${index}.`),
        );
      } catch (error) {
        if (!(error instanceof DomainError)) throw error;
        errors.push(error);
      }
    }
    if (errors.length === 0) return prepared;

    const denied = errors.filter((error) => error.kind === 'forbidden');
    if (denied.length > 0) {
      throw forbidden(denied.map((error) => error.message).join('; '));
    }
    const message = errors.map((error) => error.message).join('; ');
    const allTooLarge = errors.every((error) => error.kind === 'too-large');
    throw allTooLarge ? tooLarge(message) : invalid(message);
  }

  /**
   * Reads the submitter's role, only for a type that needs one. A deleted
   * submitter counts as a viewer; a system submission (no user) as null.
   */
  private async submitterRole(
    userId: string | null,
    needed: Role | undefined,
  ): Promise<Role | null> {
    if (!needed || userId === null) return null;

    return readUserRole(this.dataSource, userId);
  }

  private async tryEnqueue(runs: JobRun[]): Promise<void> {
    try {
      await this.enqueueAll(runs);
    } catch (error) {
      const ids = runs.map((run) => run.id).join(', ');
      this.logger.error(
        `Jobs ${ids} stay queued in PostgreSQL until they are enqueued ` +
          `again: ${(error as Error).message}`,
        (error as Error).stack,
      );
    }
  }

  private async insert(
    manager: EntityManager,
    prepared: PreparedRun[],
  ): Promise<{ run: JobRun; created: boolean }[]> {
    const mayCollide = prepared.some(
      (row) => row.idempotency_key !== null || row.schedule_id !== null,
    );
    const inserted: { id: string }[] = await manager.query(
      mayCollide ? INSERT_RUNS : INSERT_NEW_RUNS,
      [JSON.stringify(prepared)],
    );
    const insertedIds = new Set(inserted.map((row) => row.id));
    const ids = await Promise.all(
      prepared.map(async (row) =>
        insertedIds.has(row.id) ? row.id : this.existingId(manager, row),
      ),
    );
    const runs = await manager.findBy(JobRun, { id: In(ids) });
    const byId = new Map(runs.map((run) => [run.id, run]));

    return ids.map((id, index) => {
      const run = byId.get(id) as JobRun;
      const created = insertedIds.has(prepared[index].id);
      if (!created) assertSameRequest(run, prepared[index]);

      return { run, created };
    });
  }

  /** Finds the job a conflicting insert collided with. */
  private async existingId(
    manager: EntityManager,
    row: PreparedRun,
  ): Promise<string> {
    const [found]: { id: string }[] = await manager.query(
      `SELECT id FROM job_runs
       WHERE idempotency_key = $1 OR (schedule_id = $2 AND scheduled_for = $3)
       LIMIT 1`,
      [row.idempotency_key, row.schedule_id, row.scheduled_for],
    );
    if (!found) {
      // Another unique value collided; should not happen with random ids.
      throw new Error(`Job ${row.id} was not stored and has no existing twin`);
    }

    return found.id;
  }

  private async prepare(
    raw: JobSubmitDto,
    options: JobSubmitOptions,
    at: string,
  ): Promise<PreparedRun> {
    const request = await this.validateRequest(raw, at);
    const type = this.registry.find(request.type);
    if (!type) {
      throw invalid(
        `${at}type "${request.type}" is not a job type; known types: ` +
          this.registry.names().join(', '),
      );
    }

    const roleProblem = this.registry.submitterRoleProblem(
      type,
      await this.submitterRole(options.submittedBy, type.minimumRole),
    );
    if (roleProblem) throw forbidden(`${at}type: ${roleProblem}`);

    const size = Buffer.byteLength(JSON.stringify(request.payload));
    const maxSize = this.environment.JOB_PAYLOAD_MAX_BYTES;
    if (size > maxSize) {
      throw tooLarge(
        `${at}payload is ${size} bytes; the limit is ${maxSize} bytes ` +
          '(JOB_PAYLOAD_MAX_BYTES)',
      );
    }

    const queue = request.queue ?? this.queues.defaultName;
    if (!this.queues.names.includes(queue)) {
      throw invalid(
        `${at}queue "${queue}" is not served; queues: ` +
          this.queues.names.join(', '),
      );
    }

    const runAt = this.dueTime(request, options, at);
    const errors = await this.registry.validate(
      type,
      request.payload,
      `${at}payload`,
    );
    if (errors.length > 0) throw new DomainError('invalid', errors.join('; '));

    return {
      id: randomUUID(),
      type: request.type,
      queue,
      status: runAt.getTime() > Date.now() ? 'delayed' : 'queued',
      payload: request.payload,
      priority: request.priority ?? 0,
      run_at: runAt.toISOString(),
      max_attempts: request.attempts ?? 1,
      backoff: request.backoff
        ? { type: request.backoff.type, delayMs: request.backoff.delayMs }
        : null,
      timeout_ms: request.timeoutMs ?? null,
      idempotency_key: request.idempotencyKey ?? null,
      submitted_by: options.submittedBy,
      schedule_id: options.scheduleId ?? null,
      scheduled_for: options.scheduledFor?.toISOString() ?? null,
    };
  }

  /** Validates callers that did not come through the HTTP pipe as well. */
  private async validateRequest(
    raw: JobSubmitDto,
    at: string,
  ): Promise<JobSubmitDto> {
    const request = plainToInstance(JobSubmitDto, raw);
    const errors = await validate(request, {
      whitelist: true,
      forbidNonWhitelisted: true,
    });
    if (errors.length > 0) {
      throw invalid(
        validationMessages(errors, at.replace(/\.$/, '')).join('; '),
      );
    }

    return request;
  }

  private dueTime(
    request: JobSubmitDto,
    options: JobSubmitOptions,
    at: string,
  ): Date {
    const now = Date.now();
    if (request.delayMs !== undefined && request.runAt !== undefined) {
      throw invalid(`${at}delayMs and ${at}runAt exclude each other; pass one`);
    }
    if (request.runAt !== undefined) {
      // A schedule may submit a fire it missed while no scheduler ran.
      const late = now - request.runAt.getTime();
      if (options.source !== 'schedule' && late > CLOCK_SKEW_MS) {
        throw invalid(
          `${at}runAt ${request.runAt.toISOString()} is in the past ` +
            `(by more than ${CLOCK_SKEW_MS} ms)`,
        );
      }

      return request.runAt;
    }

    return new Date(now + (request.delayMs ?? 0));
  }

  private jobData(run: JobRun): QueuedJobData {
    return {
      type: run.type,
      submittedBy: run.submittedBy,
      attemptOffset: run.attemptsMade,
    };
  }

  private jobOptions(run: JobRun): JobsOptions {
    const options: JobsOptions = {
      jobId: run.id,
      delay: Math.max(0, run.runAt.getTime() - Date.now()),
      attempts: Math.max(1, run.maxAttempts - run.attemptsMade),
      removeOnComplete: REMOVE_ON_COMPLETE,
      removeOnFail: REMOVE_ON_FAIL,
    };
    if (run.priority > 0) options.priority = run.priority;
    if (run.backoff) {
      options.backoff = { type: run.backoff.type, delay: run.backoff.delayMs };
    }

    return options;
  }
}

async function withTimeout<T>(
  work: Promise<T>,
  ms: number,
  message: string,
): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_resolve, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Returns one message per entry whose idempotencyKey an earlier entry of the
 * same bulk submission has. Both would insert under one unique key, so the
 * transaction would roll back on a job that then does not exist.
 */
function duplicateKeys(requests: JobSubmitDto[], prefix: string): string[] {
  const firstIndex = new Map<string, number>();
  const messages: string[] = [];
  for (const [index, request] of requests.entries()) {
    const key: unknown = request?.idempotencyKey;
    if (typeof key !== 'string') continue;

    const first = firstIndex.get(key);
    if (first === undefined) {
      firstIndex.set(key, index);
      continue;
    }
    messages.push(
      `${prefix}.${index}.idempotencyKey duplicates ` +
        `${prefix}.${first}.idempotencyKey ("${key}"); give each job of ` +
        'a bulk submission its own key',
    );
  }

  return messages;
}

/**
 * Rejects an idempotency key reused for a different job: silently returning
 * the first job would drop the second request.
 */
function assertSameRequest(existing: JobRun, request: PreparedRun): void {
  if (!request.idempotency_key) return;

  const same =
    existing.type === request.type &&
    existing.submittedBy === request.submitted_by &&
    canonicalJson(existing.payload) === canonicalJson(request.payload);
  if (!same) {
    throw conflict(
      `idempotencyKey "${request.idempotency_key}" was already used by job ` +
        `${existing.id} with a different type, payload or submitter; ` +
        'use a new key for a new job',
    );
  }
}

/** JSON text with object keys sorted, so equal values compare equal. */
function canonicalJson(value: unknown): string {
  return JSON.stringify(value, (_key, item: unknown) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return item;

    const entries = Object.entries(item as Record<string, unknown>);
    entries.sort(([a], [b]) => a.localeCompare(b));

    return Object.fromEntries(entries);
  });
}
