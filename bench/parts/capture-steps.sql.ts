/*
 * A session-temporary copy of the capture trigger's steps, each run in a loop
 * and timed with clock_timestamp(). It mirrors audit_capture() of
 * migrations/1796256000000-audit-core.ts for an UPDATE of one row of
 * bench_audited_books (no excluded columns, created_at and updated_at as
 * timestamps, price as numeric), so it must change when that function does.
 *
 * The caller runs it inside a transaction that it rolls back, so the
 * revisions and versions it inserts are never committed.
 *
 * NOTE: every loop writes one object and, for the versions, one revision and
 * one created_at, so the as-of and revision indexes receive the same key
 * again and again. Real single-row transactions give each version new keys,
 * so the loop likely overstates what those two indexes cost.
 */
export const CAPTURE_STEPS_FUNCTION = `
CREATE FUNCTION pg_temp.bench_capture_steps(
  p_id uuid, p_entity_type text, p_iterations integer)
RETURNS TABLE (step text, micros double precision)
LANGUAGE plpgsql AS $fn$
DECLARE
  v_excluded text[] := '{}';
  v_timestamps text[] := '{created_at,updated_at}';
  v_decimals text[] := '{price}';
  v_row bench_audited_books;
  v_next bench_audited_books;
  v_raw_old jsonb;
  v_raw_new jsonb;
  v_stamped_old jsonb;
  v_stamped_new jsonb;
  v_old jsonb;
  v_new jsonb;
  v_changes jsonb;
  v_column text;
  v_text text;
  v_version integer;
  v_revision_id bigint;
  v_now timestamptz;
  v_started timestamptz;
  i integer;
BEGIN
  SELECT * INTO STRICT v_row FROM bench_audited_books WHERE id = p_id;
  v_next := v_row;
  v_next.price := v_row.price + 1;
  v_next.updated_at := clock_timestamp();

  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    v_raw_old := to_jsonb(v_row) - v_excluded;
    v_raw_new := to_jsonb(v_next) - v_excluded;
  END LOOP;
  step := 'snapshots: to_jsonb(OLD), to_jsonb(NEW)';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    v_old := v_raw_old;
    v_new := v_raw_new;
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
  END LOOP;
  v_stamped_old := v_old;
  v_stamped_new := v_new;
  step := 'timestamps to UTC strings (jsonb_set per column)';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    v_old := v_stamped_old;
    v_new := v_stamped_new;
    FOREACH v_column IN ARRAY v_decimals LOOP
      IF v_old ->> v_column IS NOT NULL THEN
        v_old := jsonb_set(v_old, ARRAY[v_column], to_jsonb(v_old ->> v_column));
      END IF;
      IF v_new ->> v_column IS NOT NULL THEN
        v_new := jsonb_set(v_new, ARRAY[v_column], to_jsonb(v_new ->> v_column));
      END IF;
    END LOOP;
  END LOOP;
  step := 'numerics to strings (jsonb_set per column)';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    SELECT coalesce(jsonb_object_agg(coalesce(n.key, o.key),
             jsonb_build_object('from', o.value, 'to', n.value)), '{}')
      INTO v_changes
      FROM jsonb_each(v_new) n FULL JOIN jsonb_each(v_old) o ON o.key = n.key
      WHERE o.value IS DISTINCT FROM n.value;
  END LOOP;
  step := 'changes: FULL JOIN of jsonb_each(NEW) and jsonb_each(OLD)';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  -- An UPDATE's OLD and NEW have the same keys, so one jsonb_each suffices.
  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    SELECT coalesce(jsonb_object_agg(n.key,
             jsonb_build_object('from', v_old -> n.key, 'to', n.value)), '{}')
      INTO v_changes
      FROM jsonb_each(v_new) n
      WHERE v_old -> n.key IS DISTINCT FROM n.value;
  END LOOP;
  step := 'changes, alternative: jsonb_each(NEW) with lookups in OLD';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    v_text := pg_current_xact_id()::text;
    v_text := CASE current_setting('chronicle.action', true)
      WHEN 'revert' THEN 'revert' ELSE 'update' END;
    v_text := current_setting('chronicle.revision', true);
  END LOOP;
  step := 'transaction id and settings reads';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    INSERT INTO audit_revision (created_at, user_id, source, comment,
      request_id, job_run_id, db_role, application_name, transaction_id)
    VALUES (
      clock_timestamp(),
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
      pg_current_xact_id()::text || '|' || v_revision_id || '|' || v_now::text,
      true);
  END LOOP;
  step := 'revision: INSERT INTO audit_revision, cache in a setting';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    SELECT coalesce(max(version), 0) + 1 INTO v_version
    FROM audit_version
    WHERE entity_type = p_entity_type AND entity_id = p_id::text;
  END LOOP;
  step := 'next version number: max(version) + 1 alone';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  v_started := clock_timestamp();
  FOR i IN 1..p_iterations LOOP
    INSERT INTO audit_version (revision_id, entity_type, entity_id, version,
      action, snapshot, changes, label, created_at)
    SELECT v_revision_id, p_entity_type, p_id::text,
      coalesce(max(version), 0) + 1, 'update', v_new, v_changes,
      v_new ->> 'title', v_now
    FROM audit_version
    WHERE entity_type = p_entity_type AND entity_id = p_id::text;
  END LOOP;
  step := 'version: INSERT INTO audit_version with max(version) + 1';
  micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
  RETURN NEXT;

  -- The same inserts with secondary indexes dropped, to price each index.
  -- The caller's rollback undoes the drops. For a role that does not own
  -- the audit tables, these steps are reported as skipped.
  BEGIN
    DROP INDEX audit_version_as_of_idx;
    DROP INDEX audit_version_revision_idx;
    v_started := clock_timestamp();
    FOR i IN 1..p_iterations LOOP
      INSERT INTO audit_version (revision_id, entity_type, entity_id, version,
        action, snapshot, changes, label, created_at)
      SELECT v_revision_id, p_entity_type, p_id::text,
        coalesce(max(version), 0) + 1, 'update', v_new, v_changes,
        v_new ->> 'title', v_now
      FROM audit_version
      WHERE entity_type = p_entity_type AND entity_id = p_id::text;
    END LOOP;
    step := 'version insert without the as-of and revision indexes';
    micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
    RETURN NEXT;

    DROP INDEX audit_revision_created_at_idx;
    DROP INDEX audit_revision_user_idx;
    v_started := clock_timestamp();
    FOR i IN 1..p_iterations LOOP
      INSERT INTO audit_revision (created_at, user_id, source, comment,
        request_id, job_run_id, db_role, application_name, transaction_id)
      VALUES (
        clock_timestamp(),
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
        pg_current_xact_id()::text || '|' || v_revision_id || '|' || v_now::text,
        true);
    END LOOP;
    step := 'revision insert without its created_at and user indexes';
    micros := extract(epoch FROM clock_timestamp() - v_started) * 1e6 / p_iterations;
    RETURN NEXT;
  EXCEPTION WHEN insufficient_privilege THEN
    step := 'schema variants skipped: the role does not own the audit tables';
    micros := NULL;
    RETURN NEXT;
  END;
END
$fn$`;
