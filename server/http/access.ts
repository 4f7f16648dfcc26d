// Who may call a route, declared on the middleware itself, so the route table can be read back and checked
// (test/integration/auth-matrix.test.ts walks every route and fails on one that declares nothing).
import type { RequestHandler } from 'express';
import type { Role } from './roles.ts';

export const ACCESS = Symbol.for('siaga.access');

export type Access =
  /** A role or higher (a person's session or a viewer/operator/admin token). */
  | { kind: 'role'; role: Role }
  /** CAP/AML feeds: integration tokens, operators and admins. */
  | { kind: 'intake' }
  /** A crew's unit-bound token. */
  | { kind: 'unit' }
  /** Any valid credential. */
  | { kind: 'any' }
  /** Open to anyone on purpose; `why` is for the reviewer. */
  | { kind: 'public'; why: string }
  /** A device protocol (OsmAnd/Traccar) whose only credential is a registered device id in the request. */
  | { kind: 'device'; why: string }
  /** Not an endpoint: runs before the routes and either passes the request on or refuses it. */
  | { kind: 'middleware' };

/** Tags a handler (or a mounted router) with its access; returns it unchanged. */
export function declareAccess<T extends object>(handler: T, access: Access): T {
  Object.defineProperty(handler, ACCESS, { value: access });
  return handler;
}

export function accessOf(handler: unknown): Access | undefined {
  return (handler as { [ACCESS]?: Access } | null)?.[ACCESS];
}

/** Marks a route as deliberately open: `router.get('/x', publicRoute('why'), handler)`. */
export function publicRoute(why: string): RequestHandler {
  return declareAccess<RequestHandler>((_req, _res, next) => next(), { kind: 'public', why });
}
