import { Logger } from '@nestjs/common';
import { Client } from 'pg';
import { DataSource } from 'typeorm';
import { Environment } from '../config/environment';
import { dataSourceOptions } from './data-source-options';

const logger = new Logger('Database');

/**
 * Creates the database named in DATABASE_URL when it does not exist, using
 * the `postgres` maintenance database. A role without CREATEDB gets the
 * server's error, with the name of the database to create by hand.
 */
export async function ensureDatabase(databaseUrl: string): Promise<void> {
  const url = new URL(databaseUrl);
  const name = decodeURIComponent(url.pathname.replace(/^\//, ''));
  if (!name) {
    throw new Error('DATABASE_URL must name a database, as in .../chronicle');
  }

  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const found = await client.query(
      'SELECT 1 FROM pg_database WHERE datname = $1',
      [name],
    );
    if (found.rowCount === 0) {
      await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      logger.log(`Created database ${name}`);
    }
  } catch (error) {
    // Another process may have created it between the check and the create.
    if ((error as { code?: string }).code !== '42P04') {
      throw new Error(
        `Cannot create database ${name}: ${(error as Error).message}. ` +
          'Create it by hand or grant the role CREATEDB.',
        { cause: error },
      );
    }
  } finally {
    await client.end();
  }
}

/** Applies pending migrations, one process at a time. */
export async function runMigrations(
  environment: Pick<Environment, 'DATABASE_URL'>,
): Promise<void> {
  const dataSource = new DataSource({
    ...dataSourceOptions({ ...environment, DATABASE_POOL_SIZE: 2 }),
    migrationsTransactionMode: 'each',
  });
  await dataSource.initialize();
  // A session advisory lock keeps two processes that start together from
  // applying the same migration twice.
  const lock = dataSource.createQueryRunner();
  await lock.connect();
  try {
    await lock.query('SELECT pg_advisory_lock(7310001)');
    const applied = await dataSource.runMigrations();
    for (const migration of applied) {
      logger.log(`Applied migration ${migration.name}`);
    }
  } finally {
    await lock.release();
    await dataSource.destroy();
  }
}

/** Creates the database when missing, then applies pending migrations. */
export async function prepareDatabase(
  environment: Pick<Environment, 'DATABASE_URL'>,
): Promise<void> {
  await ensureDatabase(environment.DATABASE_URL);
  await runMigrations(environment);
}
