// 30 days of plausible demo history, seeded once on the first demo start (empty incidents table), so a newcomer's
// briefing view is full. Everything goes through the SAME code as live traffic: the incidents service (text
// addresses → geocoder, status transitions) and the units service (dispatch, AVL fixes → automatic "moving" and
// "on scene"), each driven by a simulated clock with back-dated times. No KPI number is written anywhere: the
// briefing computes them from the resulting time stamps like it does for real data.
import fs from 'node:fs';
import path from 'node:path';
import type { Gazetteer } from '../../geo/data-types.ts';
import { bearingDeg, distanceM, type LonLat } from '../../geo/spatial.ts';
import { EventBus } from '../events.ts';
import type { Category } from '../incidents/model.ts';
import { createIncidentService, type IncidentGeo } from '../incidents/service.ts';
import { logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { createUnitService } from '../units/service.ts';
import { buildRoadGraph, loadRoadLines, type RoadGraph } from './roads.ts';
import { between, pick, seededRng, weighted, type Rng } from './rng.ts';
import { addressMaker, categoryWeights } from './traffic.ts';
import { demoFleet, type FleetEntry } from './units-sim.ts';

const log = logger('demo-history');
const MIN = 60_000;
const DAY = 86_400_000;

/** Calls per hour of day (WIB), relative: quiet before dawn, busy mornings and evenings. Demo shape, not a statistic. */
const HOURLY = [3, 2, 1.5, 1.2, 1.2, 1.8, 3, 4.5, 5, 5, 5, 5.2, 5.2, 5, 5, 5.3, 5.8, 6, 6, 5.5, 5, 4.5, 4, 3.5];
/** Turnout (dispatch → wheels rolling) and road speed per agency: Damkar quickest out of the station. */
const TURNOUT_MIN: Record<string, [number, number]> = { damkar: [0.5, 2.5], psc: [1, 4], polisi: [1, 5] };
const SPEED_KMH: Record<string, [number, number]> = { damkar: [35, 55], psc: [35, 55], polisi: [30, 50] };
const FIX_EVERY_S = 30;
/** Incidents per transaction / event-loop turn. */
const BATCH = 8;

export interface HistoryOptions {
  db: Db;
  geo: IncidentGeo;
  geoDataDir: string;
  /** Registers the demo fleet in the live units service first (so it knows every unit), as demo traffic does. */
  ensureUnit: (u: FleetEntry) => void;
  days?: number;
  /** Mean incidents per day. */
  perDay?: number;
  seed?: number;
  /** End of the history (epoch ms); default now − 1 h so every seeded incident is closed before live traffic starts. */
  until?: number;
  /** Stops seeding between batches (server shutdown). */
  signal?: AbortSignal;
}

export interface HistoryResult {
  seeded: boolean;
  incidents: number;
  dispatches: number;
  fixes: number;
  ms: number;
}

/**
 * Seeds only when the store has no incident at all (first start). Runs in small batches (one transaction, one fsync
 * each) and yields to the event loop between them, so the server answers while the month fills in.
 */
export async function seedDemoHistory(opts: HistoryOptions): Promise<HistoryResult> {
  const started = Date.now();
  const count = opts.db.prepare('SELECT COUNT(*) FROM incidents').pluck().get() as number;
  if (count > 0) return { seeded: false, incidents: 0, dispatches: 0, fixes: 0, ms: 0 };
  const gazFile = path.join(opts.geoDataDir, 'gazetteer.json');
  const lines = loadRoadLines(opts.geoDataDir);
  if (!fs.existsSync(gazFile) || lines.length === 0) {
    log.warn('geo/data missing: no demo history');
    return { seeded: false, incidents: 0, dispatches: 0, fixes: 0, ms: 0 };
  }
  const gaz = JSON.parse(fs.readFileSync(gazFile, 'utf8')) as Gazetteer;
  const graph = buildRoadGraph(lines);
  const rng = seededRng(opts.seed ?? 30);
  const fleet = demoFleet();
  for (const u of fleet) opts.ensureUnit(u);

  // Private bus and simulated clock: the live hub must not replay a month of deltas; the services run as usual.
  let clock = 0;
  const iso = (t = clock) => new Date(t).toISOString();
  const bus = new EventBus();
  const incidents = createIncidentService({ db: opts.db, bus, geo: opts.geo });
  const units = createUnitService({
    db: opts.db, bus, now: () => clock, staleCheckMs: 3_600_000,
    incidents: {
      get: (id) => incidents.get(id),
      transition: (id, status, actor, note) => incidents.transition(id, status, actor, note, iso()),
      addEvent: (id, e) => incidents.addEvent(id, { ...e, at: e.at ?? iso() }),
    },
  });
  const address = addressMaker(rng, gaz, graph, []);
  const bases = baseNodes(fleet, gaz, graph, rng);
  const busyUntil = new Map<string, number>();

  const until = opts.until ?? Date.now() - 60 * MIN;
  const days = opts.days ?? 30;
  const perDay = opts.perDay ?? 70;
  const times = callTimes(rng, until - days * DAY, until, perDay);
  let dispatches = 0;
  let fixes = 0;

  const run = opts.db.transaction((batch: number[]) => {
    for (const t of batch) {
      const r = oneIncident(t);
      dispatches += r.dispatched ? 1 : 0;
      fixes += r.fixes;
    }
  });
  // Small batches, one transaction each: one fsync per batch instead of one per service call, and the event loop
  // (HLS, ws, AVL of the live server) is never held for more than one batch.
  let done = 0;
  try {
    for (; done < times.length && !opts.signal?.aborted; done += BATCH) {
      run(times.slice(done, done + BATCH));
      await new Promise((r) => setTimeout(r, 5));
    }
  } finally {
    units.close();
  }
  const result = { seeded: true, incidents: Math.min(done, times.length), dispatches, fixes, ms: Date.now() - started };
  log.info('demo history seeded', { ...result });
  return result;

  function oneIncident(t0: number): { dispatched: boolean; fixes: number } {
    clock = t0;
    const hourWib = new Date(t0 + 7 * 3_600_000).getUTCHours();
    const prank = rng() < 0.14;
    const category = (prank ? 'lainnya' : weighted(rng, categoryWeights(hourWib))) as Category;
    const source = rng() < 0.1 ? 'api' : 'form';
    const { incident } = incidents.create(
      {
        source, category, reportedAt: iso(), description: prank ? 'penelepon iseng' : 'laporan warga (riwayat demo)',
        priority: prank ? 3 : category === 'kebakaran' || category === 'kecelakaan' ? 1 : 2,
        location: { text: address() },
      },
      'demo-history', undefined, iso(),
    );
    const id = incident.id;
    const at = (dtMin: number) => ((clock = t0 + dtMin * MIN), iso());
    if (prank) {
      incidents.transition(id, 'iseng', 'operator', 'penelepon iseng', at(between(rng, 0.5, 3)));
      return { dispatched: false, fixes: 0 };
    }
    const { lat, lon } = incident.location;
    const agency = incident.agencies.map((a) => a.id).find((a) => fleet.some((f) => f.agency === a));
    if (lat === null || lon === null || !agency || rng() > 0.85) {
      incidents.transition(id, 'diverifikasi', 'operator', undefined, at(between(rng, 0.5, 4)));
      incidents.transition(id, 'selesai', 'operator', 'ditangani instansi', at(between(rng, 30, 180)));
      return { dispatched: false, fixes: 0 };
    }
    // operator's dispatch delay; the nearest unit of the agency that is free by then
    const dispatchAt = t0 + between(rng, agency === 'damkar' ? 0.5 : 1, agency === 'damkar' ? 3 : 8) * MIN;
    const unit = nearestFree(agency, lon, lat, dispatchAt);
    if (!unit) {
      incidents.transition(id, 'diverifikasi', 'operator', undefined, at(between(rng, 0.5, 4)));
      incidents.transition(id, 'selesai', 'operator', 'tidak ada unit bebas', at(between(rng, 60, 240)));
      return { dispatched: false, fixes: 0 };
    }
    clock = dispatchAt;
    units.dispatch(id, unit.id, 'operator');
    const home = graph.nodes[bases.get(unit.id)!];
    const target = graph.nearest(lon, lat).node;
    const road = graph.route(bases.get(unit.id)!, target) ?? [home];
    const drive: LonLat[] = [home, ...road, [lon, lat]];
    const turnout = between(rng, ...(TURNOUT_MIN[agency] ?? [1, 6])) * MIN;
    const kmh = between(rng, ...(SPEED_KMH[agency] ?? [25, 45]));
    // ~5 % of responses are diverted and never reach the scene (the unit that never arrived)
    const diverted = rng() < 0.05;
    let n = 0;
    const fix = (t: number, p: LonLat, speedKmh: number, bearing: number | null) => {
      clock = t;
      units.ingest({
        deviceId: unit.deviceId, at: iso(), lat: round(p[1]), lon: round(p[0]), speedKmh, bearingDeg: bearing,
        altitudeM: null, accuracyM: Math.round(between(rng, 4, 15)), battery: null,
      });
      n++;
    };
    fix(dispatchAt + 10_000, home, 0, null);
    let t = dispatchAt + turnout;
    const total = pathLength(drive);
    const stopAt = diverted ? total * between(rng, 0.3, 0.7) : total;
    for (let d = 0; ; d += (kmh / 3.6) * FIX_EVERY_S) {
      const last = d >= stopAt;
      const { point, bearing } = along(drive, Math.min(d, stopAt));
      fix(t, point, last ? (diverted ? kmh : 0) : kmh * between(rng, 0.7, 1.2), bearing);
      if (last) break;
      t += FIX_EVERY_S * 1000;
    }
    const closeAt = t + between(rng, 15, 60) * MIN;
    busyUntil.set(unit.id, closeAt + 10 * MIN);
    clock = closeAt;
    incidents.transition(id, 'selesai', 'operator', diverted ? 'unit dialihkan, ditangani pihak lain' : 'penanganan selesai', iso());
    return { dispatched: true, fixes: n };
  }

  function nearestFree(agency: string, lon: number, lat: number, t: number): FleetEntry | null {
    let best: FleetEntry | null = null;
    let bestD = Infinity;
    for (const u of fleet) {
      if (u.agency !== agency || (busyUntil.get(u.id) ?? 0) > t) continue;
      const p = graph.nodes[bases.get(u.id)!];
      const d = distanceM(p[0], p[1], lon, lat);
      if (d < bestD) (bestD = d), (best = u);
    }
    return best;
  }
}

const round = (x: number) => Math.round(x * 1e6) / 1e6;

/** Report times over [from, to): a Poisson-ish count per day, spread over the hours by HOURLY. */
function callTimes(rng: Rng, from: number, to: number, perDay: number): number[] {
  const out: number[] = [];
  const hours = HOURLY.map((w, h) => [h, w] as const);
  const n = Math.round(((to - from) / DAY) * perDay);
  // Day + WIB hour drawn over every WIB day the window touches; a draw outside [from, to) is drawn again, so the
  // count does not depend on the time of day `to` falls at.
  const firstMidnight = Math.floor((from + 7 * 3_600_000) / DAY) * DAY - 7 * 3_600_000;
  const spanDays = Math.ceil((to - firstMidnight) / DAY);
  for (let tries = 0; out.length < n && tries < n * 50; tries++) {
    const day = Math.floor(rng() * spanDays);
    const hour = weighted(rng, hours);
    const t = firstMidnight + day * DAY + hour * 3_600_000 + rng() * 3_600_000;
    if (t >= from && t < to) out.push(Math.round(t));
  }
  return out.sort((a, b) => a - b);
}

/** Each unit's home node: a real station of its kind from the gazetteer (as the live simulator picks them). */
function baseNodes(fleet: FleetEntry[], gaz: Gazetteer, graph: RoadGraph, rng: Rng): Map<string, number> {
  const m = new Map<string, number>();
  for (const f of fleet) {
    const cands = gaz.places.filter((p) => f.baseCategory.includes(p.category));
    const place = cands.length ? pick(rng, cands) : pick(rng, gaz.places);
    m.set(f.id, graph.nearest(place.lon, place.lat).node);
  }
  return m;
}

function pathLength(p: LonLat[]): number {
  let s = 0;
  for (let i = 1; i < p.length; i++) s += distanceM(p[i - 1][0], p[i - 1][1], p[i][0], p[i][1]);
  return s;
}

function along(p: LonLat[], dist: number): { point: LonLat; bearing: number | null } {
  let left = dist;
  for (let i = 1; i < p.length; i++) {
    const [a, b] = [p[i - 1], p[i]];
    const len = distanceM(a[0], a[1], b[0], b[1]);
    if (left <= len && len > 0) {
      const f = left / len;
      return { point: [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f], bearing: bearingDeg(a[0], a[1], b[0], b[1]) };
    }
    left -= len;
  }
  return { point: p[p.length - 1], bearing: null };
}
