// Pure briefing KPI maths over a plain timeline: no SQL, no clock, no fs; the server computes, the briefing reads.
// The query (server/kpis/query.ts) turns the store's time-stamped transitions into this shape; tests build it by
// hand with known answers.
//
// Decisions (documented here because they change the numbers):
// * Denominators are honest: every incident ROUTED to an agency — its lead (first routed) agency, any agency that had
//   a unit dispatched, any agency recorded as having no free unit — counts for that agency ("dirutekan"). Only part of
//   it is measured ("diukur"); the rest is reported by reason: no free unit, handled without a tracked unit (closed,
//   nobody dispatched), arrival not confirmable (the point was too uncertain for a geofence and nobody confirmed),
//   pending (still open, inside its target). routed = measured + the four reasons, always.
// * Response times use the agency's FIRST dispatch / first movement / first arrival (the public waits for the first unit).
// * The target comes from the SLA table per agency AND category (sla.json): Damkar's 7 minutes are for fires.
// * Prank (`iseng`) and cancelled (`batal`) incidents count in volumes and in their own figures, never in response
//   times or hotspots.
// * Incidents and calls are counted apart. Every report is a call (`calls`); a repeat call merged into another incident
//   (`digabung`) is not an incident of its own: it stays out of `total` and every other figure, and counts only in
//   `calls`, at its own report time (so a period's calls can include repeats of an incident reported before it).
// * A stage a dispatched unit never reached is a MISS once the incident is closed, or once more time than the target
//   has passed since the report: it is never within target, and it enters medians/p90 as +∞ — so a percentile that falls
//   on a miss is reported as `null` with `missed` > 0, never as a flattering number.
// * Percentiles: linear interpolation between closest ranks (Excel PERCENTILE.INC / R type 7).
// * Hours of day and days are in WIB (UTC+7, no daylight saving).
import { STAGE_SOURCES, type DispatchTargets, type StageSource } from './dispatch.ts';

export const WIB_OFFSET_MS = 7 * 3600_000;
const EXCLUDED_FROM_RESPONSE = new Set(['iseng', 'batal', 'digabung']);
/** IncidentColumns.kind of a call merged into another incident. */
export const KIND_MERGED = 3;

export interface TimelineDispatch {
  unitId: string;
  agency: string;
  /** Epoch ms. */
  dispatchedAt: number;
  movingAt: number | null;
  arrivedAt: number | null;
  movingSource?: StageSource | null;
  arrivedSource?: StageSource | null;
  /** 'confirm': arrival could not be inferred from positions (see server/units/arrival.ts). Default 'geofence'. */
  arrivalCheck?: 'geofence' | 'confirm';
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
  /** The lead (first routed) agency. */
  leadAgency?: string | null;
  /** Agencies recorded as having no free unit for it. */
  noUnitAgencies?: string[];
  dispatches: TimelineDispatch[];
}

export type Stage = 'dispatch' | 'moving' | 'arrival';
export const STAGES: Stage[] = ['dispatch', 'moving', 'arrival'];

export interface SlaRule {
  id: string;
  /** Agency id, or '*' for every agency. */
  agency: string;
  categories: readonly string[] | '*';
  /** Which stage the target is measured on (reported → that stage). */
  stage: Stage;
  minutes: number;
  /** Printed beside the share on the briefing (Bahasa Indonesia; labelEn on an English briefing). */
  label: string;
  labelEn?: string;
  /** Where the target comes from. */
  source: string;
}
export interface SlaTable {
  /** First match wins; the last rule matches everything (server/site/tables.ts checks it). */
  rules: readonly SlaRule[];
}
/** sla.json as the server holds it and `GET /api/sla` answers: the briefing's targets and the queue's dispatch targets. */
export interface SiteSla extends SlaTable {
  dispatch: DispatchTargets;
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

export interface SlaResult {
  rule: SlaRule;
  /** Incidents decided against this target (measured). */
  n: number;
  within: number;
  /** within / n, null when n = 0. */
  share: number | null;
}

export const NOT_MEASURED_REASONS = ['noUnit', 'untracked', 'unconfirmable', 'pending'] as const;
export type NotMeasuredReason = (typeof NOT_MEASURED_REASONS)[number];

export interface AgencyKpis {
  agency: string;
  /** Incidents routed to the agency ("dirutekan"). */
  routed: number;
  /** Routed incidents decided against their target ("diukur"). routed = measured + Σ notMeasured. */
  measured: number;
  notMeasured: Record<NotMeasuredReason, number>;
  /** Routed incidents the agency sent a unit to. */
  dispatched: number;
  /** Who established each first movement: distance (closing on the scene), station (left it), crew, operator; 'speed' on old rows. */
  movementsBySource: Partial<Record<StageSource, number>>;
  /** Who established each first arrival: geofence, crew, operator. */
  arrivalsBySource: Partial<Record<StageSource, number>>;
  stages: Record<Stage, StageStats>;
  /** One entry per target that applied to some of the agency's incidents, in sla.json order. */
  slas: SlaResult[];
}

export interface AreaCount {
  name: string;
  count: number;
  /** Per 10,000 inhabitants; present only where a population figure is configured. */
  ratePer10k?: number;
}

export interface Kpis {
  /** Incidents reported in the period (repeat calls merged into another incident are not incidents). */
  total: number;
  /** Calls (reports) received in the period: every incident plus every repeat call merged into one. */
  calls: number;
  byCategory: Record<string, number>;
  bySource: Record<string, number>;
  /** 24 counts, index = hour of day in WIB. */
  byHourWib: number[];
  byAgency: AgencyKpis[];
  byKecamatan: AreaCount[];
  byKelurahan: AreaCount[];
  prank: { count: number; share: number | null };
  cancelled: number;
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

export function slaFor(table: SlaTable, agency: string, category: string): SlaRule {
  for (const r of table.rules) {
    if ((r.agency === '*' || r.agency === agency) && (r.categories === '*' || r.categories.includes(category))) return r;
  }
  return table.rules[table.rules.length - 1];
}

/** Bits of ResponseColumns.flags (written by the SQL projection, server/store/schema/kpis.ts, and by factsFromTimeline). */
export const RESPONSE_FLAGS = { lead: 1, noUnit: 2, unconfirmable: 4, movingSourceShift: 3, arrivedSourceShift: 6 } as const;
/** Source → its 3-bit code in flags (0 = none). */
export const sourceCode = (s: StageSource | null | undefined) => (s ? STAGE_SOURCES.indexOf(s) + 1 : 0);
if (STAGE_SOURCES.length > 7) throw new Error('RESPONSE_FLAGS hold a stage source in 3 bits: at most 7 sources');

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
  /** 0 = counts everywhere, 1 = cancelled (batal), 2 = prank (iseng): both left out of response times and hotspots;
   * 3 (KIND_MERGED) = a repeat call merged into another incident (digabung): counted as a call only. */
  kind: Uint8Array;
  /** Closing time (NaN = open); only needed when ComputeOptions.openBacklog is not given. */
  closedAt?: Float64Array;
}
/**
 * One row per (incident, agency the incident is routed to), for incidents NOT excluded from response times
 * (prank / cancelled). Times epoch ms; NaN = never happened / still open / nobody dispatched.
 */
export interface ResponseColumns {
  n: number;
  agency: Int32Array;
  category: Int32Array;
  /** RESPONSE_FLAGS bits. */
  flags: Int32Array;
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

/** The plain timeline as columnar facts, by the same rules as the SQL projection (server/store/schema/kpis.ts). */
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
    kelurahan: new Int32Array(n), kind: new Uint8Array(n), closedAt: new Float64Array(n),
  };
  type Row = { agency: number; inc: TimelineIncident; d: number; m: number; a: number; flags: number; ms: number; as: number; confirmOnly: boolean };
  const rows: Row[] = [];
  timeline.forEach((i, k) => {
    incidents.reportedAt[k] = i.reportedAt;
    incidents.category[k] = id(i.category);
    incidents.source[k] = id(i.source);
    incidents.kecamatan[k] = id(i.kecamatan);
    incidents.kelurahan[k] = id(i.kelurahan);
    incidents.kind[k] = i.status === 'iseng' ? 2 : i.status === 'batal' ? 1 : i.status === 'digabung' ? KIND_MERGED : 0;
    incidents.closedAt![k] = i.closedAt ?? NaN;
    if (EXCLUDED_FROM_RESPONSE.has(i.status)) return;
    const byAgency = new Map<number, Row>();
    const row = (agency: string) => {
      const a = id(agency);
      let r = byAgency.get(a);
      if (!r) byAgency.set(a, (r = { agency: a, inc: i, d: NaN, m: NaN, a: NaN, flags: 0, ms: 0, as: 0, confirmOnly: true }));
      return r;
    };
    for (const d of i.dispatches) {
      const r = row(d.agency);
      if (!(r.d <= d.dispatchedAt)) r.d = d.dispatchedAt;
      if (d.movingAt !== null && !(r.m <= d.movingAt)) (r.m = d.movingAt), (r.ms = sourceCode(d.movingSource));
      if (d.arrivedAt !== null && !(r.a <= d.arrivedAt)) (r.a = d.arrivedAt), (r.as = sourceCode(d.arrivedSource));
      r.confirmOnly &&= d.arrivalCheck === 'confirm';
    }
    for (const r of byAgency.values()) {
      r.flags = (Number.isNaN(r.a) && r.confirmOnly ? RESPONSE_FLAGS.unconfirmable : 0)
        | (r.ms << RESPONSE_FLAGS.movingSourceShift) | (r.as << RESPONSE_FLAGS.arrivedSourceShift);
    }
    // routed without a dispatch: the lead agency and the agencies with no free unit
    for (const agency of i.noUnitAgencies ?? []) {
      const r = row(agency);
      if (Number.isNaN(r.d)) r.flags |= RESPONSE_FLAGS.noUnit;
    }
    if (i.leadAgency) row(i.leadAgency);
    const lead = i.leadAgency ? id(i.leadAgency) : -2;
    for (const r of byAgency.values()) {
      if (r.agency === lead) r.flags |= RESPONSE_FLAGS.lead;
      rows.push(r);
    }
  });
  const m = rows.length;
  const responses: ResponseColumns = {
    n: m, agency: new Int32Array(m), category: new Int32Array(m), flags: new Int32Array(m), reportedAt: new Float64Array(m),
    closedAt: new Float64Array(m), dispatchedAt: new Float64Array(m), movingAt: new Float64Array(m), arrivedAt: new Float64Array(m),
  };
  rows.forEach((r, k) => {
    responses.agency[k] = r.agency;
    responses.category[k] = id(r.inc.category);
    responses.flags[k] = r.flags;
    responses.reportedAt[k] = r.inc.reportedAt;
    responses.closedAt[k] = r.inc.closedAt ?? NaN;
    responses.dispatchedAt[k] = r.d;
    responses.movingAt[k] = r.m;
    responses.arrivedAt[k] = r.a;
  });
  return { names, incidents, responses };
}

function stats(values: number[], missed: number): StageStats {
  const xs = Float64Array.from(values);
  const fin = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
  return { n: xs.length + missed, missed, medianS: fin(percentileUnsorted(xs, missed, 0.5)), p90S: fin(percentileUnsorted(xs, missed, 0.9)) };
}

function areaCounts(counts: Tally, names: readonly string[], pop: Record<string, number> | undefined): AreaCount[] {
  return counts
    .entries()
    .map(([id, count]) => {
      const name = names[id];
      const p = pop?.[name];
      const out: AreaCount = { name, count };
      if (typeof p === 'number' && p > 0) out.ratePer10k = Math.round((count / p) * 10_000 * 100) / 100;
      return out;
    })
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/**
 * Counts per small integer id (dictionary ids, source codes) in first-seen order: a typed array, not a Map, because
 * the loops below run once per incident and per response (100k times in a month).
 */
class Tally {
  private readonly counts: Int32Array;
  private readonly order: number[] = [];
  constructor(size: number) {
    this.counts = new Int32Array(size);
  }
  add(id: number): void {
    if (id >= 0 && id < this.counts.length && this.counts[id]++ === 0) this.order.push(id);
  }
  entries(): Array<[id: number, count: number]> {
    return this.order.map((id) => [id, this.counts[id]]);
  }
}
const named = <K extends string>(counts: Tally, names: readonly K[]) => Object.fromEntries(counts.entries().map(([id, c]) => [names[id], c]));

export function computeKpis(timeline: readonly TimelineIncident[], opts: ComputeOptions): Kpis {
  return computeKpisFromFacts(factsFromTimeline(timeline), opts);
}

export function computeKpisFromFacts(facts: KpiFacts, opts: ComputeOptions): Kpis {
  const { names, incidents: I, responses: R } = facts;
  const byHourWib = Array<number>(24).fill(0);
  let prank = 0;
  let cancelled = 0;
  let merged = 0;
  const kec = new Tally(names.length);
  const kel = new Tally(names.length);
  const byCategory = new Tally(names.length);
  const bySource = new Tally(names.length);
  for (let k = 0; k < I.n; k++) {
    const kind = I.kind[k];
    if (kind === KIND_MERGED) {
      merged++; // a call, not an incident
      continue;
    }
    byHourWib[hourOfDayWib(I.reportedAt[k])]++;
    byCategory.add(I.category[k]);
    bySource.add(I.source[k]);
    if (kind === 2) prank++;
    else if (kind === 1) cancelled++;
    else {
      // hotspots: real incidents only
      kec.add(I.kecamatan[k]);
      kel.add(I.kelurahan[k]);
    }
  }

  // per agency; stages and SLA rules by index (STAGES, opts.sla.rules): this loop runs once per response
  const ruleCount = opts.sla.rules.length;
  type Acc = {
    routed: number; dispatched: number; values: number[][]; missed: number[];
    notMeasured: Record<NotMeasuredReason, number>; movedBy: Tally; arrivedBy: Tally; slaN: Int32Array; slaWithin: Int32Array;
  };
  const agencies: Array<Acc | null | undefined> = []; // null: filtered out
  const rules: number[] = []; // (agency, category) → rule index, dense
  const only = opts.agency;
  const asOf = opts.asOf;
  const stageCols = STAGES.map((stage) => ({ dispatch: R.dispatchedAt, moving: R.movingAt, arrival: R.arrivedAt })[stage]);
  const ARRIVAL = STAGES.indexOf('arrival');
  for (let k = 0; k < R.n; k++) {
    const agencyId = R.agency[k];
    let acc = agencies[agencyId];
    if (acc === null) continue;
    if (acc === undefined) {
      if (only !== undefined && names[agencyId] !== only) {
        agencies[agencyId] = null;
        continue;
      }
      acc = agencies[agencyId] = {
        routed: 0, dispatched: 0, values: STAGES.map(() => []), missed: STAGES.map(() => 0),
        notMeasured: { noUnit: 0, untracked: 0, unconfirmable: 0, pending: 0 },
        movedBy: new Tally(STAGE_SOURCES.length), arrivedBy: new Tally(STAGE_SOURCES.length),
        slaN: new Int32Array(ruleCount), slaWithin: new Int32Array(ruleCount),
      };
    }
    const ruleKey = agencyId * names.length + R.category[k];
    let ruleIdx = rules[ruleKey];
    if (ruleIdx === undefined) ruleIdx = rules[ruleKey] = opts.sla.rules.indexOf(slaFor(opts.sla, names[agencyId], names[R.category[k]]));
    const rule = opts.sla.rules[ruleIdx];
    acc.routed++;
    const flags = R.flags[k];
    const reported = R.reportedAt[k];
    const closed = R.closedAt[k] <= asOf; // NaN (open) compares false
    if (Number.isNaN(R.dispatchedAt[k])) {
      acc.notMeasured[!closed ? 'pending' : flags & RESPONSE_FLAGS.noUnit ? 'noUnit' : 'untracked']++;
      continue;
    }
    acc.dispatched++;
    acc.movedBy.add(((flags >> RESPONSE_FLAGS.movingSourceShift) & 7) - 1); // code 0 (none) → -1, not counted
    acc.arrivedBy.add(((flags >> RESPONSE_FLAGS.arrivedSourceShift) & 7) - 1);
    const unconfirmable = (flags & RESPONSE_FLAGS.unconfirmable) !== 0;
    const slaMs = rule.minutes * 60_000;
    const ruleStage = STAGES.indexOf(rule.stage);
    let decided = false;
    for (let stage = 0; stage < stageCols.length; stage++) {
      if (stage === ARRIVAL && unconfirmable) continue; // not measured, never a miss nor fast
      // reached → seconds since the report; never reached → a MISS once closed or past the target, else PENDING
      const t = stageCols[stage][k];
      const done = !Number.isNaN(t);
      const s = done ? Math.max(0, (t - reported) / 1000) : 0;
      const missed = !done && (closed || asOf - reported > slaMs);
      if (done) acc.values[stage].push(s);
      else if (missed) acc.missed[stage]++;
      if (stage === ruleStage && (done || missed)) {
        decided = true;
        acc.slaN[ruleIdx]++;
        if (done && s <= rule.minutes * 60) acc.slaWithin[ruleIdx]++;
      }
    }
    if (!decided) acc.notMeasured[ruleStage === ARRIVAL && unconfirmable ? 'unconfirmable' : 'pending']++;
  }

  const share = (within: number, n: number) => (n ? Math.round((within / n) * 10_000) / 10_000 : null);
  const byAgency: AgencyKpis[] = agencies
    .flatMap((a, id) => (a ? [[names[id], a] as const] : []))
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agency, a]) => {
      const slas = opts.sla.rules.flatMap((rule, r) =>
        a.slaN[r] ? [{ rule, n: a.slaN[r], within: a.slaWithin[r], share: share(a.slaWithin[r], a.slaN[r]) }] : []);
      return {
        agency,
        routed: a.routed,
        measured: slas.reduce((n, x) => n + x.n, 0),
        notMeasured: a.notMeasured,
        dispatched: a.dispatched,
        movementsBySource: named(a.movedBy, STAGE_SOURCES),
        arrivalsBySource: named(a.arrivedBy, STAGE_SOURCES),
        stages: Object.fromEntries(STAGES.map((stage, s) => [stage, stats(a.values[s], a.missed[s])])) as Record<Stage, StageStats>,
        slas,
      };
    });

  let openBacklog = opts.openBacklog;
  if (openBacklog === undefined) {
    if (!I.closedAt) throw new Error('computeKpisFromFacts: give openBacklog or incidents.closedAt');
    openBacklog = 0;
    for (let k = 0; k < I.n; k++) if (I.kind[k] !== KIND_MERGED && I.reportedAt[k] <= asOf && !(I.closedAt[k] <= asOf)) openBacklog++;
  }

  const total = I.n - merged;
  return {
    total,
    calls: I.n,
    byCategory: named(byCategory, names),
    bySource: named(bySource, names),
    byHourWib,
    byAgency,
    byKecamatan: areaCounts(kec, names, opts.population?.kecamatan),
    byKelurahan: areaCounts(kel, names, opts.population?.kelurahan),
    prank: { count: prank, share: total ? Math.round((prank / total) * 10_000) / 10_000 : null },
    cancelled,
    openBacklog,
  };
}

// The answers of GET /api/kpis and GET /api/kpis/replay, as the briefing reads them.

export interface KpiResult extends Kpis {
  period: { from: string; to: string; timeZone: 'Asia/Jakarta (WIB, UTC+7)' };
  filter: { agency: string | null; kecamatan: string | null };
  asOf: string;
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
