import {
  ForbiddenException,
  Logger,
  UnauthorizedException,
} from '@nestjs/common';
import type { NextFunction, Request, Response } from 'express';
import { auditContextStorage } from '../audit/audit-context';
import type { Actor } from '../auth/actor';
import { bearerToken } from '../auth/auth.guard';
import type { AuthService } from '../auth/auth.service';
import { roleIncludes } from '../auth/role';

/**
 * Challenge of a 401. Browsers cannot add a bearer header to page loads, so
 * Basic is offered too: the browser asks for a user name (any) and a
 * password (the token) and sends them with every request of the page.
 */
export const ADMIN_CHALLENGE = 'Basic realm="Chronicle admin", Bearer';

/**
 * Returns an Express middleware that lets only admin tokens through, for
 * pages mounted outside Nest's router (where the global AuthGuard does not
 * run). The token comes as `Bearer <token>` or as the password of Basic
 * credentials. Failures go to the exception filter: 401 or 403 in the usual
 * shape.
 */
export function adminOnly(auth: AuthService) {
  const logger = new Logger('AdminOnly');

  return (
    request: Request & { actor?: Actor },
    response: Response,
    next: NextFunction,
  ): void => {
    const header = request.header('authorization');
    const token = bearerToken(header) ?? basicPassword(header);
    if (!token) {
      response.setHeader('WWW-Authenticate', ADMIN_CHALLENGE);
      next(new UnauthorizedException(['Missing Authorization: Bearer token']));
      return;
    }

    auth.authenticate(token).then(
      (actor) => {
        if (!actor) {
          response.setHeader('WWW-Authenticate', ADMIN_CHALLENGE);
          next(new UnauthorizedException(['Unknown or revoked token']));
          return;
        }
        if (!roleIncludes(actor.role, 'admin')) {
          next(
            new ForbiddenException([
              `This page requires the admin role; the token's user is ${actor.role}`,
            ]),
          );
          return;
        }

        request.actor = actor;
        const auditContext = auditContextStorage.getStore();
        if (auditContext) auditContext.userId = actor.id;
        next();
      },
      (error: Error) => {
        logger.error(
          `Token check for ${request.method} ${request.baseUrl} failed: ${error.message}`,
          error.stack,
        );
        next(error);
      },
    );
  };
}

/** Returns the password of an `Authorization: Basic ...` header. */
function basicPassword(header: string | undefined): string | undefined {
  const match = header?.match(/^Basic\s+([A-Za-z0-9+/=]+)\s*$/i);
  if (!match) return undefined;

  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const separator = decoded.indexOf(':');

  return separator >= 0 && separator < decoded.length - 1
    ? decoded.slice(separator + 1)
    : undefined;
}
