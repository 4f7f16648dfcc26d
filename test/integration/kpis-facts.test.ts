// The "response facts" projection (kpi_incident_facts / kpi_response_facts, maintained by SQLite triggers) must always
// equal a recomputation from the raw incidents / incident_history / dispatches / units rows — after creates,
// transitions, dispatch, AVL movement and arrival, back-dated changes, corrections and deletes — and the KPIs computed
// from it must equal the KPIs computed from the raw rows. Real services, real SQLite file.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EventBus } from '../../server/events.ts';
import { createIncidentService } from '../../server/incidents/service.ts';
import { computeKpis, sourceCode, type TimelineIncident } from '../../domain/kpis.ts';
import { CLOSED_STATUSES } from '../../domain/incident.ts';
import { STAGE_SOURCES } from '../../server/units/types.ts';
import { createKpiQuery, type KpiFilter, type KpiQuery } from '../../server/kpis/query.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { applyMigrations, migrate, openDb, type Db } from '../../server/store/db.ts';
import { migrations } from '../../server/store/migrations.ts';
import { createUnitService } from '../../server/units/service.ts';
import { firstPlace, geoStub, kelurahanNamed } from './geo-stub.ts';

const kel = kelurahanNamed('Jadirejo');
const [SCENE_LON, SCENE_LAT] = kel.centroid;
const station = firstPlace('pemadam_kebakaran');
// The geocoder is not under test here: every point reverse-geocodes to Jadirejo, Sukajadi.
const geo = geoStub(kel);
const MIN = 60_000;
const T0 = Date.parse('2026-11-20T01:00:00Z'); // 08:00 WIB
const DAY19 = Date.parse('2026-11-18T17:00:00Z'); // 19 Nov 00:00 WIB
const TERMINAL = new Set<string>(CLOSED_STATUSES);

/** Independent recomputation from the raw tables (JSON.parse + Date.parse, no projection, no triggers). */
function rawFacts(db: Db) {
  const agencyOf = new Map((db.prepare('SELECT id, agency FROM units').all() as any[]).map((u) => [u.id, u.agency]));
  const history = db.prepare('SELECT incident_id, at, status, event, note FROM incident_history').all() as any[];
  const incidents = (db.prepare('SELECT * FROM incidents').all() as any[]).map((r) => {
    const doc = JSON.parse(r.doc);
    const terminal = history.filter((h) => h.incident_id === r.id && TERMINAL.has(h.status)).map((h) => Date.parse(h.at));
    return {
      id: r.id, reportedMs: Date.parse(r.reported_at), category: r.category, source: r.source, status: r.status,
      kecamatan: doc.location?.kecamatan?.name ?? null, kecCode: doc.location?.kecamatan?.code ?? null, kelurahan: doc.location?.kelurahan?.name ?? null,
      closedMs: TERMINAL.has(r.status) ? Date.parse(r.updated_at) : null, terminalMs: terminal.length ? Math.min(...terminal) : null,
      routed: (doc.agencies ?? []).map((a: any) => a.id).sort(),
      lead: (doc.agencies?.[0]?.id ?? null) as string | null,
      noUnit: history.filter((h) => h.incident_id === r.id && h.event === 'no_unit_available').map((h) => h.note as string),
    };
  });
  type Raw = { incidentId: string; agency: string; d: number | null; m: number | null; a: number | null; ms: number; as: number; confirmOnly: boolean; flags: number };
  const byKey = new Map<string, Raw>();
  const row = (incidentId: string, agency: string) => {
    const key = `${incidentId}|${agency}`;
    let r = byKey.get(key);
    if (!r) byKey.set(key, (r = { incidentId, agency, d: null, m: null, a: null, ms: 0, as: 0, confirmOnly: true, flags: 0 }));
    return r;
  };
  for (const d of db.prepare('SELECT * FROM dispatches').all() as any[]) {
    if (!incidents.some((i) => i.id === d.incident_id)) continue;
    const r = row(d.incident_id, agencyOf.get(d.unit_id) ?? 'unknown');
    const t = (s: string | null) => (s === null ? null : Date.parse(s));
    if (r.d === null || t(d.dispatched_at)! < r.d) r.d = t(d.dispatched_at);
    if (d.moving_at && (r.m === null || t(d.moving_at)! < r.m)) (r.m = t(d.moving_at)), (r.ms = sourceCode(d.moving_source));
    if (d.arrived_at && (r.a === null || t(d.arrived_at)! < r.a)) (r.a = t(d.arrived_at)), (r.as = sourceCode(d.arrived_source));
    r.confirmOnly &&= d.arrival_check === 'confirm';
  }
  for (const r of byKey.values()) {
    r.flags = (r.a === null && r.confirmOnly ? 4 : 0) | (r.ms << 3) | (r.as << 6);
  }
  // routed without a dispatch: the lead agency, and agencies recorded with no free unit
  for (const i of incidents) {
    for (const agency of i.noUnit) {
      const r = row(i.id, agency);
      if (r.d === null) r.flags |= 2;
    }
    if (i.lead) row(i.id, i.lead);
    for (const r of byKey.values()) if (r.incidentId === i.id && r.agency === i.lead) r.flags |= 1;
  }
  const timeline: TimelineIncident[] = incidents.map((i) => ({
    id: i.id, category: i.category, source: i.source, status: i.status, reportedAt: i.reportedMs, closedAt: i.closedMs,
    kecamatan: i.kecamatan, kelurahan: i.kelurahan, leadAgency: i.lead, noUnitAgencies: i.noUnit,
    dispatches: [...byKey.values()].filter((r) => r.incidentId === i.id && r.d !== null)
      .map((r) => ({
        unitId: '?', agency: r.agency, dispatchedAt: r.d!, movingAt: r.m, arrivedAt: r.a,
        movingSource: r.ms ? STAGE_SOURCES[r.ms - 1] : null, arrivedSource: r.as ? STAGE_SOURCES[r.as - 1] : null,
        arrivalCheck: r.confirmOnly ? ('confirm' as const) : ('geofence' as const),
      })),
  }));
  const responses = [...byKey.values()].map(({ ms: _m, as: _a, confirmOnly: _c, ...r }) => r);
  return { incidents, responses, timeline };
}

/** The projection, read back with names resolved. */
function projected(db: Db) {
  const incidents = (db.prepare(`
    SELECT f.*, c.name AS category, s.name AS source, k.name AS kecamatan, l.name AS kelurahan FROM kpi_incident_facts f
      JOIN kpi_names c ON c.id = f.category_id JOIN kpi_names s ON s.id = f.source_id
      LEFT JOIN kpi_names k ON k.id = f.kec_id LEFT JOIN kpi_names l ON l.id = f.kel_id`).all() as any[]).map((f) => ({
    id: f.incident_id, reportedMs: f.reported_ms, category: f.category, source: f.source, excluded: f.excluded, prank: f.prank,
    kecamatan: f.kecamatan, kecCode: f.kec_code, kelurahan: f.kelurahan, closedMs: f.closed_ms, terminalMs: f.terminal_ms,
    routed: f.routed ? f.routed.split(',').filter(Boolean).sort() : [],
  }));
  const responses = (db.prepare(`SELECT r.*, a.name AS agency FROM kpi_response_facts r JOIN kpi_names a ON a.id = r.agency_id`).all() as any[]).map((r) => ({
    incidentId: r.incident_id, agency: r.agency, d: r.dispatched_ms, m: r.moving_ms, a: r.arrived_ms, reportedMs: r.reported_ms, closedMs: r.closed_ms, excluded: r.excluded,
    flags: r.flags,
  }));
  return { incidents, responses };
}

function expectProjectionExact(db: Db): void {
  const raw = rawFacts(db);
  const got = projected(db);
  const byId = <T extends { id: string }>(xs: T[]) => [...xs].sort((a, b) => a.id.localeCompare(b.id));
  expect(byId(got.incidents)).toEqual(
    byId(raw.incidents.map(({ status, lead: _l, noUnit: _n, ...i }) => ({ ...i, prank: status === 'iseng' ? 1 : 0, excluded: status === 'iseng' || status === 'batal' ? 1 : 0 }))),
  );
  const key = (r: { incidentId: string; agency: string }) => `${r.incidentId}|${r.agency}`;
  const inc = new Map(raw.incidents.map((i) => [i.id, i]));
  expect([...got.responses].sort((a, b) => key(a).localeCompare(key(b)))).toEqual(
    [...raw.responses].sort((a, b) => key(a).localeCompare(key(b))).map((r) => {
      const i = inc.get(r.incidentId)!;
      return { ...r, reportedMs: i.reportedMs, closedMs: i.closedMs, excluded: i.status === 'iseng' || i.status === 'batal' ? 1 : 0 };
    }),
  );
}

/** One long-lived query per store: its closed-day cache must follow every change (back-dated ones included). */
const cachedQueries = new WeakMap<Db, { q: KpiQuery; asOf: number }>();

/**
 * KPIs from the projection (the API path, with and without the closed-day cache) equal the maths over the raw
 * timeline, for several periods and filters; asOf = the given instant and three days later (all days closed).
 */
function expectKpisEqualRaw(db: Db, asOf: number): void {
  expectKpisEqualRawAt(db, asOf);
  expectKpisEqualRawAt(db, asOf + 3 * 86_400_000);
}
function expectKpisEqualRawAt(db: Db, asOf: number): void {
  const sla = loadSiteTables().sla;
  let cached = cachedQueries.get(db);
  if (!cached) cachedQueries.set(db, (cached = { q: createKpiQuery(db, { sla, now: () => cached!.asOf }), asOf }));
  cached.asOf = asOf;
  const fresh = createKpiQuery(db, { sla, now: () => asOf, dayCache: false });
  const raw = rawFacts(db);
  const meta = new Map(raw.incidents.map((i) => [i.id, i]));
  const filters: KpiFilter[] = [
    { from: T0 - 86_400_000, to: T0 + 2 * 86_400_000 },
    { from: T0, to: T0 + 30 * MIN },
    { from: T0 - 86_400_000, to: T0 + 2 * 86_400_000, agency: 'damkar' },
    { from: T0 - 86_400_000, to: T0 + 2 * 86_400_000, kecamatan: kel.kecamatan.toLowerCase() },
    // whole WIB days (19–21 Nov): the cacheable shape
    { from: DAY19, to: DAY19 + 3 * 86_400_000 },
    { from: DAY19, to: DAY19 + 3 * 86_400_000, agency: 'damkar' },
  ];
  for (const f of filters) {
    const { period, filter, asOf: _a, ...got } = fresh.kpis(f);
    const { period: _p, filter: _f, asOf: _b, ...gotCached } = cached.q.kpis(f);
    expect(gotCached).toEqual(got);
    const inPeriod = raw.timeline.filter((i) => {
      const m = meta.get(i.id)!;
      if (i.reportedAt < f.from || i.reportedAt >= f.to) return false;
      if (f.kecamatan && m.kecamatan?.toLowerCase() !== f.kecamatan.toLowerCase() && m.kecCode !== f.kecamatan) return false;
      return !f.agency || m.routed.includes(f.agency) || i.dispatches.some((x) => x.agency === f.agency);
    });
    const want = computeKpis(inPeriod, { asOf, sla, agency: f.agency, openBacklog: got.openBacklog });
    expect(got).toEqual(want);
  }
  // the backlog (open at the end of a past period) from the history's transition times
  const at = T0 + 45 * MIN;
  const open = rawFacts(db).incidents.filter((i) => i.reportedMs < at && !(i.terminalMs !== null && i.terminalMs <= at)).length;
  expect(fresh.kpis({ from: T0 - 86_400_000, to: at }).openBacklog).toBe(open);
}

describe('KPI response facts projection', () => {
  let dir: string;
  let db: Db;
  let clock = 0;
  const iso = (t = clock) => new Date(t).toISOString();

  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-kpi-facts-'));
    db = openDb(dir);
  });
  afterAll(() => {
    db?.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('stays equal to a recomputation from the raw tables through creates, transitions, dispatch, AVL and back-dated changes', () => {
    // Store filled BEFORE the projection exists (an upgrade): the migration must backfill it exactly.
    applyMigrations(db, migrations.filter((m) => m.id < '302'));
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
    units.register({ id: 'dk2', callsign: 'DAMKAR-2', agency: 'damkar', kind: 'pumper', deviceId: 'dev-dk2' });
    units.register({ id: 'pl1', callsign: 'POLISI-1', agency: 'polisi', kind: 'car', deviceId: 'dev-pl1' });
    const fix = (device: string, t: number, lat: number, lon: number, speedKmh: number) => {
      clock = t;
      expect(units.ingest({ deviceId: device, at: iso(), lat, lon, speedKmh, bearingDeg: null, altitudeM: null, accuracyM: 5, battery: null }).ok).toBe(true);
    };
    const create = (category: any, reportedAt: number, extra: object = {}) => {
      clock = reportedAt;
      return incidents.create(
        { source: 'form', category, reportedAt: iso(), description: 'uji', location: { lat: SCENE_LAT, lon: SCENE_LON, method: 'gps' }, ...extra },
        'test',
      ).incident.id;
    };

    // before the migration: a fire with a full response
    const a = create('kebakaran', T0);
    clock = T0 + MIN;
    units.dispatch(a, 'dk1', 'op');
    fix('dev-dk1', T0 + 2 * MIN, station.lat, station.lon, 40);
    fix('dev-dk1', T0 + 6 * MIN, SCENE_LAT, SCENE_LON, 10);
    migrate(db);
    expect(db.prepare('SELECT COUNT(*) FROM kpi_response_facts').pluck().get()).toBe(1);
    expectProjectionExact(db);

    // after: creates (a prank, a crime left open), a second unit of the same agency, another agency
    const b = create('kebakaran', T0 + 10 * MIN);
    const c = create('lainnya', T0 + 11 * MIN, { source: 'aml' });
    const d = create('kriminalitas', T0 + 12 * MIN);
    clock = T0 + 13 * MIN;
    units.dispatch(b, 'dk2', 'op');
    clock = T0 + 14 * MIN;
    units.dispatch(d, 'pl1', 'op');
    expectProjectionExact(db);
    fix('dev-dk2', T0 + 15 * MIN, station.lat, station.lon, 40); // B moving
    fix('dev-pl1', T0 + 16 * MIN, station.lat, station.lon, 30); // D moving, never arrives
    expectProjectionExact(db);
    expectKpisEqualRaw(db, T0 + 20 * MIN);

    // transitions: A closed, C prank, D still open
    incidents.transition(a, 'selesai', 'op', undefined, iso(T0 + 30 * MIN));
    incidents.transition(c, 'iseng', 'op', undefined, iso(T0 + 31 * MIN));
    expectProjectionExact(db);
    const facts = projected(db).incidents.find((i) => i.id === c)!;
    expect(facts).toMatchObject({ prank: 1, excluded: 1, terminalMs: T0 + 31 * MIN });

    // a back-dated change: B is closed NOW with a transition stamped 20 minutes ago (before A's)
    clock = T0 + 60 * MIN;
    incidents.transition(b, 'selesai', 'op', undefined, iso(T0 + 25 * MIN));
    expect(projected(db).incidents.find((i) => i.id === b)).toMatchObject({ closedMs: T0 + 25 * MIN, terminalMs: T0 + 25 * MIN });
    // a back-dated AVL correction: the arrival of A was really a minute earlier; and B gets a late arrival stamp
    db.prepare('UPDATE dispatches SET arrived_at = ? WHERE incident_id = ?').run(iso(T0 + 5 * MIN), a);
    db.prepare('UPDATE dispatches SET arrived_at = ? WHERE incident_id = ?').run(iso(T0 + 22 * MIN), b);
    // (moving: the fix at the scene is the first that closed on it by 100 m — the station fix at speed is not)
    expect(projected(db).responses.find((r) => r.incidentId === a)).toMatchObject({ agency: 'damkar', d: T0 + MIN, m: T0 + 6 * MIN, a: T0 + 5 * MIN });
    expectProjectionExact(db);
    expectKpisEqualRaw(db, T0 + 60 * MIN);

    // a second damkar unit on A, dispatched later but arriving earlier: the agency's FIRST arrival counts
    db.prepare('INSERT INTO dispatches (incident_id, unit_id, dispatched_at, moving_at, arrived_at, by) VALUES (?, ?, ?, ?, ?, ?)')
      .run(a, 'dk2', iso(T0 + 2 * MIN), iso(T0 + 3 * MIN), iso(T0 + 4 * MIN), 'op');
    expect(projected(db).responses.find((r) => r.incidentId === a)).toMatchObject({ d: T0 + MIN, m: T0 + 3 * MIN, a: T0 + 4 * MIN });
    expectProjectionExact(db);
    // a dispatch moved to another incident, one deleted, a unit moved to another agency, an incident re-categorised
    db.prepare('UPDATE dispatches SET incident_id = ? WHERE incident_id = ? AND unit_id = ?').run(d, a, 'dk2');
    expectProjectionExact(db);
    db.prepare('DELETE FROM dispatches WHERE incident_id = ? AND unit_id = ?').run(d, 'pl1');
    expectProjectionExact(db);
    db.prepare(`UPDATE units SET agency = 'bpbd' WHERE id = 'dk2'`).run();
    expectProjectionExact(db);
    clock = T0 + 61 * MIN;
    incidents.update(d, { category: 'kebakaran' }, 'op');
    expectProjectionExact(db);
    // an event on a closed incident moves its updated_at (= closedAt); on an open one it changes no fact
    incidents.addEvent(a, { event: 'note', by: 'op', at: iso(T0 + 70 * MIN) });
    incidents.addEvent(d, { event: 'cap_update', by: 'op', at: iso(T0 + 71 * MIN) });
    expect(projected(db).incidents.find((i) => i.id === a)).toMatchObject({ closedMs: T0 + 70 * MIN, terminalMs: T0 + 30 * MIN });
    expectProjectionExact(db);
    expectKpisEqualRaw(db, T0 + 90 * MIN);
  });

  it('refuses dictionary ids too large for the packed read instead of corrupting figures', () => {
    const q = createKpiQuery(db, { sla: loadSiteTables().sla, dayCache: false });
    const f = { from: T0 - 86_400_000, to: T0 + 86_400_000 };
    expect(q.kpis(f).total).toBeGreaterThan(0);
    db.prepare(`INSERT INTO kpi_names (id, kind, name) VALUES (4095, 'kelurahan', 'too many names')`).run();
    expect(() => q.kpis(f)).toThrow(/packs ids in 12 bits/);
  });
});
