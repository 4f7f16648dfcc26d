// Who is calling: sessions (people), bearer tokens (integrations, devices, wall kiosks) and the roles they carry.
// Everything else (routers, ws, /hls) only sees requireRole / authenticate, never how a caller proved itself.
import type http from 'node:http';
import express, { type RequestHandler, type Response } from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { z } from 'zod';
import type { Config } from '../config.ts';
import { logger } from '../log.ts';
import { createAuthRepo, tokenExpiresAt } from '../store/auth-repo.ts';
import type { Db } from '../store/db.ts';
import { DomainError, invalidField } from '../../domain/errors.ts';
import { sendError } from './errors.ts';
import { declareAccess, publicRoute, type Access } from './access.ts';
import { hashPassword, needsRehash, newSecret, parseCookies, sha256, verifyPassword } from './auth-crypto.ts';
import { ROLE_RANK, type RequireRole, type Role } from './roles.ts';

const log = logger('auth');

/**
 * 'integration' is a token-only role for machine intake (CAP/AML feeds): it may POST to /api/intake/* and nothing
 * else — a leaked feed token cannot read callers' data or walls. Operators and admins may use intake too.
 */
export type TokenRole = Role | 'integration' | 'unit';
export const TOKEN_ROLES = ['viewer', 'operator', 'admin', 'integration'] as const;
/**
 * 'unit' is a crew-page credential bound to ONE unit (label `unit:<unitId>`, issued by the units API, never by
 * POST /api/tokens): it may report that unit's position and status and nothing else — no wall, no incident list.
 */
export const unitTokenLabel = (unitId: string) => `unit:${unitId}`;

export interface Principal {
  /** Stable id for audit trails and rate limiting: 'user:<name>' or 'token:<id>:<label>'. */
  id: string;
  role: TokenRole;
  via: 'session' | 'token';
  /** The unit a 'unit' token speaks for. */
  unit?: string;
}

export const SESSION_COOKIE = 'siaga_session';
export const KIOSK_COOKIE = 'siaga_token';
const SESSION_HOURS = 12;
/** An unknown user costs the same scrypt as a known one (made on first use: hashing is async and 128 MiB). */
let dummyHash: Promise<string> | undefined;
const KIOSK_COOKIE_DAYS = 365;

/** The principal requireRole/requireIntake put on res.locals. */
export function principalOf(res: Response): Principal {
  return res.locals.principal as Principal;
}

export function hasRole(p: Principal | null, role: Role): boolean {
  return !!p && p.role !== 'integration' && p.role !== 'unit' && ROLE_RANK[p.role] >= ROLE_RANK[role];
}

export function createAuth({ db, config }: { db: Db; config: Pick<Config, 'adminToken' | 'demo' | 'intakeRatePerS'> & Partial<Pick<Config, 'tokenTtlDays'>> }) {
  const repo = createAuthRepo(db);

  function principalForToken(token: string): Principal | null {
    return principalForHash(sha256(token));
  }
  function principalForHash(hash: string): Principal | null {
    const row = repo.tokenByHash(hash);
    if (!row) return null;
    const p: Principal = { id: `token:${row.id}:${row.label}`, role: row.role as TokenRole, via: 'token' };
    if (p.role === 'unit') p.unit = row.label.slice(unitTokenLabel('').length);
    return p;
  }

  function authenticate(req: http.IncomingMessage): Principal | null {
    const header = req.headers.authorization;
    if (header?.startsWith('Bearer ')) return principalForToken(header.slice(7).trim());
    const cookies = parseCookies(req.headers.cookie);
    if (cookies[SESSION_COOKIE]) {
      const s = repo.session(sha256(cookies[SESSION_COOKIE]));
      if (s) return { id: `user:${s.username}`, role: s.role as Role, via: 'session' };
    }
    if (cookies[KIOSK_COOKIE]) {
      const tokenHash = repo.kioskTokenHash(sha256(cookies[KIOSK_COOKIE]));
      return tokenHash ? principalForHash(tokenHash) : null;
    }
    return null;
  }

  function gate(access: Access, allowed: (p: Principal) => boolean): RequestHandler {
    return declareAccess<RequestHandler>((req, res, next) => {
      const p = authenticate(req);
      if (!p) throw new DomainError('unauthenticated', 'authorization', 'sign in, or send a bearer token');
      if (!allowed(p)) throw new DomainError('forbidden', 'role', `the ${p.role} role may not do this`, { role: p.role });
      res.locals.principal = p;
      next();
    }, access);
  }
  const requireRole: RequireRole = (role) => gate({ kind: 'role', role }, (p) => hasRole(p, role));
  /** CAP/AML intake: integration tokens, operators and admins. */
  const requireIntake: RequestHandler = gate({ kind: 'intake' }, (p) => p.role === 'integration' || hasRole(p, 'operator'));
  /** Crew page: a unit token; principalOf(res).unit is the unit it may speak for. */
  const requireUnit: RequestHandler = gate({ kind: 'unit' }, (p) => p.role === 'unit' && !!p.unit);
  /** Any valid credential (who am I). */
  const requireAny: RequestHandler = gate({ kind: 'any' }, () => true);

  /**
   * Intake rate limit per principal (per IP when anonymous). No loopback exemption: behind a local reverse proxy
   * every caller would be loopback. Default 300/s per key covers the 200/s benchmark from one token.
   */
  const rateLimitIntake: RequestHandler =
    config.intakeRatePerS > 0
      ? rateLimit({
          windowMs: 1000,
          limit: config.intakeRatePerS,
          standardHeaders: 'draft-8',
          legacyHeaders: false,
          keyGenerator: (req, res) => (res.locals.principal as Principal | undefined)?.id ?? ipKeyGenerator(req.ip ?? ''),
          handler: (_req, res) => sendError(res, new DomainError('rate_limited', null, 'too many requests: slow down')),
        })
      : (_req, _res, next) => next();

  const loginLimit = rateLimit({
    windowMs: 60_000,
    limit: 20,
    standardHeaders: 'draft-8',
    legacyHeaders: false,
    handler: (_req, res) => sendError(res, new DomainError('rate_limited', null, 'too many requests: slow down')),
  });

  function issueToken(role: TokenRole, label: string, expiresAt: string | null = null): string {
    const token = newSecret('sg');
    repo.insertToken(sha256(token), role, label, expiresAt);
    return token;
  }

  /** Tokens that stop working within two weeks: a wall or a CAP feed must not go dark without warning. */
  function warnExpiring(): void {
    const soon = new Date(Date.now() + 14 * 86_400_000).toISOString();
    const now = new Date().toISOString();
    for (const t of repo.listTokens()) {
      if (!t.revoked_at && t.expires_at && t.expires_at > now && t.expires_at < soon) {
        log.warn('token expires soon: issue a new one', { id: t.id, role: t.role, label: t.label, expiresAt: t.expires_at });
      }
    }
  }
  warnExpiring();
  const expiryCheck = setInterval(warnExpiring, 86_400_000);
  expiryCheck.unref();

  /** A token only this process uses (the demo traffic's): any older one of that label stops working now, this one
   * when `revoke` is called at stop. */
  function issueProcessToken(role: TokenRole, label: string): { token: string; revoke: () => void } {
    const token = issueToken(role, label);
    repo.revokeLabel(label, sha256(token));
    return { token, revoke: () => void repo.revokeLabel(label) };
  }

  /** A new crew credential for a unit; the unit's previous ones stop working (a lost phone is one call away). */
  function issueUnitToken(unitId: string): string {
    const label = unitTokenLabel(unitId);
    const token = issueToken('unit', label);
    repo.revokeLabel(label, sha256(token));
    return token;
  }

  /** A token with this value and label exists, and it is the only live one with that label. */
  function ensureToken(token: string, role: TokenRole, label: string): void {
    const hash = sha256(token);
    const existing = repo.anyTokenByHash(hash);
    if (!existing) repo.insertToken(hash, role, label);
    else if (existing.role !== role || existing.label !== label) throw new Error(`${label}: token already used with another role`);
    else if (existing.revoked_at) repo.unrevoke(hash);
    repo.revokeLabel(label, hash);
  }

  async function createUser(username: string, password: string, role: Role): Promise<void> {
    repo.upsertUser(username, role, await hashPassword(password));
  }

  const cookieBase = (req: express.Request) => ({ httpOnly: true, sameSite: 'strict' as const, secure: req.secure, path: '/' });

  const router = express.Router();
  const json = express.json({ limit: '16kb' });
  const loginSchema = z.object({ username: z.string().min(1).max(100), password: z.string().min(1).max(200) });
  router.post('/api/login', publicRoute('signing in'), loginLimit, json, async (req, res) => {
    const parsed = loginSchema.safeParse(req.body);
    if (!parsed.success) throw invalidField(parsed.error.issues);
    const user = repo.user(parsed.data.username);
    // an unknown or disabled user costs the same scrypt as a wrong password: no user enumeration by timing
    const stored = user?.passwordHash ?? (await (dummyHash ??= hashPassword(newSecret('dummy'))));
    if (!(await verifyPassword(parsed.data.password, stored)) || !user || user.disabledAt) {
      throw new DomainError('invalid_credentials', 'password', 'wrong user name or password');
    }
    if (needsRehash(user.passwordHash)) repo.rehash(user.username, await hashPassword(parsed.data.password));
    const sid = newSecret('ss');
    repo.insertSession(sha256(sid), user.username, new Date(Date.now() + SESSION_HOURS * 3600_000).toISOString());
    res.cookie(SESSION_COOKIE, sid, { ...cookieBase(req), maxAge: SESSION_HOURS * 3600_000 });
    res.json({ username: user.username, role: user.role });
  });
  router.post('/api/logout', publicRoute('signing out only forgets the caller\'s own cookies'), (req, res) => {
    const sid = parseCookies(req.headers.cookie)[SESSION_COOKIE];
    if (sid) repo.deleteSession(sha256(sid));
    res.clearCookie(SESSION_COOKIE, cookieBase(req));
    res.clearCookie(KIOSK_COOKIE, cookieBase(req));
    res.status(204).end();
  });
  router.get('/api/me', requireAny, (_req, res) => {
    res.json(principalOf(res));
  });
  const tokenSchema = z.object({
    role: z.enum(TOKEN_ROLES), label: z.string().trim().min(1).max(100),
    /** 0 = until revoked; default SIAGA_TOKEN_TTL_DAYS. */
    expiresInDays: z.number().int().min(0).max(36_500).optional(),
  });
  router.post('/api/tokens', requireRole('admin'), json, (req, res) => {
    const parsed = tokenSchema.safeParse(req.body);
    if (!parsed.success) throw invalidField(parsed.error.issues);
    const expiresAt = tokenExpiresAt(parsed.data.expiresInDays ?? config.tokenTtlDays ?? 0);
    const token = issueToken(parsed.data.role, parsed.data.label, expiresAt);
    log.info('token issued', { role: parsed.data.role, label: parsed.data.label, by: principalOf(res).id });
    // shown once: only its sha256 is stored
    res.status(201).json({ token, role: parsed.data.role, label: parsed.data.label, expiresAt });
  });
  router.get('/api/tokens', requireRole('admin'), (_req, res) => {
    res.json({
      items: repo.listTokens().map((t) => ({ id: t.id, role: t.role, label: t.label, createdAt: t.created_at, revokedAt: t.revoked_at, expiresAt: t.expires_at })),
    });
  });
  router.delete('/api/tokens/:id', requireRole('admin'), (req, res) => {
    if (!repo.revokeToken(Number(req.params.id))) throw new DomainError('not_found', 'id', 'no such token');
    res.status(204).end();
  });
  const userSchema = z.object({
    username: z.string().trim().regex(/^[a-z0-9._-]{2,50}$/i),
    password: z.string().min(8).max(200),
    role: z.enum(['viewer', 'operator', 'admin']),
  });
  router.post('/api/users', requireRole('admin'), json, async (req, res) => {
    const parsed = userSchema.safeParse(req.body);
    if (!parsed.success) throw invalidField(parsed.error.issues);
    await createUser(parsed.data.username, parsed.data.password, parsed.data.role);
    res.status(201).json({ username: parsed.data.username, role: parsed.data.role });
  });
  // Someone leaves: disabled (signed out now, refused at login), kept for the names in incident histories.
  router.put('/api/users/:username/disabled', requireRole('admin'), json, (req, res) => {
    const parsed = z.strictObject({ disabled: z.boolean() }).safeParse(req.body);
    if (!parsed.success) throw invalidField(parsed.error.issues);
    const username = String(req.params.username);
    if (!repo.setDisabled(username, parsed.data.disabled)) throw new DomainError('not_found', 'username', 'no such user');
    log.info(parsed.data.disabled ? 'user disabled' : 'user enabled', { username, by: principalOf(res).id });
    res.json({ username, disabled: parsed.data.disabled });
  });

  /**
   * Wall kiosks: `?token=` on a page request is exchanged for an opaque session (its own random id, stored hashed)
   * in an http-only cookie, and the URL is cleaned of it. The browser never keeps the token; revoking the token ends
   * every kiosk session made from it.
   */
  const kiosk: RequestHandler = declareAccess<RequestHandler>((req, res, next) => {
    const token = typeof req.query.token === 'string' ? req.query.token : undefined;
    if (req.method !== 'GET' || !token || req.path.startsWith('/api/')) return next();
    const row = repo.tokenByHash(sha256(token));
    if (!row) return void res.status(401).type('text/plain').send('Token tidak valid / invalid token');
    const sid = newSecret('ks');
    repo.insertKioskSession(sha256(sid), row.id);
    res.cookie(KIOSK_COOKIE, sid, { ...cookieBase(req), maxAge: KIOSK_COOKIE_DAYS * 86400_000 });
    const url = new URL(req.originalUrl, 'http://x');
    url.searchParams.delete('token');
    res.redirect(302, url.pathname + url.search);
  }, { kind: 'middleware' });

  /**
   * Start-up tokens: SIAGA_ADMIN_TOKEN becomes the admin token (a rotated one revokes the old); in demo mode a
   * missing one is generated, and fresh wall/console kiosk tokens are made. Returns what to print once listening.
   */
  function bootstrap(): { adminToken?: string; viewerToken?: string; operatorToken?: string } {
    if (config.adminToken) {
      if (config.adminToken.length < 16) log.warn('SIAGA_ADMIN_TOKEN is short: use at least 16 random characters');
      ensureToken(config.adminToken, 'admin', 'env:SIAGA_ADMIN_TOKEN');
    }
    if (!config.demo) {
      if (!config.adminToken) log.warn('SIAGA_ADMIN_TOKEN is not set: existing tokens and users still work, but no new admin is created');
      return {};
    }
    const out: { adminToken?: string; viewerToken?: string; operatorToken?: string } = {};
    if (!config.adminToken) {
      out.adminToken = issueToken('admin', 'demo:admin');
      repo.revokeLabel('demo:admin', sha256(out.adminToken));
    }
    out.viewerToken = issueToken('viewer', 'demo:wall');
    repo.revokeLabel('demo:wall', sha256(out.viewerToken));
    out.operatorToken = issueToken('operator', 'demo:console');
    repo.revokeLabel('demo:console', sha256(out.operatorToken));
    return out;
  }
  const startup = bootstrap();

  /** Prints the demo access URLs (call once the port is known). */
  function announce(port: number): void {
    if (!config.demo) return;
    const base = `http://localhost:${port}`;
    const lines = [
      startup.adminToken ? `admin token (generated, set SIAGA_ADMIN_TOKEN to fix it): ${startup.adminToken}` : '',
      `wall (viewer):       ${base}/?token=${startup.viewerToken}`,
      `console (operator):  ${base}/?token=${startup.operatorToken}#console`,
    ].filter(Boolean);
    process.stdout.write(lines.map((l) => `  ${l}\n`).join(''));
  }

  return { requireRole, requireIntake, requireUnit, rateLimitIntake, authenticate, router, kiosk, issueToken, issueProcessToken, issueUnitToken, createUser, announce };
}
export type Auth = ReturnType<typeof createAuth>;
