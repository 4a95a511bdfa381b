import { MigrationInterface, QueryRunner } from 'typeorm';
import { trackTable } from './support/track-table';

/** Creates users and their API tokens; both are tracked, token hashes excluded. */
export class Auth1796256001000 implements MigrationInterface {
  name = 'Auth1796256001000';

  async up(runner: QueryRunner): Promise<void> {
    await runner.query(`
      CREATE TABLE users (
        id uuid CONSTRAINT users_pkey PRIMARY KEY DEFAULT gen_random_uuid(),
        name text NOT NULL CONSTRAINT users_name_key UNIQUE,
        role text NOT NULL CONSTRAINT users_role_check
          CHECK (role IN ('viewer', 'operator', 'editor', 'admin')),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await runner.query(`
      CREATE TABLE api_tokens (
        id uuid CONSTRAINT api_tokens_pkey PRIMARY KEY
          DEFAULT gen_random_uuid(),
        user_id uuid NOT NULL
          CONSTRAINT api_tokens_user_fkey REFERENCES users (id),
        token_hash text NOT NULL CONSTRAINT api_tokens_token_hash_key UNIQUE,
        name text,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        revoked_at timestamptz(3)
      )`);
    await runner.query(
      'CREATE INDEX api_tokens_user_idx ON api_tokens (user_id)',
    );
    await trackTable(runner, 'users', { labelColumn: 'name' });
    await trackTable(runner, 'api_tokens', {
      entityType: 'api-tokens',
      exclude: ['token_hash'],
      labelColumn: 'name',
    });
  }

  async down(runner: QueryRunner): Promise<void> {
    await runner.query('DROP TABLE api_tokens');
    await runner.query('DROP TABLE users');
  }
}
