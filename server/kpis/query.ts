// SQL side of the briefing: reads the store's time-stamped rows (incidents.reported_at, incident_history transitions,
// dispatches.dispatched_at/moving_at/arrived_at, unit_positions) into the plain timeline compute.ts works on.
// Read-only: never writes a KPI number anywhere. Times in the store are ISO-8601 UTC strings (toISOString), so a
// period is an index range scan on text.
import type { Db } from '../store/db.ts';
import { computeKpis, TERMINAL_STATUSES, type Kpis, type PopulationTable, type SlaTable, type TimelineIncident } from './compute.ts';
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
  /** Epoch ms of closing (last update of a closed incident, see loadTimeline), null while open. */
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
const TERMINAL = new Set<string>(TERMINAL_STATUSES);
const ms = (s: string | null) => (s === null ? null : Date.parse(s));

/** Filter fragment on alias `i`, shared by every query so the numbers always describe the same incidents. */
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

/** id, category, source, status, reported_at, updated_at, kecamatan, kelurahan */
type IncidentTuple = [string, string, string, string, string, string, string | null, string | null];
/** incident_id, unit_id, dispatched_at, moving_at, arrived_at */
type DispatchTuple = [string, string, string, string | null, string | null];

/** How far after its report an incident's dispatch may lie and still be read (the dispatch scan is by time). */
const DISPATCH_HORIZON_MS = 7 * 86_400_000;

/**
 * Incidents reported in [from, to) with their dispatches, as the pure timeline. Two index range scans (covering
 * indexes from server/store/schema/kpis.ts), no per-incident lookups: this is what keeps 100k incidents fast.
 * closedAt: for an incident in a terminal status, its last update (terminal statuses are final, so the closing
 * transition is at or before it) — compute.ts only needs "closed by now"; the backlog at a past instant uses the
 * exact transition times (openBacklog).
 */
export function loadTimeline(db: Db, f: KpiFilter): TimelineIncident[] {
  const flt = filterSql(f);
  const rows = db
    .prepare(
      `SELECT i.id, i.category, i.source, i.status, i.reported_at, i.updated_at,
              json_extract(i.doc, '$.location.kecamatan.name') AS kec,
              json_extract(i.doc, '$.location.kelurahan.name') AS kel
         FROM incidents i INDEXED BY kpis_incidents_period -- covering (schema/kpis.ts); the planner would not pick it
        WHERE i.reported_at >= ? AND i.reported_at < ?${flt.sql}`,
    )
    .raw(true) // arrays, not objects: measurably faster for 100k rows
    .all(iso(f.from), iso(f.to), ...flt.params) as IncidentTuple[];
  const byId = new Map<string, TimelineIncident>();
  for (const [id, category, source, status, reportedAt, updatedAt, kecamatan, kelurahan] of rows) {
    byId.set(id, {
      id, category, source, status, reportedAt: Date.parse(reportedAt),
      closedAt: TERMINAL.has(status) ? Date.parse(updatedAt) : null,
      kecamatan, kelurahan, dispatches: [],
    });
  }
  if (byId.size === 0) return [];
  const agencyOf = new Map((db.prepare('SELECT id, agency FROM units').all() as Array<{ id: string; agency: string }>).map((u) => [u.id, u.agency]));
  const dispatches = db
    .prepare(
      `SELECT incident_id, unit_id, dispatched_at, moving_at, arrived_at FROM dispatches
        WHERE dispatched_at >= ? AND dispatched_at < ?`,
    )
    .raw(true)
    .all(iso(f.from), iso(f.to + DISPATCH_HORIZON_MS)) as DispatchTuple[];
  for (const [incidentId, unitId, dispatchedAt, movingAt, arrivedAt] of dispatches) {
    const inc = byId.get(incidentId);
    if (!inc) continue;
    inc.dispatches.push({
      unitId, agency: agencyOf.get(unitId) ?? 'unknown', dispatchedAt: Date.parse(dispatchedAt), movingAt: ms(movingAt), arrivedAt: ms(arrivedAt),
    });
  }
  return [...byId.values()];
}

/** Incidents reported before `to` and not closed by min(to, asOf): the backlog at the end of the period. */
export function openBacklog(db: Db, f: KpiFilter, asOf: number): number {
  const flt = filterSql(f);
  const at = Math.min(f.to, asOf);
  if (at >= asOf) {
    // "now": the current status says it (uses the status index)
    return db
      .prepare(`SELECT COUNT(*) FROM incidents i WHERE i.status NOT IN ${TERMINAL_SQL} AND i.reported_at < ?${flt.sql}`)
      .pluck()
      .get(iso(f.to), ...flt.params) as number;
  }
  return db
    .prepare(
      `SELECT COUNT(*) FROM incidents i WHERE i.reported_at < ?${flt.sql}
         AND NOT EXISTS (SELECT 1 FROM incident_history h WHERE h.incident_id = i.id AND h.status IN ${TERMINAL_SQL} AND h.at <= ?)`,
    )
    .pluck()
    .get(iso(f.to), ...flt.params, iso(at)) as number;
}

export interface KpiQueryOptions {
  sla: SlaTable;
  population?: PopulationTable;
  now?: () => number;
}

export interface KpiResult extends Kpis {
  period: { from: string; to: string; timeZone: 'Asia/Jakarta (WIB, UTC+7)' };
  filter: { agency: string | null; kecamatan: string | null };
  asOf: string;
}

export function createKpiQuery(db: Db, opts: KpiQueryOptions) {
  const now = opts.now ?? Date.now;
  return {
    kpis(f: KpiFilter): KpiResult {
      const asOf = now();
      // one read transaction: the timeline and the backlog see the same snapshot
      const { timeline, backlog } = db.transaction(() => ({ timeline: loadTimeline(db, f), backlog: openBacklog(db, f, asOf) }))();
      const k = computeKpis(timeline, { asOf, sla: opts.sla, population: opts.population, openBacklog: backlog, agency: f.agency });
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
