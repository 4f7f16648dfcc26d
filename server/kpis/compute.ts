// Pure briefing KPI maths over a plain timeline: no SQL, no clock, no fs. The query (query.ts) turns the store's
// time-stamped transitions into this shape; tests build it by hand with known answers.
//
// Decisions (documented here because they change the numbers):
// * Response KPIs are per agency, over the incidents in the period to which that agency had ≥ 1 unit dispatched;
//   the agency's FIRST dispatch / first movement / first arrival counts (the public waits for the first unit).
// * Prank (`iseng`) and cancelled (`batal`) incidents count in volumes and prank share, not in response times.
// * A stage that never happened (no movement / no arrival) is a MISS once the incident is closed, or once more time
//   than the SLA has passed since the report: it is never within SLA, and it enters medians/p90 as +∞ ("slower than
//   anything observed") — so a percentile that falls on a miss is reported as `null` with `missed` > 0, never as a
//   flattering number. While still open and inside its SLA it is PENDING and left out of every response figure.
// * Percentiles: linear interpolation between closest ranks (Excel PERCENTILE.INC / R type 7).
// * Hours of day and days are in WIB (UTC+7, no daylight saving).

export const WIB_OFFSET_MS = 7 * 3600_000;
export const TERMINAL_STATUSES = ['selesai', 'iseng', 'batal'] as const;
const EXCLUDED_FROM_RESPONSE = new Set(['iseng', 'batal']);

export interface TimelineDispatch {
  unitId: string;
  agency: string;
  /** Epoch ms. */
  dispatchedAt: number;
  movingAt: number | null;
  arrivedAt: number | null;
}

export interface TimelineIncident {
  id: string;
  category: string;
  source: string;
  status: string;
  /** Epoch ms. */
  reportedAt: number;
  /** Epoch ms of the transition into a terminal status (selesai, iseng, batal); null while open. */
  closedAt: number | null;
  kecamatan: string | null;
  kelurahan: string | null;
  dispatches: TimelineDispatch[];
}

export type Stage = 'dispatch' | 'moving' | 'arrival';
export const STAGES: Stage[] = ['dispatch', 'moving', 'arrival'];

export interface SlaRule {
  minutes: number;
  /** Which stage the SLA is measured on (reported → that stage). */
  stage: Stage;
}
export interface SlaTable {
  default: SlaRule;
  byAgency: Record<string, SlaRule>;
}

/** Inhabitants by kecamatan / kelurahan name (only real, cited figures; empty = rates omitted). */
export interface PopulationTable {
  kecamatan: Record<string, number>;
  kelurahan: Record<string, number>;
}

export interface StageStats {
  /** Incidents measured (finite + missed). */
  n: number;
  /** Never reached this stage (closed, or past the SLA and still open). */
  missed: number;
  /** Seconds; null when no measurements or the percentile falls on a miss. */
  medianS: number | null;
  p90S: number | null;
}

export interface AgencyKpis {
  agency: string;
  incidents: number;
  sla: SlaRule;
  stages: Record<Stage, StageStats>;
  /** Incidents decided against the SLA (pending ones are left out). */
  slaN: number;
  withinSla: number;
  /** withinSla / slaN, null when slaN = 0. */
  slaShare: number | null;
}

export interface AreaCount {
  name: string;
  count: number;
  /** Per 10,000 inhabitants; present only where a population figure is configured. */
  ratePer10k?: number;
}

export interface Kpis {
  total: number;
  byCategory: Record<string, number>;
  bySource: Record<string, number>;
  /** 24 counts, index = hour of day in WIB. */
  byHourWib: number[];
  byAgency: AgencyKpis[];
  byKecamatan: AreaCount[];
  byKelurahan: AreaCount[];
  prank: { count: number; share: number | null };
  openBacklog: number;
}

export interface ComputeOptions {
  /** "Now" for deciding pending vs missed (epoch ms). */
  asOf: number;
  sla: SlaTable;
  population?: PopulationTable;
  /** Open incidents at the end of the period (counted by the query over all time, see query.ts). */
  openBacklog?: number;
  /** Restrict per-agency figures to this agency. */
  agency?: string;
}

/** Percentile p ∈ [0,1] of an ascending array, linear interpolation; +∞ entries propagate as +∞. */
export function percentile(sorted: ArrayLike<number>, p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  return interpolate(sorted[lo], rank - lo === 0 ? sorted[lo] : sorted[lo + 1], rank - lo);
}

function interpolate(a: number, b: number, frac: number): number {
  if (frac === 0) return a;
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  return a + (b - a) * frac;
}

/**
 * The same percentile as `percentile` over `values` plus `missed` × +∞, without sorting: quickselect puts the rank-lo
 * element in place (O(n)); rank lo+1 is then the minimum of the part above it. Reorders `values`.
 */
export function percentileUnsorted(values: Float64Array, missed: number, p: number): number | null {
  const n = values.length + missed;
  if (n === 0) return null;
  const rank = p * (n - 1);
  const lo = Math.floor(rank);
  const frac = rank - lo;
  if (lo >= values.length) return Infinity;
  select(values, lo);
  const a = values[lo];
  if (frac === 0) return a;
  let b = Infinity; // a miss, unless a finite value lies above rank lo
  for (let k = lo + 1; k < values.length; k++) if (values[k] < b) b = values[k];
  return interpolate(a, b, frac);
}

/** Hoare quickselect (median-of-three pivot): afterwards xs[k] is the k-th smallest, smaller ones before it. */
function select(xs: Float64Array, k: number): void {
  let left = 0;
  let right = xs.length - 1;
  while (right > left) {
    const mid = (left + right) >>> 1;
    const pivot = median3(xs[left], xs[mid], xs[right]);
    let i = left;
    let j = right;
    while (i <= j) {
      while (xs[i] < pivot) i++;
      while (xs[j] > pivot) j--;
      if (i <= j) {
        const t = xs[i];
        xs[i] = xs[j];
        xs[j] = t;
        i++;
        j--;
      }
    }
    if (k <= j) right = j;
    else if (k >= i) left = i;
    else return;
  }
}
const median3 = (a: number, b: number, c: number) => Math.max(Math.min(a, b), Math.min(Math.max(a, b), c));

const HOUR = 3_600_000;
/** Hour of day in WIB (arithmetic, not a Date per incident: this runs 100k times per query). */
export function hourOfDayWib(epochMs: number): number {
  return ((Math.floor((epochMs + WIB_OFFSET_MS) / HOUR) % 24) + 24) % 24;
}

export function slaFor(table: SlaTable, agency: string): SlaRule {
  return table.byAgency[agency] ?? table.default;
}

// ---- Columnar facts: the one input of the maths (the SQL projection reads straight into it; a timeline converts) ----

/**
 * Incidents of the period as parallel columns. Names are dictionary ids into `KpiFacts.names`; -1 = none.
 */
export interface IncidentColumns {
  n: number;
  reportedAt: Float64Array;
  category: Int32Array;
  source: Int32Array;
  kecamatan: Int32Array;
  kelurahan: Int32Array;
  prank: Uint8Array;
  /** Closing time (NaN = open); only needed when ComputeOptions.openBacklog is not given. */
  closedAt?: Float64Array;
}
/**
 * One row per (incident, agency) with ≥ 1 dispatch of that agency, for incidents NOT excluded from response times
 * (prank / cancelled). Times epoch ms; NaN = never happened / still open.
 */
export interface ResponseColumns {
  n: number;
  agency: Int32Array;
  reportedAt: Float64Array;
  closedAt: Float64Array;
  /** The agency's first dispatch / first movement / first arrival. */
  dispatchedAt: Float64Array;
  movingAt: Float64Array;
  arrivedAt: Float64Array;
}
export interface KpiFacts {
  /** Dictionary: id → name (categories, sources, areas, agencies share one id space). */
  names: readonly string[];
  incidents: IncidentColumns;
  responses: ResponseColumns;
}

/** The plain timeline as columnar facts: the agency's first time per stage (the public waits for the first unit). */
export function factsFromTimeline(timeline: readonly TimelineIncident[]): KpiFacts {
  const names: string[] = [];
  const ids = new Map<string, number>();
  const id = (name: string | null) => {
    if (name === null) return -1;
    let x = ids.get(name);
    if (x === undefined) ids.set(name, (x = names.push(name) - 1));
    return x;
  };
  const n = timeline.length;
  const incidents: IncidentColumns = {
    n, reportedAt: new Float64Array(n), category: new Int32Array(n), source: new Int32Array(n), kecamatan: new Int32Array(n),
    kelurahan: new Int32Array(n), prank: new Uint8Array(n), closedAt: new Float64Array(n),
  };
  const rows: Array<[agency: number, inc: TimelineIncident, d: number, m: number, a: number]> = [];
  const first = (a: number, b: number | null) => (b === null ? a : Number.isNaN(a) ? b : Math.min(a, b));
  timeline.forEach((i, k) => {
    incidents.reportedAt[k] = i.reportedAt;
    incidents.category[k] = id(i.category);
    incidents.source[k] = id(i.source);
    incidents.kecamatan[k] = id(i.kecamatan);
    incidents.kelurahan[k] = id(i.kelurahan);
    incidents.prank[k] = i.status === 'iseng' ? 1 : 0;
    incidents.closedAt![k] = i.closedAt ?? NaN;
    if (EXCLUDED_FROM_RESPONSE.has(i.status)) return;
    const byAgency = new Map<number, (typeof rows)[number]>();
    for (const d of i.dispatches) {
      const a = id(d.agency);
      const r = byAgency.get(a) ?? [a, i, NaN, NaN, NaN];
      r[2] = first(r[2], d.dispatchedAt);
      r[3] = first(r[3], d.movingAt);
      r[4] = first(r[4], d.arrivedAt);
      byAgency.set(a, r);
    }
    rows.push(...byAgency.values());
  });
  const m = rows.length;
  const responses: ResponseColumns = {
    n: m, agency: new Int32Array(m), reportedAt: new Float64Array(m), closedAt: new Float64Array(m),
    dispatchedAt: new Float64Array(m), movingAt: new Float64Array(m), arrivedAt: new Float64Array(m),
  };
  rows.forEach(([a, i, d, mv, ar], k) => {
    responses.agency[k] = a;
    responses.reportedAt[k] = i.reportedAt;
    responses.closedAt[k] = i.closedAt ?? NaN;
    responses.dispatchedAt[k] = d;
    responses.movingAt[k] = mv;
    responses.arrivedAt[k] = ar;
  });
  return { names, incidents, responses };
}

function stats(values: number[], missed: number): StageStats {
  const xs = Float64Array.from(values);
  const fin = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
  return { n: xs.length + missed, missed, medianS: fin(percentileUnsorted(xs, missed, 0.5)), p90S: fin(percentileUnsorted(xs, missed, 0.9)) };
}

function areaCounts(counts: Map<number, number>, names: readonly string[], pop: Record<string, number> | undefined): AreaCount[] {
  return [...counts]
    .map(([id, count]) => {
      const name = names[id];
      const p = pop?.[name];
      const out: AreaCount = { name, count };
      if (typeof p === 'number' && p > 0) out.ratePer10k = Math.round((count / p) * 10_000 * 100) / 100;
      return out;
    })
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

function countBy(ids: Int32Array, n: number): Map<number, number> {
  const m = new Map<number, number>();
  for (let k = 0; k < n; k++) {
    const id = ids[k];
    if (id >= 0) m.set(id, (m.get(id) ?? 0) + 1);
  }
  return m;
}
const named = (counts: Map<number, number>, names: readonly string[]) => Object.fromEntries([...counts].map(([id, c]) => [names[id], c]));

export function computeKpis(timeline: readonly TimelineIncident[], opts: ComputeOptions): Kpis {
  return computeKpisFromFacts(factsFromTimeline(timeline), opts);
}

export function computeKpisFromFacts(facts: KpiFacts, opts: ComputeOptions): Kpis {
  const { names, incidents: I, responses: R } = facts;
  const byHourWib = Array<number>(24).fill(0);
  let prank = 0;
  for (let k = 0; k < I.n; k++) {
    byHourWib[hourOfDayWib(I.reportedAt[k])]++;
    prank += I.prank[k];
  }

  type Acc = { incidents: number; values: Record<Stage, number[]>; missed: Record<Stage, number>; slaN: number; within: number; rule: SlaRule };
  const agencies = new Map<number, Acc>();
  const only = opts.agency;
  const asOf = opts.asOf;
  const stageCols: Record<Stage, Float64Array> = { dispatch: R.dispatchedAt, moving: R.movingAt, arrival: R.arrivedAt };
  for (let k = 0; k < R.n; k++) {
    const agencyId = R.agency[k];
    let acc = agencies.get(agencyId);
    if (!acc) {
      if (only !== undefined && names[agencyId] !== only) continue;
      acc = {
        incidents: 0, values: { dispatch: [], moving: [], arrival: [] }, missed: { dispatch: 0, moving: 0, arrival: 0 }, slaN: 0, within: 0,
        rule: slaFor(opts.sla, names[agencyId]),
      };
      agencies.set(agencyId, acc);
    }
    acc.incidents++;
    const reported = R.reportedAt[k];
    const closed = R.closedAt[k] <= asOf; // NaN (open) compares false
    const slaMs = acc.rule.minutes * 60_000;
    for (const stage of STAGES) {
      // reached → seconds since the report; never reached → a MISS once closed or past the SLA, else PENDING
      const t = stageCols[stage][k];
      const done = !Number.isNaN(t);
      const s = done ? Math.max(0, (t - reported) / 1000) : 0;
      const missed = !done && (closed || asOf - reported > slaMs);
      if (done) acc.values[stage].push(s);
      else if (missed) acc.missed[stage]++;
      if (stage === acc.rule.stage && (done || missed)) {
        acc.slaN++;
        if (done && s <= acc.rule.minutes * 60) acc.within++;
      }
    }
  }

  const byAgency: AgencyKpis[] = [...agencies.entries()]
    .map(([id, a]) => [names[id], a] as const)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agency, a]) => ({
      agency,
      incidents: a.incidents,
      sla: a.rule,
      stages: {
        dispatch: stats(a.values.dispatch, a.missed.dispatch),
        moving: stats(a.values.moving, a.missed.moving),
        arrival: stats(a.values.arrival, a.missed.arrival),
      },
      slaN: a.slaN,
      withinSla: a.within,
      slaShare: a.slaN ? Math.round((a.within / a.slaN) * 10_000) / 10_000 : null,
    }));

  let openBacklog = opts.openBacklog;
  if (openBacklog === undefined) {
    if (!I.closedAt) throw new Error('computeKpisFromFacts: give openBacklog or incidents.closedAt');
    openBacklog = 0;
    for (let k = 0; k < I.n; k++) if (I.reportedAt[k] <= asOf && !(I.closedAt[k] <= asOf)) openBacklog++;
  }

  return {
    total: I.n,
    byCategory: named(countBy(I.category, I.n), names),
    bySource: named(countBy(I.source, I.n), names),
    byHourWib,
    byAgency,
    byKecamatan: areaCounts(countBy(I.kecamatan, I.n), names, opts.population?.kecamatan),
    byKelurahan: areaCounts(countBy(I.kelurahan, I.n), names, opts.population?.kelurahan),
    prank: { count: prank, share: I.n ? Math.round((prank / I.n) * 10_000) / 10_000 : null },
    openBacklog,
  };
}
