// Issue #14, the common-place table the centre grows: operators who place an incident by hand leave candidates; an
// admin approves them; the geocoder answers the approved place first. Real server (server/main.ts start()), real
// HTTP, real SQLite in a temp dir. The place is a real one from geo/data: the gazetteer's fire post in Kel. Kulim,
// which the geocoder cannot name (its OSM name is the bare "Pemadam Kebakaran"), typed as callers say it.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { placeKey } from '../../geo/index.ts';
import { distanceM } from '../../geo/spatial.ts';
import { loadConfig } from '../../server/config.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { start } from '../../server/main.ts';
import { DIST_DIR } from '../../server/paths.ts';

vi.mock('../../server/paths.ts', async (real) => (await import('./stub-wall.ts')).withStubWall(await real<typeof import('../../server/paths.ts')>()));

const data = loadGeoData();
const post = data.gazetteer.places.find((p) => p.id === 'node/3243088126')!; // "Pemadam Kebakaran", OSM
const kel = data.gazetteer.kelurahan.find((k) => k.kode === post.kelurahan_kode)!;
const TEXT = `Pos Damkar ${kel.nama}`;
const PICKS = 3;

const ADMIN = 'places-learning-admin-token-0123456789';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-places-'));
const running = await start(
  loadConfig({
    PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: path.join(tmp, 'data'), SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'),
    SIAGA_ADMIN_TOKEN: ADMIN, SIAGA_NO_STREAMS: '1', SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_LOG_LEVEL: 'error',
    SIAGA_BACKUP_INTERVAL_S: '0', SIAGA_INTAKE_RATE: '0', SIAGA_MIN_FREE_DISK_MB: '0', FFMPEG_PATH: process.env.FFMPEG_PATH,
  }, []),
);
afterAll(async () => {
  await running.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(DIST_DIR, { recursive: true, force: true });
});
const base = `http://127.0.0.1:${running.port}`;

async function call(method: string, url: string, token: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* 204 */
  }
  return { status: res.status, body: json, text };
}
const geocode = async (q: string) => (await call('GET', `/api/geocode?q=${encodeURIComponent(q)}`, ADMIN)).body.items as any[];
const off = (c: { lat: number; lon: number }) => distanceM(c.lon, c.lat, post.lon, post.lat);
const operator: string = (await call('POST', '/api/tokens', ADMIN, { role: 'operator', label: 'places test console' })).body.token;

/** An incident placed by hand, as the console sends it: the point picked, the text the operator had typed. */
async function handPlaced(query: string, i: number) {
  const r = await call('POST', '/api/incidents', operator, {
    source: 'form', category: 'kebakaran', description: `uji tempat umum ${i}`,
    location: { text: `dipilih di peta ${i}`, lat: post.lat, lon: post.lon, uncertaintyM: 25, method: 'manual', query },
  }, { 'Idempotency-Key': `places-${i}` });
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

describe('the common-place table learns from operator picks', () => {
  it(`${PICKS} picks for a text the geocoder does not know, approved, make the next query hit within 100 m`, async () => {
    const before = (await geocode(TEXT))[0];
    expect(before && off(before) <= 100, `before: ${JSON.stringify(before)}`).toBeFalsy();

    const ids: string[] = [];
    for (let i = 0; i < PICKS; i++) ids.push(await handPlaced(i % 2 ? TEXT.toUpperCase() : `depan ${TEXT}`, i));

    // only admins see what operators typed
    expect((await call('GET', '/api/places/candidates', operator)).status).toBe(403);
    const groups = (await call('GET', '/api/places/candidates', ADMIN)).body.items as any[];
    const g = groups.find((x) => x.norm === placeKey(TEXT));
    expect(g, JSON.stringify(groups)).toBeDefined();
    expect(g.count).toBe(PICKS);
    expect(g.spreadM).toBeLessThanOrEqual(1);
    expect(new Set(g.incidentIds)).toEqual(new Set(ids));

    const made = await call('POST', '/api/places', ADMIN, { name: TEXT, aliases: [`Pemadam Kebakaran ${kel.nama}`], candidate: g.norm });
    expect(made.status, made.text).toBe(201);
    expect(made.body).toMatchObject({ name: TEXT, source: 'operator picks' });

    for (const q of [TEXT, `dekat pos damkar ${kel.nama.toLowerCase()}`, `Pemadam Kebakaran ${kel.nama}`]) {
      const top = (await geocode(q))[0];
      expect(top.kind, q).toBe('common_place');
      expect(top.label).toContain('tempat umum (pusat)');
      expect(off(top), q).toBeLessThanOrEqual(100);
      expect(top.kelurahan?.code).toBe(kel.kode);
    }
    // approved candidates leave the list; a confirmation (the geocoder already answers there) leaves none
    expect(((await call('GET', '/api/places/candidates', ADMIN)).body.items as any[]).find((x) => x.norm === g.norm)).toBeUndefined();
    await handPlaced(TEXT, 99);
    expect(((await call('GET', '/api/places/candidates', ADMIN)).body.items as any[]).find((x) => x.norm === g.norm)).toBeUndefined();

    // export → delete → the geocoder forgets it → import the export back → it answers again, source kept
    const exported = await call('GET', '/api/places.geojson', ADMIN);
    expect(exported.status).toBe(200);
    expect(exported.body.features).toHaveLength(1);
    expect((await call('DELETE', `/api/places/${made.body.id}`, ADMIN)).status).toBe(204);
    expect((await call('DELETE', `/api/places/${made.body.id}`, ADMIN)).status).toBe(404);
    expect((await geocode(TEXT))[0]?.kind).not.toBe('common_place');
    const imported = await call('POST', '/api/places/import', ADMIN, { ...exported.body, source: 'ignored: each feature names its own' });
    expect(imported.status, imported.text).toBe(201);
    expect(imported.body.items[0]).toMatchObject({ name: TEXT, source: 'operator picks' });
    expect(off((await geocode(TEXT))[0])).toBeLessThanOrEqual(100);

    const audit = (await call('GET', '/api/places/audit', ADMIN)).body.items as any[];
    expect(audit.map((a) => a.action)).toEqual(['import', 'delete', 'approve']);
    expect(audit.every((a) => a.by && a.at)).toBe(true);
  });

  it('an operator moving a geocoded incident corrects the geocoder: its text becomes a candidate', async () => {
    const text = `Posko banjir ${kel.nama}`; // names no approved place (the geocoder answers the kelurahan, km away)
    const r = await call('POST', '/api/incidents', operator, { source: 'form', category: 'kebakaran', description: 'uji koreksi', location: { text } }, { 'Idempotency-Key': 'places-fix' });
    expect(r.status, r.text).toBe(201);
    const moved = await call('PATCH', `/api/incidents/${r.body.id}`, operator, { location: { lat: post.lat, lon: post.lon, uncertaintyM: 25 } });
    expect(moved.status, moved.text).toBe(200);
    const g = ((await call('GET', '/api/places/candidates', ADMIN)).body.items as any[]).find((x) => x.norm === placeKey(text));
    expect(g, 'candidate from the correction').toMatchObject({ count: 1, incidentIds: [r.body.id], texts: [text] });
  });

  it('refuses hostile places: outside WGS84, far from the city, oversized, malformed', async () => {
    const fc = (coordinates: unknown, props: object = { name: 'x' }) => ({ type: 'FeatureCollection', features: [{ type: 'Feature', geometry: { type: 'Point', coordinates }, properties: props }] });
    const bad: Array<[unknown, string]> = [
      [fc([post.lon, 91]), 'lat beyond 90'],
      [fc([181, post.lat]), 'lon beyond 180'],
      [fc([0, 0]), 'far from the city'],
      [fc(['101.4', post.lat]), 'a string coordinate'],
      [fc([post.lon, post.lat], {}), 'no name'],
      [fc([post.lon, post.lat], { name: 'x'.repeat(1000) }), 'a huge name'],
      [fc([post.lon, post.lat], { name: 'x', radiusM: 1e9 }), 'a huge radius'],
      [{ type: 'FeatureCollection', features: Array.from({ length: 5001 }, () => fc([post.lon, post.lat]).features[0]) }, 'too many features'],
      [{ type: 'FeatureCollection', features: [] }, 'no feature'],
      [[1, 2], 'not an object'],
    ];
    for (const [body, why] of bad) {
      const res = await call('POST', '/api/places/import', ADMIN, body);
      expect(res.status, `${why}: ${res.text.slice(0, 200)}`).toBe(400);
    }
    for (const body of [{ name: 'x', lat: 0, lon: 0 }, { name: 'x', lat: post.lat }, { name: 'x', candidate: 'nothing typed this' }, { name: '', lat: post.lat, lon: post.lon }]) {
      const res = await call('POST', '/api/places', ADMIN, body);
      expect(res.status, JSON.stringify(body)).toBeGreaterThanOrEqual(400);
      expect(res.status).toBeLessThan(500);
    }
    expect((await call('GET', '/api/places', ADMIN)).body.items).toHaveLength(1); // only the one imported above
  });
});
