import { MigrationInterface, QueryRunner } from 'typeorm';
import { trackTable } from './support/track-table';

/**
 * Creates the example domain, authors and books, with their who/when columns.
 *
 * stamp_who_when() fills those columns from the transaction's actor, so they
 * are right however the row was written (repository, bulk update or raw SQL),
 * and an update that changes no other column leaves them as they were.
 */
export class Catalog1796256002000 implements MigrationInterface {
  name = 'Catalog1796256002000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(STAMP_FUNCTION);
    await runner.query(`
      CREATE TABLE authors (
        id uuid CONSTRAINT authors_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT authors_name_key UNIQUE,
        created_at timestamptz(3) NOT NULL,
        created_by uuid,
        updated_at timestamptz(3) NOT NULL,
        updated_by uuid
      )`);
    await runner.query(`
      CREATE TABLE books (
        id uuid CONSTRAINT books_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
        title text NOT NULL,
        author_id uuid NOT NULL
          CONSTRAINT books_author_fkey REFERENCES authors (id),
        isbn text CONSTRAINT books_isbn_key UNIQUE,
        original_title text,
        published_year integer,
        price numeric(12, 2) CONSTRAINT books_price_check CHECK (price >= 0),
        tags text[] NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL,
        created_by uuid,
        updated_at timestamptz(3) NOT NULL,
        updated_by uuid
      )`);
    await runner.query(
      'CREATE INDEX books_author_idx ON books (author_id, created_at, id)',
    );
    await runner.query(
      'CREATE INDEX books_created_at_idx ON books (created_at DESC, id DESC)',
    );
    await runner.query(
      'CREATE INDEX authors_created_at_idx ON authors (created_at DESC, id DESC)',
    );
    for (const table of ['authors', 'books']) {
      await runner.query(`
        CREATE TRIGGER ${table}_stamp_who_when
        BEFORE INSERT OR UPDATE ON ${table}
        FOR EACH ROW EXECUTE FUNCTION stamp_who_when()`);
    }
    await trackTable(runner, 'authors', { labelColumn: 'name' });
    await trackTable(runner, 'books', { labelColumn: 'title' });
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE books');
    await runner.query('DROP TABLE authors');
    await runner.query('DROP FUNCTION stamp_who_when()');
  }
}

export const STAMP_FUNCTION = `
CREATE FUNCTION stamp_who_when() RETURNS trigger
LANGUAGE plpgsql AS $fn$
DECLARE
  v_actor uuid := NULLIF(current_setting('chronicle.user_id', true), '')::uuid;
  v_who_when text[] := ARRAY['created_at', 'created_by', 'updated_at',
    'updated_by'];
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
  IF (to_jsonb(NEW) - v_who_when) = (to_jsonb(OLD) - v_who_when) THEN
    NEW.updated_at := OLD.updated_at;
    NEW.updated_by := OLD.updated_by;
  ELSE
    NEW.updated_at := clock_timestamp();
    NEW.updated_by := v_actor;
  END IF;
  RETURN NEW;
END
$fn$`;
