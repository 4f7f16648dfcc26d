// The dispatch desk over the shipped road register and camera list, through real HTTP with real auth: units ranked by
// road time (across the Sungai Siak, where the straight line misleads), a dispatch's route with the cameras in the
// order the unit passes them, refusals and roles. Every coordinate comes from geo/data or camera-config.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dispatchRouteSchema, unitRecommendationSchema } from '../../domain/dispatch.ts';
import type { Category } from '../../domain/incident.ts';
import { distanceM, pointSegment, type LonLat } from '../../geo/spatial.ts';
import { loadCameras } from '../../camera-config/load.ts';
import { loadRoadGraph } from '../../server/geo/load.ts';
import { gazetteer } from './geo-stub.ts';
import { ROOT, roadLine, startStack, type Stack } from './units-harness.ts';

const roads = loadRoadGraph(path.join(ROOT, 'geo/data'))!;
const cameras = loadCameras(path.join(ROOT, 'camera-config/cameras.json'), { SIAGA_CCTV_HOST: '127.0.0.1', SIAGA_CCTV_USER: 'x', SIAGA_CCTV_PASSWORD: 'x' });
let s: Stack;

const place = (name: string): LonLat => {
  const p = gazetteer.places.find((x) => x.name === name);
  if (!p) throw new Error(`${name} not in geo/data/gazetteer.json`);
  return [p.lon, p.lat];
};
/** A vertex of a named road in the shipped register, looked up so a changed data file fails here, loudly. */
function roadVertex(name: string, at: LonLat): LonLat {
  for (const file of ['roads-major.geojson', 'roads-minor.geojson']) {
    const fc = JSON.parse(fs.readFileSync(path.join(ROOT, 'geo/data/basemap', file), 'utf8'));
    for (const f of fc.features.filter((x: any) => x.properties.name === name)) {
      const parts: LonLat[][] = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
      if (parts.some((p) => p.some(([lon, lat]) => lon === at[0] && lat === at[1]))) return at;
    }
  }
  throw new Error(`${at} is not a vertex of Jl. ${name} in geo/data`);
}

let device = 0;
function unitAt(id: string, agency: string, at: LonLat | null): string {
  const deviceId = `dev-desk-${++device}`;
  s.units.service.register({ id, callsign: id.toUpperCase(), agency, kind: 'test', deviceId });
  if (at) {
    const fix = { deviceId, at: new Date().toISOString(), lat: at[1], lon: at[0], speedKmh: 0, bearingDeg: null, altitudeM: null, accuracyM: 5, battery: 90 };
    expect(s.units.service.ingest(fix)).toEqual({ ok: true });
  }
  return id;
}
const incidentAt = (at: LonLat, category: Category = 'kebakaran') =>
  s.incidents.create({ source: 'form', category, description: 'uji meja dispatch', location: { lat: at[1], lon: at[0], uncertaintyM: 20, method: 'gps' } }, 'test').incident.id;

// A fire on Jl. Teluk Leok (Kel. Limbungan, Kec. Rumbai Timur), on the north bank of the Siak.
const SCENE = roadVertex('Teluk Leok', [101.45331, 0.55905]);
// North bank: the Rumbai Camp fire station. South bank, just across the river: Kantor Lurah Pesisir (Kec. Limapuluh).
const NEAR_BANK = place('Rumbai Camp Fire Department');
const FAR_BANK = place('Kantor Lurah Pesisir');
let scene: string;
let busy: number;

beforeAll(async () => {
  s = await startStack({ desk: { roads, cameras: () => cameras } });
  scene = incidentAt(SCENE);
  unitAt('dk-north', 'damkar', NEAR_BANK);
  unitAt('dk-south', 'damkar', FAR_BANK);
  unitAt('psc-1', 'psc', place('RS Petala Bumi'));
  unitAt('pln-1', 'pln', place('PLN Wilayah'));
  unitAt('pol-1', 'polisi', NEAR_BANK); // not an agency a fire goes to
  unitAt('dk-silent', 'damkar', null); // never reported: stale
  unitAt('dk-busy', 'damkar', NEAR_BANK);
  busy = s.units.service.dispatch(incidentAt(place('Kantor Lurah Kampung Baru')), 'dk-busy', 'test').id;
});
afterAll(() => s?.close());

describe('recommendations', () => {
  it('ranks by road time: the unit across the river is nearer as the crow flies but must go round by a bridge', async () => {
    const straightNorth = distanceM(...NEAR_BANK, ...SCENE);
    const straightSouth = distanceM(...FAR_BANK, ...SCENE);
    expect(straightSouth).toBeLessThan(straightNorth); // 2.39 km against 2.74 km

    const r = await s.call('GET', `/api/incidents/${scene}/recommendations`, 'operator');
    expect(r.status).toBe(200);
    expect(r.body.incidentId).toBe(scene);
    for (const item of r.body.items) unitRecommendationSchema.parse(item);
    const damkar = r.body.items.filter((i: any) => i.agency === 'damkar');
    expect(damkar.map((i: any) => i.unitId)).toEqual(['dk-north', 'dk-south']);
    const [north, south] = damkar;
    expect(north.etaS).toBeLessThan(south.etaS);
    expect(south.distanceM).toBeGreaterThan(2.5 * straightSouth); // ~6.9 km over the Jl. Yos Sudarso bridge
    expect(north.distanceM).toBeLessThan(1.2 * straightNorth);
    expect(north.lastFixAgeS).toBeLessThan(60);

    // Only free, fresh units of the agencies a fire is routed to (damkar, pln, psc), fastest first.
    expect(new Set(r.body.items.map((i: any) => i.unitId))).toEqual(new Set(['dk-north', 'dk-south', 'psc-1', 'pln-1']));
    const etas = r.body.items.map((i: any) => i.etaS);
    expect(etas).toEqual([...etas].sort((a, b) => a - b));
  });

  it('refuses what it cannot answer', async () => {
    expect(await s.call('GET', '/api/incidents/INC-NOPE/recommendations', 'operator')).toMatchObject({ status: 404, body: { error: 'incident_not_found' } });
    const unplaced = s.incidents.create({ source: 'form', category: 'kebakaran', description: 'uji', location: { text: 'dekat pasar' } }, 'test').incident;
    expect(unplaced.location.lat).toBeNull();
    expect(await s.call('GET', `/api/incidents/${unplaced.id}/recommendations`, 'operator')).toMatchObject({ status: 409, body: { error: 'location_unknown', field: 'location' } });
    const closed = incidentAt(SCENE);
    s.incidents.transition(closed, 'batal', 'test', 'uji');
    expect(await s.call('GET', `/api/incidents/${closed}/recommendations`, 'operator')).toMatchObject({ status: 409, body: { error: 'incident_closed' } });
  });

  it('is for operators', async () => {
    expect((await s.call('GET', `/api/incidents/${scene}/recommendations`, null)).status).toBe(401);
    expect((await s.call('GET', `/api/incidents/${scene}/recommendations`, 'viewer')).status).toBe(403);
    expect((await s.call('GET', `/api/incidents/${scene}/recommendations`, 'integration')).status).toBe(403);
    expect((await s.call('GET', `/api/incidents/${scene}/recommendations`, 'admin')).status).toBe(200);
  });
});

describe('route of a dispatch', () => {
  it('crosses the river where the road does, with the ETA the recommendation gave', async () => {
    const eta = (await s.call('GET', `/api/incidents/${scene}/recommendations`, 'operator')).body.items.find((i: any) => i.unitId === 'dk-south').etaS;
    const d = s.units.service.dispatch(scene, 'dk-south', 'test');
    const r = await s.call('GET', `/api/dispatches/${d.id}/route`, 'viewer');
    expect(r.status).toBe(200);
    const route = dispatchRouteSchema.parse(r.body);
    expect(route).toMatchObject({ dispatchId: d.id, unitId: 'dk-south', incidentId: scene, from: 'fix' });
    expect(Math.abs(route.etaS - eta)).toBeLessThanOrEqual(1);
    expect(route.path.coordinates[0]).toEqual(FAR_BANK);
    expect(route.path.coordinates.at(-1)).toEqual(SCENE);
    // cam-30 stands at the south end of the Yos Sudarso bridge (Simpang Jl. DI Panjaitan – Jl. Yos Sudarso).
    expect(route.cameras.map((c) => c.cameraId)).toContain('cam-30');
  });

  it('lists the cameras along Jl. Sudirman in the order the unit passes them', async () => {
    const sudirman = roadLine('Sudirman'); // 7.7 km, north to south
    unitAt('dk-sudirman', 'damkar', sudirman[0]);
    const d = s.units.service.dispatch(incidentAt(sudirman.at(-1)!, 'kecelakaan'), 'dk-sudirman', 'test');
    const route = dispatchRouteSchema.parse((await s.call('GET', `/api/dispatches/${d.id}/route`, 'viewer')).body);

    // It drives Sudirman itself (the arterial is the fastest way down), off the line only by the graph's 20 m snapping.
    const offSudirman = (p: LonLat) => Math.min(...sudirman.slice(1).map((b, i) => pointSegment(p, sudirman[i], b).distM));
    for (const p of route.path.coordinates) expect(offSudirman(p)).toBeLessThan(20);
    // The cameras of cameras.json on Sudirman, north to south. cam-08 (a dome seeing 200 m all round, at the governor's
    // office roundabout) sees the unit coming a few metres before cam-01, which looks south from its corner.
    expect(route.cameras.map((c) => c.cameraId)).toEqual(['cam-10', 'cam-11', 'cam-08', 'cam-01', 'cam-09', 'cam-03', 'cam-14', 'cam-04']);
    const along = route.cameras.map((c) => c.alongM);
    expect(along).toEqual([...along].sort((a, b) => a - b));
    const times = route.cameras.map((c) => c.etaS);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(times.at(-1)).toBeLessThan(route.etaS);
    // cam-02 looks down Jl. Gajah Mada, 500 m east of Sudirman: not on the way.
    expect(route.cameras.map((c) => c.cameraId)).not.toContain('cam-02');
  });

  it('starts at the station of a unit that has sent no fix', async () => {
    const station = place('Pemadam Kebakaran');
    s.units.service.register({ id: 'dk-new', callsign: 'DK NEW', agency: 'damkar', kind: 'test', deviceId: 'dev-desk-new', station: { name: 'Pos Damkar', lon: station[0], lat: station[1] } });
    const d = s.units.service.dispatch(incidentAt(place('Kantor Lurah Sail')), 'dk-new', 'test');
    const r = await s.call('GET', `/api/dispatches/${d.id}/route`, 'viewer');
    expect(r).toMatchObject({ status: 200, body: { from: 'station' } });
    expect(r.body.path.coordinates[0]).toEqual(station);
  });

  it('refuses unknown, ended and unplaceable dispatches', async () => {
    for (const id of ['999999', 'abc', '-1', '0']) expect(await s.call('GET', `/api/dispatches/${id}/route`, 'viewer')).toMatchObject({ status: 404, body: { error: 'not_found', field: 'id' } });
    unitAt('dk-gone', 'damkar', NEAR_BANK);
    const ended = incidentAt(SCENE);
    const d = s.units.service.dispatch(ended, 'dk-gone', 'test');
    s.incidents.transition(ended, 'batal', 'test', 'uji'); // a closed incident releases its units
    expect(await s.call('GET', `/api/dispatches/${d.id}/route`, 'viewer')).toMatchObject({ status: 409, body: { error: 'not_dispatched' } });
    s.units.service.register({ id: 'dk-nowhere', callsign: 'DK NOWHERE', agency: 'damkar', kind: 'test', deviceId: 'dev-desk-nowhere' });
    const lost = s.units.service.dispatch(incidentAt(SCENE), 'dk-nowhere', 'test');
    expect(await s.call('GET', `/api/dispatches/${lost.id}/route`, 'viewer')).toMatchObject({ status: 409, body: { error: 'location_unknown', field: 'unitId' } });
  });

  it('is for anyone signed in, walls included', async () => {
    expect((await s.call('GET', `/api/dispatches/${busy}/route`, null)).status).toBe(401);
    expect((await s.call('GET', `/api/dispatches/${busy}/route`, 'viewer')).status).toBe(200);
  });
});

describe('on the wall', () => {
  it('the map keeps the drive of each responding unit, with its cameras, and drops it once the unit is there', async () => {
    const { watchDispatchRoutes } = await import('../../wall/state/routes.ts');
    const realFetch = globalThis.fetch;
    // the wall's own fetch of a relative /api path, as a viewer's kiosk would make it
    globalThis.fetch = ((url: string, init?: RequestInit) =>
      url.startsWith('/') ? realFetch(s.base + url, { ...init, headers: { authorization: `Bearer ${s.tokens.viewer}` } }) : realFetch(url, init)) as typeof fetch;
    const listeners = new Set<(what: string) => void>();
    const store = {
      units: new Map<string, any>(),
      routes: new Map<number, any>(),
      on: (fn: (what: string) => void) => (listeners.add(fn), () => listeners.delete(fn)),
      emit: (what: string) => listeners.forEach((fn) => fn(what)),
    };
    const refresh = async () => {
      store.units = new Map((await s.call('GET', '/api/units', 'viewer')).body.items.map((u: any) => [u.id, u]));
      store.emit('units');
    };
    const stop = watchDispatchRoutes(store as any);
    try {
      const fire = incidentAt(SCENE);
      unitAt('dk-wall', 'damkar', FAR_BANK);
      const d = s.units.service.dispatch(fire, 'dk-wall', 'test');
      await refresh();
      await expect.poll(() => store.routes.get(d.id)?.unitId, { timeout: 10_000 }).toBe('dk-wall');
      const route = store.routes.get(d.id)!;
      expect(route.agency).toBe('damkar');
      expect(route.path.coordinates.length).toBeGreaterThan(2);
      expect(route.cameras.map((c: any) => c.cameraId)).toContain('cam-30'); // at the bridge it must cross
      s.units.service.confirmArrival(fire, 'dk-wall', 'test');
      await refresh();
      expect(store.routes.has(d.id)).toBe(false);
    } finally {
      stop();
      globalThis.fetch = realFetch;
    }
  });
});
