// OsmAnd / Traccar Client AVL over real HTTP (main port /api/osmand and the device port /), real SQLite.
// Messages are written exactly as the clients send them; coordinates are vertices of a real road in geo/data.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { migrate, openDb } from '../../server/store/db.ts';
import { createUnitService } from '../../server/units/service.ts';
import { EventBus } from '../../server/events.ts';
import { distanceM } from '../../geo/spatial.ts';
import { roadLine, startStack, type Stack } from './units-harness.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const road = roadLine('Tuanku Tambusai');
const [LON0, LAT0] = road[0];
// 30 m along the road from its first vertex: consecutive fixes a second apart are a car's move, not a teleport
const along = 30 / distanceM(road[0][0], road[0][1], road[1][0], road[1][1]);
const [LON1, LAT1] = [LON0 + (road[1][0] - LON0) * along, LAT0 + (road[1][1] - LAT0) * along].map((x) => Math.round(x * 1e7) / 1e7);
let DEV = '';
let s: Stack;

async function device(url: string, init?: RequestInit) {
  const res = await fetch(`http://127.0.0.1:${s.osmandPort}${url}`, init);
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : null };
}
const positions = () => s.db.prepare('SELECT COUNT(*) FROM unit_positions').pluck().get() as number;

beforeAll(async () => {
  s = await startStack();
  const r = await s.call('POST', '/api/units', 'admin', { id: 'dk-01', callsign: 'DAMKAR 01', agency: 'damkar', kind: 'pemadam' });
  expect(r.status).toBe(201);
  DEV = r.body.deviceId; // issued by the server, shown this once
});
afterAll(() => s?.close());

describe('units registration', () => {
  it('only an admin registers units; bad bodies name the field', async () => {
    const unit = { callsign: 'X', agency: 'polisi', kind: 'patroli' };
    expect((await s.call('POST', '/api/units', 'operator', unit)).status).toBe(403);
    expect((await s.call('POST', '/api/units', null, unit)).status).toBe(401);
    const bad = await s.call('POST', '/api/units', 'admin', { ...unit, callsign: '' });
    expect(bad).toMatchObject({ status: 400, body: { field: 'callsign' } });
    const dup = await s.call('POST', '/api/units', 'admin', { ...unit, id: 'dk-01' });
    expect(dup).toMatchObject({ status: 409, body: { field: 'id' } });
    // the server issues device ids: one chosen by the caller (guessable, like the old demo-<unit>) is refused
    expect(await s.call('POST', '/api/units', 'admin', { ...unit, deviceId: '123456' })).toMatchObject({ status: 400, body: { field: 'deviceId' } });
    expect(DEV).toMatch(/^[A-Za-z0-9_-]{22}$/); // 128 bits
    // an allow-list that does not parse is refused, never stored as "anywhere"
    expect(await s.call('POST', '/api/units', 'admin', { ...unit, allowFrom: ['10.20.0.0/16', 'gw.polri.id'] })).toMatchObject({ status: 400, body: { field: 'allowFrom' } });
    expect(s.db.prepare(`SELECT device_id FROM units WHERE id = 'dk-01'`).pluck().get()).toMatch(/^sha256:[0-9a-f]{64}$/); // only its hash is kept
  });
});

describe('OsmAnd protocol', () => {
  it('Traccar Client (Android ≤ 8) query string on the device port: speed in knots, timestamp in seconds', async () => {
    const ts = Math.floor(Date.now() / 1000);
    const url = `/?id=${DEV}&timestamp=${ts}&lat=${LAT0}&lon=${LON0}&speed=10.8&bearing=245.3&altitude=21.0&accuracy=8.0&batt=87.0`;
    const r = await device(url, { method: 'POST' }); // the Android client POSTs with an empty body
    expect(r.status).toBe(200);
    const { body } = await s.call('GET', '/api/units', 'viewer');
    const u = body.items.find((x: any) => x.id === 'dk-01');
    expect(u.position).toMatchObject({ lat: LAT0, lon: LON0, bearingDeg: 245.3, altitudeM: 21, accuracyM: 8, battery: 87 });
    expect(u.position.speedKmh).toBeCloseTo(10.8 * 1.852, 6);
    expect(u.position.at).toBe(new Date(ts * 1000).toISOString());
    expect(u.stale).toBe(false);
    expect(JSON.stringify(body)).not.toContain(DEV); // the device id is the device's credential
  });

  it('OsmAnd app GET on /api/osmand with ms and ISO timestamps and hdop', async () => {
    const tMs = Date.now();
    expect((await s.call('GET', `/api/osmand?id=${DEV}&lat=${LAT1}&lon=${LON1}&timestamp=${tMs}&hdop=1.2&altitude=20&speed=0`, null)).status).toBe(200);
    const iso = new Date(tMs + 1000).toISOString();
    expect((await s.call('GET', `/api/osmand?id=${DEV}&lat=${LAT1}&lon=${LON1}&timestamp=${encodeURIComponent(iso)}`, null)).status).toBe(200);
    const u = (await s.call('GET', '/api/units', 'viewer')).body.items.find((x: any) => x.id === 'dk-01');
    expect(u.position.at).toBe(iso);
  });

  it('form-urlencoded body (POST without a query string)', async () => {
    const body = `id=${DEV}&lat=${LAT0}&lon=${LON0}&timestamp=${Math.floor(Date.now() / 1000) + 2}&speed=5.4&bearing=90&batt=80`;
    const r = await device('/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    expect(r.status).toBe(200);
    const u = (await s.call('GET', '/api/units', 'viewer')).body.items.find((x: any) => x.id === 'dk-01');
    expect(u.position).toMatchObject({ lat: LAT0, lon: LON0, battery: 80, bearingDeg: 90 });
  });

  it('JSON body of Traccar Client 9 (speed in m/s, battery level 0..1)', async () => {
    const at = new Date(Date.now() + 3000).toISOString();
    const msg = {
      location: {
        timestamp: at,
        coords: { latitude: LAT1, longitude: LON1, accuracy: 5.2, speed: 12.5, heading: 251.7, altitude: 22.4 },
        is_moving: true, odometer: 1520, event: 'motionchange',
        battery: { level: 0.62, is_charging: false }, activity: { type: 'in_vehicle' }, extras: {},
      },
      device_id: DEV,
    };
    const r = await device('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(msg) });
    expect(r.status).toBe(200);
    const u = (await s.call('GET', '/api/units', 'viewer')).body.items.find((x: any) => x.id === 'dk-01');
    expect(u.position).toMatchObject({ at, lat: LAT1, lon: LON1, accuracyM: 5.2, bearingDeg: 251.7, battery: 62 });
    expect(u.position.speedKmh).toBeCloseTo(45, 6);
  });

  it('an unknown device is answered exactly like a known one (ids cannot be enumerated), and nothing is stored', async () => {
    const before = positions();
    const ts = Math.floor(Date.now() / 1000);
    const unknown = await fetch(`http://127.0.0.1:${s.osmandPort}/?id=999999&lat=${LAT0}&lon=${LON0}&timestamp=${ts}`);
    const known = await fetch(`http://127.0.0.1:${s.osmandPort}/?id=${DEV}&lat=${LAT0}&lon=${LON0}&timestamp=${ts - 1}`);
    expect([unknown.status, await unknown.text()]).toEqual([known.status, await known.text()]);
    expect(unknown.status).toBe(200);
    expect(positions()).toBe(before + 1);
    const j = await device('/', { method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ device_id: 'nope', location: { timestamp: new Date().toISOString(), coords: { latitude: LAT0, longitude: LON0 } } }) });
    expect(j.status).toBe(200);
    expect(positions()).toBe(before + 1);
  });

  it('a teleport (a fix implying > 200 km/h) is kept in the history but does not move the unit', async () => {
    const before = (await s.call('GET', '/api/units', 'viewer')).body.items.find((x: any) => x.id === 'dk-01').position;
    const far = road[road.length - 1]; // the road's other end, kilometres away
    expect(distanceM(far[0], far[1], before.lon, before.lat)).toBeGreaterThan(1000);
    const at = Date.parse(before.at) + 2000;
    const count = positions();
    const flagged = s.units.service.implausibleFixes();
    expect((await device(`/?id=${DEV}&timestamp=${at}&lat=${far[1]}&lon=${far[0]}&speed=0`)).status).toBe(200);
    const after = (await s.call('GET', '/api/units', 'viewer')).body.items.find((x: any) => x.id === 'dk-01').position;
    expect([after.lat, after.lon, after.at]).toEqual([before.lat, before.lon, before.at]);
    // …nor after a restart: the stored teleport is history, not where the unit is
    const restarted = createUnitService({ db: s.db, bus: new EventBus(), incidents: { get: () => null, transition: () => {}, addEvent: () => {} } });
    expect(restarted.get('dk-01')!.position).toMatchObject({ lat: before.lat, lon: before.lon, at: before.at });
    restarted.close();
    expect(positions()).toBe(count + 1);
    expect(s.units.service.implausibleFixes()).toBe(flagged + 1);
  });

  it('bad coordinates and fields → 400 naming the field, nothing stored', async () => {
    const before = positions();
    const ts = Math.floor(Date.now() / 1000);
    expect(await device(`/?id=${DEV}&lat=91.5&lon=${LON0}&timestamp=${ts}`)).toMatchObject({ status: 400, body: { field: 'lat' } });
    expect(await device(`/?id=${DEV}&lat=abc&lon=${LON0}&timestamp=${ts}`)).toMatchObject({ status: 400, body: { field: 'lat' } });
    expect(await device(`/?id=${DEV}&lat=${LAT0}&lon=181&timestamp=${ts}`)).toMatchObject({ status: 400, body: { field: 'lon' } });
    expect(await device(`/?id=${DEV}&lat=${LAT0}&timestamp=${ts}`)).toMatchObject({ status: 400, body: { field: 'lon' } });
    expect(await device(`/?id=${DEV}&lat=${LAT0}&lon=${LON0}&timestamp=yesterday`)).toMatchObject({ status: 400, body: { field: 'timestamp' } });
    // a fix from the future would freeze the unit there (older fixes never overwrite it); one from 1e20 ms is no date
    expect(await device(`/?id=${DEV}&lat=${LAT0}&lon=${LON0}&timestamp=${ts + 3600}`)).toMatchObject({ status: 400, body: { field: 'timestamp' } });
    expect(await device(`/?id=${DEV}&lat=${LAT0}&lon=${LON0}&timestamp=100000000000000000000`)).toMatchObject({ status: 400, body: { field: 'timestamp' } });
    expect(await device(`/?id=${DEV}&lat=${LAT0}&lon=${LON0}&timestamp=1`)).toMatchObject({ status: 400, body: { field: 'timestamp' } });
    const future = { device_id: DEV, location: { timestamp: '2099-01-01T00:00:00Z', coords: { latitude: LAT0, longitude: LON0 } } };
    expect(await device('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(future) })).toMatchObject({ status: 400, body: { field: 'location.timestamp' } });
    expect(await device(`/?id=${DEV}&lat=${LAT0}&lon=${LON0}&speed=-3`)).toMatchObject({ status: 400, body: { field: 'speed' } });
    expect(await device(`/?lat=${LAT0}&lon=${LON0}`)).toMatchObject({ status: 400, body: { field: 'id' } });
    const malformed = await device('/', { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"device_id":' });
    expect(malformed).toMatchObject({ status: 400, body: { field: 'body' } });
    expect(positions()).toBe(before);
  });

  it('concurrent reports share a commit: each answered after it, an unknown device in the batch stores nothing', async () => {
    const before = positions();
    const ts = Math.floor(Date.now() / 1000) + 10;
    const sends = Array.from({ length: 30 }, (_, i) =>
      device(`/?id=${i === 7 ? 'stranger' : DEV}&timestamp=${ts + i}&lat=${road[i % road.length][1]}&lon=${road[i % road.length][0]}&speed=20`, { method: 'POST' }),
    );
    const results = await Promise.all(sends);
    expect(results.map((r) => r.status)).toEqual(Array.from({ length: 30 }, () => 200));
    expect(positions()).toBe(before + 29);
  });

  it('history is kept and served as a trail for the wall', async () => {
    const since = new Date(Date.now() - 60_000).toISOString();
    const r = await s.call('GET', `/api/units/dk-01/track?since=${encodeURIComponent(since)}`, 'viewer');
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBe(positions());
    const ats = r.body.items.map((p: any) => p.at);
    expect([...ats].sort()).toEqual(ats);
    expect((await s.call('GET', '/api/units/dk-01/track?since=kemarin', 'viewer')).body.field).toBe('since');
    expect(await s.call('GET', '/api/units/dk-01/track?since=100000000000000000000', 'viewer')).toMatchObject({ status: 400, body: { field: 'since' } });
    expect((await s.call('GET', '/api/units/nope/track', 'viewer')).status).toBe(404);
    expect((await s.call('GET', '/api/units/dk-01/track', null)).status).toBe(401);
  });

  it('a rotated id and a device outside its allow-list are refused like an unknown one; only an admin rotates or binds', async () => {
    const ts = () => Math.floor(Date.now() / 1000);
    const report = (id: string, t: number) => fetch(`http://127.0.0.1:${s.osmandPort}/?id=${id}&lat=${LAT0}&lon=${LON0}&timestamp=${t}`);
    expect((await s.call('POST', '/api/units/dk-01/device', 'operator')).status).toBe(403);
    const rotated = await s.call('POST', '/api/units/dk-01/device', 'admin');
    expect(rotated).toMatchObject({ status: 201, body: { unitId: 'dk-01' } });
    const [old, fresh] = [DEV, rotated.body.deviceId as string];
    expect(fresh).not.toBe(old);
    let before = positions();
    expect((await report(old, ts())).status).toBe(200); // the same answer as ever…
    expect(positions()).toBe(before); // …and nothing stored
    expect((await report(fresh, ts())).status).toBe(200);
    expect(positions()).toBe(before + 1);
    DEV = fresh;

    // bound to a gateway's block: the test client (127.0.0.1) is outside it, then inside
    expect(await s.call('PUT', '/api/units/dk-01/allow-from', 'admin', { allowFrom: ['10.0.0.0/8', '300.1.1.1'] })).toMatchObject({ status: 400, body: { field: 'allowFrom' } });
    expect((await s.call('PUT', '/api/units/dk-01/allow-from', 'operator', { allowFrom: ['10.0.0.0/8'] })).status).toBe(403);
    expect(await s.call('PUT', '/api/units/dk-01/allow-from', 'admin', { allowFrom: ['10.0.0.0/8'] })).toMatchObject({ status: 200, body: { allowFrom: ['10.0.0.0/8'] } });
    before = positions();
    expect((await report(fresh, ts() + 1)).status).toBe(200);
    expect(positions()).toBe(before);
    await s.call('PUT', '/api/units/dk-01/allow-from', 'admin', { allowFrom: ['127.0.0.0/8', '::1'] });
    expect((await report(fresh, ts() + 2)).status).toBe(200);
    expect(positions()).toBe(before + 1);
    expect(await s.call('PUT', '/api/units/dk-01/allow-from', 'admin', { allowFrom: null })).toMatchObject({ status: 200, body: { allowFrom: null } });
    expect((await s.call('POST', '/api/units/nope/device', 'admin')).status).toBe(404);
  });
});

describe('staleness', () => {
  it('a unit not heard from for 2 minutes is flagged stale, with one delta when it turns stale', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-stale-'));
    const db = openDb(dir);
    migrate(db);
    const bus = new EventBus();
    let clock = Date.parse('2026-11-20T01:00:00Z');
    const deltas: any[] = [];
    bus.subscribe('unit', (u) => deltas.push(u));
    const svc = createUnitService({
      db, bus, now: () => clock, staleCheckMs: 3_600_000,
      incidents: { get: () => null, transition: () => {}, addEvent: () => {} },
    });
    try {
      svc.register({ id: 'p1', callsign: 'SABHARA 1', agency: 'polisi', kind: 'patroli', deviceId: 'dev-p1' });
      const fix = { deviceId: 'dev-p1', at: new Date(clock).toISOString(), lat: LAT0, lon: LON0, speedKmh: 0, bearingDeg: null, altitudeM: null, accuracyM: null, battery: null };
      expect(svc.ingest(fix).ok).toBe(true);
      expect(svc.get('p1')!.stale).toBe(false);
      clock += 119_000;
      svc.checkStale();
      expect(svc.get('p1')!.stale).toBe(false);
      const n = deltas.length;
      clock += 2_000;
      svc.checkStale();
      svc.checkStale(); // only one delta for the change
      expect(deltas.length).toBe(n + 1);
      expect(deltas.at(-1)).toMatchObject({ id: 'p1', stale: true });
      expect(svc.ingest({ ...fix, at: new Date(clock).toISOString() }).ok).toBe(true);
      expect(deltas.at(-1)).toMatchObject({ id: 'p1', stale: false });
    } finally {
      svc.close();
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
