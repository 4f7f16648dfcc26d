// POST/PATCH/GET /api/incidents over real HTTP and a real SQLite file: geocoding, idempotency, validation, roles,
// status rules, caller masking and camera coverage.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cameraViews, gazetteer, startIncidents, type IncidentsStack } from './incidents-harness.ts';
import { z } from 'zod';
import { incidentSchema } from '../../domain/incident.ts';

let s: IncidentsStack;
beforeAll(async () => {
  s = await startIncidents();
});
afterAll(() => s?.close());

// a real place from the shipped gazetteer (never invented coordinates)
const place = gazetteer.places.find((p: any) => p.name && p.lat && p.kelurahan_kode && p.name.length > 8);
const kel = gazetteer.kelurahan[0];

const body = (extra: Record<string, unknown> = {}) => ({
  category: 'kebakaran',
  description: 'Asap tebal dari ruko, api terlihat di lantai dua',
  caller: { name: 'Budi Santoso', phone: '081234565678' },
  location: { text: `Kelurahan ${kel.nama}` },
  ...extra,
});

describe('POST /api/incidents', () => {
  it('stores a text-only report, forward-geocoded, routed to agencies, and publishes it masked', async () => {
    const before = s.events.length;
    const r = await s.call('POST', '/api/incidents', 'operator', body());
    expect(r.status).toBe(201);
    expect(r.headers.get('location')).toBe(`/api/incidents/${r.body.id}`);
    expect(r.body.id).toMatch(/^INC-\d{6}-\d{5}$/);
    expect(r.body.status).toBe('baru');
    expect(r.body.location.method).toBe('geocoded');
    expect(r.body.location.kelurahan?.code).toBe(kel.kode);
    expect(typeof r.body.location.lat).toBe('number');
    expect(r.body.location.uncertaintyM).toBeGreaterThan(0);
    expect(r.body.agencies[0].id).toBe('damkar');
    expect(r.body.caller).toEqual({ name: 'Budi Santoso', phone: '081234565678' }); // operator sees the caller
    expect(r.body.history[0]).toMatchObject({ status: 'baru', by: 'token:2:test-console' });
    const published = s.events.slice(before);
    expect(published).toHaveLength(1);
    expect(published[0].caller).toEqual({ name: 'Bu** Sa*****', phone: '0812****5678' });

    const asViewer = await s.call('GET', `/api/incidents/${r.body.id}`, 'viewer');
    expect(asViewer.status).toBe(200);
    expect(asViewer.body.caller).toEqual({ name: 'Bu** Sa*****', phone: '0812****5678' });
    // the token's label names a console or a person: viewers see only that a token acted
    expect(asViewer.body.history[0]).toMatchObject({ status: 'baru', by: 'token' });
    expect(published[0].history[0].by).toBe('token');
  });

  it('reverse-geocodes coordinates to kelurahan and kecamatan', async () => {
    const r = await s.call('POST', '/api/incidents', 'operator', body({ category: 'kecelakaan', location: { lat: place.lat, lon: place.lon, uncertaintyM: 15 } }));
    expect(r.status).toBe(201);
    expect(r.body.location).toMatchObject({ lat: place.lat, lon: place.lon, uncertaintyM: 15, method: 'gps', needsLocation: false });
    expect(r.body.location.kelurahan.code).toBe(place.kelurahan_kode);
    expect(r.body.location.kecamatan.code).toBe(place.kelurahan_kode.slice(0, 8));
    expect(r.body.agencies.map((a: any) => a.id)).toEqual(['polisi', 'psc']);
  });

  it('keeps a report whose address cannot be found, flagged needs_location', async () => {
    const r = await s.call('POST', '/api/incidents', 'operator', body({ location: { text: 'zzqx qwvv' } }));
    expect(r.status).toBe(201);
    expect(r.body.location).toMatchObject({ lat: null, lon: null, method: 'manual', needsLocation: true, text: 'zzqx qwvv' });
    expect(r.body.flags).toContain('needs_location');
  });

  it('is idempotent by Idempotency-Key; the same key with another body is refused', async () => {
    const n = s.count();
    const h = { 'idempotency-key': 'console-7f3a-0001' };
    const a = await s.call('POST', '/api/incidents', 'operator', body(), h);
    const b = await s.call('POST', '/api/incidents', 'operator', body(), h);
    expect(a.status).toBe(201);
    expect(b.status).toBe(200);
    expect(b.body.id).toBe(a.body.id);
    const { caller, ...rest } = body();
    const reordered = await s.call('POST', '/api/incidents', 'operator', { ...rest, caller: { phone: caller.phone, name: caller.name } }, h);
    expect(reordered.status).toBe(200); // same body, keys in another order
    const c = await s.call('POST', '/api/incidents', 'operator', body({ description: 'lain' }), h);
    expect(c.status).toBe(422);
    expect(c.body).toMatchObject({ error: 'idempotency_key_reused', field: 'Idempotency-Key', incidentId: a.body.id });
    // the same key from another caller is that caller's own: a new incident, nothing about the first one
    const other = await s.call('POST', '/api/incidents', 'admin', body({ description: 'lain' }), h);
    expect(other.status).toBe(201);
    expect(other.body.id).not.toBe(a.body.id);
    expect(s.count()).toBe(n + 2);
  });

  it('answers 4xx naming the field, and stores nothing, for bad input', async () => {
    const n = s.count();
    const cases: Array<[unknown, number, string]> = [
      ['{"category": "kebakaran", ', 400, 'body'],
      [body({ location: { lat: 91, lon: 101.4 } }), 400, 'location.lat'],
      [body({ location: { lat: 0.5, lon: 181 } }), 400, 'location.lon'],
      [body({ location: { lat: 0.5 } }), 400, 'location.lon'],
      [body({ location: {} }), 400, 'location.text'],
      [body({ description: '' }), 400, 'description'],
      [body({ category: 'alien' }), 400, 'category'],
      [body({ caller: { phone: 'call me' } }), 400, 'caller.phone'],
      [[1, 2], 400, 'body'],
      [body({ reportedAt: '1900-01-01T00:00:00Z' }), 400, 'reportedAt'],
      [body({ reportedAt: '2999-01-01T00:00:00Z' }), 400, 'reportedAt'],
    ];
    for (const [payload, status, field] of cases) {
      const raw = typeof payload === 'string';
      const r = await s.call('POST', '/api/incidents', 'operator', raw ? payload : payload, raw ? { 'content-type': 'application/json' } : {});
      expect(r.status, JSON.stringify(payload)).toBe(status);
      expect(r.body.field, JSON.stringify(payload)).toBe(field);
    }
    const big = await s.call('POST', '/api/incidents', 'operator', body({ description: 'x'.repeat(70_000) }));
    expect(big.status).toBe(413);
    const xml = await s.call('POST', '/api/incidents', 'operator', '<a/>', { 'content-type': 'application/xml' });
    expect(xml.status).toBe(415);
    expect(s.count()).toBe(n);
  });

  it('needs an operator: 401 without credentials, 403 for a wall token or an integration token', async () => {
    const n = s.count();
    expect((await s.call('POST', '/api/incidents', null, body())).status).toBe(401);
    expect((await s.call('POST', '/api/incidents', 'viewer', body())).status).toBe(403);
    expect((await s.call('POST', '/api/incidents', 'integration', body())).status).toBe(403);
    expect((await s.call('GET', '/api/incidents', 'integration')).status).toBe(403);
    expect((await s.call('GET', '/api/incidents', null)).status).toBe(401);
    expect(s.count()).toBe(n);
  });
});

describe('PATCH /api/incidents/:id and lists', () => {
  it('walks the status rules, time-stamps every step and refuses a forbidden transition with 409', async () => {
    const { body: inc } = await s.call('POST', '/api/incidents', 'operator', body({ category: 'lainnya' }));
    const v = await s.call('PATCH', `/api/incidents/${inc.id}`, 'operator', { status: 'diverifikasi', category: 'banjir', note: 'dicek via telepon balik' });
    expect(v.status).toBe(200);
    expect(v.body.status).toBe('diverifikasi');
    expect(v.body.agencies[0].id).toBe('bpbd');
    const bad = await s.call('PATCH', `/api/incidents/${inc.id}`, 'operator', { status: 'dalam_penanganan' });
    expect(bad.status).toBe(409);
    expect(bad.body).toMatchObject({ error: 'invalid_transition', field: 'status', from: 'diverifikasi', to: 'dalam_penanganan' });
    expect((await s.call('PATCH', `/api/incidents/${inc.id}`, 'viewer', { status: 'selesai' })).status).toBe(403);
    expect((await s.call('PATCH', `/api/incidents/${inc.id}`, 'operator', { status: 'hilang' })).body.field).toBe('status');
    expect((await s.call('PATCH', '/api/incidents/INC-000000-00000', 'operator', { status: 'selesai' })).status).toBe(404);

    // the units capability drives dispatch and arrival through the service
    s.service.transition(inc.id, 'didisposisikan', 'unit:DMK-01');
    s.service.addEvent(inc.id, { event: 'unit_moving', by: 'DMK-01', at: '2030-01-01T00:00:00.000Z' });
    s.service.transition(inc.id, 'dalam_penanganan', 'DMK-01', 'tiba di lokasi');
    expect(s.service.transition(inc.id, 'dalam_penanganan', 'DMK-02').history.length).toBeGreaterThan(0); // same status: no-op
    const done = await s.call('PATCH', `/api/incidents/${inc.id}`, 'operator', { status: 'selesai' });
    expect(done.status).toBe(200);
    const h = done.body.history;
    expect(h.map((e: any) => e.status ?? e.event)).toEqual(['baru', 'diverifikasi', 'edited', 'didisposisikan', 'unit_moving', 'dalam_penanganan', 'selesai']);
    expect(h.every((e: any) => !Number.isNaN(Date.parse(e.at)) && e.by)).toBe(true);
    expect(h.find((e: any) => e.event === 'unit_moving').at).toBe('2030-01-01T00:00:00.000Z');
    expect((await s.call('PATCH', `/api/incidents/${inc.id}`, 'operator', { status: 'baru' })).status).toBe(409);
  });

  it('a prank (iseng) or a cancel (batal) needs a reason: 400 naming note without one, kept in the history with one', async () => {
    for (const status of ['iseng', 'batal'] as const) {
      const { body: inc } = await s.call('POST', '/api/incidents', 'operator', body());
      for (const patch of [{ status }, { status, note: '   ' }, { status, note: '' }]) {
        const r = await s.call('PATCH', `/api/incidents/${inc.id}`, 'operator', patch);
        expect(r.status).toBe(400);
        expect(r.body).toMatchObject({ error: 'invalid_field', field: 'note' });
      }
      expect((await s.call('GET', `/api/incidents/${inc.id}`, 'operator')).body.status).toBe('baru'); // nothing changed
      const reason = status === 'iseng' ? 'anak-anak main telepon, tidak ada kejadian' : 'pelapor menelepon lagi: api sudah padam sendiri';
      const ok = await s.call('PATCH', `/api/incidents/${inc.id}`, 'operator', { status, note: reason });
      expect(ok.status).toBe(200);
      expect(ok.body.history.at(-1)).toMatchObject({ status, note: reason, by: 'token:2:test-console' });
      // and it is what is stored, not only what was answered
      expect((await s.call('GET', `/api/incidents/${inc.id}`, 'operator')).body.history.at(-1)).toMatchObject({ status, note: reason });
    }
    // other statuses take a note if given, and need none
    const { body: inc } = await s.call('POST', '/api/incidents', 'operator', body());
    expect((await s.call('PATCH', `/api/incidents/${inc.id}`, 'operator', { status: 'diverifikasi' })).status).toBe(200);
  });

  it('lists by status and since; viewers get masked callers', async () => {
    const t0 = new Date().toISOString();
    const { body: a } = await s.call('POST', '/api/incidents', 'operator', body());
    await s.call('PATCH', `/api/incidents/${a.id}`, 'operator', { status: 'iseng', note: 'prank' });
    const { body: b } = await s.call('POST', '/api/incidents', 'operator', body());
    const since = await s.call('GET', `/api/incidents?since=${encodeURIComponent(t0)}`, 'viewer');
    expect(since.body.items.map((i: any) => i.id).sort()).toEqual([a.id, b.id].sort());
    expect(since.body.items.every((i: any) => i.caller.phone === '0812****5678')).toBe(true);
    expect(z.strictObject({ items: z.array(incidentSchema) }).safeParse(since.body).error?.issues ?? []).toEqual([]);
    const iseng = await s.call('GET', `/api/incidents?status=iseng&since=${encodeURIComponent(t0)}`, 'viewer');
    expect(iseng.body.items.map((i: any) => i.id)).toEqual([a.id]);
    const open = await s.call('GET', `/api/incidents?status=open`, 'operator');
    expect(open.body.items.some((i: any) => i.id === b.id) && !open.body.items.some((i: any) => i.id === a.id)).toBe(true);
    expect(s.service.listOpen().find((i) => i.id === b.id)?.caller.name).toBe('Bu** Sa*****');
    expect((await s.call('GET', '/api/incidents?status=nope', 'viewer')).body.field).toBe('status');
    expect((await s.call('GET', '/api/incidents?since=yesterday', 'viewer')).body.field).toBe('since');
    for (const bad of ['abc', '0', '5001', '2.5']) {
      expect(await s.call('GET', `/api/incidents?limit=${bad}`, 'viewer')).toMatchObject({ status: 400, body: { field: 'limit' } });
    }
    expect((await s.call('GET', '/api/incidents?limit=1', 'viewer')).body.items).toHaveLength(1);
  });

  it('GET /:id/cameras ranks the cameras that see the incident, with their public view and no credentials', async () => {
    const cam = cameraViews[0];
    const { body: inc } = await s.call('POST', '/api/incidents', 'operator', body({ location: { lat: cam.lat, lon: cam.lon, uncertaintyM: 30 } }));
    const r = await s.call('GET', `/api/incidents/${inc.id}/cameras`, 'viewer');
    expect(r.status).toBe(200);
    expect(r.body.items.length).toBeGreaterThan(0);
    expect(r.body.items.length).toBeLessThanOrEqual(4);
    expect(r.body.items[0]).toMatchObject({ cameraId: cam.id, inView: true, camera: { id: cam.id, hls: `/hls/${cam.id}/index.m3u8` } });
    expect(JSON.stringify(r.body)).not.toMatch(/rtsp:\/\/|:p@|password/i);
    const { body: nowhere } = await s.call('POST', '/api/incidents', 'operator', body({ location: { text: 'zzqx qwvv' } }));
    expect((await s.call('GET', `/api/incidents/${nowhere.id}/cameras`, 'viewer')).body).toEqual({ items: [] });
    expect((await s.call('GET', `/api/incidents/${inc.id}/cameras?limit=1`, 'viewer')).body.items).toHaveLength(1);
    expect(await s.call('GET', `/api/incidents/${inc.id}/cameras?limit=x`, 'viewer')).toMatchObject({ status: 400, body: { field: 'limit' } });
  });
});
