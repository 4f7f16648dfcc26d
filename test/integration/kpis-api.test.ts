// /api/kpis over a real SQLite file, filled through the real incidents and units services (with a test clock), served
// by a real HTTP server. Known answers: the timeline below is small enough to compute by hand.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceM } from '../../geo/spatial.ts';
import { EventBus } from '../../server/events.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import type { RequireRole } from '../../server/http/roles.ts';
import { createIncidentService } from '../../server/incidents/service.ts';
import { createKpiQuery } from '../../server/kpis/query.ts';
import { createKpisRouter } from '../../server/kpis/routes.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { migrate, openDb, type Db } from '../../server/store/db.ts';
import { createUnitService } from '../../server/units/service.ts';
import { firstPlace, geoStub, kelurahanNamed } from './geo-stub.ts';

const kel = kelurahanNamed('Jadirejo');
const [SCENE_LON, SCENE_LAT] = kel.centroid;
const station = firstPlace('pemadam_kebakaran');
// The geocoder is not under test here: every point reverse-geocodes to Jadirejo, Sukajadi.
const geo = geoStub(kel);

const MIN = 60_000;
const Z = (s: string) => Date.parse(s);
let dir: string;
let db: Db;
let server: http.Server;
let base: string;
let clock = 0;
const iso = () => new Date(clock).toISOString();

const requireRole: RequireRole = () =>
  ((req, res, next) => {
    if (req.headers.authorization === 'Bearer viewer-token') next();
    else res.status(401).json({ error: 'unauthorized' });
  }) as RequestHandler;

async function get(pathAndQuery: string, auth = true) {
  const res = await fetch(base + pathAndQuery, { headers: auth ? { authorization: 'Bearer viewer-token' } : {} });
  return { status: res.status, body: (await res.json()) as any };
}

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-kpis-'));
  db = openDb(dir);
  migrate(db);
  const bus = new EventBus();
  const incidents = createIncidentService({ db, bus, geo });
  const units = createUnitService({
    db, bus, now: () => clock, staleCheckMs: 3_600_000,
    incidents: {
      get: (id) => incidents.get(id),
      transition: (id, status, actor, note) => incidents.transition(id, status, actor, note, iso()),
      addEvent: (id, e) => incidents.addEvent(id, { ...e, at: e.at ?? iso() }),
    },
  });
  units.register({ id: 'dk1', callsign: 'DAMKAR-1', agency: 'damkar', kind: 'pumper', deviceId: 'dev-dk1' });
  const fix = (t: number, lat: number, lon: number, speedKmh: number) => {
    clock = t;
    expect(units.ingest({ deviceId: 'dev-dk1', at: iso(), lat, lon, speedKmh, bearingDeg: null, altitudeM: null, accuracyM: 5, battery: null }).ok).toBe(true);
  };
  const create = (category: any, reportedAt: number, extra: object = {}) => {
    clock = reportedAt;
    return incidents.create(
      { source: 'form', category, reportedAt: iso(), description: 'uji', location: { lat: SCENE_LAT, lon: SCENE_LON, method: 'gps' }, ...extra },
      'test',
    ).incident.id;
  };

  // Halfway from the station to the scene: a fix there has closed on the scene by far more than 100 m.
  const MID = { lat: (station.lat + SCENE_LAT) / 2, lon: (station.lon + SCENE_LON) / 2 };
  expect(distanceM(station.lon, station.lat, SCENE_LON, SCENE_LAT)).toBeGreaterThan(400);

  // A: fire 08:00 WIB on 20 Nov; dispatched +1 min at the station, moving (halfway) +2, stopped on scene +6 and +6.5
  // (arrival = the first stopped fix, within Damkar's 7), closed +30.
  const tA = Z('2026-11-20T01:00:00Z');
  const a = create('kebakaran', tA);
  fix(tA + 0.5 * MIN, station.lat, station.lon, 0);
  clock = tA + 1 * MIN;
  units.dispatch(a, 'dk1', 'op');
  fix(tA + 2 * MIN, MID.lat, MID.lon, 40);
  fix(tA + 6 * MIN, SCENE_LAT, SCENE_LON, 0);
  fix(tA + 6.5 * MIN, SCENE_LAT, SCENE_LON, 0);
  incidents.transition(a, 'selesai', 'op', undefined, new Date(tA + 30 * MIN).toISOString());

  // B: fire 23:30 WIB on 20 Nov; dispatched +2 at the station, moving +3, never arrives; closed +60 min (00:30 WIB on the 21st).
  const tB = Z('2026-11-20T16:30:00Z');
  const b = create('kebakaran', tB);
  fix(tB + 1 * MIN, station.lat, station.lon, 0);
  clock = tB + 2 * MIN;
  units.dispatch(b, 'dk1', 'op');
  fix(tB + 3 * MIN, MID.lat, MID.lon, 40);
  incidents.transition(b, 'selesai', 'op', undefined, new Date(tB + 60 * MIN).toISOString());

  // C: prank 10:00 WIB on 21 Nov.
  const c = create('lainnya', Z('2026-11-21T03:00:00Z'), { source: 'aml' });
  incidents.transition(c, 'iseng', 'op', undefined, new Date(Z('2026-11-21T03:02:00Z')).toISOString());

  // D: crime 06:00 WIB on 20 Nov (= 23:00 UTC on the 19th), left open.
  create('kriminalitas', Z('2026-11-19T23:00:00Z'));
  // E: crime 05:00 WIB on 21 Nov (= 22:00 UTC on the 20th), left open.
  create('kriminalitas', Z('2026-11-20T22:00:00Z'));

  const app = createApp();
  app.use(createKpisRouter({ query: createKpiQuery(db, { sla: loadSiteTables().sla }), requireRole, sla: loadSiteTables().sla }));
  finishApp(app);
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  units.close();
});

afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/kpis', () => {
  it('needs the viewer role', async () => {
    expect((await get('/api/kpis', false)).status).toBe(401);
  });

  it('a WIB day holds the incidents of that WIB day, not of the UTC day', async () => {
    const { status, body } = await get('/api/kpis?from=2026-11-20&to=2026-11-20');
    expect(status).toBe(200);
    expect(body.period).toMatchObject({ from: '2026-11-19T17:00:00.000Z', to: '2026-11-20T17:00:00.000Z' });
    expect(body.total).toBe(3); // A, B, D — not E (UTC 20th, WIB 21st)
    expect(body.byCategory).toEqual({ kebakaran: 2, kriminalitas: 1 });
    expect(body.byHourWib[6]).toBe(1);
    expect(body.byHourWib[8]).toBe(1);
    expect(body.byHourWib[23]).toBe(1);
    expect(body.byKecamatan).toEqual([{ name: 'Sukajadi', count: 3 }]);
  });

  it('computes Damkar times from the dispatch and AVL time stamps; the unit that never arrived breaches', async () => {
    const { body } = await get('/api/kpis?from=2026-11-20&to=2026-11-20');
    const dk = body.byAgency.find((x: any) => x.agency === 'damkar');
    expect(dk).toMatchObject({ routed: 2, dispatched: 2, measured: 2, arrivalsBySource: { geofence: 1 } });
    expect(dk.stages.dispatch).toEqual({ n: 2, missed: 0, medianS: 90, p90S: 114 }); // 60 s, 120 s
    expect(dk.stages.moving).toEqual({ n: 2, missed: 0, medianS: 150, p90S: 174 }); // 120 s, 180 s
    expect(dk.stages.arrival).toMatchObject({ n: 2, missed: 1, medianS: null }); // 360 s, never
    expect(dk.slas).toMatchObject([{ rule: { id: 'damkar-kebakaran-tiba-7', minutes: 7, stage: 'arrival' }, n: 2, within: 1, share: 0.5 }]);
    expect(dk.slas[0].rule.source).toMatch(/seed reports/);
    // D (crime, routed to polisi, open, nobody sent): in the police denominator, not measured yet
    const pol = body.byAgency.find((x: any) => x.agency === 'polisi');
    expect(pol).toMatchObject({ routed: 1, measured: 0, notMeasured: { pending: 1, noUnit: 0, untracked: 0, unconfirmable: 0 } });
  });

  it('open backlog is counted at the end of the period (B was still open at midnight WIB)', async () => {
    const { body } = await get('/api/kpis?from=2026-11-20&to=2026-11-20');
    expect(body.openBacklog).toBe(2); // D and B (closed 00:30 WIB on the 21st)
    const now = await get('/api/kpis?from=2026-11-19&to=2026-11-22');
    expect(now.body.openBacklog).toBe(2); // D and E today
  });

  it('prank share over a two-day period', async () => {
    const { body } = await get('/api/kpis?from=2026-11-20&to=2026-11-21');
    expect(body.total).toBe(5);
    expect(body.prank).toEqual({ count: 1, share: 0.2 });
    expect(body.bySource).toEqual({ form: 4, aml: 1 });
  });

  it('ISO bounds with offsets and agency / kecamatan filters', async () => {
    const iso = await get('/api/kpis?from=' + encodeURIComponent('2026-11-20T07:59:00+07:00') + '&to=' + encodeURIComponent('2026-11-20T01:01:00Z'));
    expect(iso.body.total).toBe(1); // A only
    expect((await get('/api/kpis?from=2026-11-20&to=2026-11-21&agency=polisi')).body.total).toBe(2); // D, E routed to polisi
    const dk = (await get('/api/kpis?from=2026-11-20&to=2026-11-21&agency=damkar')).body;
    expect(dk.total).toBe(2);
    expect(dk.byAgency.map((x: any) => x.agency)).toEqual(['damkar']);
    expect((await get('/api/kpis?from=2026-11-20&to=2026-11-21&kecamatan=sukajadi')).body.total).toBe(5);
    expect((await get('/api/kpis?from=2026-11-20&to=2026-11-21&kecamatan=14.71.01')).body.total).toBe(5);
    expect((await get('/api/kpis?from=2026-11-20&to=2026-11-21&kecamatan=Tampan')).body.total).toBe(0);
  });

  it.each([
    ['from=kemarin', 'from'],
    ['from=2026-11-20&to=2026-02-30', 'to'],
    ['from=2026-11-21&to=2026-11-20', 'to'],
    ['from=2020-01-01&to=2026-11-20', 'from'],
    ['agency=DROP%20TABLE', 'agency'],
    ['kecamatan=%3Cscript%3E', 'kecamatan'],
    ['from=2026-11-20&from=2026-11-21', 'from'],
    ['foo=1', 'foo'],
  ])('bad parameters → 400 naming the field (%s)', async (qs, field) => {
    const { status, body } = await get('/api/kpis?' + qs);
    expect(status).toBe(400);
    expect(body.field).toBe(field);
    expect(typeof body.error).toBe('string');
  });
});

describe('GET /api/sla', () => {
  it('answers the validated sla.json to viewers: the briefing rules and the queue dispatch targets', async () => {
    expect((await get('/api/sla', false)).status).toBe(401);
    const { status, body } = await get('/api/sla');
    expect(status).toBe(200);
    expect(body).toEqual(loadSiteTables().sla);
    expect(body.dispatch.redS).toBeGreaterThan(body.dispatch.amberS);
    expect(body.rules.at(-1)).toMatchObject({ agency: '*', categories: '*' });
  });
});

describe('GET /api/kpis/replay', () => {
  it('returns placed incidents and the unit trail from the AVL history', async () => {
    const { status, body } = await get('/api/kpis/replay?from=2026-11-20&to=2026-11-20');
    expect(status).toBe(200);
    expect(body.incidents.map((i: any) => i.category).sort()).toEqual(['kebakaran', 'kebakaran', 'kriminalitas']);
    const a = body.incidents.find((i: any) => i.t === Z('2026-11-20T01:00:00Z'));
    expect(a).toMatchObject({ lat: SCENE_LAT, lon: SCENE_LON, status: 'selesai', closedT: Z('2026-11-20T01:30:00Z') });
    expect(body.trails).toHaveLength(1);
    expect(body.trails[0]).toMatchObject({ unitId: 'dk1', agency: 'damkar' });
    expect(body.trails[0].t).toEqual(
      ['01:00:30', '01:02:00', '01:06:00', '01:06:30', '16:31:00', '16:33:00'].map((t) => Z(`2026-11-20T${t}Z`)),
    );
    expect(body.trails[0].path[2]).toEqual([SCENE_LON, SCENE_LAT]);
    expect((await get('/api/kpis/replay?to=nope')).body.field).toBe('to');
  });
});

describe('demo history (server/demo/history.ts)', () => {
  it('seeds through the incidents and units services: AVL-derived moving/arrival stamps, geocoded places, KPIs from them', async () => {
    const { createGeo } = await import('../../geo/index.ts');
    const { GEO_DATA_DIR, loadGeoData } = await import('../../server/geo/load.ts');
    const { seedDemoHistory } = await import('../../server/demo/history.ts');
    const hdir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-history-'));
    const hdb = openDb(hdir);
    try {
      migrate(hdb);
      const live = createUnitService({ db: hdb, bus: new EventBus(), incidents: { get: () => null, transition: () => null, addEvent: () => null } });
      // An injected clock: 22:40 WIB, the hour at which a wall-clock `until` once seeded only 5 of 40 calls.
      const until = Date.parse('2026-11-19T15:40:00Z');
      const opts = {
        db: hdb, geo: createGeo(loadGeoData()), geoDataDir: GEO_DATA_DIR, days: 1, perDay: 40, until,
        ensureUnit: (u: any) => void (live.get(u.id) ?? live.register(u)),
      };
      const r = await seedDemoHistory(opts);
      live.close();
      expect(r.seeded).toBe(true);
      expect(r.incidents).toBeGreaterThan(20);
      expect(r.dispatches).toBeGreaterThan(5);
      // a second start never seeds again
      expect((await seedDemoHistory(opts)).seeded).toBe(false);
      const d = hdb.prepare('SELECT * FROM dispatches').all() as any[];
      expect(d.length).toBe(r.dispatches);
      for (const x of d) {
        if (x.moving_at) expect(x.moving_at > x.dispatched_at).toBe(true); // set by the units service: closing on the scene, or the crew
        if (x.arrived_at) expect(x.arrived_at >= x.moving_at).toBe(true); // never on scene before moving
        expect(x.cleared_at).not.toBeNull(); // every seeded incident is closed
      }
      expect((hdb.prepare('SELECT COUNT(*) FROM unit_positions').pluck().get() as number)).toBe(r.fixes);
      const times = hdb.prepare('SELECT MIN(reported_at) a, MAX(reported_at) b FROM incidents').get() as { a: string; b: string };
      expect(Date.parse(times.a)).toBeGreaterThanOrEqual(until - 86_400_000);
      expect(Date.parse(times.b)).toBeLessThan(until);
      const placed = hdb.prepare(`SELECT COUNT(*) FROM incidents WHERE json_extract(doc, '$.location.kecamatan.name') IS NOT NULL`).pluck().get() as number;
      expect(placed).toBeGreaterThan(r.incidents / 2); // text addresses went through the geocoder
      // up to a day past `until`: the last calls of the history close a few hours after it
      const k = createKpiQuery(hdb, { sla: loadSiteTables().sla }).kpis({ from: until - 2 * 86_400_000, to: until + 86_400_000 });
      expect(k.total).toBe(r.incidents);
      expect(k.byAgency.reduce((s, a) => s + a.dispatched, 0)).toBe(r.dispatches);
      for (const a of k.byAgency) expect(a.routed).toBe(a.measured + Object.values(a.notMeasured).reduce((x, y) => x + y, 0));
      expect(k.openBacklog).toBe(0);
    } finally {
      hdb.close();
      fs.rmSync(hdir, { recursive: true, force: true });
    }
  }, 180_000);
});
