// SQL side of the briefing. KPIs: reads the "response facts" projection (kpi_incident_facts / kpi_response_facts,
// kept exact by SQLite triggers from incidents.reported_at, incident_history transitions and dispatches.dispatched_at/
// moving_at/arrived_at — server/store/schema/kpis.ts) straight into the typed-array columns compute.ts works on.
// Replay: reads incidents and unit_positions. Read-only: never writes a KPI number anywhere.
import type { Db } from '../store/db.ts';
import { computeKpisFromFacts, TERMINAL_STATUSES, WIB_OFFSET_MS, type KpiFacts, type Kpis, type PopulationTable, type SlaTable } from './compute.ts';
import type { Period } from './period.ts';

export interface KpiFilter extends Period {
  /** Agency id (routing table / unit agency), e.g. 'damkar'. */
  agency?: string;
  /** Kecamatan name or code (case-insensitive on the name). */
  kecamatan?: string;
}

export interface ReplayIncident {
  id: string;
  /** Epoch ms. */
  t: number;
  /** Epoch ms of closing (last update of a closed incident, as kpi_incident_facts.closed_ms), null while open. */
  closedT: number | null;
  lat: number;
  lon: number;
  category: string;
  priority: number;
  status: string;
  kecamatan: string | null;
}
export interface ReplayTrail {
  unitId: string;
  callsign: string;
  agency: string;
  /** [lon, lat] per fix. */
  path: Array<[number, number]>;
  /** Epoch ms per fix. */
  t: number[];
}
export interface Replay {
  from: number;
  to: number;
  incidents: ReplayIncident[];
  trails: ReplayTrail[];
  /** True when fixes were thinned to stay under the point budget. */
  thinned: boolean;
}

const TERMINAL_SQL = `(${TERMINAL_STATUSES.map((s) => `'${s}'`).join(',')})`;
const iso = (t: number) => new Date(t).toISOString();
const ms = (s: string | null) => (s === null ? null : Date.parse(s));

/** Filter fragment on the facts alias `f`, shared by every KPI query so the numbers always describe the same incidents. */
function factsFilterSql(f: KpiFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.kecamatan) {
    parts.push(`(f.kec_name = ? COLLATE NOCASE OR f.kec_code = ?)`);
    params.push(f.kecamatan, f.kecamatan);
  }
  if (f.agency) {
    // routed to the agency, or one of its units was dispatched
    parts.push(`(instr(f.routed, ',' || ? || ',') > 0 OR EXISTS (SELECT 1 FROM kpi_response_facts r2 INDEXED BY kpi_response_facts_incident
      WHERE r2.incident_id = f.incident_id AND r2.agency_id = (SELECT id FROM kpi_names WHERE kind = 'agency' AND name = ?)))`);
    params.push(f.agency, f.agency);
  }
  return { sql: parts.length ? ' AND ' + parts.join(' AND ') : '', params };
}

/** Filter fragment on alias `i` (incidents) for the replay, the same filter as factsFilterSql over the raw document. */
function filterSql(f: KpiFilter): { sql: string; params: unknown[] } {
  const parts: string[] = [];
  const params: unknown[] = [];
  if (f.kecamatan) {
    parts.push(`(json_extract(i.doc, '$.location.kecamatan.name') = ? COLLATE NOCASE OR json_extract(i.doc, '$.location.kecamatan.code') = ?)`);
    params.push(f.kecamatan, f.kecamatan);
  }
  if (f.agency) {
    parts.push(`(EXISTS (SELECT 1 FROM json_each(i.doc, '$.agencies') a WHERE json_extract(a.value, '$.id') = ?)
      OR EXISTS (SELECT 1 FROM dispatches d JOIN units u ON u.id = d.unit_id WHERE d.incident_id = i.id AND u.agency = ?))`);
    params.push(f.agency, f.agency);
  }
  return { sql: parts.length ? ' AND ' + parts.join(' AND ') : '', params };
}

/**
 * Reads whole columns at once: `SELECT json_group_array(a), json_group_array(b) …` returns ONE row of JSON arrays, and
 * JSON.parse turns each into numbers far faster than better-sqlite3 can build 100k row arrays (measured: ~150 ms of
 * row objects for 100k × 6 values vs ~50 ms this way). Aggregates of one SELECT see the rows in the same order, so
 * the columns stay aligned. NULL → NaN (times: never / open) or -1 (names: none).
 */
function readColumns(db: Db, columns: string[], fromWhere: string, params: unknown[]): Array<Array<number | null>> {
  const sql = `SELECT ${columns.map((c) => `json_group_array(${c})`).join(', ')} ${fromWhere}`;
  return (db.prepare(sql).raw(true).get(...params) as string[]).map((json) => JSON.parse(json) as Array<number | null>);
}
function intColumn(xs: Array<number | null>): Int32Array {
  const out = new Int32Array(xs.length);
  for (let k = 0; k < xs.length; k++) out[k] = xs[k] ?? -1;
  return out;
}
/** Epoch ms column; with `base`, the values are offsets from base's (NULL stays NaN). */
function timeColumn(xs: Array<number | null>, base?: Array<number | null>): Float64Array {
  const out = new Float64Array(xs.length);
  for (let k = 0; k < xs.length; k++) {
    const v = xs[k];
    out[k] = v === null ? NaN : base ? v + (base[k] as number) : v;
  }
  return out;
}

const CATEGORY_SHIFT = 4096;
function splitCategoryFlags(xs: Array<number | null>): { category: Int32Array; flags: Int32Array } {
  const category = new Int32Array(xs.length);
  const flags = new Int32Array(xs.length);
  for (let k = 0; k < xs.length; k++) {
    const v = xs[k] as number;
    category[k] = Math.floor(v / CATEGORY_SHIFT);
    flags[k] = v % CATEGORY_SHIFT;
  }
  return { category, flags };
}

function loadNames(db: Db): string[] {
  const names: string[] = [];
  for (const [id, name] of db.prepare('SELECT id, name FROM kpi_names').raw(true).all() as Array<[number, string]>) names[id] = name;
  return names;
}

/**
 * The facts of the incidents reported in [from, to): two range reads of the report-time-clustered projection tables
 * (server/store/schema/kpis.ts), no per-incident lookups, no JSON documents, no date parsing.
 */
export function loadFacts(db: Db, f: KpiFilter): KpiFacts {
  return { names: loadNames(db), ...loadSlice(db, f) };
}

type FactsSlice = Omit<KpiFacts, 'names'>;

function loadSlice(db: Db, f: KpiFilter): FactsSlice {
  const flt = factsFilterSql(f);
  const [reported, category, source, kec, kel, kind] = readColumns(
    db, ['f.reported_ms', 'f.category_id', 'f.source_id', 'f.kec_id', 'f.kel_id', 'f.prank + f.excluded'],
    `FROM kpi_incident_facts f WHERE f.reported_ms >= ? AND f.reported_ms < ?${flt.sql}`, [f.from, f.to, ...flt.params],
  );
  // The agency filter restricts the per-agency figures to that agency (responses of other agencies are not read).
  const agencySql = f.agency ? ` AND r.agency_id = (SELECT id FROM kpi_names WHERE kind = 'agency' AND name = ?)` : '';
  const areaSql = f.kecamatan
    ? ` AND EXISTS (SELECT 1 FROM kpi_incident_facts f WHERE f.incident_id = r.incident_id${factsFilterSql({ ...f, agency: undefined }).sql})`
    : '';
  // times after the report as offsets from it: fewer digits to format and parse (measured ~40 % cheaper), exact
  // category and flags travel as one number (flags < 2^9): one JSON array fewer to format and parse
  const [agency, categoryFlags, rReported, closed, dispatched, moving, arrived] = readColumns(
    db, ['r.agency_id', `r.category_id * ${CATEGORY_SHIFT} + r.flags`, 'r.reported_ms', 'r.closed_ms - r.reported_ms', 'r.dispatched_ms - r.reported_ms', 'r.moving_ms - r.reported_ms', 'r.arrived_ms - r.reported_ms'],
    `FROM kpi_response_facts r WHERE r.reported_ms >= ? AND r.reported_ms < ? AND r.excluded = 0${agencySql}${areaSql}`,
    [f.from, f.to, ...(f.agency ? [f.agency] : []), ...(f.kecamatan ? [f.kecamatan, f.kecamatan] : [])],
  );
  return {
    incidents: {
      n: reported.length, reportedAt: timeColumn(reported), category: intColumn(category), source: intColumn(source),
      kecamatan: intColumn(kec), kelurahan: intColumn(kel), kind: Uint8Array.from(kind as number[]),
    },
    responses: {
      n: agency.length, agency: intColumn(agency), ...splitCategoryFlags(categoryFlags), reportedAt: timeColumn(rReported), closedAt: timeColumn(closed, rReported),
      dispatchedAt: timeColumn(dispatched, rReported), movingAt: timeColumn(moving, rReported), arrivedAt: timeColumn(arrived, rReported),
    },
  };
}

const DAY = 86_400_000;
/** WIB day number, as kpi_day_versions.day (server/store/schema/kpis.ts). */
const wibDay = (t: number) => Math.floor((t + WIB_OFFSET_MS) / DAY);
const wibDayStart = (day: number) => day * DAY - WIB_OFFSET_MS;

function concat<T extends Float64Array | Int32Array | Uint8Array>(parts: T[], make: (n: number) => T): T {
  const out = make(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
/** Slices in report-time order → one set of columns (the same rows, in the same order, as one range read). */
function concatSlices(parts: FactsSlice[]): FactsSlice {
  const f64 = (n: number) => new Float64Array(n);
  const i32 = (n: number) => new Int32Array(n);
  const I = parts.map((p) => p.incidents);
  const R = parts.map((p) => p.responses);
  return {
    incidents: {
      n: I.reduce((n, x) => n + x.n, 0), reportedAt: concat(I.map((x) => x.reportedAt), f64), category: concat(I.map((x) => x.category), i32),
      source: concat(I.map((x) => x.source), i32), kecamatan: concat(I.map((x) => x.kecamatan), i32),
      kelurahan: concat(I.map((x) => x.kelurahan), i32), kind: concat(I.map((x) => x.kind), (n) => new Uint8Array(n)),
    },
    responses: {
      n: R.reduce((n, x) => n + x.n, 0), agency: concat(R.map((x) => x.agency), i32), category: concat(R.map((x) => x.category), i32),
      flags: concat(R.map((x) => x.flags), i32), reportedAt: concat(R.map((x) => x.reportedAt), f64),
      closedAt: concat(R.map((x) => x.closedAt), f64), dispatchedAt: concat(R.map((x) => x.dispatchedAt), f64),
      movingAt: concat(R.map((x) => x.movingAt), f64), arrivedAt: concat(R.map((x) => x.arrivedAt), f64),
    },
  };
}

/**
 * Facts of closed WIB days, kept between queries: a day is re-read only when its kpi_day_versions row moved (the
 * triggers bump it on every change to that day's facts, back-dated ones included), so a cached day is always exactly
 * what a fresh read would return. The open edges of the period (partial days, today) are always read fresh.
 */
export function createFactsCache(maxDays = 120) {
  const days = new Map<string, { version: number; slice: FactsSlice }>();
  const versionsStmt = (db: Db) => db.prepare('SELECT day, version FROM kpi_day_versions WHERE day >= ? AND day <= ?').raw(true);
  return {
    /** Call inside a read transaction (the versions and the reads must see one snapshot). */
    load(db: Db, f: KpiFilter, asOf: number): KpiFacts {
      const first = wibDayStart(wibDay(f.from)) === f.from ? wibDay(f.from) : wibDay(f.from) + 1;
      const last = wibDay(Math.min(f.to, asOf)) - 1; // the last whole day inside the period that has ended
      if (last < first) return loadFacts(db, f);
      const versions = new Map(versionsStmt(db).all(first, last) as Array<[number, number]>);
      const parts: FactsSlice[] = [];
      if (f.from < wibDayStart(first)) parts.push(loadSlice(db, { ...f, to: wibDayStart(first) }));
      const filterKey = `${f.agency ?? ''}|${f.kecamatan ?? ''}|`;
      for (let day = first; day <= last; day++) {
        const key = filterKey + day;
        const version = versions.get(day) ?? 0;
        let hit = days.get(key);
        if (!hit || hit.version !== version) {
          hit = { version, slice: loadSlice(db, { ...f, from: wibDayStart(day), to: wibDayStart(day + 1) }) };
          days.delete(key);
          days.set(key, hit);
          if (days.size > maxDays) days.delete(days.keys().next().value as string); // oldest entry
        }
        parts.push(hit.slice);
      }
      if (wibDayStart(last + 1) < f.to) parts.push(loadSlice(db, { ...f, from: wibDayStart(last + 1) }));
      return { names: loadNames(db), ...concatSlices(parts) };
    },
  };
}

/** Incidents reported before `to` and not closed by min(to, asOf): the backlog at the end of the period. */
export function openBacklog(db: Db, f: KpiFilter, asOf: number): number {
  const flt = factsFilterSql(f);
  const at = Math.min(f.to, asOf);
  if (at >= asOf) {
    // "now": the current status says it (closed_ms is set exactly for terminal statuses; partial index on open rows)
    return db
      .prepare(`SELECT COUNT(*) FROM kpi_incident_facts f INDEXED BY kpi_incident_facts_open WHERE f.closed_ms IS NULL AND f.reported_ms < ?${flt.sql}`)
      .pluck()
      .get(f.to, ...flt.params) as number;
  }
  // a past instant: the first terminal transition in the history (terminal_ms) decides
  return db
    .prepare(`SELECT COUNT(*) FROM kpi_incident_facts f WHERE f.reported_ms < ?${flt.sql} AND (f.terminal_ms IS NULL OR f.terminal_ms > ?)`)
    .pluck()
    .get(f.to, ...flt.params, at) as number;
}

export interface KpiQueryOptions {
  sla: SlaTable;
  population?: PopulationTable;
  now?: () => number;
  /** Keep closed days' facts between queries (default true; the bench turns it off to measure a cold read). */
  dayCache?: boolean;
}

export interface KpiResult extends Kpis {
  period: { from: string; to: string; timeZone: 'Asia/Jakarta (WIB, UTC+7)' };
  filter: { agency: string | null; kecamatan: string | null };
  asOf: string;
}

export function createKpiQuery(db: Db, opts: KpiQueryOptions) {
  const now = opts.now ?? Date.now;
  const cache = opts.dayCache === false ? null : createFactsCache();
  return {
    kpis(f: KpiFilter): KpiResult {
      const asOf = now();
      // one read transaction: the timeline and the backlog see the same snapshot
      const { facts, backlog } = db.transaction(() => ({ facts: cache ? cache.load(db, f, asOf) : loadFacts(db, f), backlog: openBacklog(db, f, asOf) }))();
      const k = computeKpisFromFacts(facts, { asOf, sla: opts.sla, population: opts.population, openBacklog: backlog, agency: f.agency });
      return {
        period: { from: iso(f.from), to: iso(f.to), timeZone: 'Asia/Jakarta (WIB, UTC+7)' },
        filter: { agency: f.agency ?? null, kecamatan: f.kecamatan ?? null },
        asOf: iso(asOf),
        ...k,
      };
    },
    replay(f: KpiFilter, maxFixes = 200_000): Replay {
      return loadReplay(db, f, maxFixes);
    },
  };
}
export type KpiQuery = ReturnType<typeof createKpiQuery>;

/** Incidents with coordinates and unit trails in the period, for the briefing's time cursor. */
export function loadReplay(db: Db, f: KpiFilter, maxFixes: number): Replay {
  const flt = filterSql(f);
  const rows = db
    .prepare(
      `SELECT i.id, i.reported_at, i.category, i.priority, i.status,
              json_extract(i.doc, '$.location.lat') AS lat, json_extract(i.doc, '$.location.lon') AS lon,
              json_extract(i.doc, '$.location.kecamatan.name') AS kec,
              CASE WHEN i.status IN ${TERMINAL_SQL} THEN i.updated_at END AS closed_at
         FROM incidents i
        WHERE i.reported_at >= ? AND i.reported_at < ?${flt.sql}
        ORDER BY i.reported_at`,
    )
    .all(iso(f.from), iso(f.to), ...flt.params) as Array<{
    id: string; reported_at: string; category: string; priority: number; status: string; lat: number | null; lon: number | null;
    kec: string | null; closed_at: string | null;
  }>;
  const incidents: ReplayIncident[] = [];
  for (const r of rows) {
    if (typeof r.lat !== 'number' || typeof r.lon !== 'number') continue; // not placed on the map yet
    incidents.push({
      id: r.id, t: Date.parse(r.reported_at), closedT: ms(r.closed_at), lat: r.lat, lon: r.lon, category: r.category,
      priority: r.priority, status: r.status, kecamatan: r.kec,
    });
  }
  const agencyClause = f.agency ? ' AND u.agency = ?' : '';
  const count = db
    .prepare(`SELECT COUNT(*) FROM unit_positions p JOIN units u ON u.id = p.unit_id WHERE p.at >= ? AND p.at < ?${agencyClause}`)
    .pluck()
    .get(iso(f.from), iso(f.to), ...(f.agency ? [f.agency] : [])) as number;
  // Thin evenly (every k-th fix) so a 30-day replay stays a few MB; the cursor only needs the shape of each trail.
  const stride = Math.max(1, Math.ceil(count / maxFixes));
  const fixes = db
    .prepare(
      `SELECT p.unit_id, u.callsign, u.agency, p.at, p.lat, p.lon FROM unit_positions p JOIN units u ON u.id = p.unit_id
        WHERE p.at >= ? AND p.at < ?${agencyClause} ORDER BY p.unit_id, p.at`,
    )
    .all(iso(f.from), iso(f.to), ...(f.agency ? [f.agency] : [])) as Array<{
    unit_id: string; callsign: string; agency: string; at: string; lat: number; lon: number;
  }>;
  const trails = new Map<string, ReplayTrail>();
  fixes.forEach((p, idx) => {
    if (idx % stride !== 0) return;
    let tr = trails.get(p.unit_id);
    if (!tr) trails.set(p.unit_id, (tr = { unitId: p.unit_id, callsign: p.callsign, agency: p.agency, path: [], t: [] }));
    tr.path.push([p.lon, p.lat]);
    tr.t.push(Date.parse(p.at));
  });
  return { from: f.from, to: f.to, incidents, trails: [...trails.values()], thinned: stride > 1 };
}
