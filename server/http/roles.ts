import type { RequestHandler } from 'express';

import type { Role } from '../../domain/roles.ts';
export { ROLE_RANK, type Role } from '../../domain/roles.ts';

/** Middleware factory every router receives, so routers never know how a caller proved who it is. */
export type RequireRole = (role: Role) => RequestHandler;
