// Issue #17 item 4, repeat calls: over real HTTP and a real SQLite file, a new report of the same category near an open
// incident (JSON, CAP, AML) is flagged possibleDuplicateOf it; POST /api/incidents/:id/merge attaches the call (call
// count, every caller, masked for viewers), closes it as digabung in one transaction, and the KPIs count incidents and
// calls apart. Every point is a real place from the shipped gazetteer (geo/data/gazetteer.json).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { incidentSchema } from '../../domain/incident.ts';
import { distanceM } from '../../geo/spatial.ts';
import { EventBus } from '../../server/events.ts';
import { createIncidentService } from '../../server/incidents/service.ts';
import { createKpiQuery } from '../../server/kpis/query.ts';
import { DEFAULT_REPEAT_CALLS } from '../../server/site/repeat-calls.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { applyMigrations, migrate, openDb } from '../../server/store/db.ts';
import { migrations } from '../../server/store/migrations.ts';
import { fixture, gazetteer, startIncidents, type IncidentsStack } from './incidents-harness.ts';

const place = (id: string) => {
  const p = gazetteer.places.find((x: any) => x.id === id);
  if (!p) throw new Error(`no place ${id} in the gazetteer`);
  return p as { id: string; name: string; lat: number; lon: number };
};
// two hospitals on one street, 51 m apart; two offices 48 m apart, ~4.8 km away; a fire station ~8 km north
const RS_MATA = place('node/5282558825'); // Rumah Sakit Mata PBEC
const RS_BUDHI = place('node/6039459186'); // RS Budhi Mulya
const PMI = place('kp37'); // Palang merah riau
const PP = place('kp38'); // Badan Pemberdayaan Perempuan
const RUMBAI = place('node/2111634861'); // Rumbai Camp Fire Department
const gap = (a: { lat: number; lon: number }, b: { lat: number; lon: number }) => distanceM(a.lon, a.lat, b.lon, b.lat);

const MIN = 60_000;
const rule = loadSiteTables().repeatCalls;
const report = (category: string, at: { lat: number; lon: number }, extra: Record<string, unknown> = {}) => ({
  category,
  description: `uji panggilan berulang (${category})`,
  location: { lat: at.lat, lon: at.lon },
  ...extra,
});
const TEXT = { 'content-type': 'text/plain' };
/** The aml-lib SMS v2 sample from `imei`, its fix moved to a gazetteer place, its location time `et` (unix s). */
const amlFrom = (imei: string, at: { lat: number; lon: number }, et: number) =>
  fixture('aml/sms-v2.txt')
    .trim()
    .replace('ei=358239059042542', `ei=${imei}`)
    .replace('lo=-37.42175,-122.08461,2000.1', `lo=${at.lat},${at.lon},30`)
    .replace('et=1593187189', `et=${et}`);

describe('the shipped table and the places the tests use', () => {
  it('repeat-calls.json holds the documented defaults, with a source', () => {
    expect(rule).toEqual(DEFAULT_REPEAT_CALLS);
    expect(rule.source.length).toBeGreaterThan(50);
  });
  it('the places are as far apart as the tests say', () => {
    expect(gap(RS_MATA, RS_BUDHI)).toBeGreaterThan(45);
    expect(gap(RS_MATA, RS_BUDHI)).toBeLessThan(55);
    expect(gap(PMI, PP)).toBeLessThan(55);
    for (const far of [PMI, RUMBAI]) expect(gap(RS_MATA, far)).toBeGreaterThan(10 * rule.radiusM);
    expect(gap(RUMBAI, PMI)).toBeGreaterThan(10 * rule.radiusM);
  });
});

describe('flagging and merging repeat calls', () => {
  let s: IncidentsStack;
  beforeAll(async () => {
    s = await startIncidents();
  });
  afterAll(() => s?.close());
  const post = async (body: unknown, who: 'operator' | 'viewer' = 'operator') => {
    const r = await s.call('POST', '/api/incidents', who, body);
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(incidentSchema.safeParse(r.body).error?.issues ?? []).toEqual([]);
    return r.body;
  };
  const merge = (id: string, into: unknown, who: 'operator' | 'viewer' | null = 'operator') =>
    s.call('POST', `/api/incidents/${id}/merge`, who, into === undefined ? {} : { into });
  const get = async (id: string, who: 'operator' | 'viewer' = 'operator') => (await s.call('GET', `/api/incidents/${id}`, who)).body;
  const historyRows = () => s.db.prepare('SELECT COUNT(*) FROM incident_history').pluck().get() as number;

  let fire: any; // the first call: a fire at the eye hospital
  let again: any; // a second call 51 m away
  it('a second report of the same category 51 m away is flagged possibleDuplicateOf the open incident', async () => {
    fire = await post(report('kebakaran', RS_MATA, { caller: { name: 'Budi Santoso', phone: '081234565678' } }));
    expect(fire).toMatchObject({ possibleDuplicateOf: null, mergedInto: null, callCount: 1, callers: [] });
    again = await post(report('kebakaran', RS_BUDHI, { caller: { name: 'Siti Aminah', phone: '081298761234' } }));
    expect(again.possibleDuplicateOf).toBe(fire.id);
    // walls hear of it with the flag
    expect(s.events.find((e) => e.id === again.id)?.possibleDuplicateOf).toBe(fire.id);
  });

  it('a different category at the same place, the same category far away, or one outside the window is not flagged', async () => {
    expect((await post(report('kecelakaan', RS_BUDHI))).possibleDuplicateOf).toBeNull();
    expect((await post(report('kebakaran', RUMBAI))).possibleDuplicateOf).toBeNull();
    // an open flood reported two hours ago; a new report 48 m away now is outside its window …
    const now = Date.now();
    const old = await post(report('banjir', PMI, { reportedAt: new Date(now - 120 * MIN).toISOString() }));
    expect((await post(report('banjir', PP))).possibleDuplicateOf).toBeNull();
    // … one reported within the window of that old call, at the same 48 m, is flagged
    const late = await post(report('banjir', PP, { reportedAt: new Date(now - 120 * MIN + (rule.windowMinutes - 5) * MIN).toISOString() }));
    expect(late.possibleDuplicateOf).toBe(old.id);
  });

  it('a CAP alert counts like any report: a JSON report 51 m from an open CAP earthquake is flagged', async () => {
    const xml = fixture('cap/oasis-example3-update.xml')
      .replace('TRI13970876.2', 'TRI-DUP.1')
      .replace('<msgType>Update</msgType>', '<msgType>Alert</msgType>')
      .replace(/\s*<references>.*<\/references>/, '')
      .replace('<sent>2003-06-11T20:56:00-07:00</sent>', `<sent>${new Date().toISOString().replace(/\.\d+Z$/, '+00:00')}</sent>`)
      .replace('<circle>32.9525,-115.5527 0</circle>', `<circle>${RS_MATA.lat},${RS_MATA.lon} 0</circle>`);
    const cap = await s.call('POST', '/api/intake/cap', 'integration', xml, { 'content-type': 'application/xml' });
    expect(cap.status, JSON.stringify(cap.body)).toBe(201);
    expect(cap.body.incident.category).toBe('gempa');
    expect((await post(report('gempa', RS_BUDHI))).possibleDuplicateOf).toBe(cap.body.incident.id);
  });

  it('merges: the call is closed as digabung, the incident keeps a call count and every caller, and both histories say so', async () => {
    const rows = s.count();
    const r = await merge(again.id, fire.id);
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(incidentSchema.safeParse(r.body).error?.issues ?? []).toEqual([]);
    expect(r.body).toMatchObject({ id: fire.id, status: 'baru', callCount: 2, caller: { name: 'Budi Santoso', phone: '081234565678' } });
    expect(r.body.callers).toEqual([
      { incidentId: again.id, source: 'api', reportedAt: again.reportedAt, caller: { name: 'Siti Aminah', phone: '081298761234' } },
    ]);
    expect(r.body.history.at(-1)).toMatchObject({ event: 'call_merged', by: 'token:2:test-console' });
    expect(r.body.history.at(-1).note).toContain(again.id);
    expect(r.body.history.at(-1).note).not.toContain('Siti'); // the note names the call, never the caller

    const merged = await get(again.id);
    expect(merged).toMatchObject({ status: 'digabung', mergedInto: fire.id });
    expect(merged.history.at(-1)).toMatchObject({ status: 'digabung', event: 'merged_into' });
    expect(s.count()).toBe(rows); // nothing deleted: the call stays, closed
    // out of the live queue
    const open = (await s.call('GET', '/api/incidents?status=open', 'viewer')).body.items.map((i: any) => i.id);
    expect(open).toContain(fire.id);
    expect(open).not.toContain(again.id);
    expect(s.service.listOpen().map((i) => i.id)).not.toContain(again.id);
  });

  it('viewers, walls and the realtime hub see every caller masked by the one rule', async () => {
    const v = await get(fire.id, 'viewer');
    expect(v.caller).toEqual({ name: 'Bu** Sa*****', phone: '0812****5678' });
    expect(v.callers.map((c: any) => c.caller)).toEqual([{ name: 'Si** Am****', phone: '0812****1234' }]);
    const merged = await s.call('POST', `/api/incidents/${again.id}/merge`, 'viewer', { into: fire.id });
    expect(merged.status).toBe(403);
    const published = s.events.filter((e) => e.id === fire.id).at(-1);
    expect(published.callCount).toBe(2);
    expect(published.callers[0].caller).toEqual({ name: 'Si** Am****', phone: '0812****1234' });
    const list = await s.call('GET', '/api/incidents?status=open', 'viewer');
    expect(z.strictObject({ items: z.array(incidentSchema) }).safeParse(list.body).error?.issues ?? []).toEqual([]);
    expect(JSON.stringify(list.body)).not.toContain('Siti');
    expect(JSON.stringify(list.body)).not.toContain('081298761234');
  });

  it('refuses, naming the field and storing nothing: unknown ids 404, itself, an already merged call, a closed incident 409', async () => {
    const other = await post(report('kebakaran', RUMBAI, { description: 'kebakaran lahan' }));
    const closed = await post(report('pohon_tumbang', RUMBAI));
    expect((await s.call('PATCH', `/api/incidents/${closed.id}`, 'operator', { status: 'batal', note: 'uji: laporan ditarik' })).status).toBe(200);
    const before = { rows: historyRows(), fire: await get(fire.id), other: await get(other.id), again: await get(again.id), closed: await get(closed.id) };
    const cases: Array<[string, unknown, number, string, string]> = [
      ['INC-000000-99999', fire.id, 404, 'incident_not_found', 'id'],
      [other.id, 'INC-000000-99999', 404, 'incident_not_found', 'into'],
      [other.id, other.id, 409, 'merge_into_self', 'into'],
      [again.id, fire.id, 409, 'already_merged', 'id'],
      [again.id, other.id, 409, 'already_merged', 'id'],
      [other.id, again.id, 409, 'already_merged', 'into'],
      [other.id, closed.id, 409, 'incident_closed', 'into'],
      [closed.id, other.id, 409, 'incident_closed', 'id'],
      [other.id, undefined, 400, 'invalid_field', 'into'],
      [other.id, 7, 400, 'invalid_field', 'into'],
    ];
    for (const [id, into, status, error, field] of cases) {
      const r = await merge(id, into);
      expect(r.status, `${id} → ${String(into)}: ${JSON.stringify(r.body)}`).toBe(status);
      expect(r.body).toMatchObject({ error, field });
    }
    expect((await merge(again.id, fire.id)).body.mergedInto).toBe(fire.id); // where it went, for the console
    expect((await merge(other.id, fire.id, null)).status).toBe(401);
    expect((await s.call('POST', `/api/incidents/${other.id}/merge`, 'operator', `into=${fire.id}`, { 'content-type': 'text/plain' })).status).toBe(415);
    expect((await s.call('POST', `/api/incidents/${other.id}/merge`, 'operator', { into: fire.id, also: 1 })).body).toMatchObject({ error: 'invalid_field', field: 'also' });
    expect(historyRows()).toBe(before.rows);
    for (const [id, was] of [[fire.id, before.fire], [other.id, before.other], [again.id, before.again], [closed.id, before.closed]]) {
      expect(await get(id)).toEqual(was);
    }
  });

  it('is one transaction: a failure half-way stores nothing of it', async () => {
    const a = await post(report('kdrt', PMI));
    const b = await post(report('kdrt', PP));
    expect(b.possibleDuplicateOf).toBe(a.id);
    const rows = historyRows();
    // the second half of the merge (the incident taking the call) fails inside the transaction
    s.db.exec(`CREATE TEMP TRIGGER fail_call_merged BEFORE INSERT ON incident_history WHEN NEW.event = 'call_merged'
      BEGIN SELECT RAISE(ABORT, 'test: call_merged refused'); END;`);
    try {
      expect((await merge(b.id, a.id)).status).toBe(500);
    } finally {
      s.db.exec('DROP TRIGGER temp.fail_call_merged');
    }
    expect(historyRows()).toBe(rows);
    expect(await get(b.id)).toEqual(b);
    expect(await get(a.id)).toEqual(a);
    // and the same merge then goes through
    expect((await merge(b.id, a.id)).body).toMatchObject({ id: a.id, callCount: 2 });
  });

  it('a second AML message from the same handset is flagged (whatever its category now, wherever the fix), and merges', async () => {
    const et = Math.floor(Date.now() / 1000);
    const aml = (body: string) => s.call('POST', '/api/intake/aml?from=%2B6281234565678', 'integration', body, TEXT);
    const first = await aml(amlFrom('356938035643809', RS_MATA, et - 60));
    expect(first.status, JSON.stringify(first.body)).toBe(201);
    expect(first.body.incident).toMatchObject({ source: 'aml', category: 'lainnya', possibleDuplicateOf: null });
    // the operator verified the first call as a fire
    expect((await s.call('PATCH', `/api/incidents/${first.body.incident.id}`, 'operator', { category: 'kebakaran' })).status).toBe(200);
    // the same handset again, its fix now at the other end of the city (a caller on the move)
    const second = await aml(amlFrom('356938035643809', PMI, et));
    expect(second.status).toBe(201);
    expect(second.body.incident.possibleDuplicateOf).toBe(first.body.incident.id);
    // a gateway resend of that message is still the same message, not a third call
    expect((await aml(amlFrom('356938035643809', PMI, et))).body).toMatchObject({ action: 'duplicate', incident: { id: second.body.incident.id } });
    // another handset, far from every open "lainnya", is not
    expect((await aml(amlFrom('490154203237518', RUMBAI, et))).body.incident.possibleDuplicateOf).toBeNull();

    const r = await merge(second.body.incident.id, first.body.incident.id);
    expect(r.status).toBe(200);
    expect(r.body).toMatchObject({ callCount: 2, callers: [{ incidentId: second.body.incident.id, source: 'aml', caller: { name: null, phone: '+6281234565678' } }] });
    const v = await get(first.body.incident.id, 'viewer');
    expect(v.callers[0].caller.phone).toBe('+628******5678');
    expect(v.sourceRef).toBe('***********3809');
  });
});

describe('KPIs count incidents and, separately, calls', () => {
  let s: IncidentsStack;
  beforeAll(async () => {
    s = await startIncidents();
  });
  afterAll(() => s?.close());
  const kpis = () => createKpiQuery(s.db, { sla: loadSiteTables().sla }).kpis({ from: Date.now() - 60 * MIN, to: Date.now() + 60 * MIN });
  const post = async (at: { lat: number; lon: number }) => (await s.call('POST', '/api/incidents', 'operator', report('kebakaran', at))).body;
  const merge = async (id: string, into: string) => {
    const r = await s.call('POST', `/api/incidents/${id}/merge`, 'operator', { into });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  it('two calls about one fire, merged: 1 incident, 2 calls; the merged call is in no other figure', async () => {
    const a = await post(RS_MATA);
    const b = await post(RS_BUDHI);
    expect(b.possibleDuplicateOf).toBe(a.id);
    expect(kpis()).toMatchObject({ total: 2, calls: 2, openBacklog: 2 });
    const beforeMerge = Date.now() + 1;
    await new Promise((r) => setTimeout(r, 20));
    await merge(b.id, a.id);
    const k = kpis();
    // the backlog at an instant before the merge: the repeat call was never an incident of its own
    const then = createKpiQuery(s.db, { sla: loadSiteTables().sla }).kpis({ from: Date.now() - 60 * MIN, to: beforeMerge });
    expect(then).toMatchObject({ total: 1, calls: 2, openBacklog: 1 });
    expect(k).toMatchObject({ total: 1, calls: 2, openBacklog: 1, cancelled: 0, prank: { count: 0, share: 0 }, byCategory: { kebakaran: 1 } });
    expect(Object.values(k.bySource).reduce((x, y) => x + y, 0)).toBe(1);
    expect(k.byHourWib.reduce((x, y) => x + y, 0)).toBe(1);
    expect(k.byKecamatan.reduce((x, y) => x + y.count, 0)).toBe(1);
    expect(k.byAgency.find((x) => x.agency === 'damkar')?.routed).toBe(1);
    // the projection the KPIs read: the merged call is closed, out of response times, marked merged
    const facts = s.db.prepare('SELECT incident_id AS id, merged, excluded, prank, closed_ms IS NOT NULL AS closed, terminal_ms IS NOT NULL AS terminal FROM kpi_incident_facts ORDER BY seq').all();
    expect(facts).toEqual([
      { id: a.id, merged: 0, excluded: 0, prank: 0, closed: 0, terminal: 0 },
      { id: b.id, merged: 1, excluded: 1, prank: 0, closed: 1, terminal: 1 },
    ]);
    expect(s.db.prepare('SELECT COUNT(*) FROM kpi_response_facts WHERE incident_id = ? AND excluded = 0').pluck().get(b.id)).toBe(0);
    // the briefing's replay shows one point for the event
    const replay = await createKpiQuery(s.db, { sla: loadSiteTables().sla }).replay({ from: Date.now() - 60 * MIN, to: Date.now() + 60 * MIN });
    expect(replay.incidents.map((i) => i.id)).toEqual([a.id]);
  });

  it('merging an incident that took calls carries them all; open repeats of it are re-pointed', async () => {
    const [a] = s.service.list({ open: true, limit: 1 });
    const c = await post(RS_BUDHI);
    const d = await post(RS_MATA);
    expect([c.possibleDuplicateOf, d.possibleDuplicateOf]).toEqual([a.id, a.id]);
    // the operator keeps c and merges the first incident (with its merged call) into it
    const taken = await merge(a.id, c.id);
    expect(taken).toMatchObject({ id: c.id, callCount: 3, possibleDuplicateOf: null });
    expect(taken.callers.map((x: any) => x.incidentId)).toEqual([a.id, a.callers[0].incidentId]);
    expect((await s.call('GET', `/api/incidents/${d.id}`, 'operator')).body.possibleDuplicateOf).toBe(c.id);
    expect(kpis()).toMatchObject({ total: 2, calls: 4, openBacklog: 2 });
    expect(await merge(d.id, c.id)).toMatchObject({ callCount: 4 });
    expect(kpis()).toMatchObject({ total: 1, calls: 4, openBacklog: 1, byCategory: { kebakaran: 1 } });
  });
});

describe('a store in use before repeat calls (migration 308)', () => {
  it('its incidents read as one call each, are found as repeats, merge, and the KPIs count them right', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-dup-upgrade-'));
    const db = openDb(dir);
    try {
      applyMigrations(db, migrations.filter((m) => m.id !== '308-kpis-merged-calls'));
      // a row as the server wrote it before: no merge fields in its document
      const at = new Date(Date.now() - 5 * MIN).toISOString();
      const doc = {
        agencies: [{ id: 'damkar', name: 'Damkar (Pemadam Kebakaran)', phone: '113' }], caller: { name: null, phone: null }, description: 'lama',
        location: { text: RS_MATA.name, lat: RS_MATA.lat, lon: RS_MATA.lon, uncertaintyM: null, method: 'gps', kelurahan: null, kecamatan: null, needsLocation: false },
        flags: [],
      };
      db.prepare(`INSERT INTO incidents (id, source, source_ref, category, priority, status, reported_at, updated_at, doc)
        VALUES ('INC-OLD-00001', 'api', NULL, 'kebakaran', 2, 'baru', ?, ?, ?)`).run(at, at, JSON.stringify(doc));
      db.prepare(`INSERT INTO incident_history (incident_id, at, status, event, by) VALUES ('INC-OLD-00001', ?, 'baru', 'created', 'test')`).run(at);
      expect(migrate(db)).toEqual(['308-kpis-merged-calls']);
      const service = createIncidentService({ db, bus: new EventBus(), geo: { geocode: () => [], reverse: () => ({ label: 'x', kelurahan: null, kecamatan: null, street: null, inside: true }) as any } });
      const old = service.mustGet('INC-OLD-00001');
      expect(incidentSchema.safeParse(old).error?.issues ?? []).toEqual([]);
      expect(old).toMatchObject({ possibleDuplicateOf: null, mergedInto: null, callCount: 1, callers: [] });
      const again = service.create({ source: 'api', category: 'kebakaran', description: 'baru', location: { lat: RS_BUDHI.lat, lon: RS_BUDHI.lon } }, 'test').incident;
      expect(again.possibleDuplicateOf).toBe(old.id);
      expect(service.merge(again.id, old.id, 'test')).toMatchObject({ callCount: 2 });
      const k = createKpiQuery(db, { sla: loadSiteTables().sla }).kpis({ from: Date.now() - 60 * MIN, to: Date.now() + 60 * MIN });
      expect(k).toMatchObject({ total: 1, calls: 2, openBacklog: 1 });
    } finally {
      db.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
