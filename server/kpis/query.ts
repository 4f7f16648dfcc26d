// SQL side of the briefing. KPIs: reads the "response facts" projection (kpi_incident_facts / kpi_response_facts,
// kept exact by SQLite triggers from incidents.reported_at, incident_history transitions and dispatches.dispatched_at/
// moving_at/arrived_at — server/store/schema/kpis.ts) straight into the typed-array columns domain/kpis.ts works on.
// Replay: reads incidents and unit_positions. Read-only: never writes a KPI number anywhere.
import type { Db } from '../store/db.ts';
import { CLOSED_STATUSES_SQL } from '../../domain/incident.ts';
import { computeKpisFromFacts, WIB_OFFSET_MS, type KpiFacts, type Kpis, type PopulationTable, type SlaTable } from '../../domain/kpis.ts';
import type { Period } from '../../domain/period.ts';
import type { KpiResult, Replay, ReplayIncident, ReplayTrail } from '../../domain/kpis.ts';
export type { KpiResult, Replay, ReplayIncident, ReplayTrail } from '../../domain/kpis.ts';

export interface KpiFilter extends Period {
  /** Agency id (routing table / unit agency), e.g. 'damkar'. */
  agency?: string;
  /** Kecamatan name or code (case-insensitive on the name). */
  kecamatan?: string;
}

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
/** Epoch ms column from offsets to `base` (one instant, or the row's own instant); NULL stays NaN. */
function timeColumn(xs: Array<number | null>, base: number | Float64Array): Float64Array {
  const out = new Float64Array(xs.length);
  for (let k = 0; k < xs.length; k++) {
    const v = xs[k];
    out[k] = v === null ? NaN : v + (typeof base === 'number' ? base : base[k]);
  }
  return out;
}

// Several small dictionary ids travel as ONE number per row: each aggregate column costs SQLite a step per row and
// JSON.parse a number, so fewer, wider numbers are the cheaper read (measured). Every packing stays below 2^53 (exact
// in a double) and the id ranges are asserted (assertPackable) so a growing dictionary fails loudly, never corrupts.
const ID_BITS = 12;
/** Dictionary ids must stay below this; NO_ID (4095) stands for NULL (no kecamatan / kelurahan). */
const NO_ID = 2 ** ID_BITS - 1;
/** ResponseColumns.flags: 3 bits + two 3-bit stage sources (domain/kpis.ts RESPONSE_FLAGS). */
const FLAG_BITS = 9;
/** ((category, source), (kecamatan, kelurahan, kind)): 24 + 26 = 50 bits; unpacked by splitting at 2^26. */
const INCIDENT_IDS_SQL = `((((f.category_id * ${2 ** ID_BITS} + f.source_id) * ${2 ** ID_BITS} + ifnull(f.kec_id, ${NO_ID})) * ${2 ** ID_BITS}
  + ifnull(f.kel_id, ${NO_ID})) * 4 + f.prank + f.excluded)`;
/** (agency, category, flags): 12 + 12 + 9 = 33 bits. */
const RESPONSE_IDS_SQL = `((r.agency_id * ${2 ** ID_BITS} + r.category_id) * ${2 ** FLAG_BITS} + r.flags)`;

function assertPackable(names: readonly string[]): void {
  if (names.length > NO_ID) throw new Error(`kpi_names holds ids up to ${names.length - 1}: the KPI read packs ids in ${ID_BITS} bits (below ${NO_ID})`);
}
const LOW = 2 ** 26;
function unpackIncidentIds(xs: Array<number | null>) {
  const n = xs.length;
  const out = { category: new Int32Array(n), source: new Int32Array(n), kecamatan: new Int32Array(n), kelurahan: new Int32Array(n), kind: new Uint8Array(n) };
  for (let k = 0; k < n; k++) {
    const v = xs[k] as number;
    const hi = Math.floor(v / LOW);
    const lo = v - hi * LOW;
    out.category[k] = hi >>> ID_BITS;
    out.source[k] = hi & NO_ID;
    const kec = lo >>> (ID_BITS + 2);
    const kel = (lo >>> 2) & NO_ID;
    out.kecamatan[k] = kec === NO_ID ? -1 : kec;
    out.kelurahan[k] = kel === NO_ID ? -1 : kel;
    out.kind[k] = lo & 3;
  }
  return out;
}
const AGENCY_AT = 2 ** (ID_BITS + FLAG_BITS);
function unpackResponseIds(xs: Array<number | null>) {
  const n = xs.length;
  const out = { agency: new Int32Array(n), category: new Int32Array(n), flags: new Int32Array(n) };
  for (let k = 0; k < n; k++) {
    const v = xs[k] as number;
    const agency = Math.floor(v / AGENCY_AT);
    const rest = v - agency * AGENCY_AT;
    out.agency[k] = agency;
    out.category[k] = rest >>> FLAG_BITS;
    out.flags[k] = rest & (2 ** FLAG_BITS - 1);
  }
  return out;
}

/** The id → name dictionary; read before the facts in the same transaction, so it covers every id they pack. */
function loadNames(db: Db): string[] {
  const names: string[] = [];
  for (const [id, name] of db.prepare('SELECT id, name FROM kpi_names').raw(true).all() as Array<[number, string]>) names[id] = name;
  assertPackable(names);
  return names;
}

/**
 * The facts of the incidents reported in [from, to): range reads of the report-time-clustered projection tables
 * (server/store/schema/kpis.ts), no per-incident lookups, no JSON documents, no date parsing. Read one WIB day at a
 * time: a month in one aggregate grows multi-megabyte buffers whose page faults cost more than the extra statements
 * (measured: ~25 % of the cold read), and the day pieces are the ones the cache below keeps.
 */
export function loadFacts(db: Db, f: KpiFilter): KpiFacts {
  const names = loadNames(db);
  return { names, ...concatSlices(dayPieces(f).map(([from, to]) => loadSlice(db, { ...f, from, to }))) };
}

type FactsSlice = Omit<KpiFacts, 'names'>;

function loadSlice(db: Db, f: KpiFilter): FactsSlice {
  const flt = factsFilterSql(f);
  // report times as offsets from the period start, later times as offsets from the report: fewer digits to format and
  // parse (measured ~40 % cheaper), exact
  const [reported, incidentIds] = readColumns(
    db, ['f.reported_ms - ?', INCIDENT_IDS_SQL],
    `FROM kpi_incident_facts f WHERE f.reported_ms >= ? AND f.reported_ms < ?${flt.sql}`, [f.from, f.from, f.to, ...flt.params],
  );
  // The agency filter restricts the per-agency figures to that agency (responses of other agencies are not read).
  const agencySql = f.agency ? ` AND r.agency_id = (SELECT id FROM kpi_names WHERE kind = 'agency' AND name = ?)` : '';
  const areaSql = f.kecamatan
    ? ` AND EXISTS (SELECT 1 FROM kpi_incident_facts f WHERE f.incident_id = r.incident_id${factsFilterSql({ ...f, agency: undefined }).sql})`
    : '';
  const [responseIds, rReported, closed, dispatched, moving, arrived] = readColumns(
    db, [RESPONSE_IDS_SQL, 'r.reported_ms - ?', 'r.closed_ms - r.reported_ms', 'r.dispatched_ms - r.reported_ms', 'r.moving_ms - r.reported_ms', 'r.arrived_ms - r.reported_ms'],
    `FROM kpi_response_facts r WHERE r.reported_ms >= ? AND r.reported_ms < ? AND r.excluded = 0${agencySql}${areaSql}`,
    [f.from, f.from, f.to, ...(f.agency ? [f.agency] : []), ...(f.kecamatan ? [f.kecamatan, f.kecamatan] : [])],
  );
  const reportedAt = timeColumn(rReported, f.from);
  return {
    incidents: { n: reported.length, reportedAt: timeColumn(reported, f.from), ...unpackIncidentIds(incidentIds) },
    responses: {
      n: responseIds.length, ...unpackResponseIds(responseIds), reportedAt, closedAt: timeColumn(closed, reportedAt),
      dispatchedAt: timeColumn(dispatched, reportedAt), movingAt: timeColumn(moving, reportedAt), arrivedAt: timeColumn(arrived, reportedAt),
    },
  };
}

const DAY = 86_400_000;
/** WIB day number, as kpi_day_versions.day (server/store/schema/kpis.ts). */
const wibDay = (t: number) => Math.floor((t + WIB_OFFSET_MS) / DAY);
const wibDayStart = (day: number) => day * DAY - WIB_OFFSET_MS;
/** The period cut at WIB midnights, in order; a piece DAY long is a whole day. */
function dayPieces(f: Period): Array<[number, number]> {
  const pieces: Array<[number, number]> = [];
  for (let from = f.from; from < f.to; ) {
    const to = Math.min(f.to, wibDayStart(wibDay(from) + 1));
    pieces.push([from, to]);
    from = to;
  }
  return pieces;
}

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
      const names = loadNames(db);
      const ended = Math.min(f.to, asOf);
      const pieces = dayPieces(f);
      const closedDays = pieces.filter(([from, to]) => to - from === DAY && to <= ended).map(([from]) => wibDay(from));
      const versions = closedDays.length
        ? new Map(versionsStmt(db).all(closedDays[0], closedDays[closedDays.length - 1]) as Array<[number, number]>)
        : new Map<number, number>();
      const filterKey = `${f.agency ?? ''}|${f.kecamatan ?? ''}|`;
      const parts = pieces.map(([from, to]) => {
        if (to - from !== DAY || to > ended) return loadSlice(db, { ...f, from, to });
        const day = wibDay(from);
        const key = filterKey + day;
        const version = versions.get(day) ?? 0;
        let hit = days.get(key);
        if (!hit || hit.version !== version) {
          hit = { version, slice: loadSlice(db, { ...f, from, to }) };
          days.delete(key);
          days.set(key, hit);
          if (days.size > maxDays) days.delete(days.keys().next().value as string); // oldest entry
        }
        return hit.slice;
      });
      return { names, ...concatSlices(parts) };
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
  // a past instant: the first terminal transition in the history (terminal_ms) decides. Counted in disjoint parts so
  // each is an index range, not a scan of all history: rows open now (partial index), rows closed now whose first
  // terminal transition came after `at` (partial index on terminal_ms: few when `at` is close to now), and closed rows
  // with no terminal transition in their history at all.
  const parts: Array<[index: string, where: string, params: unknown[]]> = [
    ['kpi_incident_facts_open', 'f.closed_ms IS NULL AND (f.terminal_ms IS NULL OR f.terminal_ms > ?)', [at]],
    ['kpi_incident_facts_closed_terminal', 'f.closed_ms IS NOT NULL AND f.terminal_ms > ?', [at]],
    ['kpi_incident_facts_closed_terminal', 'f.closed_ms IS NOT NULL AND f.terminal_ms IS NULL', []],
  ];
  const sql = parts.map(([index, where]) => `(SELECT COUNT(*) FROM kpi_incident_facts f INDEXED BY ${index} WHERE ${where} AND f.reported_ms < ?${flt.sql})`);
  return db
    .prepare(`SELECT ${sql.join(' + ')}`)
    .pluck()
    .get(...parts.flatMap(([, , params]) => [...params, f.to, ...flt.params])) as number;
}

export interface KpiQueryOptions {
  sla: SlaTable;
  population?: PopulationTable;
  now?: () => number;
  /** Keep closed days' facts between queries (default true; the bench turns it off to measure a cold read). */
  dayCache?: boolean;
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
              CASE WHEN i.status IN ${CLOSED_STATUSES_SQL} THEN i.updated_at END AS closed_at
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
