import { MigrationInterface, QueryRunner } from 'typeorm';
import { STAMP_FUNCTION } from './1796256002000-catalog';
import { trackTable } from './support/track-table';

/**
 * Columns the scheduler moves on every firing. They are neither a change by
 * a user (the who/when columns keep their values) nor part of a snapshot (a
 * firing writes no version): history shows what users changed.
 */
const BOOKKEEPING = ['next_run_at', 'last_run_at', 'runs_count'];

/**
 * Creates schedules and schedule_slots.
 *
 * The primary key of schedule_slots, (schedule_id, slot_at), allows one
 * decision per slot whatever the number of scheduler processes; the row says
 * whether the slot fired (and which job run it created), or why not.
 *
 * stamp_who_when() learns to take trigger arguments: columns whose change
 * alone does not count as an update. Without arguments it behaves as before.
 */
export class Schedules1796256040000 implements MigrationInterface {
  name = 'Schedules1796256040000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(STAMP_FUNCTION_WITH_IGNORED_COLUMNS);
    await runner.query(`
      CREATE TABLE schedules (
        id uuid CONSTRAINT schedules_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT schedules_name_key UNIQUE,
        type text NOT NULL,
        payload jsonb NOT NULL DEFAULT '{}',
        kind text NOT NULL CONSTRAINT schedules_kind_check
          CHECK (kind IN ('at', 'every', 'cron')),
        run_at timestamptz(3),
        every_ms bigint CONSTRAINT schedules_every_ms_check
          CHECK (every_ms > 0),
        cron text,
        timezone text NOT NULL DEFAULT 'UTC',
        run_limit integer CONSTRAINT schedules_run_limit_check
          CHECK (run_limit > 0),
        runs_count integer NOT NULL DEFAULT 0,
        start_at timestamptz(3),
        end_at timestamptz(3),
        enabled boolean NOT NULL DEFAULT true,
        catch_up text NOT NULL DEFAULT 'last'
          CONSTRAINT schedules_catch_up_check
          CHECK (catch_up IN ('none', 'last', 'all')),
        queue text,
        priority integer,
        attempts integer,
        backoff jsonb,
        owner_id uuid CONSTRAINT schedules_owner_fkey REFERENCES users (id),
        next_run_at timestamptz(3),
        last_run_at timestamptz(3),
        created_at timestamptz(3) NOT NULL,
        created_by uuid,
        updated_at timestamptz(3) NOT NULL,
        updated_by uuid,
        CONSTRAINT schedules_timing_check CHECK (
          (kind = 'at') = (run_at IS NOT NULL)
          AND (kind = 'every') = (every_ms IS NOT NULL)
          AND (kind = 'cron') = (cron IS NOT NULL)),
        CONSTRAINT schedules_bounds_check
          CHECK (end_at IS NULL OR start_at IS NULL OR end_at >= start_at)
      )`);
    await runner.query(
      'CREATE INDEX schedules_due_idx ON schedules (next_run_at) WHERE enabled',
    );
    await runner.query(
      'CREATE INDEX schedules_created_at_idx ON schedules (created_at DESC, id DESC)',
    );
    await runner.query(`
      CREATE TRIGGER schedules_stamp_who_when
      BEFORE INSERT OR UPDATE ON schedules
      FOR EACH ROW EXECUTE FUNCTION
        stamp_who_when(${BOOKKEEPING.map((c) => `'${c}'`).join(', ')})`);
    await trackTable(runner, 'schedules', {
      labelColumn: 'name',
      exclude: BOOKKEEPING,
    });

    await runner.query(`
      CREATE TABLE schedule_slots (
        schedule_id uuid NOT NULL CONSTRAINT schedule_slots_schedule_fkey
          REFERENCES schedules (id) ON DELETE CASCADE,
        slot_at timestamptz(3) NOT NULL,
        outcome text NOT NULL CONSTRAINT schedule_slots_outcome_check
          CHECK (outcome IN ('fired', 'skipped', 'missed')),
        reason text,
        job_run_id uuid,
        decided_at timestamptz(3) NOT NULL DEFAULT clock_timestamp(),
        CONSTRAINT schedule_slots_pkey PRIMARY KEY (schedule_id, slot_at)
      )`);
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE schedule_slots');
    await runner.query('DROP TABLE schedules');
    await runner.query(
      STAMP_FUNCTION.replace('CREATE FUNCTION', 'CREATE OR REPLACE FUNCTION'),
    );
  }
}

const STAMP_FUNCTION_WITH_IGNORED_COLUMNS = `
CREATE OR REPLACE FUNCTION stamp_who_when() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  v_actor uuid := NULLIF(current_setting('chronicle.user_id', true), '')::uuid;
  v_ignored text[] := ARRAY['created_at', 'created_by', 'updated_at',
    'updated_by'] || coalesce(TG_ARGV::text[], '{}');
BEGIN
  IF TG_OP = 'INSERT' THEN
    NEW.created_at := coalesce(NEW.created_at, clock_timestamp());
    NEW.created_by := coalesce(NEW.created_by, v_actor);
    NEW.updated_at := NEW.created_at;
    NEW.updated_by := NEW.created_by;
    IF current_setting('chronicle.action', true) = 'recover' THEN
      NEW.updated_at := clock_timestamp();
      NEW.updated_by := v_actor;
    END IF;
    RETURN NEW;
  END IF;

  NEW.created_at := OLD.created_at;
  NEW.created_by := OLD.created_by;
  IF (to_jsonb(NEW) - v_ignored) = (to_jsonb(OLD) - v_ignored) THEN
    NEW.updated_at := OLD.updated_at;
    NEW.updated_by := OLD.updated_by;
  ELSE
    NEW.updated_at := clock_timestamp();
    NEW.updated_by := v_actor;
  END IF;
  RETURN NEW;
END
$fn$`;
