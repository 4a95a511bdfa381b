import {
  createParamDecorator,
  ExecutionContext,
  SetMetadata,
} from '@nestjs/common';
import type { Actor } from './actor';
import type { Role } from './role';

export const PUBLIC_KEY = 'chronicle:public';
export const ROLE_KEY = 'chronicle:role';

/** Opens a route to requests without a token. */
export const Public = () => SetMetadata(PUBLIC_KEY, true);

/** Sets the lowest role that may call a route; the default is viewer. */
export const RequireRole = (role: Role) => SetMetadata(ROLE_KEY, role);

/** Injects the authenticated {@link Actor} of the request. */
export const CurrentActor = createParamDecorator(
  (_data: unknown, context: ExecutionContext): Actor =>
    context.switchToHttp().getRequest<{ actor: Actor }>().actor,
);
