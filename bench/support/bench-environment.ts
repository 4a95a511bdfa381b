import { Logger } from '@nestjs/common';
import IORedis from 'ioredis';
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { runMigrations } from '../../src/database/prepare-database';

/**
 * Jobs processed at a time, by the BullMQ baseline and by Chronicle's worker.
 * Chronicle waits for two group commits per job, so its rate grows with
 * concurrency; at 10 it measured about half its rate at 50 (same machine).
 */
export const JOB_CONCURRENCY = 50;

/** Longest Redis SCAN loop when deleting a run's keys (1,000 keys a step). */
const MAX_SCAN_STEPS = 100_000;

/**
 * The database and Redis key prefix of one benchmark run. Both are created for
 * the run and removed by {@link remove}, so a run never reads or leaves data
 * of another run, a test run or a development server.
 */
export class BenchEnvironment {
  private readonly logger = new Logger(BenchEnvironment.name);
  private databaseCreated = false;
  private removed = false;

  readonly databaseName: string;
  readonly databaseUrl: string;
  readonly redisPrefix: string;
  readonly adminToken = `bench-admin-${randomBytes(16).toString('hex')}`;

  private constructor(
    readonly runId: string,
    private readonly serverUrl: string,
    readonly redisUrl: string,
  ) {
    this.databaseName = `chronicle_bench_${runId}`;
    this.databaseUrl = `${serverUrl}/${this.databaseName}`;
    this.redisPrefix = `chronicle_bench_${runId}`;
  }

  /**
   * Creates the run's database, applies the migrations and points the process
   * environment (read by the Nest application) at the database and prefix.
   * Whatever was created before a failure is removed again.
   */
  static async create(): Promise<BenchEnvironment> {
    const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
    const environment = new BenchEnvironment(
      runId,
      process.env.BENCH_DATABASE_SERVER_URL ??
        'postgres://postgres@127.0.0.1:5432',
      process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    );
    try {
      await environment.prepare();
    } catch (error) {
      await environment.remove();
      throw error;
    }

    return environment;
  }

  private async prepare(): Promise<void> {
    await this.onServer(`CREATE DATABASE "${this.databaseName}"`);
    this.databaseCreated = true;
    this.logger.log(`Created database ${this.databaseName}`);
    await runMigrations({ DATABASE_URL: this.databaseUrl });

    Object.assign(process.env, {
      DATABASE_URL: this.databaseUrl,
      REDIS_URL: this.redisUrl,
      REDIS_PREFIX: this.redisPrefix,
      ADMIN_TOKEN: this.adminToken,
      MIGRATE: 'false',
      WORKER: 'false',
      LOG_JSON: 'false',
      LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'warn',
      WORKER_CONCURRENCY: String(JOB_CONCURRENCY),
      // POST /jobs/bulk is measured with 1,000 jobs a request.
      JOB_BULK_MAX: '1000',
    });
  }

  /** Drops the database and deletes the Redis keys. A second call does nothing. */
  async remove(): Promise<void> {
    if (this.removed) return;
    this.removed = true;

    const failures: string[] = [];
    if (this.databaseCreated) {
      try {
        await this.onServer(
          `DROP DATABASE IF EXISTS "${this.databaseName}" WITH (FORCE)`,
        );
        this.logger.log(`Dropped database ${this.databaseName}`);
      } catch (error) {
        failures.push(`database ${this.databaseName}: ${String(error)}`);
      }
    }
    try {
      const deleted = await this.deleteRedisKeys();
      this.logger.log(`Deleted ${deleted} Redis keys of ${this.redisPrefix}`);
    } catch (error) {
      failures.push(`Redis prefix ${this.redisPrefix}: ${String(error)}`);
    }
    if (failures.length > 0) {
      throw new Error(`Cannot remove the bench data: ${failures.join('; ')}`);
    }
  }

  /** Runs one statement on the server's maintenance database. */
  async onServer<T = Record<string, unknown>>(sql: string): Promise<T[]> {
    const client = new Client({
      connectionString: `${this.serverUrl}/postgres`,
    });
    await client.connect();
    try {
      return (await client.query(sql)).rows as T[];
    } finally {
      await client.end();
    }
  }

  private async deleteRedisKeys(): Promise<number> {
    const redis = new IORedis(this.redisUrl, { maxRetriesPerRequest: 1 });
    let deleted = 0;
    try {
      let cursor = '0';
      for (let step = 0; step < MAX_SCAN_STEPS; step += 1) {
        const [next, keys] = await redis.scan(
          cursor,
          'MATCH',
          `${this.redisPrefix}:*`,
          'COUNT',
          1000,
        );
        if (keys.length > 0) deleted += await redis.del(...keys);
        cursor = next;
        if (cursor === '0') return deleted;
      }
      throw new Error(`More than ${MAX_SCAN_STEPS} SCAN steps`);
    } finally {
      redis.disconnect();
    }
  }
}
