import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module';
import { configureApp } from './app.setup';
import { validateEnvironment } from './config/environment';
import { prepareDatabase } from './database/prepare-database';
import { createAppLogger } from './logging/app-logger';

/** Starts the HTTP API, and the worker too unless WORKER=false. */
async function bootstrap(): Promise<void> {
  const environment = validateEnvironment(process.env);
  const logger = createAppLogger(environment);
  Logger.overrideLogger(logger);
  if (environment.MIGRATE) await prepareDatabase(environment);

  const app = await NestFactory.create<NestExpressApplication>(
    AppModule.register({ api: true, worker: environment.WORKER }),
    { logger, bodyParser: false },
  );
  configureApp(app, environment);
  await app.listen(environment.PORT, environment.HOST);
  Logger.log(
    `Chronicle API listening on ${environment.HOST}:${environment.PORT}` +
      (environment.WORKER ? ' with the worker in-process' : ''),
    'Bootstrap',
  );
}

bootstrap().catch((error: Error) => {
  Logger.error(`Chronicle failed to start: ${error.message}`, error.stack);
  process.exit(1);
});
