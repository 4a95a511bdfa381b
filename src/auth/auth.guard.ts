import {
  CanActivate,
  ExecutionContext,
  ForbiddenException,
  Injectable,
  UnauthorizedException,
} from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Request, Response } from 'express';
import { auditContextStorage } from '../audit/audit-context';
import { Environment } from '../config/environment';
import type { Actor } from './actor';
import { PUBLIC_KEY, PublicWhen, ROLE_KEY } from './auth.decorators';
import { AuthService } from './auth.service';
import { Role, roleIncludes } from './role';

/**
 * Authenticates `Authorization: Bearer <token>` on every route not marked
 * {@link Public}, checks the route's role, and puts the actor into the audit
 * context of the request.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly auth: AuthService,
    private readonly environment: Environment,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const open = this.reflector.getAllAndOverride<true | PublicWhen>(
      PUBLIC_KEY,
      targets,
    );
    if (open === true || (open && open(this.environment))) return true;

    const http = context.switchToHttp();
    const request = http.getRequest<Request & { actor?: Actor }>();
    const token = bearerToken(request.header('authorization'));
    if (!token) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException(['Missing Authorization: Bearer token']);
    }

    const actor = await this.auth.authenticate(token);
    if (!actor) {
      http.getResponse<Response>().setHeader('WWW-Authenticate', 'Bearer');
      throw new UnauthorizedException(['Unknown or revoked token']);
    }

    const required =
      this.reflector.getAllAndOverride<Role>(ROLE_KEY, targets) ?? 'viewer';
    if (!roleIncludes(actor.role, required)) {
      throw new ForbiddenException([
        `This action requires the ${required} role; the token's user is ${actor.role}`,
      ]);
    }

    request.actor = actor;
    const auditContext = auditContextStorage.getStore();
    if (auditContext) auditContext.userId = actor.id;

    return true;
  }
}

/** Returns the token of an `Authorization: Bearer <token>` header. */
export function bearerToken(header: string | undefined): string | undefined {
  const match = header?.match(/^Bearer\s+(\S+)\s*$/i);

  return match?.[1];
}
