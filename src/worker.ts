import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { AppModule } from './app.module';
import { validateEnvironment } from './config/environment';
import { prepareDatabase } from './database/prepare-database';
import { JobWorkerService } from './jobs/worker/job-worker.service';
import { createAppLogger } from './logging/app-logger';
import { MetricsServer } from './metrics/metrics-server';

/** Starts a worker process: jobs and schedules; no API, only GET /metrics on WORKER_METRICS_PORT. */
async function bootstrap(): Promise<void> {
  const environment = validateEnvironment(process.env);
  const logger = createAppLogger(environment);
  Logger.overrideLogger(logger);
  if (environment.MIGRATE) await prepareDatabase(environment);

  const app = await NestFactory.createApplicationContext(
    AppModule.register({ api: false, worker: true }),
    { logger },
  );
  app.enableShutdownHooks();
  if (environment.WORKER_METRICS_PORT > 0) {
    await app
      .get(MetricsServer)
      .listen(environment.WORKER_METRICS_PORT, environment.HOST);
  }
  // A worker process has nothing to offer before Redis is reachable.
  await app.get(JobWorkerService).started;
  Logger.log('Chronicle worker started', 'Bootstrap');
}

bootstrap().catch((error: Error) => {
  Logger.error(
    `Chronicle worker failed to start: ${error.message}`,
    error.stack,
  );
  process.exit(1);
});
