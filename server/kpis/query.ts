// SQL side of the briefing. KPIs: reads the "response facts" projection (kpi_incident_facts / kpi_response_facts,
// kept exact by SQLite triggers from incidents.reported_at, incident_history transitions and dispatches.dispatched_at/
// moving_at/arrived_at — server/store/schema/kpis.ts) straight into the typed-array columns domain/kpis.ts works on.
// Replay: reads incidents and unit_positions. Read-only: never writes a KPI number anywhere.
import type { Db } from '../store/db.ts';
import { CLOSED_STATUSES_SQL } from '../../domain/incident.ts';
import { computeKpisFromFacts, WIB_OFFSET_MS, type KpiFacts, type Kpis, type PopulationTable, type SlaTable } from '../../domain/kpis.ts';
import type { Period } from '../../domain/period.ts';
import type { KpiResult, Replay, ReplayIncident } from '../../domain/kpis.ts';
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
/** ((category, source), (kecamatan, kelurahan, kind)): 24 + 26 = 50 bits; unpacked by splitting at 2^26. The kind
 * (IncidentColumns.kind) in 2 bits: prank + excluded is 0 (counts), 1 (batal) or 2 (iseng); a merged call is excluded
 * and not a prank, so + 2 × merged makes it 3 (KIND_MERGED). */
const INCIDENT_IDS_SQL = `((((f.category_id * ${2 ** ID_BITS} + f.source_id) * ${2 ** ID_BITS} + ifnull(f.kec_id, ${NO_ID})) * ${2 ** ID_BITS}
  + ifnull(f.kel_id, ${NO_ID})) * 4 + f.prank + f.excluded + 2 * f.merged)`;
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
  // with no terminal transition in their history at all. A repeat call merged into another incident (closed, merged)
  // was never an incident of its own, so it is not part of any backlog.
  const parts: Array<[index: string, where: string, params: unknown[]]> = [
    ['kpi_incident_facts_open', 'f.closed_ms IS NULL AND (f.terminal_ms IS NULL OR f.terminal_ms > ?)', [at]],
    ['kpi_incident_facts_closed_terminal', 'f.closed_ms IS NOT NULL AND f.merged = 0 AND f.terminal_ms > ?', [at]],
    ['kpi_incident_facts_closed_terminal', 'f.closed_ms IS NOT NULL AND f.merged = 0 AND f.terminal_ms IS NULL', []],
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
  /** Most unit fixes one replay answer reads and sends (SIAGA_REPLAY_MAX_FIXES); default REPLAY_MAX_FIXES. */
  replayMaxFixes?: number;
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
    /** The replay answer as JSON text in pieces, produced a chunk at a time (see replayJson). */
    replayJson(f: KpiFilter, maxFixes = opts.replayMaxFixes ?? REPLAY_MAX_FIXES): AsyncGenerator<string> {
      return replayJson(db, f, maxFixes);
    },
    /** The same answer as one object (benchmarks, tests). */
    replay(f: KpiFilter, maxFixes = opts.replayMaxFixes ?? REPLAY_MAX_FIXES): Promise<Replay> {
      return loadReplay(db, f, maxFixes);
    },
  };
}
export type KpiQuery = ReturnType<typeof createKpiQuery>;

/** Default of SIAGA_REPLAY_MAX_FIXES: the most unit fixes one replay answer reads from SQLite and sends. */
export const REPLAY_MAX_FIXES = 200_000;
/**
 * Rows per SQL statement of the replay; the event loop runs between two (health, walls, AVL). Measured on 1.5 M
 * positions (test/bench/replay.ts): 5–10 µs a sampled fix, so a chunk holds the thread for well under 20 ms.
 */
const REPLAY_FIX_CHUNK = 1_000;
const REPLAY_INCIDENT_CHUNK = 500;
/** Trail times written per piece. */
const T_SLICE = 10_000;

const pause = () => new Promise<void>((resolve) => setImmediate(resolve));
/** A number as JSON.stringify writes it (a stored Infinity or an unparsable time must not break the answer). */
const num = (x: number) => (Number.isFinite(x) ? String(x) : 'null');

/** [id, at, lat, lon] of a unit_positions row. */
type Fix = [id: number, at: string, lat: number, lon: number];

interface TrailPlan {
  unitId: string;
  callsign: string;
  agency: string;
  first: Fix;
  last: Fix;
}

function replayStatements(db: Db, f: KpiFilter) {
  const flt = filterSql(f);
  const incidents = db
    .prepare(
      `SELECT i.seq, i.id, i.reported_at, i.category, i.priority, i.status,
              json_extract(i.doc, '$.location.lat') AS lat, json_extract(i.doc, '$.location.lon') AS lon,
              json_extract(i.doc, '$.location.kecamatan.name') AS kec,
              CASE WHEN i.status IN ${CLOSED_STATUSES_SQL} THEN i.updated_at END AS closed_at
         FROM incidents i INDEXED BY incidents_reported
        WHERE i.reported_at >= ? AND i.reported_at < ? AND (i.reported_at, i.seq) > (?, ?) AND i.status <> 'digabung'${flt.sql}
        ORDER BY i.reported_at, i.seq LIMIT ?`,
    )
    .raw(true);
  // Every statement below is an index seek or a bounded range on (unit_id, at): none reads more than the cap.
  const POS = 'unit_positions INDEXED BY unit_positions_unit_at';
  return {
    incidents: (after: [string, number], n: number) =>
      incidents.all(iso(f.from), iso(f.to), after[0], after[1], ...flt.params, n) as Array<
        [number, string, string, string, number, string, number | null, number | null, string | null, string | null]
      >,
    units: db.prepare(`SELECT id, callsign, agency FROM units${f.agency ? ' WHERE agency = ?' : ''} ORDER BY id`).raw(true),
    first: db.prepare(`SELECT id, at, lat, lon FROM ${POS} WHERE unit_id = ? AND at >= ? AND at < ? ORDER BY at, id LIMIT 1`).raw(true),
    last: db.prepare(`SELECT id, at, lat, lon FROM ${POS} WHERE unit_id = ? AND at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT 1`).raw(true),
    /** Fixes of the unit in [first, last], counted no further than `limit`. */
    count: db.prepare(`SELECT COUNT(*) FROM (SELECT 1 FROM ${POS} WHERE unit_id = ? AND at >= ? AND at <= ? LIMIT ?)`).pluck(),
    /** Every fix after (at, id), up to the last one. */
    next: db.prepare(
      `SELECT id, at, lat, lon FROM ${POS} WHERE unit_id = @unit AND at >= @at AND (at > @at OR id > @id) AND at <= @last
        ORDER BY at, id LIMIT @n`,
    ).raw(true),
    /**
     * Thinned: from the fix (id, at), the first fix at least `step` later, then the first one at least `step` after
     * that, … — one index seek per fix returned (a loose index scan), so the cost follows the answer, not the table.
     */
    sample: db.prepare(
      `WITH RECURSIVE s(id, at, lat, lon) AS (
         SELECT @id, @at, NULL, NULL
         UNION ALL
         SELECT p.id, p.at, p.lat, p.lon FROM s JOIN unit_positions p ON p.id = (
           SELECT q.id FROM ${POS.replace('unit_positions', 'unit_positions q')}
            WHERE q.unit_id = @unit AND q.at >= strftime('%Y-%m-%dT%H:%M:%fZ', s.at, @step) AND q.at <= @last
            ORDER BY q.at, q.id LIMIT 1)
         LIMIT @n + 1)
       SELECT id, at, lat, lon FROM s WHERE lat IS NOT NULL`,
    ).raw(true),
  };
}

/**
 * GET /api/kpis/replay as JSON text, in pieces: incidents with coordinates reported in the period (not the repeat calls
 * merged into another incident: one event, one point) and each unit's trail. Never more than `maxFixes` fixes are read
 * or sent. When the period holds more, every trail is thinned in SQL
 * to one fix per `step` (the same step for every unit, chosen from the trails' time spans so the total fits) and
 * keeps its first and last fix in the period; `thinned` says so. Each SQL statement returns one bounded chunk and is
 * finished before the next piece is yielded (an open statement would make the shared connection busy for every other
 * request), with a turn of the event loop between chunks. The pieces are not one snapshot: a fix committed while the
 * answer streams may or may not be in it.
 */
export async function* replayJson(db: Db, f: KpiFilter, maxFixes: number): AsyncGenerator<string> {
  const q = replayStatements(db, f);
  yield `{"from":${JSON.stringify(f.from)},"to":${JSON.stringify(f.to)},"incidents":[`;
  let after: [string, number] = ['', 0];
  let sep = '';
  for (;;) {
    const rows = q.incidents(after, REPLAY_INCIDENT_CHUNK);
    const out: string[] = [];
    for (const [seq, id, reportedAt, category, priority, status, lat, lon, kec, closedAt] of rows) {
      after = [reportedAt, seq];
      if (typeof lat !== 'number' || typeof lon !== 'number') continue; // not placed on the map yet
      const inc: ReplayIncident = { id, t: Date.parse(reportedAt), closedT: ms(closedAt), lat, lon, category, priority, status, kecamatan: kec };
      out.push(sep + JSON.stringify(inc));
      sep = ',';
    }
    if (out.length) yield out.join('');
    if (rows.length < REPLAY_INCIDENT_CHUNK) break;
    await pause();
  }
  yield '],"trails":[';

  // The plan: each unit's first and last fix in the period, and whether all its fixes fit (counted no further than
  // one past the cap, a unit a turn).
  const plans: TrailPlan[] = [];
  const from = iso(f.from);
  const to = iso(f.to);
  let total = 0;
  for (const [unitId, callsign, agency] of q.units.all(...(f.agency ? [f.agency] : [])) as Array<[string, string, string]>) {
    const first = q.first.get(unitId, from, to) as Fix | undefined;
    if (!first) continue;
    const last = q.last.get(unitId, from, to) as Fix;
    plans.push({ unitId, callsign, agency, first, last });
    if (total <= maxFixes) {
      total += q.count.get(unitId, first[1], last[1], maxFixes + 1 - total) as number;
      await pause();
    }
  }
  const thinned = total > maxFixes;
  // thinned: a trail spanning S ms gives at most floor(S / step) + 1 samples, plus its last fix
  const spanMs = plans.reduce((s, p) => s + Date.parse(p.last[1]) - Date.parse(p.first[1]), 0);
  const budget = maxFixes - 2 * plans.length;
  const stepMs = budget > 0 ? Math.max(1, Math.ceil(spanMs / budget)) : f.to - f.from + 1;
  const step = `+${(stepMs / 1000).toFixed(3)} seconds`;

  let sent = 0; // the hard cap: whatever the step gives, no fix past maxFixes is read
  sep = '';
  for (const p of plans) {
    if (sent >= maxFixes) break;
    let piece = `${sep}{"unitId":${JSON.stringify(p.unitId)},"callsign":${JSON.stringify(p.callsign)},"agency":${JSON.stringify(p.agency)},"path":[`;
    sep = ',';
    const t: number[] = [];
    const add = (x: Fix) => {
      piece += `${t.length ? ',' : ''}[${num(x[3])},${num(x[2])}]`;
      t.push(Date.parse(x[1]));
      sent++;
    };
    add(p.first);
    let prev = p.first;
    while (sent < maxFixes) {
      const n = Math.min(REPLAY_FIX_CHUNK, maxFixes - sent);
      const params = { unit: p.unitId, id: prev[0], at: prev[1], last: p.last[1], n };
      const rows = (thinned ? q.sample.all({ ...params, step }) : q.next.all(params)) as Fix[];
      for (const x of rows) add(x);
      if (rows.length) prev = rows[rows.length - 1];
      if (rows.length < n) break;
      yield piece;
      piece = '';
      await pause();
    }
    // thinned: the trail still ends where the unit was last seen in the period
    if (prev[0] !== p.last[0] && sent < maxFixes) add(p.last);
    piece += '],"t":[';
    for (let k = 0; k < t.length; k += T_SLICE) {
      yield piece + t.slice(k, k + T_SLICE).map(num).join(',');
      piece = ',';
      if (k + T_SLICE < t.length) await pause();
    }
    yield ']}';
  }
  yield `],"thinned":${thinned}}`;
}

/** The replay as one object (the benchmark, tests): the same text the route streams, parsed. */
export async function loadReplay(db: Db, f: KpiFilter, maxFixes: number): Promise<Replay> {
  let text = '';
  for await (const piece of replayJson(db, f, maxFixes)) text += piece;
  return JSON.parse(text) as Replay;
}
