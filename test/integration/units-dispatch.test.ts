// Dispatch and automatic "moving" / "on scene" from a simulated drive along a real road (geo/data), over real HTTP,
// with real auth and the real incidents service on a real SQLite file.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ERROR_CODES } from '../../domain/errors.ts';
import { distanceM } from '../../geo/spatial.ts';
import { HTTP_STATUS } from '../../server/http/errors.ts';
import { drive, roadLine, startStack, type Stack, deviceClock } from './units-harness.ts';

const road = roadLine('Tuanku Tambusai'); // ~3.4 km
const [SCENE_LON, SCENE_LAT] = road[road.length - 1];
let s: Stack;
let incidentId: string;

const clock = deviceClock();
async function fix(lon: number, lat: number, speedKmh: number) {
  const q = `id=dev-dk2&timestamp=${clock('dev-dk2', lon, lat)}&lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}&speed=${(speedKmh / 1.852).toFixed(2)}&bearing=250&accuracy=6&batt=90`;
  const res = await fetch(`http://127.0.0.1:${s.osmandPort}/?${q}`);
  expect(res.status).toBe(200);
}
const dispatchOf = async () => (await s.call('GET', '/api/units', 'viewer')).body.items.find((u: any) => u.id === 'dk-02').dispatch;

beforeAll(async () => {
  s = await startStack();
  s.units.service.register({ id: 'dk-02', callsign: 'DAMKAR 02', agency: 'damkar', kind: 'pemadam', deviceId: 'dev-dk2' });
  incidentId = s.incidents.create(
    { source: 'form', category: 'kebakaran', description: 'ruko terbakar', location: { lat: SCENE_LAT, lon: SCENE_LON, uncertaintyM: 30, method: 'gps' } },
    'test',
  ).incident.id;
  await fix(road[0][0], road[0][1], 0); // parked at the start of the road
});
afterAll(() => s?.close());

describe('dispatch', () => {
  it('a viewer token cannot dispatch; nothing is stored', async () => {
    expect((await s.call('POST', `/api/incidents/${incidentId}/dispatch`, 'viewer', { unitId: 'dk-02' })).status).toBe(403);
    expect((await s.call('POST', `/api/incidents/${incidentId}/dispatch`, null, { unitId: 'dk-02' })).status).toBe(401);
    expect(s.db.prepare('SELECT COUNT(*) FROM dispatches').pluck().get()).toBe(0);
    expect(s.incidents.get(incidentId)!.status).toBe('baru');
  });

  it('bad requests name the field', async () => {
    expect(await s.call('POST', `/api/incidents/${incidentId}/dispatch`, 'operator', {})).toMatchObject({ status: 400, body: { field: 'unitId' } });
    expect(await s.call('POST', `/api/incidents/${incidentId}/dispatch`, 'operator', { unitId: 'nope' })).toMatchObject({ status: 400, body: { field: 'unitId' } });
    expect((await s.call('POST', '/api/incidents/INC-NOPE/dispatch', 'operator', { unitId: 'dk-02' })).status).toBe(404);
  });

  it('every refusal, from every room and adapter, has the one body shape and the status its code maps to', async () => {
    const raw = async (url: string, init?: RequestInit) => {
      const res = await fetch(s.base + url, init);
      return { status: res.status, body: await res.json() };
    };
    const answers = [
      await s.call('GET', '/api/units', null), // 401 auth
      await s.call('POST', '/api/units', 'viewer', {}), // 403 auth
      await s.call('POST', '/api/units', 'admin', { callsign: 'X' }), // 400 zod
      await s.call('POST', '/api/units', 'admin', { id: 'dk-02', callsign: 'X', agency: 'damkar', kind: 'k' }), // 409 service
      await s.call('GET', '/api/units/nope/track', 'viewer'), // 404 route
      await s.call('GET', '/api/units/dk-02/track?since=kemarin', 'viewer'), // 400 range
      await s.call('POST', '/api/incidents/INC-NOPE/dispatch', 'operator', { unitId: 'dk-02' }), // 404 across rooms
      await s.call('GET', `/api/osmand?id=dev-dk2&lat=91&lon=101&timestamp=${Math.floor(Date.now() / 1000)}`, null), // 400 decoder
      await s.call('GET', '/api/nothing-here', 'viewer'), // 404 shell
      await raw('/api/login', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{' }), // 400 body-parser
    ];
    for (const a of answers) {
      expect(ERROR_CODES).toContain(a.body.error);
      expect(a.status).toBe(HTTP_STATUS[a.body.error as keyof typeof HTTP_STATUS]);
      expect(typeof a.body.message).toBe('string');
      if ('field' in a.body) expect(typeof a.body.field).toBe('string');
    }
    expect(answers.map((a) => a.status)).toEqual([401, 403, 400, 409, 404, 400, 404, 400, 404, 400]);
    expect(answers.map((a) => a.body.field ?? null)).toEqual(['authorization', 'role', 'agency', 'id', 'id', 'since', 'id', 'lat', null, 'body']);
  });

  it('operator dispatch → dispatch row, incident didisposisikan with history, unit shows the dispatch', async () => {
    const r = await s.call('POST', `/api/incidents/${incidentId}/dispatch`, 'operator', { unitId: 'dk-02' });
    expect(r.status).toBe(201);
    expect(r.body.dispatch).toMatchObject({ incidentId, unitId: 'dk-02', movingAt: null, arrivedAt: null });
    expect(r.body.dispatch.by).toMatch(/test-operator/);
    const inc = s.incidents.get(incidentId)!;
    expect(inc.status).toBe('didisposisikan');
    expect(inc.history.some((h) => h.event === 'unit_dispatched')).toBe(true);
    expect(inc.history.some((h) => h.status === 'didisposisikan')).toBe(true);
    expect(await dispatchOf()).toMatchObject({ incidentId, dispatchedAt: r.body.dispatch.dispatchedAt });
    // Same dispatch again is idempotent.
    const again = await s.call('POST', `/api/incidents/${incidentId}/dispatch`, 'operator', { unitId: 'dk-02' });
    expect(again.body.dispatch.id).toBe(r.body.dispatch.id);
  });

  it('moving = closing on the scene by ≥ 100 m; a drive-by at speed is no arrival; two stopped fixes inside 100 m are', async () => {
    await fix(road[0][0], road[0][1], 3); // GPS jitter at the station
    expect((await dispatchOf()).movingAt).toBeNull();
    const startDist = distanceM(road[0][0], road[0][1], SCENE_LON, SCENE_LAT);
    const points = drive(road, 80);
    for (let i = 1; i < points.length; i++) {
      const [lon, lat] = points[i];
      await fix(lon, lat, 40);
      const d = await dispatchOf();
      const closed = startDist - distanceM(lon, lat, SCENE_LON, SCENE_LAT);
      if (closed < 100 && !d.movingAt) continue;
      expect(d.movingAt).not.toBeNull();
      expect(d.movingSource).toBe('distance');
      expect(d.arrivedAt).toBeNull(); // at 40 km/h, even inside the fence
    }
    await fix(SCENE_LON, SCENE_LAT, 0);
    expect((await dispatchOf()).arrivedAt).toBeNull(); // one stopped fix can be a red light
    await fix(SCENE_LON, SCENE_LAT, 0);
    const d = await dispatchOf();
    expect(d).toMatchObject({ arrivedSource: 'geofence' });
    const inc = s.incidents.get(incidentId)!;
    expect(inc.status).toBe('dalam_penanganan');
    expect(inc.history.filter((h) => h.event === 'unit_moving')).toHaveLength(1);
    expect(inc.history.filter((h) => h.event === 'unit_on_scene')).toHaveLength(1);
    expect(Date.parse(d.dispatchedAt)).toBeLessThanOrEqual(Date.parse(d.movingAt));
    expect(Date.parse(d.movingAt)).toBeLessThanOrEqual(Date.parse(d.arrivedAt));
    // More fixes on scene change nothing.
    await fix(SCENE_LON, SCENE_LAT, 0);
    expect(s.incidents.get(incidentId)!.history.filter((h) => h.event === 'unit_on_scene')).toHaveLength(1);
  });

  it('closing the incident releases the unit; a closed incident cannot get units', async () => {
    s.incidents.transition(incidentId, 'selesai', 'test');
    expect(await dispatchOf()).toBeNull();
    const row = s.db.prepare('SELECT cleared_at FROM dispatches WHERE incident_id = ?').get(incidentId) as { cleared_at: string | null };
    expect(row.cleared_at).not.toBeNull();
    expect(await s.call('POST', `/api/incidents/${incidentId}/dispatch`, 'operator', { unitId: 'dk-02' })).toMatchObject({ status: 409 });
  });
});
