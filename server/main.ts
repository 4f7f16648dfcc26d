// Composition root: config → services → http/ws. Each capability is wired in its own block below;
// capabilities never import each other, they talk through the EventBus and the deps given here.
import crypto from 'node:crypto';
import path from 'node:path';
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from './config.ts';
import { EventBus } from './events.ts';
import { createApp, finishApp } from './http/app.ts';
import type { RequestHandler } from 'express';
import { declareAccess, publicRoute } from './http/access.ts';
import { createAccessLog } from './http/access-log.ts';
import { allowOrigins } from './http/origin.ts';
import { createMetricsRegistry, metricsRouter, registerCameraMetrics, registerRecordingMetrics } from './http/metrics.ts';
import type { RequireRole } from './http/roles.ts';
import { loadCameras } from '../camera-config/load.ts';
import { startCameraSim } from './demo/camera-sim.ts';
import { demoWorkDir, startStreams } from './streams/index.ts';
import { startRecordings } from './recordings/index.ts';
import { startTlsFront } from './http/tls.ts';
import { attachHlsSocket } from './streams/hls-socket.ts';
import type { FfmpegInfo } from './streams/ffmpeg.ts';
import { createAuth, principalOf } from './http/auth.ts';
import { createDiskGuard } from './store/disk-guard.ts';
import { openDb, migrate } from './store/db.ts';
import { transactorFor } from './store/group-commit.ts';
import { startBackups, type Backups } from './store/backup.ts';
import { startRetention } from './store/retention.ts';
import { createIncidentService } from './incidents/service.ts';
import { incidentsRouter } from './incidents/routes.ts';
import { createGeo } from '../geo/index.ts';
import { buildRoadGraph, roadLinesOf } from '../geo/routing.ts';
import { GEO_DATA_DIR, loadGeoData } from './geo/load.ts';
import { geoRouter } from './geo/routes.ts';
import { createPlacesService } from './places/service.ts';
import { placesRouter } from './places/routes.ts';
import { wallBuildNeeded, wallRouter } from './http/wall-static.ts';
import { startUnits } from './units/index.ts';
import { createHub } from './realtime/hub.ts';
import { startDemoTraffic } from './demo/traffic.ts';
import { startKpis } from './kpis/index.ts';
import { seedDemoHistory } from './demo/history.ts';
import { logger, setLogLevel } from './log.ts';
import { loadSiteTables } from './site/tables.ts';
import { storeHealth } from './store/health.ts';

const log = logger('main');
/**
 * SIGTERM/SIGINT to exit, at most: the promise is 10 s to a process manager, and exiting (whose hook SIGKILLs any
 * child still alive) needs its own moment on a loaded machine.
 */
const STOP_BOUND_MS = 9_000;
/** What a refused write is told while the server stops: about one restart under a process manager. */
const RETRY_AFTER_S = 5;

export interface Running {
  config: Config;
  server: http.Server;
  port: number;
  /** The HTTPS (HTTP/2) port when SIAGA_TLS_CERT/KEY are set. */
  tlsPort: number | undefined;
  bus: EventBus;
  /** Online backups of the store; undefined when SIAGA_BACKUP_INTERVAL_S=0. */
  backups: Backups | undefined;
  close(): Promise<void>;
}

export async function start(config: Config = loadConfig()): Promise<Running> {
  setLogLevel(config.logLevel);
  // Site tables first: a typo in routing/sla/population stops the start with the file and field, before any port opens.
  const site = loadSiteTables(config.siteDir);
  const bus = new EventBus();
  /** Run in reverse order on shutdown. */
  const closers: Array<[string, () => Promise<void> | void]> = [];
  const app = createApp();
  allowOrigins(config.allowedOrigins);
  if (config.accessLogDays > 0) {
    const access = createAccessLog(path.join(config.dataDir, 'logs'), config.accessLogDays);
    app.use(declareAccess(access.middleware, { kind: 'middleware' }));
    closers.push(['access log', () => access.close()]);
  }
  // Shutdown step 1: once stopping, every write answers 503 + Retry-After (reads keep answering during the drain),
  // so a CAD feed or a Traccar Client retries against the restarted server instead of losing the call.
  let stopping = false;
  app.use(declareAccess<RequestHandler>((req, res, next) => {
    if (!stopping || req.method === 'GET' || req.method === 'HEAD') return next();
    res.set('Retry-After', String(RETRY_AFTER_S)).status(503).json({ error: 'shutting_down', message: 'the server is restarting: retry after the Retry-After seconds' });
  }, { kind: 'middleware' }));
  let ffmpeg: FfmpegInfo | undefined;
  let cameraSummary: () => { online: number; total: number } = () => ({ online: 0, total: 0 });
  let recordingSummary: () => { state: string; bytes: number; budgetBytes: number; oldest: string | null } | null = () => null;

  // ── store ─────────────────────────────────────────────────────────────
  const db = openDb(config.dataDir);
  migrate(db);
  // Health tells the truth: a real write, the free disk, the cameras; 503 with the reason when it cannot serve.
  // At most one probe write a second, however often health is asked (it needs no credential).
  let probed = { at: 0, store: storeHealth(db, config.dataDir, config.minFreeDiskMB) };
  app.get('/api/health', publicRoute('load balancers and process managers probe it without a credential'), (_req, res) => {
    if (Date.now() - probed.at >= 1000) probed = { at: Date.now(), store: storeHealth(db, config.dataDir, config.minFreeDiskMB) };
    const { store } = probed;
    const reason = stopping ? 'shutting_down' : store.reason;
    res.status(reason ? 503 : 200).json({
      ok: !reason,
      ...(reason ? { reason } : {}),
      demo: config.demo,
      uptimeS: Math.round(process.uptime()),
      freeDiskMB: store.freeMB,
      cameras: cameraSummary(),
      recording: recordingSummary(),
      ffmpeg: ffmpeg && { version: ffmpeg.version, source: ffmpeg.source, warning: ffmpeg.warning }, // no path: anyone may ask
    });
  });
  // Below the watermark only 112 intake and dispatch still write (507 for the rest, retried by their senders).
  const disk = createDiskGuard(config.dataDir, config.minFreeDiskMB);
  app.use(declareAccess(disk.middleware, { kind: 'middleware' }));
  closers.push(['store', async () => {
    // Last step: whatever AVL or intake was still queued commits, the WAL folds into the main file, then close.
    await transactorFor(db).drain();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
  }]);
  // Online backups (one now, then every SIAGA_BACKUP_INTERVAL_S); pushed after the db so it closes before it.
  const backups = config.backupIntervalS > 0
    ? startBackups({ db, dir: config.backupDir, intervalMs: config.backupIntervalS * 1000, keep: config.backupKeep })
    : undefined;
  if (backups) closers.push(['backups', () => backups.close()]);
  // Retention (old positions thinned then dropped, intake keys, intake log, dead tokens, unapproved place candidates):
  // small batches on a timer.
  if (config.retention.intervalS > 0) {
    const retention = startRetention({ db, policy: config.retention, intervalMs: config.retention.intervalS * 1000 });
    closers.push(['retention', () => retention.close()]);
  }

  // ── auth ──────────────────────────────────────────────────────────────
  const auth = createAuth({ db, config });
  const requireRole: RequireRole = auth.requireRole;
  app.use(auth.kiosk); // ?token= on a page → http-only cookie (before the static wall)
  app.use(auth.router); // /api/login, /api/logout, /api/me, /api/tokens, /api/users

  // ── cameras + streams ─────────────────────────────────────────────────
  if (config.demo) {
    // Demo cameras (part of the demo block, placed here because cameras.json's ${SIAGA_CCTV_*} must point at the
    // simulator before the cameras are loaded): a real RTSP server + one looping publisher per camera.
    const placeholders = { ...config.cameraEnv, SIAGA_CCTV_HOST: '127.0.0.1', SIAGA_CCTV_USER: 'x', SIAGA_CCTV_PASSWORD: 'x' }; // ids and names only
    const demoCams = loadCameras(config.camerasFile, placeholders);
    // the simulated cameras demand a user and password, as real ones do: the pull path (relay, Basic) is the real one
    config.cameraEnv.SIAGA_CCTV_USER ||= `demo-${crypto.randomBytes(3).toString('hex')}`;
    config.cameraEnv.SIAGA_CCTV_PASSWORD ||= crypto.randomBytes(9).toString('base64url');
    const sim = await startCameraSim({
      credentials: { user: config.cameraEnv.SIAGA_CCTV_USER, password: config.cameraEnv.SIAGA_CCTV_PASSWORD },
      ids: demoCams.map((c) => c.id),
      labels: Object.fromEntries(demoCams.map((c) => [c.id, c.name])),
      workDir: demoWorkDir(config.runtimeDir),
      ffmpegPath: config.ffmpegPath,
      // as much city CCTV does; without `transcode` a wall that cannot decode H.265 says so on its tile
      h265Ids: ['cam-16'],
    });
    closers.push(['demo cameras', () => sim.close()]);
    config.cameraEnv.SIAGA_CCTV_HOST = sim.host;
  }
  const cameras = config.noStreams ? [] : loadCameras(config.camerasFile, config.cameraEnv); // SIAGA_NO_STREAMS=1: API-only start
  const streams = await startStreams({ config, cameras, bus, requireRole });
  ffmpeg = streams.ffmpeg;
  closers.push(['camera pipelines', () => streams.close()]);
  /** The one camera view builder (config without secrets + health + hls/snapshot URLs), for other rooms. */
  const cameraViews = () => streams.supervisor.views();
  cameraSummary = () => {
    const views = cameraViews();
    return { online: views.filter((v) => v.health.status === 'online').length, total: views.length };
  };
  app.use(streams.router);
  // Every recorded camera's past on disk, from the same in-memory segments (no second pull); playback is operator+.
  const recordings = startRecordings({
    config: config.recording, cameras, segmenterOf: (id) => streams.supervisor.pipeline(id)?.segmenter, db, requireRole,
    ffmpegPath: streams.ffmpeg.path, dataDir: config.dataDir,
    // evidence exports name an incident and go into its history; the incident service is built below (called per request)
    incidents: { get: (id) => incidents.get(id), addEvent: (id, e) => incidents.addEvent(id, e) },
  });
  closers.push(['recordings', () => recordings.close()]);
  recordingSummary = () => {
    const { state, bytes, budgetBytes, oldest } = recordings.health();
    return { state, bytes, budgetBytes, oldest };
  };
  app.use(recordings.router);
  const metrics = createMetricsRegistry();
  registerCameraMetrics(metrics, cameraViews);
  registerRecordingMetrics(metrics, () => {
    const r = recordings.recorder;
    return { received: r.bytesReceived, written: r.bytesWritten, stored: r.totalBytes(), budget: r.policy.budgetBytes };
  });
  app.use(metricsRouter({ registry: metrics, requireRole }));

  // ── geo ───────────────────────────────────────────────────────────────
  const geoData = loadGeoData();
  const geo = createGeo(geoData);
  const roads = buildRoadGraph(roadLinesOf(geoData.roads)); // dispatch desk ETAs and routes, the demo's driving units
  app.use(geoRouter({ geo, requireRole })); // GET /api/geocode, /api/reverse
  // The centre's common places (issue #14): approved rows go to the geocoder now and after every change.
  const places = createPlacesService({ db, geo });
  places.refresh();
  app.use(placesRouter({ places, requireRole })); // /api/places…

  // ── incidents, units ──────────────────────────────────────────────────
  const incidents = createIncidentService({ db, bus, geo, routing: site.routing, repeatCalls: site.repeatCalls });
  app.use(
    incidentsRouter({
      service: incidents,
      requireRole,
      requireIntake: auth.requireIntake,
      rateLimitIntake: auth.rateLimitIntake,
      amlHmacKey: config.amlHmacKey,
      serviceBox: geo.extent(),
      cameras: cameraViews,
      camerasFor: geo.camerasFor,
      onHandPlaced: (p) => void places.notePlacement(p),
    }),
  );
  // Units: AVL (OsmAnd on /api/osmand and on the device port), units API, dispatch with automatic arrival.
  const units = await startUnits({
    config, db, bus, incidents, requireRole, actorOf: (_req, res) => principalOf(res).id, diskRefusal: disk.refusal,
    desk: { roads, cameras: cameraViews },
    crew: { requireUnit: auth.requireUnit, unitOf: (res) => principalOf(res).unit, issueUnitToken: auth.issueUnitToken },
  });
  closers.push(['units', () => units.close()]);
  app.use(units.router);
  // Briefing KPIs (read-only over the incidents/units time stamps).
  app.use(startKpis({ db, requireRole, tables: site, replayMaxFixes: config.replayMaxFixes }).router);

  // ── wall (static) ─────────────────────────────────────────────────────
  // Built wall + offline basemap data. `npm start` (demo) rebuilds a missing/stale wall in the background
  // (a "preparing" page answers meanwhile); other starts build only when dist/wall is missing.
  app.use(wallRouter({ build: config.demo || wallBuildNeeded() === 'missing' }));

  finishApp(app);
  const server = http.createServer(app);

  // ── realtime (ws on the same server) ──────────────────────────────────
  const hub = createHub({
    server,
    bus,
    authenticate: auth.authenticate,
    snapshot: () => ({ cameras: cameraViews(), incidents: incidents.listOpen(), units: units.service.list() }),
  });
  // LL-HLS over one socket per page: a 16-tile wall is not queued behind HTTP/1.1's 6 connections per origin.
  const hlsSocket = attachHlsSocket({ server, pipelineOf: (id) => streams.supervisor.pipeline(id), authenticate: auth.authenticate });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  // HTTPS with HTTP/2 beside it when a certificate is configured (a browser multiplexes a whole wall page on one connection)
  const tls = config.tls ? await startTlsFront({ ...config.tls, host: config.host, app: server }) : undefined;

  // ── demo (simulated cameras, 112 traffic, units) ──────────────────────
  if (config.demo) {
    // 30 days of history on the first start (empty store), through the incidents/units services with back-dated
    // clocks; runs in day batches in the background so the server answers meanwhile.
    const historyStop = new AbortController();
    const history = seedDemoHistory({
      db, geo, routing: site.routing, geoDataDir: GEO_DATA_DIR, roads, signal: historyStop.signal, perDay: config.demoCallsPerDay,
      ensureUnit: (u) => {
        if (!units.service.get(u.id)) units.service.register(u);
      },
    }).catch((err) => log.warn('demo history failed', { err: String(err) }));
    closers.push(['demo history', async () => {
      historyStop.abort();
      await history;
    }]);
    // 112 traffic + ~20 units over real HTTP to our own endpoints, with an operator token of its own (revoked at
    // stop, and any left by an earlier run revoked now).
    const trafficToken = auth.issueProcessToken('operator', 'demo:traffic');
    const traffic = await startDemoTraffic({
      baseUrl: `http://${['0.0.0.0', '::', ''].includes(config.host) ? '127.0.0.1' : config.host}:${port}`,
      token: trafficToken.token,
      geoDataDir: GEO_DATA_DIR,
      roads,
      callsPerDay: config.demoCallsPerDay,
      // a fresh device id for each demo unit at each start: no fixed, guessable demo ids
      ensureUnit: (u) => (units.service.get(u.id) ? units.service.rotateDevice(u.id) : units.service.register(u).deviceId),
    });
    closers.push(['demo traffic', async () => {
      await traffic.stop();
      trafficToken.revoke(); // before the store closes (it closes last)
    }]);
  }

  log.info(`Siaga Wall on http://localhost:${port}${config.demo ? ' (demo)' : ''}${tls ? `, https://localhost:${tls.port} (HTTP/2)` : ''}`);
  auth.announce(port); // demo: admin token (if generated), wall and console URLs

  // Graceful stop, in order: refuse writes (503) and new connections → commit what is queued (every accepted
  // write gets its 2xx) → close the walls' sockets with 1012 → demo traffic, units, ffmpeg children (together) →
  // backups → checkpoint and close SQLite. The caller bounds the whole of it (see the signal handler below).
  let closing: Promise<void> | undefined;
  const step = async (what: string, fn: () => Promise<void> | void) => {
    const t0 = Date.now();
    try {
      await fn();
    } catch (err) {
      log.warn(`shutdown: ${what} failed`, { err: String(err) });
    }
    if (Date.now() - t0 > 1000) log.warn(`shutdown: ${what} took ${Date.now() - t0} ms`);
  };
  const close = () =>
    (closing ??= (async () => {
      stopping = true;
      const listening = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeIdleConnections?.();
      await step('drain group commit', () => transactorFor(db).drain());
      await step('close websockets', () => Promise.all([hub.close(), hlsSocket.close()]).then(() => undefined));
      server.closeAllConnections?.();
      await step('stop listening', () => listening);
      if (tls) await step('stop https', () => tls.close());
      // The rooms stop side by side (demo traffic, units, camera pipelines, demo cameras: none needs another);
      // then the backup in progress, then the store last.
      const last = new Set(['backups', 'store']);
      await Promise.all(closers.filter(([what]) => !last.has(what)).map(([what, fn]) => step(what, fn)));
      for (const [what, fn] of closers.reverse().filter(([what]) => last.has(what))) await step(what, fn);
    })());
  return { config, server, port, tlsPort: tls?.port, bus, backups, close };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await start().catch((err) => {
    log.error(`start failed: ${err?.message ?? err}`);
    process.exit(1);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log.info(`${sig}: shutting down`);
      // Bounded: a step that hangs must not keep a process manager waiting; exit's hook SIGKILLs any ffmpeg left.
      setTimeout(() => {
        log.error(`shutdown took longer than ${STOP_BOUND_MS / 1000} s: exiting`);
        process.exit(1);
      }, STOP_BOUND_MS).unref();
      running.close().then(
        () => {
          log.info('stopped cleanly');
          process.exit(0);
        },
        () => process.exit(1),
      );
    });
  }
}
