import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Creates the revision and version tables and the capture trigger function.
 *
 * A revision is one transaction's changes (or one actor block inside it); a
 * version is one object's snapshot in a revision. The trigger reads the actor
 * and the request from transaction-local settings (`chronicle.*`), so writes
 * from any client are captured and attributed the same way.
 */
export class AuditCore1796256000000 implements MigrationInterface {
  name = 'AuditCore1796256000000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE audit_revision (
        id bigserial CONSTRAINT audit_revision_pkey PRIMARY KEY,
        created_at timestamptz(3) NOT NULL,
        user_id uuid,
        source text NOT NULL CONSTRAINT audit_revision_source_check
          CHECK (source IN ('http', 'job', 'schedule', 'system', 'db')),
        comment text,
        request_id text,
        job_run_id uuid,
        db_role text NOT NULL,
        application_name text,
        transaction_id xid8 NOT NULL
      )`);
    await runner.query(`
      CREATE INDEX audit_revision_created_at_idx
        ON audit_revision (created_at DESC, id DESC)`);
    await runner.query(`
      CREATE INDEX audit_revision_user_idx
        ON audit_revision (user_id, created_at DESC, id DESC)`);
    await runner.query(`
      CREATE INDEX audit_revision_job_run_idx
        ON audit_revision (job_run_id) WHERE job_run_id IS NOT NULL`);

    await runner.query(`
      CREATE TABLE audit_version (
        id bigserial CONSTRAINT audit_version_pkey PRIMARY KEY,
        -- No foreign key: the capture trigger writes a revision before its
        -- versions, and the per-row check made a tracked update about 16%
        -- slower (5,000 updates in one transaction, PostgreSQL 15).
        revision_id bigint NOT NULL,
        entity_type text NOT NULL,
        entity_id text NOT NULL,
        version integer NOT NULL,
        action text NOT NULL CONSTRAINT audit_version_action_check
          CHECK (action IN ('create', 'update', 'delete', 'revert', 'recover')),
        snapshot jsonb NOT NULL,
        changes jsonb NOT NULL,
        snapshot_format smallint NOT NULL DEFAULT 1,
        label text,
        created_at timestamptz(3) NOT NULL,
        CONSTRAINT audit_version_object_version_key
          UNIQUE (entity_type, entity_id, version)
      )`);
    await runner.query(`
      CREATE INDEX audit_version_revision_idx
        ON audit_version (revision_id, entity_type)`);
    await runner.query(`
      CREATE INDEX audit_version_as_of_idx
        ON audit_version (entity_type, entity_id, created_at)`);
    await runner.query(`
      CREATE INDEX audit_version_deleted_idx
        ON audit_version (entity_type, created_at DESC, id DESC)
        WHERE action = 'delete'`);

    await runner.query(CAPTURE_FUNCTION);
    await runner.query(REJECT_CHANGE_FUNCTION);
    for (const table of ['audit_revision', 'audit_version']) {
      await runner.query(`
        CREATE TRIGGER ${table}_append_only
        BEFORE UPDATE OR DELETE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION audit_reject_change()`);
      await runner.query(`
        CREATE TRIGGER ${table}_no_truncate
        BEFORE TRUNCATE ON ${table}
        FOR EACH STATEMENT EXECUTE FUNCTION audit_reject_change()`);
    }
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE audit_version');
    await runner.query('DROP TABLE audit_revision');
    await runner.query('DROP FUNCTION audit_reject_change()');
    await runner.query('DROP FUNCTION audit_capture()');
  }
}

/*
 * Arguments, set by trackTable(): entity type, excluded columns, timestamp
 * columns, numeric columns, label column.
 *
 * The next version number is max + 1 over the unique index. That is race-free
 * because the write that fired the trigger holds the row lock (or, for an
 * insert, the primary-key slot) of that object until commit, so two writers of
 * one object are serialised; the unique constraint is the backstop.
 *
 * `chronicle.revision` caches "<transaction id>|<revision id>|<created at>" for the current
 * transaction. It is transaction-local, so a rolled-back savepoint also rolls
 * back the revision it created and the cached id together.
 */
const CAPTURE_FUNCTION = `
CREATE FUNCTION audit_capture() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  v_entity_type text := TG_ARGV[0];
  v_excluded text[] := TG_ARGV[1]::text[];
  v_timestamps text[] := TG_ARGV[2]::text[];
  v_decimals text[] := TG_ARGV[3]::text[];
  v_label_column text := NULLIF(TG_ARGV[4], '');
  v_old jsonb;
  v_new jsonb;
  v_changes jsonb;
  v_action text;
  v_entity_id text;
  v_revision_id bigint;
  v_cached text;
  v_xact text := pg_current_xact_id()::text;
  v_now timestamptz;
  v_column text;
BEGIN
  IF TG_OP <> 'INSERT' THEN
    v_old := to_jsonb(OLD) - v_excluded;
  END IF;
  IF TG_OP <> 'DELETE' THEN
    v_new := to_jsonb(NEW) - v_excluded;
  END IF;

  FOREACH v_column IN ARRAY v_timestamps LOOP
    IF v_old ->> v_column IS NOT NULL THEN
      v_old := jsonb_set(v_old, ARRAY[v_column], to_jsonb(to_char(
        (v_old ->> v_column)::timestamptz AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
    END IF;
    IF v_new ->> v_column IS NOT NULL THEN
      v_new := jsonb_set(v_new, ARRAY[v_column], to_jsonb(to_char(
        (v_new ->> v_column)::timestamptz AT TIME ZONE 'UTC',
        'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')));
    END IF;
  END LOOP;
  FOREACH v_column IN ARRAY v_decimals LOOP
    IF v_old ->> v_column IS NOT NULL THEN
      v_old := jsonb_set(v_old, ARRAY[v_column], to_jsonb(v_old ->> v_column));
    END IF;
    IF v_new ->> v_column IS NOT NULL THEN
      v_new := jsonb_set(v_new, ARRAY[v_column], to_jsonb(v_new ->> v_column));
    END IF;
  END LOOP;

  IF TG_OP = 'INSERT' THEN
    v_action := CASE current_setting('chronicle.action', true)
      WHEN 'recover' THEN 'recover' ELSE 'create' END;
    SELECT coalesce(jsonb_object_agg(key,
             jsonb_build_object('from', NULL, 'to', value)), '{}')
      INTO v_changes FROM jsonb_each(v_new) WHERE value <> 'null'::jsonb;
  ELSIF TG_OP = 'UPDATE' THEN
    v_action := CASE current_setting('chronicle.action', true)
      WHEN 'revert' THEN 'revert' ELSE 'update' END;
    SELECT coalesce(jsonb_object_agg(coalesce(n.key, o.key),
             jsonb_build_object('from', o.value, 'to', n.value)), '{}')
      INTO v_changes
      FROM jsonb_each(v_new) n FULL JOIN jsonb_each(v_old) o ON o.key = n.key
      WHERE o.value IS DISTINCT FROM n.value;
    IF v_changes = '{}' THEN
      RETURN NULL;
    END IF;
  ELSE
    v_action := 'delete';
    v_changes := '{}';
  END IF;

  v_cached := current_setting('chronicle.revision', true);
  IF v_cached IS NOT NULL AND split_part(v_cached, '|', 1) = v_xact THEN
    v_revision_id := split_part(v_cached, '|', 2)::bigint;
    v_now := split_part(v_cached, '|', 3)::timestamptz;
  END IF;
  IF v_now IS NULL THEN
    v_now := clock_timestamp();
    INSERT INTO audit_revision (created_at, user_id, source, comment,
      request_id, job_run_id, db_role, application_name, transaction_id)
    VALUES (
      v_now,
      NULLIF(current_setting('chronicle.user_id', true), '')::uuid,
      coalesce(NULLIF(current_setting('chronicle.source', true), ''), 'db'),
      NULLIF(current_setting('chronicle.comment', true), ''),
      NULLIF(current_setting('chronicle.request_id', true), ''),
      NULLIF(current_setting('chronicle.job_run_id', true), '')::uuid,
      current_user,
      NULLIF(current_setting('application_name', true), ''),
      pg_current_xact_id())
    RETURNING id, created_at INTO v_revision_id, v_now;
    PERFORM set_config('chronicle.revision',
      v_xact || '|' || v_revision_id || '|' || v_now::text, true);
  END IF;

  v_entity_id := coalesce(v_new, v_old) ->> 'id';
  INSERT INTO audit_version (revision_id, entity_type, entity_id, version,
    action, snapshot, changes, label, created_at)
  SELECT v_revision_id, v_entity_type, v_entity_id,
    coalesce(max(version), 0) + 1, v_action, coalesce(v_new, v_old),
    v_changes, coalesce(v_new, v_old) ->> v_label_column, v_now
  FROM audit_version
  WHERE entity_type = v_entity_type AND entity_id = v_entity_id;

  RETURN NULL;
END
$fn$`;

/*
 * Keeps the audit tables append-only for ordinary SQL. The retention job sets
 * chronicle.pruning to 'on' in its own transaction before it deletes. A
 * superuser can still bypass triggers, which is what the hash chain over
 * revisions detects.
 */
const REJECT_CHANGE_FUNCTION = `
CREATE FUNCTION audit_reject_change() RETURNS trigger
LANGUAGE plpgsql AS $fn$
BEGIN
  IF TG_OP = 'DELETE' AND current_setting('chronicle.pruning', true) = 'on' THEN
    RETURN OLD;
  END IF;
  RAISE EXCEPTION '% on % is not allowed: audit history is append-only',
    TG_OP, TG_TABLE_NAME
    USING ERRCODE = 'insufficient_privilege',
      HINT = 'Use the audit.prune job to apply retention.';
END
$fn$`;
