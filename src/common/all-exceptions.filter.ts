import {
  ArgumentsHost,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
} from '@nestjs/common';
import type { Request, Response } from 'express';
import { QueryFailedError } from 'typeorm';
import { DomainError, DomainErrorKind } from './errors';

interface ErrorBody {
  statusCode: number;
  error: string;
  message: string[];
  requestId?: string;
}

const REASON: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  413: 'Payload Too Large',
  415: 'Unsupported Media Type',
  422: 'Unprocessable Entity',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

function statusOfKind(kind: DomainErrorKind): number {
  switch (kind) {
    case 'invalid':
      return HttpStatus.BAD_REQUEST;
    case 'forbidden':
      return HttpStatus.FORBIDDEN;
    case 'not-found':
      return HttpStatus.NOT_FOUND;
    case 'conflict':
      return HttpStatus.CONFLICT;
    case 'too-large':
      return HttpStatus.PAYLOAD_TOO_LARGE;
    case 'unprocessable':
      return HttpStatus.UNPROCESSABLE_ENTITY;
    case 'unavailable':
      return HttpStatus.SERVICE_UNAVAILABLE;
  }
}

/** PostgreSQL error classes that mean the database, not the input, failed. */
const UNAVAILABLE_SQLSTATE = /^(08|53|57P)/;
const UNAVAILABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
]);

/** Returns true for errors that mean PostgreSQL or Redis cannot be reached. */
export function isUnavailableError(error: unknown): boolean {
  // Not `instanceof Error`: socket errors may come from another realm (a VM
  // context such as a test sandbox), where that check fails.
  if (typeof error !== 'object' || error === null) return false;
  if (typeof (error as { message?: unknown }).message !== 'string') {
    return false;
  }
  const code = (error as { code?: unknown }).code;
  if (typeof code === 'string') {
    if (UNAVAILABLE_CODES.has(code) || UNAVAILABLE_SQLSTATE.test(code)) {
      return true;
    }
  }

  return /Connection terminated|connection timeout|timeout exceeded when trying to connect|Connection is closed|getaddrinfo|ECONNREFUSED|MaxRetriesPerRequest/i.test(
    (error as Error).message,
  );
}

/**
 * Shapes every error as `{statusCode, error, message[], requestId}`, the
 * NestJS shape, and logs what the client could not have caused.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger(AllExceptionsFilter.name);

  catch(exception: unknown, host: ArgumentsHost): void {
    const context = host.switchToHttp();
    const request = context.getRequest<Request>();
    const response = context.getResponse<Response>();
    const requestId = request.headers['x-request-id'] as string | undefined;
    const body = this.toBody(exception);
    body.requestId = requestId;

    if (body.statusCode === 503) {
      // A dependency outage, not a bug: one line per request, without the
      // stack, which only shows the driver's internals.
      this.logger.warn(
        `${request.method} ${request.path} 503 [requestId=${requestId}]: ${(exception as Error)?.message}`,
      );
    } else if (body.statusCode >= 500) {
      const error = exception as Error;
      this.logger.error(
        `${request.method} ${request.path} failed [requestId=${requestId}]: ${error?.message}`,
        error?.stack,
      );
    } else {
      this.logger.debug(
        `${request.method} ${request.path} ${body.statusCode} [requestId=${requestId}]: ${body.message.join('; ')}`,
      );
    }

    if (body.statusCode === 429 && exception instanceof HttpException) {
      const retryAfter = response.getHeader('Retry-After');
      if (retryAfter === undefined) response.setHeader('Retry-After', '1');
    }
    if (!response.headersSent) {
      response.status(body.statusCode).json(body);
    }
  }

  private toBody(exception: unknown): ErrorBody {
    if (exception instanceof HttpException) {
      return this.fromHttpException(exception);
    }
    if (exception instanceof DomainError) {
      const statusCode = statusOfKind(exception.kind);
      return this.body(statusCode, [exception.message]);
    }
    if (isBodyParserError(exception)) {
      return this.body(exception.status, [exception.message]);
    }
    if (exception instanceof QueryFailedError) {
      const mapped = this.fromQueryError(exception);
      if (mapped) return mapped;
    }
    if (isTooDeep(exception)) {
      return this.body(400, ['Request body is nested too deeply']);
    }
    if (isUnavailableError(exception)) {
      return this.body(503, [
        'A dependency (PostgreSQL or Redis) is unavailable; retry later',
      ]);
    }

    return this.body(500, ['Internal server error']);
  }

  private fromHttpException(exception: HttpException): ErrorBody {
    const statusCode = exception.getStatus();
    const payload = exception.getResponse();
    let message: string[];
    if (typeof payload === 'string') {
      message = [payload];
    } else {
      const raw = (payload as { message?: unknown }).message;
      if (Array.isArray(raw)) message = raw.map((item) => `${item}`);
      else if (typeof raw === 'string') message = [raw];
      else message = [exception.message];
    }

    return this.body(statusCode, message);
  }

  private fromQueryError(error: QueryFailedError): ErrorBody | undefined {
    const driverError = error.driverError as unknown as {
      code: string;
      detail?: string;
      constraint?: string;
    };
    const detail = driverError.detail ?? error.message;
    switch (driverError.code) {
      case '23505':
        return this.body(409, [`Conflict with an existing value: ${detail}`]);
      case '23503':
        return this.body(409, [`Conflict with a related record: ${detail}`]);
      case '23514':
      case '23502':
        return this.body(400, [`Invalid value: ${error.message}`]);
      default:
        // Class 22 is "data exception": a value PostgreSQL cannot store or
        // compare, such as a NUL character or an out-of-range date.
        if (driverError.code.startsWith('22')) {
          return this.body(400, [`Invalid value: ${error.message}`]);
        }

        return undefined;
    }
  }

  private body(statusCode: number, message: string[]): ErrorBody {
    return { statusCode, error: REASON[statusCode] ?? 'Error', message };
  }
}

interface BodyParserError {
  status: number;
  type: string;
  message: string;
}

function isBodyParserError(error: unknown): error is BodyParserError {
  const candidate = error as Partial<BodyParserError> | undefined;

  return (
    typeof candidate?.type === 'string' &&
    typeof candidate.status === 'number' &&
    candidate.status >= 400 &&
    candidate.status < 500
  );
}

/** Validation of a body nested thousands of levels deep overflows the stack. */
function isTooDeep(error: unknown): boolean {
  return (
    error instanceof RangeError &&
    error.message.includes('Maximum call stack size exceeded')
  );
}
