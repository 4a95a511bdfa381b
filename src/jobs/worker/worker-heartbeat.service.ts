import { Injectable, Logger } from '@nestjs/common';
import { DataSource } from 'typeorm';
import { Environment } from '../../config/environment';

/**
 * Missed heartbeats after which a worker counts as dead.
 *
 * NOTE: a live worker whose heartbeats are late by that much (a blocked event
 * loop, a slow database) is treated as dead too. Its attempt is recorded as
 * stalled and the job runs again; the guards of the history writer drop the
 * late outcome, so the history stays consistent but the handler ran twice.
 */
export const MISSED_HEARTBEATS = 3;

/**
 * Records in job_workers, every WORKER_HEARTBEAT_MS, that this worker
 * process (WORKER_ID) is alive. The heartbeats are in PostgreSQL so that a
 * dead worker is found even when Redis lost every trace of its jobs.
 */
@Injectable()
export class WorkerHeartbeat {
  private readonly logger = new Logger(WorkerHeartbeat.name);
  private timer?: NodeJS.Timeout;
  private beating?: Promise<void>;
  /** Start of the current run of successful heartbeats, if one is going. */
  private healthySince: number | null = null;

  constructor(
    private readonly dataSource: DataSource,
    private readonly environment: Environment,
  ) {}

  /** How long a worker may stay silent before it counts as dead. */
  get deadAfterMs(): number {
    return this.environment.WORKER_HEARTBEAT_MS * MISSED_HEARTBEATS;
  }

  /**
   * True when this process has reported without a gap for at least
   * `deadAfterMs`. After a PostgreSQL outage every worker was silent, so only
   * a worker that has reported again for that long can judge the others.
   */
  get trustsHeartbeats(): boolean {
    return (
      this.healthySince !== null &&
      Date.now() - this.healthySince >= this.deadAfterMs
    );
  }

  /** Records the first heartbeat, then keeps beating in the background. */
  async start(): Promise<void> {
    await this.dataSource.query(
      `INSERT INTO job_workers (id, started_at, heartbeat_at)
       VALUES ($1, clock_timestamp(), clock_timestamp())
       ON CONFLICT (id) DO UPDATE SET started_at = excluded.started_at,
         heartbeat_at = excluded.heartbeat_at, stopped_at = NULL`,
      [this.environment.WORKER_ID],
    );
    this.healthySince = Date.now();
    this.timer = setInterval(() => {
      this.beating ??= this.beat().finally(() => (this.beating = undefined));
    }, this.environment.WORKER_HEARTBEAT_MS);
    this.logger.log(
      `Worker ${this.environment.WORKER_ID} reports every ` +
        `${this.environment.WORKER_HEARTBEAT_MS} ms`,
    );
  }

  /** Stops beating and records that this worker stopped on purpose. */
  async stop(): Promise<void> {
    clearInterval(this.timer);
    await this.beating;
    try {
      await this.dataSource.query(
        `UPDATE job_workers SET stopped_at = clock_timestamp()
         WHERE id = $1`,
        [this.environment.WORKER_ID],
      );
    } catch (error) {
      this.logger.warn(
        `Could not record that worker ${this.environment.WORKER_ID} ` +
          `stopped: ${(error as Error).message}`,
      );
    }
  }

  private async beat(): Promise<void> {
    try {
      await this.dataSource.query(
        `INSERT INTO job_workers (id, started_at, heartbeat_at)
         VALUES ($1, clock_timestamp(), clock_timestamp())
         ON CONFLICT (id) DO UPDATE SET heartbeat_at = excluded.heartbeat_at,
           stopped_at = NULL`,
        [this.environment.WORKER_ID],
      );
      if (this.healthySince === null) {
        this.healthySince = Date.now();
        this.logger.log(
          `Worker ${this.environment.WORKER_ID} reports its heartbeat again`,
        );
      }
    } catch (error) {
      if (this.healthySince !== null) {
        this.logger.warn(
          `Heartbeat of worker ${this.environment.WORKER_ID} failed: ` +
            (error as Error).message,
        );
      }
      this.healthySince = null;
    }
  }
}
