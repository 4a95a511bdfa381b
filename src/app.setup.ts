import {
  BadRequestException,
  INestApplication,
  ValidationError,
} from '@nestjs/common';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AllExceptionsFilter } from './common/all-exceptions.filter';
import {
  rejectInvalidBody,
  rejectInvalidQuery,
  requireJsonBody,
} from './common/json-body.middleware';
import { PathParamValidationPipe } from './common/path-param-validation.pipe';
import { RequestIdMiddleware } from './common/request-id.middleware';
import { Environment } from './config/environment';
import { accessLog } from './logging/access-log.middleware';
import { httpMetrics } from './metrics/http-metrics.middleware';
import { MetricsService } from './metrics/metrics.service';
import { setupOpenApi } from './openapi/openapi.setup';

export { logLevels } from './logging/app-logger';

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
 * request ids before anything else, then the access log and the HTTP
 * metrics, the JSON body parser with its checks, one validation pipe, one
 * exception filter, and the OpenAPI document at /docs. The body checks are
 * 415 for a body of another media type, the size limit, and 400 for
 * prototype keys and for NUL characters or unpaired surrogates in the body
 * or the query. The log and the metrics come before the body checks so that
 * they also record their 413 and 415 responses.
 */
export function configureApp(
  app: INestApplication,
  environment: Environment,
): void {
  const express = app as NestExpressApplication;
  express.disable('x-powered-by');
  const requestId = new RequestIdMiddleware();
  express.use(requestId.use.bind(requestId));
  express.use(accessLog);
  express.use(httpMetrics(app.get(MetricsService)));
  express.use(requireJsonBody);
  express.useBodyParser('json', { limit: environment.BODY_LIMIT_BYTES });
  express.use(rejectInvalidBody);
  express.use(rejectInvalidQuery);
  app.useGlobalPipes(
    new PathParamValidationPipe({
      whitelist: true,
      forbidNonWhitelisted: true,
      transform: true,
      exceptionFactory: (errors) =>
        new BadRequestException(flattenErrors(errors)),
    }),
  );
  app.useGlobalFilters(new AllExceptionsFilter());
  setupOpenApi(app);
  app.enableShutdownHooks();
}
