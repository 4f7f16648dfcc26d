// The OsmAnd decoder on requests as Traccar Client and OsmAnd trackers really send them (test/fixtures/osmand,
// see SOURCE.md): every one decodes to its position, in the units the one Position shape uses.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseOsmandJson, parseOsmandParams } from '../../server/units/osmand.ts';

const DIR = path.resolve(import.meta.dirname, '../fixtures/osmand');
const NOW = Date.parse('2026-12-01T00:00:00Z');
const queries = fs.readFileSync(path.join(DIR, 'query.txt'), 'utf8').trim().split('\n');

describe('OsmAnd query and form requests', () => {
  it.each(queries)('%s', (target) => {
    const params = Object.fromEntries(new URL(target, 'http://x').searchParams);
    const r = parseOsmandParams(params, NOW);
    if (!r.ok) throw r.error;
    const lat = Number(params.lat ?? params.location?.split(',')[0]);
    const lon = Number(params.lon ?? params.location?.split(',')[1]);
    expect(r.fix).toMatchObject({ deviceId: params.id ?? params.deviceid, lat, lon });
    // speed is knots on this wire, km/h inside
    if (params.speed !== undefined) expect(r.fix.speedKmh).toBeCloseTo(Number(params.speed) * 1.852, 6);
    // no timestamp means "now"; seconds, ms, ISO and "yyyy-MM-dd HH:mm:ss" all land on the same clock
    if (params.timestamp === undefined) expect(r.fix.at).toBe(new Date(NOW).toISOString());
  });

  it('reads every timestamp form the clients use as the same instant', () => {
    const at = (timestamp: string) => {
      const r = parseOsmandParams({ id: 'x', lat: '0.5', lon: '101.4', timestamp }, NOW);
      return r.ok ? r.fix.at : r.error.message;
    };
    expect(new Set([at('1442068686'), at('1442068686000'), at('2015-09-12T14:38:06Z'), at('2015-09-12 14:38:06')])).toEqual(new Set(['2015-09-12T14:38:06.000Z']));
  });
});

describe('Traccar Client 9+ JSON', () => {
  const json = (f: string) => JSON.parse(fs.readFileSync(path.join(DIR, f), 'utf8'));

  it('Android and iOS bodies decode; -1 (unknown) speed, heading and battery stay unknown', () => {
    const android = parseOsmandJson(json('json-android.json'), NOW);
    const ios = parseOsmandJson(json('json-ios.json'), NOW);
    if (!android.ok) throw android.error;
    if (!ios.ok) throw ios.error;
    expect(android.fix).toMatchObject({ deviceId: '48241179', lat: 37.4219983, lon: -122.084, at: '2025-06-15T13:45:12.862Z', speedKmh: 0, bearingDeg: null, battery: 100, accuracyM: 5 });
    expect(ios.fix).toMatchObject({ deviceId: '658765', at: '2025-05-09T04:11:30.579Z', speedKmh: null, bearingDeg: null, battery: null });
  });

  it('a moving fix: m/s to km/h, heading and battery level kept', () => {
    const r = parseOsmandJson(json('json-moving.json'), NOW);
    if (!r.ok) throw r.error;
    expect(r.fix).toMatchObject({ deviceId: '8737767034', lat: -6.1148096, lon: 106.6837015, bearingDeg: 63, battery: 79, altitudeM: 35.7 });
    expect(r.fix.speedKmh).toBeCloseTo(18.67 * 3.6, 6);
  });

  it('names the field when a body is not one of these', () => {
    const noCoords = parseOsmandJson({ device_id: 'x', location: { timestamp: '2025-06-15T13:45:12Z' } }, NOW);
    expect(noCoords.ok ? null : noCoords.error.field).toBe('location.coords');
    const noDevice = parseOsmandJson({ ...json('json-moving.json'), device_id: '' }, NOW);
    expect(noDevice.ok ? null : noDevice.error.field).toBe('device_id');
  });
});

describe('per-address rate limit', () => {
  it('past the limit a sender gets 429 rate_limited, and nothing more is ingested', async () => {
    const http = await import('node:http');
    const express = (await import('express')).default;
    const { createOsmandRouter } = await import('../../server/units/osmand.ts');
    const { httpErrors } = await import('../../server/http/errors.ts');
    let ingested = 0;
    const app = express();
    app.use('/', createOsmandRouter({ ingest: () => (ingested++, { ok: true }), ratePerS: 5 }));
    app.use(httpErrors);
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const answers = [];
      for (let k = 0; k < 8; k++) {
        const res = await fetch(`http://127.0.0.1:${port}/?id=dev-1&lat=0.5&lon=101.4`);
        answers.push({ status: res.status, body: await res.text() });
      }
      expect(answers.slice(0, 5).map((a) => a.status)).toEqual([200, 200, 200, 200, 200]);
      expect(answers.slice(5).every((a) => a.status === 429 && JSON.parse(a.body).error === 'rate_limited')).toBe(true);
      expect(ingested).toBe(5);
    } finally {
      server.close();
    }
  });
});

describe('per-device rate limit', () => {
  it('one device id past its limit gets 429 whatever address it uses; another device is not held back', async () => {
    const http = await import('node:http');
    const express = (await import('express')).default;
    const { createOsmandRouter } = await import('../../server/units/osmand.ts');
    const { httpErrors } = await import('../../server/http/errors.ts');
    const app = express();
    // A frozen clock: the device limit counts in whole-second windows, and five real requests can straddle a boundary.
    const frozen = Date.now();
    app.use('/', createOsmandRouter({ ingest: () => ({ ok: true }), ratePerS: 1000, devicePerS: 3, now: () => frozen }));
    app.use(httpErrors);
    const server = http.createServer(app);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as { port: number };
    try {
      const send = (body: string) => fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body }).then((r) => r.status);
      const a = [];
      for (let k = 0; k < 5; k++) a.push(await send(`id=dev-a&lat=0.5&lon=101.4`));
      expect(a).toEqual([200, 200, 200, 429, 429]);
      expect(await send(`id=dev-b&lat=0.5&lon=101.4`)).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/?id=dev-a&lat=0.5&lon=101.4`)).status).toBe(429); // in the query now: the same device
      // counted on the id the decoder reads, however it is spelled: repeated, or as device_id in JSON
      expect((await fetch(`http://127.0.0.1:${port}/?id=dev-a&id=dev-a&lat=0.5&lon=101.4`)).status).toBe(429);
      const json = { device_id: 'dev-a', location: { timestamp: new Date().toISOString(), coords: { latitude: 0.5, longitude: 101.4 } } };
      expect((await fetch(`http://127.0.0.1:${port}/`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(json) })).status).toBe(429);
    } finally {
      server.close();
    }
  });
});
