// Set-up for the incidents/auth integration tests: real SQLite file in a temp dir, real geo over geo/data, real
// auth and the incidents router on a real HTTP server on port 0 — wired as server/main.ts wires them.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadCameras } from '../../camera-config/load.ts';
import { publicCamera } from '../../camera-config/redact.ts';
import { createGeo, type Geo } from '../../geo/index.ts';
import { EventBus } from '../../server/events.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { createAuth } from '../../server/http/auth.ts';
import { incidentsRouter } from '../../server/incidents/routes.ts';
import { createIncidentService } from '../../server/incidents/service.ts';
import { migrate, openDb } from '../../server/store/db.ts';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
export const fixture = (rel: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures/incidents', rel), 'utf8');
export const gazetteer = JSON.parse(fs.readFileSync(path.join(ROOT, 'geo/data/gazetteer.json'), 'utf8'));
export const ADMIN = 'test-admin-token-incidents-0123456789';

let geo: Geo | undefined;
const theGeo = () => (geo ??= createGeo(loadGeoData(path.join(ROOT, 'geo/data'))));

/** The shipped cameras as public views (placeholders filled with dummies: no secret is needed or exposed). */
export const cameraViews = loadCameras(path.join(ROOT, 'camera-config/cameras.json'), {
  SIAGA_CCTV_HOST: '127.0.0.1', SIAGA_CCTV_USER: 'u', SIAGA_CCTV_PASSWORD: 'p',
}).map((c) => ({ ...publicCamera(c), hls: `/hls/${c.id}/index.m3u8`, snapshot: `/api/cameras/${c.id}/snapshot.jpg` }));

export async function startIncidents(opts: { amlHmacKey?: string; intakeRatePerS?: number; demo?: boolean } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-incidents-'));
  const db = openDb(dir);
  migrate(db);
  const bus = new EventBus();
  const events: any[] = [];
  bus.subscribe('incident', (e) => events.push(e));
  const auth = createAuth({ db, config: { adminToken: ADMIN, demo: opts.demo ?? false, intakeRatePerS: opts.intakeRatePerS ?? 300 } });
  const g = theGeo();
  const service = createIncidentService({ db, bus, geo: g });
  const app = createApp();
  app.use(auth.kiosk);
  app.use(auth.router);
  app.use(
    incidentsRouter({
      service, requireRole: auth.requireRole, requireIntake: auth.requireIntake, rateLimitIntake: auth.rateLimitIntake,
      amlHmacKey: opts.amlHmacKey, cameras: () => cameraViews, camerasFor: g.camerasFor, serviceBox: g.extent(),
    }),
  );
  app.get('/wall', (_req, res) => void res.type('text/plain').send('wall page'));
  finishApp(app);
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const tokens = {
    admin: ADMIN,
    operator: auth.issueToken('operator', 'test-console'),
    viewer: auth.issueToken('viewer', 'test-wall'),
    integration: auth.issueToken('integration', 'test-feed'),
  };
  type Who = keyof typeof tokens | null;
  return {
    dir, db, bus, events, auth, service, geo: g, base, tokens,
    count: () => db.prepare('SELECT COUNT(*) FROM incidents').pluck().get() as number,
    /** Raw request: body as given (string) with a content type, or JSON when an object. */
    async call(method: string, url: string, who: Who, body?: unknown, headers: Record<string, string> = {}) {
      const isRaw = typeof body === 'string';
      const res = await fetch(base + url, {
        method,
        redirect: 'manual',
        headers: {
          ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}),
          ...(body !== undefined && !isRaw ? { 'content-type': 'application/json' } : {}),
          ...headers,
        },
        body: body === undefined ? undefined : isRaw ? body : JSON.stringify(body),
      });
      const text = await res.text();
      let json: any = null;
      try {
        json = text ? JSON.parse(text) : null;
      } catch {
        json = text;
      }
      return { status: res.status, body: json, headers: res.headers };
    },
    async close() {
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type IncidentsStack = Awaited<ReturnType<typeof startIncidents>>;
