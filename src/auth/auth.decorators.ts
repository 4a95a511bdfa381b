import {
  applyDecorators,
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import { ApiExtension } from '@nestjs/swagger';
import type { Environment } from '../config/environment';
import type { Actor } from './actor';
import type { Role } from './role';

/** Decides at request time, from the configuration, whether a route is open. */
export type PublicWhen = (environment: Environment) => boolean;

export const PUBLIC_KEY = 'chronicle:public';
export const ROLE_KEY = 'chronicle:role';

/**
 * OpenAPI extension naming who may call an operation: a role, `public`, or
 * `configurable` (public while a setting is on). The OpenAPI set-up turns it
 * into the security requirement, the 401 and 403 responses and a sentence of
 * the description.
 */
export const ACCESS_EXTENSION = 'x-required-role';

/**
 * Opens a route to requests without a token. With `when`, the route is open
 * only while `when(environment)` returns true, and needs a viewer token
 * otherwise.
 */
export const Public = (when?: PublicWhen) =>
  applyDecorators(
    SetMetadata(PUBLIC_KEY, when ?? true),
    ApiExtension(ACCESS_EXTENSION, when ? 'configurable' : 'public'),
  );

/** Sets the lowest role that may call a route; the default is viewer. */
export const RequireRole = (role: Role) =>
  applyDecorators(
    SetMetadata(ROLE_KEY, role),
    ApiExtension(ACCESS_EXTENSION, role),
  );

/** Injects the authenticated {@link Actor} of the request. */
export const CurrentActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Actor =>
    context.switchToHttp().getRequest<{ actor: Actor }>().actor,
);
