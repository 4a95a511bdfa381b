/** Roles in increasing order of power; each includes the ones before it. */
export const ROLES = ['viewer', 'operator', 'editor', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Returns true when `role` includes everything `required` may do. */
export function roleIncludes(role: Role, required: Role): boolean {
  return ROLES.indexOf(role) >= ROLES.indexOf(required);
}

/** Anything that runs SQL: a DataSource, an EntityManager or a QueryRunner. */
interface Queryable {
  query(sql: string, parameters?: unknown[]): Promise<unknown>;
}

/**
 * Reads a user's role for a permission check. A user deleted since it acted
 * counts as a viewer, the lowest role.
 */
export async function readUserRole(
  database: Queryable,
  userId: string,
): Promise<Role> {
  const [user] = (await database.query('SELECT role FROM users WHERE id = $1', [
    userId,
  ])) as { role: Role }[];

  return user?.role ?? 'viewer';
}
