import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates job_workers: one row per WORKER_ID with the time its process last
 * reported that it is alive, and when it shut down. An active attempt whose
 * worker stopped reporting lost its process, whatever Redis still holds
 * about the job.
 * Bookkeeping only, so the table is not tracked.
 */
export class JobWorkers1796256050000 implements MigrationInterface {
  name = 'JobWorkers1796256050000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE job_workers (
        id text CONSTRAINT job_workers_pkey PRIMARY KEY,
        started_at timestamptz(3) NOT NULL,
        heartbeat_at timestamptz(3) NOT NULL,
        stopped_at timestamptz(3)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE job_workers');
  }
}
