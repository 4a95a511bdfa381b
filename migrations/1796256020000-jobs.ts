import { MigrationInterface, QueryRunner } from 'typeorm';
import { trackTable } from './support/track-table';

/**
 * Creates the durable job history: one `job_runs` row per submitted job
 * (tracked, so every state change is a version), one `job_attempts` row per
 * attempt, and the lines handlers log.
 *
 * The primary key (job_run_id, number) makes recording an attempt idempotent,
 * so a job BullMQ delivers twice never gets two records of one attempt.
 */
export class Jobs1796256020000 implements MigrationInterface {
  name = 'Jobs1796256020000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE job_runs (
        id uuid CONSTRAINT job_runs_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
        type text NOT NULL,
        queue text NOT NULL,
        status text NOT NULL CONSTRAINT job_runs_status_check CHECK (status IN
          ('queued', 'delayed', 'active', 'completed', 'failed', 'cancelled')),
        payload jsonb NOT NULL,
        result jsonb,
        error jsonb,
        progress jsonb,
        priority integer NOT NULL DEFAULT 0
          CONSTRAINT job_runs_priority_check CHECK (priority >= 0),
        run_at timestamptz(3) NOT NULL,
        max_attempts integer NOT NULL
          CONSTRAINT job_runs_max_attempts_check CHECK (max_attempts >= 1),
        attempts_made integer NOT NULL DEFAULT 0,
        backoff jsonb,
        timeout_ms integer
          CONSTRAINT job_runs_timeout_check CHECK (timeout_ms > 0),
        idempotency_key text,
        submitted_by uuid,
        schedule_id uuid,
        scheduled_for timestamptz(3),
        created_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        started_at timestamptz(3),
        finished_at timestamptz(3),
        updated_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT job_runs_schedule_fire_key UNIQUE (schedule_id, scheduled_for)
      )`);
    await runner.query(`
      CREATE UNIQUE INDEX job_runs_idempotency_key_key
        ON job_runs (idempotency_key) WHERE idempotency_key IS NOT NULL`);
    await runner.query(
      'CREATE INDEX job_runs_created_at_idx ON job_runs (created_at DESC, id DESC)',
    );
    for (const column of ['status', 'type', 'queue', 'submitted_by']) {
      await runner.query(`
        CREATE INDEX job_runs_${column}_idx
          ON job_runs (${column}, created_at DESC, id DESC)`);
    }
    await runner.query(`
      CREATE INDEX job_runs_schedule_idx
        ON job_runs (schedule_id, created_at DESC, id DESC)
        WHERE schedule_id IS NOT NULL`);
    await runner.query(`
      CREATE INDEX job_runs_pending_idx ON job_runs (run_at)
        WHERE status IN ('queued', 'delayed')`);

    await runner.query(`
      CREATE TABLE job_attempts (
        job_run_id uuid NOT NULL
          CONSTRAINT job_attempts_job_run_fkey REFERENCES job_runs (id)
          ON DELETE CASCADE,
        number integer NOT NULL
          CONSTRAINT job_attempts_number_check CHECK (number >= 1),
        status text NOT NULL CONSTRAINT job_attempts_status_check CHECK (status IN
          ('active', 'completed', 'failed', 'stalled', 'interrupted', 'cancelled')),
        started_at timestamptz(3) NOT NULL,
        finished_at timestamptz(3),
        worker_id text NOT NULL,
        error_message text,
        error_stack text,
        CONSTRAINT job_attempts_pkey PRIMARY KEY (job_run_id, number)
      )`);

    await runner.query(`
      CREATE TABLE job_logs (
        id bigserial CONSTRAINT job_logs_pkey PRIMARY KEY,
        job_run_id uuid NOT NULL
          CONSTRAINT job_logs_job_run_fkey REFERENCES job_runs (id)
          ON DELETE CASCADE,
        attempt integer NOT NULL,
        at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        level text NOT NULL CONSTRAINT job_logs_level_check
          CHECK (level IN ('info', 'warn', 'error')),
        message text NOT NULL
      )`);
    await runner.query(
      'CREATE INDEX job_logs_job_run_idx ON job_logs (job_run_id, id)',
    );

    await trackTable(runner, 'job_runs', {
      entityType: 'job-runs',
      labelColumn: 'type',
    });
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE job_logs');
    await runner.query('DROP TABLE job_attempts');
    await runner.query('DROP TABLE job_runs');
  }
}
