import { randomBytes } from 'node:crypto';
import { runMigrations } from '../src/database/prepare-database';
import { databaseUrl, onServer, REDIS_URL } from './support/test-database';

/**
 * Creates this run's own database and Redis key prefix, so test runs and a
 * development server on the same machine never see each other's data.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `${Date.now().toString(36)}_${randomBytes(3).toString('hex')}`;
  const database = `chronicle_test_${runId}`;
  await onServer(`CREATE DATABASE ${database}`);

  process.env.TEST_RUN_ID = runId;
  process.env.DATABASE_URL = databaseUrl(database);
  process.env.REDIS_URL = REDIS_URL;
  process.env.REDIS_PREFIX = `chronicle_test_${runId}`;
  process.env.ADMIN_TOKEN = `test-admin-${randomBytes(16).toString('hex')}`;
  process.env.LOG_LEVEL = process.env.LOG_LEVEL ?? 'warn';
  process.env.LOG_JSON = 'false';
  process.env.MIGRATE = 'false';
  // Worker processes of a test file decide no schedule unless the file turns
  // the scheduler on, so schedules one file leaves behind never fire in
  // another file's workers.
  process.env.SCHEDULER_TICK_MS = '0';
  await runMigrations({ DATABASE_URL: process.env.DATABASE_URL });
}
