// Known tracks: scripted AVL drives along a real road (geo/data) through the real units service, over real HTTP on a
// real SQLite file, each with the arrival (or non-arrival) the rules must give — plus the crew page's credential and
// queued taps.
import fs from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { distanceM } from '../../geo/spatial.ts';
import { decodeCap } from '../../server/incidents/intake-cap.ts';
import { firstPlace } from './geo-stub.ts';
import { drive, ROOT, roadLine, startStack, type Stack, deviceClock } from './units-harness.ts';

const road = roadLine('Tuanku Tambusai'); // ~3.4 km
let s: Stack;

const path = drive(road, 80);
const STATION = path[0];
const SCENE = path[path.length - 1];
const MIDDLE = path[Math.floor(path.length / 2)];

const clock = deviceClock();
async function fix(device: string, [lon, lat]: [number, number], speedKmh: number, accuracy = 6) {
  const q = `id=${device}&timestamp=${clock(device, lon, lat)}&lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}&speed=${(speedKmh / 1.852).toFixed(2)}&accuracy=${accuracy}`;
  expect((await fetch(`http://127.0.0.1:${s.osmandPort}/?${q}`)).status).toBe(200);
}
// A real fire station (geo/data) and the real road past its gate, walked away from SCENE (~9 km off): every fix is
// farther from the scene than the last, so only leaving the station's geofence can say "moving".
const FIRE_STATION = firstPlace('pemadam_kebakaran');
const AWAY_ROAD = (() => {
  const p = drive(roadLine('Komplek CPI'), 40);
  const gate = p.reduce((best, q, i) => (toStation(q) < toStation(p[best]) ? i : best), 0);
  const ways = [p.slice(gate), p.slice(0, gate + 1).reverse()];
  return ways.find((w) => toScene(w[6]) > toScene(w[0]))!;
})();
function toStation([lon, lat]: [number, number]) {
  return distanceM(lon, lat, FIRE_STATION.lon, FIRE_STATION.lat);
}
function toScene([lon, lat]: [number, number]) {
  return distanceM(lon, lat, SCENE[0], SCENE[1]);
}

/** A registered unit (with a home station or none) at `start` when an incident at `scene` is dispatched to it. */
async function unitWithJob(
  id: string, [lon, lat]: [number, number], uncertaintyM = 20, opts: { station?: typeof FIRE_STATION; start?: [number, number]; incidentId?: string } = {},
) {
  const station = opts.station && { name: opts.station.name, lat: opts.station.lat, lon: opts.station.lon };
  s.units.service.register({ id, callsign: id.toUpperCase(), agency: 'damkar', kind: 'pemadam', deviceId: `dev-${id}`, station });
  const incidentId = opts.incidentId ?? s.incidents.create(
    { source: 'form', category: 'kebakaran', description: 'uji', location: { lat, lon, uncertaintyM, method: 'gps' } },
    'test',
  ).incident.id;
  await fix(`dev-${id}`, opts.start ?? STATION, 0); // where it is when the job comes in (by default: the road's start)
  expect((await s.call('POST', `/api/incidents/${incidentId}/dispatch`, 'operator', { unitId: id })).status).toBe(201);
  return incidentId;
}
const dispatchRow = (incidentId: string) =>
  s.db.prepare('SELECT * FROM dispatches WHERE incident_id = ?').get(incidentId) as {
    moving_at: string | null; moving_source: string | null; arrived_at: string | null; arrived_source: string | null; arrival_check: string;
  };

beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());

describe('known tracks', () => {
  it('a unit that stays at its station (GPS jitter, a creep) neither moves nor arrives', async () => {
    const inc = await unitWithJob('stay', SCENE);
    for (let k = 0; k < 6; k++) await fix('dev-stay', [STATION[0] + (k % 2) * 0.0002, STATION[1]], k % 3);
    expect(dispatchRow(inc)).toMatchObject({ moving_at: null, arrived_at: null });
  });

  it('a unit that drives there and stops: moving by distance, on scene by geofence, in that order', async () => {
    const inc = await unitWithJob('drive', SCENE);
    for (const p of path.slice(1)) await fix('dev-drive', p, 40);
    expect(dispatchRow(inc)).toMatchObject({ moving_source: 'distance', arrived_at: null });
    await fix('dev-drive', SCENE, 0);
    await fix('dev-drive', SCENE, 1);
    const d = dispatchRow(inc);
    expect(d).toMatchObject({ arrived_source: 'geofence' });
    expect(d.moving_at! <= d.arrived_at!).toBe(true);
    expect(s.incidents.get(inc)!.status).toBe('dalam_penanganan');
  });

  it('a unit that passes by without stopping does not arrive', async () => {
    const inc = await unitWithJob('pass', MIDDLE);
    for (const p of path.slice(1)) await fix('dev-pass', p, 40);
    // it even paused once on the way past the scene, for one fix (a red light)
    await fix('dev-pass', MIDDLE, 0);
    await fix('dev-pass', SCENE, 40);
    expect(dispatchRow(inc)).toMatchObject({ moving_source: 'distance', arrived_at: null });
  });

  it('a unit that leaves its station heading away first: moving by station exit, not before it is out of the geofence', async () => {
    const inc = await unitWithJob('leave', SCENE, 20, { station: FIRE_STATION, start: [FIRE_STATION.lon, FIRE_STATION.lat] });
    for (const p of AWAY_ROAD.filter((q) => toStation(q) <= 150)) await fix('dev-leave', p, 25);
    expect(dispatchRow(inc).moving_at).toBeNull();
    for (const p of AWAY_ROAD.filter((q) => toStation(q) > 150).slice(0, 6)) await fix('dev-leave', p, 30);
    expect(dispatchRow(inc)).toMatchObject({ moving_source: 'station', arrived_at: null });
    expect(s.incidents.get(inc)!.history.some((h) => h.event === 'unit_moving' && /\(station\)/.test(h.note ?? ''))).toBe(true);
  });

  it('a unit on patrol away from its station: no station rule; moving only once it closes on the scene', async () => {
    const inc = await unitWithJob('patrol', SCENE, 20, { station: FIRE_STATION, start: MIDDLE });
    const middle = path.indexOf(MIDDLE);
    for (const p of path.slice(0, middle).reverse()) await fix('dev-patrol', p, 40); // away from the scene (and far from its station)
    expect(dispatchRow(inc).moving_at).toBeNull();
    for (const p of path.slice(1)) await fix('dev-patrol', p, 40);
    await fix('dev-patrol', SCENE, 0);
    await fix('dev-patrol', SCENE, 0);
    expect(dispatchRow(inc)).toMatchObject({ moving_source: 'distance', arrived_source: 'geofence' });
  });

  it('an incident sent as a CAP area (OASIS example 2, ~17 km across): on scene inside its polygon once entered, far from its centre', async () => {
    // the alert as sent; its 2003 expiry is judged against the time it was sent, so it is live here
    const created = s.incidents.apply(decodeCap(fs.readFileSync(join(ROOT, 'test/fixtures/incidents/cap/oasis-example2.xml'), 'utf8'), Date.parse('2003-06-17T14:57:00-07:00')), 'test');
    const area = created.incident!;
    expect(s.incidents.get(area.id)!.location.polygons).toEqual([[[-120.14, 38.47], [-119.95, 38.34], [-119.74, 38.52], [-119.89, 38.62], [-120.14, 38.47]]]);
    const inside: [number, number] = [-120.1, 38.47]; // inside the polygon, 4 km past its western corner
    const centre: [number, number] = [area.location.lon!, area.location.lat!];
    expect(distanceM(inside[0], inside[1], centre[0], centre[1])).toBeGreaterThan(10_000); // no point fence would take it
    // a unit 5 km west of the area drives in along the 38.47 parallel and stops: arrived, by the area fence
    const inc = await unitWithJob('area', centre, 0, { incidentId: area.id, start: [-120.2, 38.47] });
    expect(dispatchRow(inc).arrival_check).toBe('geofence'); // the area's size is not doubt about where it is
    for (let lon = -120.19; lon < -120.1; lon += 0.005) await fix('dev-area', [lon, 38.47], 40);
    expect(dispatchRow(inc).arrived_at).toBeNull();
    await fix('dev-area', inside, 0);
    await fix('dev-area', inside, 0);
    expect(dispatchRow(inc)).toMatchObject({ moving_source: 'distance', arrived_source: 'geofence' });
    // a unit already inside the area when the job came: moving and stopping inside it proves no arrival anywhere
    const already = await unitWithJob('inside', centre, 0, { incidentId: area.id, start: inside });
    for (let lon = -120.1; lon < -120.05; lon += 0.005) await fix('dev-inside', [lon, 38.47], 40);
    await fix('dev-inside', [-120.05, 38.47], 0);
    await fix('dev-inside', [-120.05, 38.47], 0);
    expect(s.db.prepare('SELECT moving_source, arrived_at FROM dispatches WHERE incident_id = ? AND unit_id = ?').get(already, 'inside'))
      .toEqual({ moving_source: 'distance', arrived_at: null });
  });

  it('spoofing: a wrong id, a replayed old fix, a future fix and a teleport move neither the unit nor the incident', async () => {
    const incidentId = await unitWithJob('dk-spoof', SCENE, 20);
    const unit = () => s.units.service.get('dk-spoof')!;
    const [before, status] = [unit().position, s.incidents.get(incidentId)!.status];
    const lastMs = Date.parse(before!.at);
    const send = (id: string, t: number | string, [lon, lat]: [number, number]) =>
      fetch(`http://127.0.0.1:${s.osmandPort}/?id=${id}&timestamp=${t}&lat=${lat.toFixed(6)}&lon=${lon.toFixed(6)}&speed=0&accuracy=5`);
    expect((await send('dev-dk-spooof', Date.now(), SCENE)).status).toBe(200); // answered like a real one…
    expect((await send('dev-dk-spoof', lastMs - 3_600_000, SCENE)).status).toBe(200); // a fix from an hour ago, at the scene
    expect((await send('dev-dk-spoof', Date.now() + 3_600_000, SCENE)).status).toBe(400); // an hour in the future
    expect((await send('dev-dk-spoof', lastMs + 1000, SCENE)).status).toBe(200); // 3.4 km in a second
    expect(unit().position).toEqual(before);
    expect(dispatchRow(incidentId)).toMatchObject({ arrived_at: null, moving_at: null });
    expect(s.incidents.get(incidentId)!.status).toBe(status);
    // …and the real device still drives there and arrives
    for (const p of path.slice(1)) await fix('dev-dk-spoof', p, 40);
    await fix('dev-dk-spoof', SCENE, 0);
    await fix('dev-dk-spoof', SCENE, 0);
    expect(dispatchRow(incidentId).arrived_at).not.toBeNull();
  });

  it('a fix 400 m out with 500 m accuracy is no evidence of arrival', async () => {
    const inc = await unitWithJob('fuzzy', SCENE);
    const near = path[path.length - 6]; // ~400 m before the scene
    for (const p of path.slice(1, -6)) await fix('dev-fuzzy', p, 40);
    await fix('dev-fuzzy', near, 0, 500);
    await fix('dev-fuzzy', near, 0, 500);
    expect(dispatchRow(inc).arrived_at).toBeNull();
  });

  it('an incident with 5 km uncertainty: nothing inferred at the point; an operator confirmation counts, as operator', async () => {
    const inc = await unitWithJob('vague', SCENE, 5000);
    expect(dispatchRow(inc).arrival_check).toBe('confirm');
    for (const p of path.slice(1)) await fix('dev-vague', p, 40);
    await fix('dev-vague', SCENE, 0);
    await fix('dev-vague', SCENE, 0);
    expect(dispatchRow(inc).arrived_at).toBeNull();
    expect((await s.call('POST', `/api/incidents/${inc}/arrival`, 'viewer', { unitId: 'vague' })).status).toBe(403);
    expect(await s.call('POST', `/api/incidents/${inc}/arrival`, 'operator', {})).toMatchObject({ status: 400, body: { field: 'unitId' } });
    const r = await s.call('POST', `/api/incidents/${inc}/arrival`, 'operator', { unitId: 'vague' });
    expect(r.status).toBe(200);
    expect(r.body.dispatch).toMatchObject({ arrivedSource: 'operator', arrivalCheck: 'confirm' });
  });

  it('a crew tap with a stale position: the tap is the evidence (its own time), the old fix infers nothing', async () => {
    const inc = await unitWithJob('crew', SCENE);
    const issued = await s.call('POST', '/api/units/crew/crew-token', 'admin');
    expect(issued.status).toBe(201);
    const token = issued.body.token as string;
    expect(token).not.toContain('dev-crew'); // not the device id
    const crew = async (method: string, url: string, body?: unknown) => {
      const res = await fetch(s.base + url, {
        method, headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: body ? JSON.stringify(body) : undefined,
      });
      const text = await res.text();
      return { status: res.status, body: text ? JSON.parse(text) : null };
    };
    const me = await crew('GET', '/api/crew/me');
    expect(me.body).toMatchObject({ unit: { id: 'crew' }, job: { incidentId: inc, category: 'kebakaran' } });
    expect(JSON.stringify(me.body)).not.toMatch(/dev-crew|caller/);
    // the phone was offline: its queue holds a position from 20 min ago (at the station) and then the taps
    const ago = (min: number) => new Date(Date.now() - min * 60_000).toISOString();
    expect((await crew('POST', '/api/crew/positions', { positions: [{ lat: STATION[1], lon: STATION[0], accuracyM: 12, at: ago(20) }] })).status).toBe(204);
    const before = (await s.call('GET', '/api/units', 'viewer')).body.items.find((u: any) => u.id === 'crew');
    expect(before.position.at > ago(20)).toBe(true); // an old fix never moves the unit back in time
    const berangkat = new Date(Date.now()).toISOString();
    const tiba = new Date(Date.now() + 1000).toISOString(); // queued taps, after the dispatch, each with its own time
    const r = await crew('POST', '/api/crew/taps', { taps: [{ kind: 'berangkat', incidentId: inc, at: berangkat }, { kind: 'tiba', incidentId: inc, at: tiba }] });
    expect(r.status).toBe(200);
    expect(r.body.results.map((x: any) => x.ok)).toEqual([true, true]);
    const d = dispatchRow(inc);
    expect(d).toMatchObject({ moving_at: berangkat, moving_source: 'crew', arrived_source: 'crew' });
    expect(d.arrived_at).toBe(tiba); // the tap's own time, not when it reached the server
    // bounded times, named fields, nothing stored
    expect(await crew('POST', '/api/crew/taps', { taps: [{ kind: 'tiba', incidentId: inc, at: new Date(Date.now() + 3_600_000).toISOString() }] })).toMatchObject({ status: 400, body: { field: 'at' } });
    expect(await crew('POST', '/api/crew/taps', { taps: [{ kind: 'tiba', incidentId: inc, at: ago(13 * 60) }] })).toMatchObject({ status: 400, body: { field: 'at' } });
    expect(await crew('POST', '/api/crew/taps', { taps: [{ kind: 'mampir', incidentId: inc, at: ago(0) }] })).toMatchObject({ status: 400, body: { field: 'taps.0.kind' } });
    expect(await crew('POST', '/api/crew/positions', { positions: [{ lat: 91, lon: 0, at: ago(0) }] })).toMatchObject({ status: 400, body: { field: 'positions.0.lat' } });
    // a credential speaks for its own unit only, and for nothing else
    const other = await unitWithJob('other', SCENE);
    expect(await crew('POST', '/api/crew/taps', { taps: [{ kind: 'tiba', incidentId: other, at: ago(0) }] })).toMatchObject({ status: 409, body: { field: 'incidentId' } });
    expect(dispatchRow(other).arrived_at).toBeNull();
    expect((await crew('GET', '/api/units')).status).toBe(403);
    expect((await crew('GET', '/api/incidents')).status).toBe(404); // incidents are not mounted in this stack; never 200
    expect((await s.call('GET', '/api/crew/me', 'viewer')).status).toBe(403);
    // "Selesai" releases the unit; a new credential revokes the old one
    expect((await crew('POST', '/api/crew/taps', { taps: [{ kind: 'selesai', incidentId: inc, at: new Date(Date.now() + 2000).toISOString() }] })).status).toBe(200);
    expect((await s.call('GET', '/api/units', 'viewer')).body.items.find((u: any) => u.id === 'crew').dispatch).toBeNull();
    expect((await s.call('POST', '/api/units/crew/crew-token', 'admin')).status).toBe(201);
    expect((await crew('GET', '/api/crew/me')).status).toBe(401);
  });
});
