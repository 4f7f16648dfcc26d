import type { RequestHandler } from 'express';

/** viewer: wall displays; operator: intake, dispatch, status; admin: everything incl. metrics and tokens. */
export type Role = 'viewer' | 'operator' | 'admin';
export const ROLE_RANK: Record<Role, number> = { viewer: 1, operator: 2, admin: 3 };

/** Middleware factory every router receives, so routers never know how a caller proved who it is. */
export type RequireRole = (role: Role) => RequestHandler;
