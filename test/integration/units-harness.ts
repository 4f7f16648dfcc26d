// Shared set-up for the units / realtime integration tests: a real SQLite file in a temp dir, real auth (tokens),
// the real incidents service, the units capability and the realtime hub on a real HTTP server — wired as main.ts
// wires them. Only the geocoder is replaced (not under test here): every point reverse-geocodes to its kelurahan
// centroid record from the shipped gazetteer.
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { distanceM } from '../../geo/spatial.ts';
import { EventBus } from '../../server/events.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { createAuth, principalOf } from '../../server/http/auth.ts';
import { createIncidentService } from '../../server/incidents/service.ts';
import { createHub } from '../../server/realtime/hub.ts';
import { migrate, openDb } from '../../server/store/db.ts';
import { startUnits, type StartUnitsDeps } from '../../server/units/index.ts';
import { freePort } from './free-port.ts';
import { gazetteer, geoStub } from './geo-stub.ts';

export const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

/** A real road polyline from the shipped data ([lon, lat][]), longest part of the named road. */
export function roadLine(name: string): Array<[number, number]> {
  const fc = JSON.parse(fs.readFileSync(path.join(ROOT, 'geo/data/basemap/roads-major.geojson'), 'utf8'));
  const f = fc.features.find((x: any) => x.properties.name === name);
  if (!f) throw new Error(`road ${name} not in geo/data`);
  const parts: Array<Array<[number, number]>> = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
  return parts.sort((a, b) => b.length - a.length)[0];
}

export const ADMIN = 'test-admin-token-0123456789';

export async function startStack(opts: { hub?: { maxBufferedBytes?: number }; desk?: StartUnitsDeps['desk'] } = {}) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-units-'));
  const db = openDb(dir);
  migrate(db);
  const bus = new EventBus();
  const geo = geoStub(gazetteer.kelurahan[0]);
  const auth = createAuth({ db, config: { adminToken: ADMIN, demo: false, intakeRatePerS: 0 } });
  const incidents = createIncidentService({ db, bus, geo });
  const osmandPort = await freePort();
  const units = await startUnits({
    // no AVL rate limit here: the tests drive units far faster than any device (the limit has its own test)
    config: { osmandPort, host: '127.0.0.1', arrivalRadiusM: 100, avlRatePerS: 0 },
    db, bus, incidents, requireRole: auth.requireRole,
    actorOf: (_req, res) => principalOf(res).id,
    crew: { requireUnit: auth.requireUnit, unitOf: (res) => principalOf(res).unit, issueUnitToken: auth.issueUnitToken },
    desk: opts.desk,
  });
  const app = createApp();
  app.use(auth.router);
  app.use(units.router);
  finishApp(app);
  const server = http.createServer(app);
  const hub = createHub({
    server, bus, authenticate: auth.authenticate, ...opts.hub,
    snapshot: () => ({ cameras: [], incidents: incidents.listOpen(), units: units.service.list() }),
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  const tokens = {
    admin: ADMIN,
    operator: auth.issueToken('operator', 'test-operator'),
    viewer: auth.issueToken('viewer', 'test-wall'),
    integration: auth.issueToken('integration', 'test-feed'),
  };
  return {
    dir, db, bus, incidents, units, hub, server, port, base, osmandPort, tokens,
    /** fetch with a role's bearer token; JSON body in and out. */
    async call(method: string, url: string, role: keyof typeof tokens | null, body?: unknown) {
      const res = await fetch(base + url, {
        method,
        headers: { ...(role ? { authorization: `Bearer ${tokens[role]}` } : {}), ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    },
    async close() {
      await hub.close();
      await units.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type Stack = Awaited<ReturnType<typeof startStack>>;

/** Points every ~stepM metres along the polyline (interpolated between real vertices). */
export function drive(line: Array<[number, number]>, stepM: number): Array<[number, number]> {
  const out: Array<[number, number]> = [line[0]];
  for (let i = 1; i < line.length; i++) {
    const [a, b] = [line[i - 1], line[i]];
    const len = distanceM(a[0], a[1], b[0], b[1]);
    for (let d = stepM; d < len; d += stepM) out.push([a[0] + ((b[0] - a[0]) * d) / len, a[1] + ((b[1] - a[1]) * d) / len]);
    out.push(b);
  }
  return out;
}

/**
 * Device time for simulated fixes: it advances at least as far as a vehicle at 150 km/h needs from the device's
 * previous fix (the server refuses teleports, server/units/arrival.ts), and never runs behind the wall clock.
 */
export function deviceClock(): (device: string, lon: number, lat: number) => number {
  const last = new Map<string, { t: number; lon: number; lat: number }>();
  return (device, lon, lat) => {
    const prev = last.get(device);
    const needMs = prev ? Math.ceil((distanceM(prev.lon, prev.lat, lon, lat) / (150 / 3.6)) * 1000) : 0;
    const t = Math.max(Date.now(), prev ? prev.t + Math.max(1000, needMs) : 0);
    last.set(device, { t, lon, lat });
    return t;
  };
}
