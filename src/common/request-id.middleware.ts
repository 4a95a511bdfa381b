import {
  BadRequestException,
  Injectable,
  NestMiddleware,
} from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import type { NextFunction, Request, Response } from 'express';
import { auditContextStorage } from '../audit/audit-context';

const REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
export const MAX_COMMENT_LENGTH = 2000;

/**
 * Opens the audit scope of a request: honours or generates `X-Request-Id`,
 * echoes it, and takes the revision comment from `X-Audit-Comment`. The
 * actor is added by the auth guard.
 */
@Injectable()
export class RequestIdMiddleware implements NestMiddleware {
  use(request: Request, response: Response, next: NextFunction): void {
    const given = request.header('x-request-id');
    const requestId = given && REQUEST_ID.test(given) ? given : randomUUID();
    request.headers['x-request-id'] = requestId;
    response.setHeader('X-Request-Id', requestId);

    const comment = decodeHeader(request.header('x-audit-comment'));
    if (comment !== undefined && comment.length > MAX_COMMENT_LENGTH) {
      next(
        new BadRequestException([
          `X-Audit-Comment must be at most ${MAX_COMMENT_LENGTH} characters`,
        ]),
      );
      return;
    }

    auditContextStorage.run(
      {
        userId: null,
        source: 'http',
        requestId,
        comment: comment || undefined,
      },
      () => next(),
    );
  }
}

/**
 * Node reads header bytes as Latin-1, so UTF-8 text arrives mangled. Returns
 * the UTF-8 reading when the bytes are valid UTF-8, else the text as sent.
 */
function decodeHeader(value: string | undefined): string | undefined {
  if (value === undefined || !/[\u0080-\u00ff]/.test(value)) return value;

  const decoded = Buffer.from(value, 'latin1').toString('utf8');

  return decoded.includes('\ufffd') ? value : decoded;
}
