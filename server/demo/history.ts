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
import type { RoutingTable } from '../site/tables.ts';
import { logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { createUnitService } from '../units/service.ts';
import type { RoadGraph } from '../../geo/routing.ts';
import { loadRoadGraph } from '../geo/load.ts';
import { between, seededRng, weighted, type Rng } from './rng.ts';
import { addressMaker, categoryWeights } from './traffic.ts';
import { demoFleet, type FleetEntry } from './units-sim.ts';
import { DEMO_CALLS_PER_DAY, dispatchDelayMin, HOURLY, onSceneMin, roadSpeedKmh, turnoutMin } from './response-model.ts';

const log = logger('demo-history');
const MIN = 60_000;
const DAY = 86_400_000;

const FIX_EVERY_S = 30;
/** Share of crews that use the crew page ("Berangkat" / "Tiba di lokasi"); all of them do where no geofence can tell. */
const CREW_PAGE_SHARE = 0.3;
/** Incidents per transaction / event-loop turn. */
const BATCH = 8;

export interface HistoryOptions {
  db: Db;
  geo: IncidentGeo;
  /** The site's routing table (the one the live service uses). */
  routing?: RoutingTable;
  geoDataDir: string;
  /** The server's road graph; built from geoDataDir when absent. */
  roads?: RoadGraph;
  /** Registers the demo fleet in the live units service first (so it knows every unit), as demo traffic does. */
  ensureUnit: (u: FleetEntry) => void;
  days?: number;
  /** Mean incidents per day. */
  perDay?: number;
  seed?: number;
  /** End of the history (epoch ms); default now. Nothing is stamped after it: late incidents close at `until`. */
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
  const roads = opts.roads ?? loadRoadGraph(opts.geoDataDir);
  if (!fs.existsSync(gazFile) || !roads) {
    log.warn('geo/data missing: no demo history');
    return { seeded: false, incidents: 0, dispatches: 0, fixes: 0, ms: 0 };
  }
  const gaz = JSON.parse(fs.readFileSync(gazFile, 'utf8')) as Gazetteer;
  const graph: RoadGraph = roads;
  const rng = seededRng(opts.seed ?? 30);
  const fleet = demoFleet(gaz.places);
  for (const u of fleet) opts.ensureUnit(u);

  // Private bus and simulated clock: the live hub must not replay a month of deltas; the services run as usual.
  let clock = 0;
  const iso = (t = clock) => new Date(t).toISOString();
  const bus = new EventBus();
  const incidents = createIncidentService({ db: opts.db, bus, geo: opts.geo, routing: opts.routing });
  const units = createUnitService({
    db: opts.db, bus, now: () => clock, staleCheckMs: 3_600_000,
    incidents: {
      get: (id) => incidents.get(id),
      transition: (id, status, actor, note) => incidents.transition(id, status, actor, note, iso()),
      addEvent: (id, e) => incidents.addEvent(id, { ...e, at: e.at ?? iso() }),
    },
  });
  const address = addressMaker(rng, gaz, graph, []);
  const bases = new Map(fleet.map((f) => [f.id, graph.nearest(f.station.lon, f.station.lat).node])); // road node by the station
  const busyUntil = new Map<string, number>();

  const until = opts.until ?? Date.now();
  const days = opts.days ?? 30;
  const perDay = opts.perDay ?? DEMO_CALLS_PER_DAY;
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
    // nothing is stamped after `until` (the history ends now): an incident still running then is closed at `until`
    const at = (dtMin: number) => ((clock = Math.min(t0 + dtMin * MIN, until - 1000)), iso());
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
    const dispatchAt = t0 + dispatchDelayMin(rng, agency) * MIN;
    const unit = dispatchAt < until ? nearestFree(agency, lon, lat, dispatchAt) : null;
    if (!unit) {
      incidents.transition(id, 'diverifikasi', 'operator', undefined, at(between(rng, 0.5, 4)));
      if (dispatchAt < until) units.noFreeUnit(id, agency, 'operator');
      incidents.transition(id, 'selesai', 'operator', 'tidak ada unit bebas', at(between(rng, 60, 240)));
      return { dispatched: false, fixes: 0 };
    }
    clock = dispatchAt;
    const crewPage = rng() < CREW_PAGE_SHARE;
    const homeNode = bases.get(unit.id)!;
    const home = graph.nodes[homeNode];
    const station: LonLat = [unit.station.lon, unit.station.lat];
    let n = 0;
    const fix = (t: number, p: LonLat, speedKmh: number, bearing: number | null) => {
      if (t >= until) return false;
      clock = t;
      units.ingest({
        unitId: unit.id, at: iso(), lat: round(p[1]), lon: round(p[0]), speedKmh, bearingDeg: bearing,
        altitudeM: null, accuracyM: Math.round(between(rng, 4, 15)), battery: null,
      });
      n++;
      return true;
    };
    fix(dispatchAt - 20_000, station, 0, null); // parked at the station when the job comes in
    const dispatch = units.dispatch(id, unit.id, 'operator');
    const target = graph.nearest(lon, lat).node;
    const road = graph.route(homeNode, target)?.path ?? [home];
    const drive: LonLat[] = [station, home, ...road, [lon, lat]];
    const turnout = turnoutMin(rng, agency) * MIN;
    const kmh = roadSpeedKmh(rng, agency);
    // ~5 % of responses are diverted and never reach the scene (the unit that never arrived)
    const diverted = rng() < 0.05;
    let t = dispatchAt + turnout;
    if (crewPage && t < until) units.crewTap(unit.id, { kind: 'berangkat', incidentId: id, at: iso(t) });
    const stopAt = diverted ? pathLength(drive) * between(rng, 0.3, 0.7) : pathLength(drive);
    t = driveAlong(drive, stopAt, t, kmh, fix);
    if (!diverted) {
      // parked on scene: stopped fixes (the dwell that makes a geofence arrival)
      for (let k = 0; k < 3; k++) fix((t += FIX_EVERY_S * 1000), [lon, lat], 0, null);
      // the geofence cannot tell where the point is too uncertain: the crew says so (or nobody does)
      if (t < until && (crewPage || (dispatch.arrivalCheck === 'confirm' && rng() < 0.7))) {
        units.crewTap(unit.id, { kind: 'tiba', incidentId: id, at: iso(t - 3 * FIX_EVERY_S * 1000) });
      }
    }
    const closeAt = t + onSceneMin(rng) * MIN;
    incidents.transition(id, 'selesai', 'operator', diverted ? 'unit dialihkan, ditangani pihak lain' : 'penanganan selesai', at((closeAt - t0) / MIN));
    // back to the station along the roads
    const from = graph.nearest(...(diverted ? along(drive, stopAt).point : ([lon, lat] as LonLat))).node;
    const back: LonLat[] = [...(graph.route(from, homeNode)?.path ?? []), home, station];
    const backAt = driveAlong(back, pathLength(back), closeAt + between(rng, 1, 5) * MIN, kmh * 0.8, fix);
    busyUntil.set(unit.id, backAt);
    return { dispatched: true, fixes: n };
  }

  /** Fixes every FIX_EVERY_S along `path` up to `stopM` from `t`; returns the time of the last one. */
  function driveAlong(path: LonLat[], stopM: number, t: number, kmh: number, fix: (t: number, p: LonLat, kmh: number, b: number | null) => boolean): number {
    for (let d = 0; ; d += (kmh / 3.6) * FIX_EVERY_S) {
      const last = d >= stopM;
      const { point, bearing } = along(path, Math.min(d, stopM));
      fix(t, point, last ? 0 : kmh * between(rng, 0.7, 1.2), bearing);
      if (last) return t;
      t += FIX_EVERY_S * 1000;
    }
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
