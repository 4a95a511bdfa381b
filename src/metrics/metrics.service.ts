import { Inject, Injectable, Logger } from '@nestjs/common';
import type { Queue } from 'bullmq';
import {
  collectDefaultMetrics,
  Counter,
  Gauge,
  Histogram,
  Registry,
} from 'prom-client';
import { DataSource } from 'typeorm';
import { BULL_BOARD_QUEUES } from '../queues/queue-registry.module';
import { withRedisTimeout } from '../redis/redis-timeout';

/** BullMQ job states the queue depth gauge reports. */
export const QUEUE_STATES = [
  'waiting',
  'active',
  'delayed',
  'prioritized',
  'waiting-children',
  'failed',
  'completed',
] as const;

/** Outcomes of one job attempt, the `outcome` label of the job metrics. */
export type JobOutcome = 'completed' | 'failed' | 'retried' | 'cancelled';

const HTTP_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];
const JOB_BUCKETS = [0.05, 0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600];

/**
 * The Prometheus metrics of one Chronicle process, on a registry of its own.
 * Modules inject this service and update the metric of their concern; the
 * queue depth and the audit version count are read on each scrape.
 */
@Injectable()
export class MetricsService {
  private readonly logger = new Logger(MetricsService.name);

  readonly registry = new Registry();

  readonly httpRequests = new Counter({
    name: 'chronicle_http_requests_total',
    help: 'HTTP requests served, by method, route template and status code.',
    labelNames: ['method', 'route', 'status'] as const,
    registers: [this.registry],
  });

  readonly httpRequestDuration = new Histogram({
    name: 'chronicle_http_request_duration_seconds',
    help: 'Time from receiving an HTTP request to finishing its response.',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: HTTP_BUCKETS,
    registers: [this.registry],
  });

  /** Increment once per finished attempt, with the job type and outcome. */
  readonly jobs = new Counter({
    name: 'chronicle_jobs_total',
    help: 'Job attempts finished, by job type and outcome (completed, failed, retried, cancelled). A timed-out or interrupted attempt counts as retried or failed.',
    labelNames: ['type', 'outcome'] as const,
    registers: [this.registry],
  });

  /** Observe once per finished attempt, in seconds. */
  readonly jobDuration = new Histogram({
    name: 'chronicle_job_duration_seconds',
    help: 'Run time of one job attempt, by job type and outcome.',
    labelNames: ['type', 'outcome'] as const,
    buckets: JOB_BUCKETS,
    registers: [this.registry],
  });

  /** Increment once per job run the reconciler puts back on its queue. */
  readonly reconcilerReenqueues = new Counter({
    name: 'chronicle_reconciler_reenqueued_total',
    help: 'Job runs that PostgreSQL holds as pending and the reconciler re-enqueued because Redis had lost them.',
    registers: [this.registry],
  });

  /** Set by the sealing job after each pass. */
  readonly sealingLag = new Gauge({
    name: 'chronicle_audit_sealing_lag_seconds',
    help: 'Age of the oldest audit version not yet sealed into the hash chain; 0 when all are sealed.',
    registers: [this.registry],
  });

  constructor(
    private readonly dataSource: DataSource,
    @Inject(BULL_BOARD_QUEUES) private readonly queues: Queue[],
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'chronicle_' });
    this.createQueueDepthGauge();
    this.createAuditVersionsGauge();
  }

  /** Records one finished job attempt in the counter and the histogram. */
  recordJob(type: string, outcome: JobOutcome, durationSeconds: number): void {
    this.jobs.inc({ type, outcome });
    this.jobDuration.observe({ type, outcome }, durationSeconds);
  }

  /** Returns the metrics in the Prometheus text format. */
  async render(): Promise<string> {
    return this.registry.metrics();
  }

  get contentType(): string {
    return this.registry.contentType;
  }

  private createQueueDepthGauge(): void {
    const queues = this.queues;
    const logger = this.logger;
    new Gauge({
      name: 'chronicle_queue_jobs',
      help: 'Jobs in each BullMQ queue, by state, read from Redis on each scrape.',
      labelNames: ['queue', 'state'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        // Read in parallel, each bounded by REDIS_REQUEST_TIMEOUT_MS.
        const reads = queues.map(async (queue) => {
          try {
            const counts = await withRedisTimeout(
              queue.getJobCounts(...QUEUE_STATES),
              `read the depth of queue ${queue.name}`,
            );
            for (const state of QUEUE_STATES) {
              this.set({ queue: queue.name, state }, counts[state] ?? 0);
            }
          } catch (error) {
            logger.warn(
              `Reading the depth of queue ${queue.name} failed: ${(error as Error).message}`,
            );
          }
        });
        await Promise.all(reads);
      },
    });
  }

  private createAuditVersionsGauge(): void {
    const dataSource = this.dataSource;
    const logger = this.logger;
    new Gauge({
      name: 'chronicle_audit_versions_written',
      help: 'Audit version ids handed out by PostgreSQL (the audit_version id sequence; rolled-back writes also take one), read on each scrape. Its rate is versions written per second.',
      registers: [this.registry],
      async collect() {
        try {
          const rows: { written: string }[] = await dataSource.query(
            `SELECT CASE WHEN is_called THEN last_value ELSE 0 END AS written
             FROM audit_version_id_seq`,
          );
          this.set(Number(rows[0]?.written ?? 0));
        } catch (error) {
          logger.warn(
            `Reading the audit version count failed: ${(error as Error).message}`,
          );
        }
      },
    });
  }
}
