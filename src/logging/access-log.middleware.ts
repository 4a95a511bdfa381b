import { Logger } from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import type { Actor } from '../auth/actor';
import { routeTemplate } from '../common/route-template';

const logger = new Logger('HttpAccess');

/**
 * Writes one line per finished request: method, route template, status,
 * duration, request id and user id. Headers, query strings and bodies are not
 * logged, so neither is a token.
 */
export function accessLog(
  request: Request & { actor?: Actor },
  response: Response,
  next: NextFunction,
): void {
  const started = process.hrtime.bigint();
  response.once('finish', () => {
    const durationMs = Number(process.hrtime.bigint() - started) / 1_000_000;
    const fields = {
      method: request.method,
      route: routeTemplate(request),
      status: response.statusCode,
      durationMs: Math.round(durationMs * 10) / 10,
      requestId: request.headers['x-request-id'] as string | undefined,
      userId: request.actor?.id ?? null,
    };
    const line = `${fields.method} ${fields.route} ${fields.status} ${fields.durationMs}ms`;
    if (fields.status >= 500) logger.warn(line, fields);
    else logger.log(line, fields);
  });
  next();
}
