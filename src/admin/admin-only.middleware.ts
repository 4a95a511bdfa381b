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
 * Returns an Express middleware that lets only admin tokens through, for
 * pages mounted outside Nest's router (where the global AuthGuard does not
 * run). Failures go to the exception filter: 401 or 403 in the usual shape.
 */
export function adminOnly(auth: AuthService) {
  const logger = new Logger('AdminOnly');

  return (
    request: Request & { actor?: Actor },
    response: Response,
    next: NextFunction,
  ): void => {
    const token = bearerToken(request.header('authorization'));
    if (!token) {
      response.setHeader('WWW-Authenticate', 'Bearer');
      next(new UnauthorizedException(['Missing Authorization: Bearer token']));
      return;
    }

    auth.authenticate(token).then(
      (actor) => {
        if (!actor) {
          response.setHeader('WWW-Authenticate', 'Bearer');
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
