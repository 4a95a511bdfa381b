import type { Role } from './role';

/** The authenticated user of a request. */
export interface Actor {
  id: string;
  name: string;
  role: Role;
  tokenId: string;
}
