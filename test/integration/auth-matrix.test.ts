// Issue #12, "trust nothing from the field": the auth matrix, generated from the real route table. The app is the one
// server/main.ts builds; its express stack is walked (nested routers included) and every route must declare who may
// call it (server/http/access.ts: the gates of server/http/auth.ts, publicRoute, or declareAccess). Each route is
// then called with no credential and as every kind of principal: no credential → 401, a principal the declaration
// leaves out → 403 from the gate, one it lets in → past the gate; public routes answer everyone alike; nothing 5xx.
// Not here: the OsmAnd device port (startOsmandServer) serves the same declared router as /api/osmand, which is in
// the matrix; the WebSocket upgrades (/ws, /hls-ws) are not express routes (server/http/upgrade-auth.ts).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import express from 'express';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { ROLE_RANK, type Role } from '../../domain/roles.ts';
import { loadConfig } from '../../server/config.ts';
import { accessOf, declareAccess, publicRoute, type Access } from '../../server/http/access.ts';
import { wallBuildNeeded } from '../../server/http/wall-static.ts';
import { start } from '../../server/main.ts';
import { DIST_DIR } from '../../server/paths.ts';

// A stub wall build (stub-wall.ts): start() must not run vite here.
vi.mock('../../server/paths.ts', async (real) => (await import('./stub-wall.ts')).withStubWall(await real<typeof import('../../server/paths.ts')>()));

// ── the route table ────────────────────────────────────────────────────────────────────────────────────────
interface Endpoint {
  method: string;
  path: string;
  access: Access | undefined;
  /** 'route' (app.get…) or 'mount' (app.use: any method, any path below). */
  via: 'route' | 'mount';
}
/** The parts of router 2.3's Layer and Route read here (rawPath is how it keeps a layer's path). */
type Layer = { rawPath?: unknown; route?: { methods: Record<string, boolean>; stack: Layer[] }; handle: any; method?: string };
const GATES = new Set<Access['kind']>(['role', 'intake', 'unit', 'any']);
const MOUNT_METHODS = ['GET', 'POST'];

const join = (a: string, b: string) => (a + (b === '/' ? '' : b)).replace(/\/+/g, '/') || '/';
const under = (p: string, prefix: string) => prefix === '/' || p === prefix || p.startsWith(`${prefix}/`);

/**
 * Every endpoint of an express app, in stack order. A gate mounted with use() guards what comes after it under its
 * path (it throws for anyone it refuses), so a bare handler behind one inherits its access; error handlers
 * (4 arguments) and middleware declared 'middleware' are not endpoints; a router declared as a whole is one endpoint
 * at its mount (probed there, so a declaration it does not live up to fails). Anything else undeclared is listed
 * with access undefined.
 */
function routeTable(app: express.Express): Endpoint[] {
  const out: Endpoint[] = [];
  const guards: Array<{ prefix: string; access: Access }> = [];
  const guardOf = (p: string) => guards.findLast((g) => under(p, g.prefix))?.access;
  const walk = (stack: Layer[], prefix: string) => {
    for (const layer of stack) {
      const raw = layer.rawPath ?? '/';
      for (const p of (Array.isArray(raw) ? raw : [raw]).map((x) => join(prefix, String(x)))) {
        if (layer.route) {
          const { methods, stack: handlers } = layer.route;
          const verbs = Object.keys(methods).flatMap((m) => (m === '_all' ? MOUNT_METHODS : [m.toUpperCase()]));
          for (const method of verbs) {
            const mine = handlers.filter((h) => !h.method || h.method === method.toLowerCase());
            const own = mine.map((h) => accessOf(h.handle)).find(Boolean);
            out.push({ method, path: p, access: own ?? guardOf(p), via: 'route' });
          }
          continue;
        }
        const declared = accessOf(layer.handle);
        if (declared?.kind === 'middleware' || (!declared && layer.handle.length === 4)) continue;
        const router = Array.isArray(layer.handle.stack);
        if (declared && GATES.has(declared.kind) && !router) guards.push({ prefix: p, access: declared });
        else if (!declared && router) walk(layer.handle.stack, p);
        else for (const method of MOUNT_METHODS) out.push({ method, path: p, access: declared ?? guardOf(p), via: 'mount' });
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, '/');
  return out;
}

// ── who calls ──────────────────────────────────────────────────────────────────────────────────────────────
const PRINCIPALS = ['none', 'viewer', 'operator', 'admin', 'integration', 'unit'] as const;
type Principal = (typeof PRINCIPALS)[number];
const isRole = (p: Principal): p is Role => p in ROLE_RANK;

/** The rule each declaration stands for, written out here rather than read from auth.ts. */
function admits(access: Access, p: Principal): boolean {
  switch (access.kind) {
    case 'role': return isRole(p) && ROLE_RANK[p] >= ROLE_RANK[access.role];
    case 'intake': return p === 'integration' || p === 'operator' || p === 'admin';
    case 'unit': return p === 'unit';
    case 'any': return p !== 'none';
    default: return true;
  }
}

/** Route parameters filled with well-formed ids that name nothing, so no probe changes what another relies on. */
const PARAMS: Record<string, string> = { id: '999999', file: 'index.m3u8' };
/** Mounts probed below their root, where there is something to serve. */
const MOUNT_SAMPLE: Record<string, string> = { '/geo/basemap': '/geo/basemap/roads-major.geojson' };
function concrete(e: Endpoint): string {
  if (e.via === 'mount') return MOUNT_SAMPLE[e.path] ?? e.path;
  const url = e.path.replace(/:(\w+)/g, (_m, k: string) => PARAMS[k] ?? 'x1');
  if (/[*{}()]/.test(url)) throw new Error(`${e.path}: teach concrete() this path syntax`);
  return url;
}
/** What the field may put where an id goes: none of it may earn a 5xx, whoever sends it (the gate may not run first). */
const HOSTILE = ['%E0%A4%A', '..%2F..%2Fetc%2Fpasswd', 'a'.repeat(300), '-1'];
const hostile = (e: Endpoint, v: string) => (e.via === 'mount' ? join(e.path, `/${v}`) : e.path.replace(/:\w+/g, v));

// ── the real app ───────────────────────────────────────────────────────────────────────────────────────────
const ADMIN = 'auth-matrix-admin-token-0123456789';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-auth-matrix-'));
const cleanUp = () => {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(DIST_DIR, { recursive: true, force: true });
};
// Started while the file is collected: the tests are generated from its route table.
const running = await start(
  loadConfig({
    PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: path.join(tmp, 'data'), SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'),
    SIAGA_ADMIN_TOKEN: ADMIN, SIAGA_NO_STREAMS: '1', SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_LOG_LEVEL: 'error',
    SIAGA_BACKUP_INTERVAL_S: '0', SIAGA_INTAKE_RATE: '0', SIAGA_MIN_FREE_DISK_MB: '0', FFMPEG_PATH: process.env.FFMPEG_PATH,
  }, []),
).catch((err) => {
  cleanUp();
  throw err;
});
afterAll(async () => {
  await running.close();
  cleanUp();
});
const base = `http://127.0.0.1:${running.port}`;
const app = running.server.listeners('request')[0] as express.Express;

async function call(method: string, url: string, token: string | undefined) {
  const write = method !== 'GET' && method !== 'HEAD';
  const res = await fetch(base + url, {
    method,
    redirect: 'manual',
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      // a state-changing request as this server's own page sends it (the Origin check is not what is under test)
      ...(write ? { origin: base, 'content-type': 'application/json' } : {}),
    },
    body: write ? '{}' : undefined,
  });
  const text = await res.text();
  let body: any = null;
  try {
    body = JSON.parse(text);
  } catch {
    /* not JSON: the wall, metrics, media */
  }
  return { status: res.status, body };
}
async function adminPost(url: string, body: unknown) {
  const headers = { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' };
  const res = await fetch(base + url, { method: 'POST', headers, body: JSON.stringify(body) });
  const text = await res.text();
  expect(res.status, `${url}: ${text}`).toBe(201);
  return JSON.parse(text);
}

// Every principal through the real API, as an admin would hand them out.
const tokenOf: Record<Principal, string | undefined> = { none: undefined, admin: ADMIN, viewer: '', operator: '', integration: '', unit: '' };
beforeAll(async () => {
  for (const role of ['viewer', 'operator', 'integration'] as const) {
    tokenOf[role] = (await adminPost('/api/tokens', { role, label: `auth-matrix ${role}` })).token;
  }
  await adminPost('/api/units', { id: 'matrix-1', callsign: 'MATRIX 1', agency: 'damkar', kind: 'pumper' });
  tokenOf.unit = (await adminPost('/api/units/matrix-1/crew-token', {})).token;
});

const table = routeTable(app);
const describeAccess = (a: Access | undefined) => (!a ? 'UNDECLARED' : a.kind === 'role' ? `role ${a.role}` : a.kind);

describe('the route table', () => {
  it('every route declares who may call it', () => {
    const undeclared = table.filter((e) => !e.access).map((e) => `${e.method} ${e.path} (${e.via})`);
    expect(undeclared, 'declare access: a gate of server/http/auth.ts, publicRoute(why) or declareAccess').toEqual([]);
  });

  it('is the whole table (the walk reaches every router)', () => {
    const seen = new Set(table.map((e) => `${e.method} ${e.path}`));
    for (const known of ['POST /api/login', 'GET /api/health', 'GET /metrics', 'GET /hls/:id/:file', 'GET /api/geocode', 'POST /api/incidents',
      'POST /api/intake/cap', 'POST /api/incidents/:id/dispatch', 'POST /api/crew/taps', 'GET /api/kpis/replay', 'POST /api/osmand', 'GET /']) {
      expect(seen, known).toContain(known);
    }
    expect(table.length).toBeGreaterThan(40);
    expect(wallBuildNeeded(), 'the stub wall is served: no vite build was started').toBeNull();
  });

  it('a route added without a declaration, or behind a mount without one, is caught', () => {
    const a = express();
    const gated = express.Router();
    gated.get('/api/x/list', (_req, res) => void res.end());
    a.use('/api/x', declareAccess<express.RequestHandler>((_req, _res, next) => next(), { kind: 'role', role: 'admin' }));
    a.use(gated);
    a.get('/api/open', publicRoute('test'), (_req, res) => void res.end());
    a.get('/api/forgot', (_req, res) => void res.end());
    a.use('/files', express.static(os.tmpdir()));
    const t = routeTable(a);
    expect(t.filter((e) => !e.access).map((e) => `${e.method} ${e.path}`)).toEqual(['GET /api/forgot', 'GET /files', 'POST /files']);
    expect(t.find((e) => e.path === '/api/x/list')?.access).toEqual({ kind: 'role', role: 'admin' });
  });
});

describe('every route × every principal', () => {
  for (const e of table.filter((x) => x.access)) it(`${e.method} ${e.path} (${describeAccess(e.access)})`, async () => {
    const access = e.access!;
    const url = concrete(e);
    const got: Record<string, { status: number; body: any }> = {};
    for (const p of PRINCIPALS) got[p] = await call(e.method, url, tokenOf[p]);
    const wrong: string[] = [];
    const seen = (p: Principal) => `${p}: ${got[p].status} ${JSON.stringify(got[p].body)?.slice(0, 160) ?? ''}`;
    for (const p of PRINCIPALS) {
      const { status, body } = got[p];
      if (status >= 500) wrong.push(`${seen(p)} (5xx)`);
      else if (!GATES.has(access.kind)) {
        // open routes: a credential changes nothing
        if (status === 401 || status === 403 || status !== got.none.status) wrong.push(`${seen(p)} (open route: expected as for none)`);
      } else if (p === 'none') {
        if (status !== 401 || body?.error !== 'unauthenticated') wrong.push(`${seen(p)} (expected 401 unauthenticated)`);
      } else if (!admits(access, p)) {
        if (status !== 403 || body?.error !== 'forbidden' || body?.field !== 'role') wrong.push(`${seen(p)} (expected 403 forbidden by role)`);
      } else if (status === 401 || status === 403) wrong.push(`${seen(p)} (expected past the gate)`);
    }
    if (e.via === 'mount' || e.path.includes(':')) {
      for (const v of HOSTILE) {
        for (const p of PRINCIPALS) {
          const { status, body } = await call(e.method, hostile(e, v), tokenOf[p]);
          if (status >= 500) wrong.push(`${p} at ${hostile(e, v).slice(0, 60)}: ${status} ${JSON.stringify(body)} (5xx)`);
        }
      }
    }
    expect(wrong, `${e.method} ${url}`).toEqual([]);
  });
});
