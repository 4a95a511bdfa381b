import {
  BadRequestException,
  INestApplication,
  LogLevel,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import { RequestIdMiddleware } from './common/request-id.middleware';
import { Environment } from './config/environment';

const LEVELS: LogLevel[] = [
  'fatal',
  'error',
  'warn',
  'log',
  'debug',
  'verbose',
];

/** Returns the log levels at and above LOG_LEVEL. */
export function logLevels(level: Environment['LOG_LEVEL']): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

function flattenErrors(errors: ValidationError[], prefix = ''): string[] {
  return errors.flatMap((error) => {
    const path = prefix + error.property;
    const own = Object.values(error.constraints ?? {}).map((message) =>
      prefix ? `${prefix}${message}` : message,
    );

    return [...own, ...flattenErrors(error.children ?? [], `${path}.`)];
  });
}

/**
 * Applies the HTTP set-up shared by the API process and the e2e tests:
 * request ids before anything else, the body size limit, one validation pipe
 * and one exception filter.
 */
export function configureApp(
  app: INestApplication,
  environment: Environment,
): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  const requestId = new RequestIdMiddleware();
  express.use(requestId.use.bind(requestId));
  express.useBodyParser('json', { limit: environment.BODY_LIMIT_BYTES });
  app.useGlobalPipes(
    new ValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new BadRequestException(flattenErrors(errors)),
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  app.enableShutdownHooks();
}
