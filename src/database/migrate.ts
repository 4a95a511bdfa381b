import { Logger } from '@nestjs/common';
import { validateEnvironment } from '../config/environment';
import { prepareDatabase } from './prepare-database';

/** Command-line entry point: `npm run migrate`. */
async function main(): Promise<void> {
  const environment = validateEnvironment(process.env);
  await prepareDatabase(environment);
}

main().catch((error: Error) => {
  new Logger('Migrate').error(error.message, error.stack);
  process.exit(1);
});
