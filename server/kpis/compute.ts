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
export function percentile(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const frac = rank - lo;
  const a = sorted[lo];
  if (frac === 0) return a;
  const b = sorted[lo + 1];
  if (!Number.isFinite(a) || !Number.isFinite(b)) return Infinity;
  return a + (b - a) * frac;
}

export function hourOfDayWib(epochMs: number): number {
  return new Date(epochMs + WIB_OFFSET_MS).getUTCHours();
}

export function slaFor(table: SlaTable, agency: string): SlaRule {
  return table.byAgency[agency] ?? table.default;
}

/** Is the incident open (not in a terminal status) at time t? */
export function isOpenAt(inc: Pick<TimelineIncident, 'reportedAt' | 'closedAt'>, t: number): boolean {
  return inc.reportedAt <= t && (inc.closedAt === null || inc.closedAt > t);
}

function stageTime(d: TimelineDispatch[], stage: Stage): number | null {
  let best: number | null = null;
  for (const x of d) {
    const t = stage === 'dispatch' ? x.dispatchedAt : stage === 'moving' ? x.movingAt : x.arrivedAt;
    if (t !== null && (best === null || t < best)) best = t;
  }
  return best;
}

type Outcome = { kind: 'done'; s: number } | { kind: 'missed' } | { kind: 'pending' };

function outcome(inc: TimelineIncident, d: TimelineDispatch[], stage: Stage, rule: SlaRule, asOf: number): Outcome {
  const t = stageTime(d, stage);
  if (t !== null) return { kind: 'done', s: Math.max(0, (t - inc.reportedAt) / 1000) };
  const closed = inc.closedAt !== null && inc.closedAt <= asOf;
  if (closed || asOf - inc.reportedAt > rule.minutes * 60_000) return { kind: 'missed' };
  return { kind: 'pending' };
}

function stats(values: number[], missed: number): StageStats {
  const all = values.concat(Array(missed).fill(Infinity)).sort((a, b) => a - b);
  const fin = (x: number | null) => (x === null || !Number.isFinite(x) ? null : Math.round(x * 10) / 10);
  return { n: all.length, missed, medianS: fin(percentile(all, 0.5)), p90S: fin(percentile(all, 0.9)) };
}

function inc(map: Record<string, number>, key: string): void {
  map[key] = (map[key] ?? 0) + 1;
}

function areaCounts(counts: Record<string, number>, pop: Record<string, number> | undefined): AreaCount[] {
  return Object.entries(counts)
    .map(([name, count]) => {
      const p = pop?.[name];
      const out: AreaCount = { name, count };
      if (typeof p === 'number' && p > 0) out.ratePer10k = Math.round((count / p) * 10_000 * 100) / 100;
      return out;
    })
    .sort((a, b) => b.count - a.count || a.name.localeCompare(b.name));
}

/** Dispatches per agency; the common single-dispatch incident allocates no Map (100k incidents per query). */
function groupByAgency(ds: TimelineDispatch[], only: string | undefined): Array<[string, TimelineDispatch[]]> {
  if (ds.length === 0) return [];
  if (ds.length === 1) return only && ds[0].agency !== only ? [] : [[ds[0].agency, ds]];
  const m = new Map<string, TimelineDispatch[]>();
  for (const d of ds) {
    if (only && d.agency !== only) continue;
    const list = m.get(d.agency);
    if (list) list.push(d);
    else m.set(d.agency, [d]);
  }
  return [...m.entries()];
}

export function computeKpis(timeline: readonly TimelineIncident[], opts: ComputeOptions): Kpis {
  const byCategory: Record<string, number> = {};
  const bySource: Record<string, number> = {};
  const byHourWib = Array<number>(24).fill(0);
  const kec: Record<string, number> = {};
  const kel: Record<string, number> = {};
  let prank = 0;
  type Acc = { incidents: number; values: Record<Stage, number[]>; missed: Record<Stage, number>; slaN: number; within: number };
  const agencies = new Map<string, Acc>();

  for (const i of timeline) {
    inc(byCategory, i.category);
    inc(bySource, i.source);
    byHourWib[hourOfDayWib(i.reportedAt)]++;
    if (i.kecamatan) inc(kec, i.kecamatan);
    if (i.kelurahan) inc(kel, i.kelurahan);
    if (i.status === 'iseng') prank++;
    if (EXCLUDED_FROM_RESPONSE.has(i.status)) continue;

    for (const [agency, ds] of groupByAgency(i.dispatches, opts.agency)) {
      let acc = agencies.get(agency);
      if (!acc) {
        acc = { incidents: 0, values: { dispatch: [], moving: [], arrival: [] }, missed: { dispatch: 0, moving: 0, arrival: 0 }, slaN: 0, within: 0 };
        agencies.set(agency, acc);
      }
      acc.incidents++;
      const rule = slaFor(opts.sla, agency);
      for (const stage of STAGES) {
        const o = outcome(i, ds, stage, rule, opts.asOf);
        if (o.kind === 'done') acc.values[stage].push(o.s);
        else if (o.kind === 'missed') acc.missed[stage]++;
        if (stage === rule.stage && o.kind !== 'pending') {
          acc.slaN++;
          if (o.kind === 'done' && o.s <= rule.minutes * 60) acc.within++;
        }
      }
    }
  }

  const byAgency: AgencyKpis[] = [...agencies.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([agency, a]) => ({
      agency,
      incidents: a.incidents,
      sla: slaFor(opts.sla, agency),
      stages: {
        dispatch: stats(a.values.dispatch, a.missed.dispatch),
        moving: stats(a.values.moving, a.missed.moving),
        arrival: stats(a.values.arrival, a.missed.arrival),
      },
      slaN: a.slaN,
      withinSla: a.within,
      slaShare: a.slaN ? Math.round((a.within / a.slaN) * 10_000) / 10_000 : null,
    }));

  return {
    total: timeline.length,
    byCategory,
    bySource,
    byHourWib,
    byAgency,
    byKecamatan: areaCounts(kec, opts.population?.kecamatan),
    byKelurahan: areaCounts(kel, opts.population?.kelurahan),
    prank: { count: prank, share: timeline.length ? Math.round((prank / timeline.length) * 10_000) / 10_000 : null },
    openBacklog: opts.openBacklog ?? timeline.filter((i) => isOpenAt(i, opts.asOf)).length,
  };
}
