// Who is looking: the people's roles, ranked. The server's auth decides who holds which (server/http/auth.ts); what
// each role may read is decided here, so a wall and the API mask the same way.

/** viewer: wall displays; operator: intake, dispatch, status; admin: everything incl. metrics and tokens. */
export const ROLES = ['viewer', 'operator', 'admin'] as const;
export type Role = (typeof ROLES)[number];
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Whether `role` may read a caller's name, number and handset in full: those who take and dispatch the call. Feeds,
 * crews and walls (anything else) see them masked. */
export function seesCaller(role: string | null | undefined): boolean {
  return role === 'operator' || role === 'admin';
}
