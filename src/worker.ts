import { ConsoleLogger, Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { logLevels } from './app.setup';
import { validateEnvironment } from './config/environment';
import { prepareDatabase } from './database/prepare-database';

/** Starts a worker process: jobs and schedules, no HTTP port. */
async function bootstrap(): Promise<void> {
  const environment = validateEnvironment(process.env);
  const logger = new ConsoleLogger({
    json: environment.LOG_JSON,
    logLevels: logLevels(environment.LOG_LEVEL),
  });
  Logger.overrideLogger(logger);
  if (environment.MIGRATE) await prepareDatabase(environment);

  const app = await NestFactory.createApplicationContext(
    AppModule.register({ api: false, worker: true }),
    { logger },
  );
  app.enableShutdownHooks();
  Logger.log('Chronicle worker started', 'Bootstrap');
}

bootstrap().catch((error: Error) => {
  Logger.error(
    `Chronicle worker failed to start: ${error.message}`,
    error.stack,
  );
  process.exit(1);
});
