import { DataSourceOptions } from 'typeorm';
import { migrations } from '../../migrations';
import { Environment } from '../config/environment';

/** Application name sent to PostgreSQL, and recorded on revisions. */
export const APPLICATION_NAME = 'chronicle';

/**
 * Builds the TypeORM options for Chronicle's database. Entities are found by
 * autoLoadEntities in Nest; the migrations are imported, not globbed, so they
 * run the same from TypeScript and from the compiled build.
 */
export function dataSourceOptions(
  environment: Pick<Environment, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'>,
): DataSourceOptions {
  return {
    type: 'postgres',
    url: environment.DATABASE_URL,
    migrations,
    migrationsTableName: 'migrations',
    synchronize: false,
    extra: {
      max: environment.DATABASE_POOL_SIZE,
      application_name: APPLICATION_NAME,
      connectionTimeoutMillis: 5000,
    },
  };
}
