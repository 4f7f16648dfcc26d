// Serves the built wall (dist/wall) and the offline basemap data it needs (geo/data/basemap/*, attribution).
// `npm start` builds the wall when dist/wall is missing or older than any wall/ or geo/ source: vite runs
// in-process into a temp dir that is swapped in when complete, so a half-built dist is never served, and a
// lock directory keeps two processes from building at once.
import express from 'express';
import fs from 'node:fs';
import path from 'node:path';
import { logger } from '../log.ts';
import { declareAccess, publicRoute } from './access.ts';
import { DIST_DIR, PROJECT_ROOT } from '../paths.ts';

const log = logger('wall');
const ROOT = PROJECT_ROOT;
export const WALL_DIR = path.join(ROOT, 'wall');
export const WALL_DIST = path.join(DIST_DIR, 'wall');
const GEO_DATA = path.join(ROOT, 'geo/data');
const LOCK = path.join(WALL_DIR, '.build-lock');
const LOCK_STALE_MS = 10 * 60_000;
/** Sources whose change makes the build stale (geo/*.ts is bundled for the FOV cones, domain/*.ts for the shapes). */
const SOURCE_DIRS = [WALL_DIR, path.join(ROOT, 'geo'), path.join(ROOT, 'domain')];
const SOURCE_EXT = /\.(ts|html|css|json)$/;

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'dist' || entry.name === 'node_modules' || entry.name.startsWith('.') || entry.name === 'data') continue;
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestMtime(p));
    else if (SOURCE_EXT.test(entry.name)) newest = Math.max(newest, fs.statSync(p).mtimeMs);
  }
  return newest;
}

/** Why the wall needs a build ('missing' | 'stale'), or null when dist/wall is current. */
export function wallBuildNeeded(): 'missing' | 'stale' | null {
  const index = path.join(WALL_DIST, 'index.html');
  if (!fs.existsSync(index)) return 'missing';
  const built = fs.statSync(index).mtimeMs;
  return SOURCE_DIRS.some((d) => fs.existsSync(d) && newestMtime(d) > built) ? 'stale' : null;
}

/** The lock holds the builder's pid: a lock left by a killed process (dead pid, or too old) is taken over. */
function tryLock(): boolean {
  try {
    fs.mkdirSync(LOCK);
    fs.writeFileSync(path.join(LOCK, 'pid'), String(process.pid));
    return true;
  } catch {
    try {
      const pid = Number(fs.readFileSync(path.join(LOCK, 'pid'), 'utf8'));
      const old = Date.now() - fs.statSync(LOCK).mtimeMs > LOCK_STALE_MS;
      if (old || (pid && pid !== process.pid && !isAlive(pid))) {
        fs.rmSync(LOCK, { recursive: true, force: true });
        return tryLock();
      }
    } catch {
      /* lock just created (no pid yet) or just released: try again later */
    }
    return false;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

let building: Promise<void> | null = null;

/** Build dist/wall if missing or stale (idempotent; concurrent callers share one build). */
export function ensureWallBuilt(opts: { force?: boolean } = {}): Promise<void> {
  if (!opts.force && !wallBuildNeeded()) return Promise.resolve();
  building ??= (async () => {
    // Another process is building: wait for it, then re-check.
    while (!tryLock()) {
      await new Promise((r) => setTimeout(r, 500));
      if (!opts.force && !wallBuildNeeded()) return;
    }
    const tmp = `${WALL_DIST}.tmp-${process.pid}`;
    fs.mkdirSync(DIST_DIR, { recursive: true });
    try {
      const why = opts.force ? 'forced' : wallBuildNeeded();
      if (!why) return;
      const t0 = Date.now();
      log.info(`building the wall (${why})…`);
      const { build } = await import('vite');
      await build({ configFile: path.join(WALL_DIR, 'vite.config.ts'), logLevel: 'warn', build: { outDir: tmp, emptyOutDir: true } });
      const old = `${WALL_DIST}.old-${process.pid}`;
      if (fs.existsSync(WALL_DIST)) fs.renameSync(WALL_DIST, old);
      fs.renameSync(tmp, WALL_DIST);
      fs.rmSync(old, { recursive: true, force: true });
      log.info(`wall built in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
      fs.rmSync(LOCK, { recursive: true, force: true });
    }
  })().finally(() => {
    building = null;
  });
  return building;
}

const BUILDING_PAGE = `<!doctype html><meta charset="utf-8"><meta http-equiv="refresh" content="3">
<title>Siaga Wall</title><body style="background:#03070e;color:#e8eef8;font:2vw sans-serif;display:grid;place-items:center;height:100vh">
<p>Menyiapkan tampilan… / Preparing the wall…</p>`;

function setTypes(res: express.Response, file: string): void {
  // maplibre's worker is an .mjs module: browsers refuse it unless served as JavaScript.
  if (file.endsWith('.mjs') || file.endsWith('.js')) res.setHeader('Content-Type', 'text/javascript; charset=utf-8');
  // Hashed assets never change; index.html must be revalidated so a rebuilt wall is picked up on reload.
  if (file.includes(`${path.sep}assets${path.sep}`)) res.setHeader('Cache-Control', 'public, max-age=31536000, immutable');
  else res.setHeader('Cache-Control', 'no-cache');
}

const BASEMAP = { kind: 'public', why: 'a map of public data, needed by the login screen too' } as const;

/**
 * Mount the wall: /geo/basemap/*.geojson and /geo/attribution.json (public: a map of public data, needed by the
 * login screen's background too), then dist/wall with index.html for `/`. When `build` is true the wall is
 * (re)built in the background if needed and a "preparing" page answers meanwhile.
 */
export function wallRouter(opts: { build: boolean }): express.Router {
  const router = express.Router();
  router.use(
    '/geo/basemap',
    declareAccess(express.static(path.join(GEO_DATA, 'basemap'), {
      index: false,
      setHeaders: (res) => res.setHeader('Cache-Control', 'public, max-age=3600'),
    }), BASEMAP),
  );
  router.get('/geo/attribution.json', publicRoute(BASEMAP.why), (_req, res) => res.sendFile(path.join(GEO_DATA, 'attribution.json')));

  let ready = !wallBuildNeeded();
  if (opts.build && !ready) {
    ensureWallBuilt()
      .then(() => (ready = true))
      .catch((err) => log.error(`wall build failed: ${err?.message ?? err}`));
  } else if (!ready && wallBuildNeeded() === 'stale') {
    ready = true; // serve the older build; `npm run build:wall` refreshes it
    log.warn('dist/wall is older than its sources: run `npm run build:wall`');
  }

  const assets = express.static(WALL_DIST, { index: false, setHeaders: setTypes });
  // The page shell holds no data: what it shows comes from the gated API and sockets.
  router.use(declareAccess<express.RequestHandler>((req, res, next) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return next();
    if (req.path.startsWith('/api/') || req.path.startsWith('/hls/') || req.path === '/ws' || req.path === '/metrics') return next();
    if (!ready && !fs.existsSync(path.join(WALL_DIST, 'index.html'))) {
      if (req.path === '/' || req.path === '/index.html') return void res.status(503).type('html').send(BUILDING_PAGE);
      return next();
    }
    if (req.path === '/' || req.path === '/index.html') {
      res.setHeader('Cache-Control', 'no-cache');
      return void res.sendFile(path.join(WALL_DIST, 'index.html'));
    }
    return assets(req, res, next);
  }, { kind: 'public', why: 'the wall page and its assets: the login screen must load' }));
  return router;
}
