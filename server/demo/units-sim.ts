// Demo fleet: ~20 units of the real agencies driving along the shipped road lines, reporting like Traccar
// Client does (HTTP GET to the OsmAnd endpoint: speed in knots, unix-seconds timestamp). Idle units patrol
// around their base; a dispatched unit is routed to the incident and parks there until released.
import type { LonLat } from '../../geo/spatial.ts';
import { bearingDeg, distanceM } from '../../geo/spatial.ts';
import type { PlaceRecord } from '../../geo/data-types.ts';
import type { Station } from '../units/types.ts';
import { logger } from '../log.ts';
import type { RoadGraph } from '../../geo/routing.ts';
import { between, type Rng } from './rng.ts';

const log = logger('demo-units');

export interface FleetEntry {
  id: string;
  callsign: string;
  agency: string;
  kind: string;
  /** A real place of the unit's kind from geo/data (fire station, hospital, office): never an invented point. */
  station: Station;
}

/**
 * Callsigns as the agencies write them on the vehicles / radio. Agency ids as in incidents/routing.json. Each unit's
 * home station is a gazetteer place of its kind, units spread over the places in gazetteer order (deterministic, so
 * the seeded history and the live simulator agree).
 */
export function demoFleet(places: readonly PlaceRecord[]): FleetEntry[] {
  const fleet: FleetEntry[] = [];
  const add = (agency: string, kind: string, n: number, name: (i: number) => string, stationCategories: string[]) => {
    const stations = places.filter((p) => stationCategories.includes(p.category));
    if (!stations.length) throw new Error(`geo/data has no ${stationCategories.join('/')} place for ${agency} stations`);
    for (let i = 1; i <= n; i++) {
      const id = `${agency}-${String(i).padStart(2, '0')}`;
      const place = stations[(i - 1) % stations.length];
      fleet.push({ id, callsign: name(i), agency, kind, station: { name: place.name, lat: place.lat, lon: place.lon } });
    }
  };
  add('damkar', 'pemadam', 5, (i) => `DAMKAR ${String(i).padStart(2, '0')}`, ['pemadam_kebakaran']);
  add('polisi', 'patroli', 4, (i) => (i <= 2 ? `SABHARA ${i}` : `PATROLI LANTAS ${i - 2}`), ['kantor_pemerintahan']);
  add('psc', 'ambulans', 4, (i) => `AMBULANS PSC 119-${String(i).padStart(2, '0')}`, ['rumah_sakit', 'puskesmas']);
  add('bpbd', 'rescue', 2, (i) => `BPBD TRC ${i}`, ['kantor_pemerintahan']);
  add('basarnas', 'rescue', 2, (i) => `RESCUE BASARNAS ${i}`, ['kantor_pemerintahan']);
  add('pln', 'yantek', 2, (i) => `PLN YANTEK ${i}`, ['kantor_pemerintahan']);
  add('dinas_pu', 'truk', 1, () => 'PUPR REAKSI CEPAT 1', ['kantor_pemerintahan']);
  return fleet;
}

type Mode = 'patrol' | 'pause' | 'held' | 'respond' | 'onscene' | 'return';

interface SimUnit extends FleetEntry {
  base: number; // graph node
  path: LonLat[];
  seg: number;
  offsetM: number;
  pos: LonLat;
  bearing: number;
  speedKmh: number;
  mode: Mode;
  until: number; // for pause
  battery: number;
  onArrive?: () => void;
}

export interface UnitsSimOptions {
  baseUrl: string;
  graph: RoadGraph;
  places: PlaceRecord[];
  rng: Rng;
  tickMs?: number;
  now?: () => number;
  /** The device id each unit reports with (issued by the server when the unit was registered or rotated). */
  deviceIdOf: (unitId: string) => string;
}

export function createUnitsSim(opts: UnitsSimOptions) {
  const { graph, rng } = opts;
  const tickMs = opts.tickMs ?? 3000;
  const now = opts.now ?? Date.now;
  const units: SimUnit[] = demoFleet(opts.places).map((f) => {
    const base = graph.nearest(f.station.lon, f.station.lat).node;
    // Spread the fleet: start a little way along a patrol route from the base.
    const u: SimUnit = {
      ...f, base, path: [graph.nodes[base]], seg: 0, offsetM: 0, pos: graph.nodes[base], bearing: 0, speedKmh: 0,
      mode: 'pause', until: now() + between(rng, 0, 20_000), battery: Math.round(between(rng, 55, 100)),
    };
    return u;
  });

  /** A random road node within radiusM of the base (a patrol beat). */
  function patrolTarget(u: SimUnit, radiusM = 3000): number {
    const b = graph.nodes[u.base];
    for (let i = 0; i < 30; i++) {
      const n = Math.floor(rng() * graph.nodes.length);
      if (distanceM(b[0], b[1], graph.nodes[n][0], graph.nodes[n][1]) <= radiusM) return n;
    }
    return u.base;
  }

  function setRoute(u: SimUnit, to: number): boolean {
    const from = graph.nearest(u.pos[0], u.pos[1]).node;
    const road = graph.route(from, to);
    if (!road) return false;
    u.path = [u.pos, ...road.path];
    u.seg = 0;
    u.offsetM = 0;
    return true;
  }

  /** Advance along the path by dt; returns true when the end is reached. */
  function advance(u: SimUnit, dtS: number): boolean {
    let left = (u.speedKmh / 3.6) * dtS;
    while (u.seg < u.path.length - 1) {
      const a = u.path[u.seg];
      const b = u.path[u.seg + 1];
      const len = distanceM(a[0], a[1], b[0], b[1]);
      if (len > 0.5) u.bearing = bearingDeg(a[0], a[1], b[0], b[1]);
      if (u.offsetM + left < len) {
        u.offsetM += left;
        const f = len > 0 ? u.offsetM / len : 1;
        u.pos = [a[0] + (b[0] - a[0]) * f, a[1] + (b[1] - a[1]) * f];
        return false;
      }
      left -= len - u.offsetM;
      u.seg += 1;
      u.offsetM = 0;
      u.pos = b;
    }
    return true;
  }

  function step(u: SimUnit, dtS: number): void {
    const t = now();
    if (u.mode === 'pause') {
      u.speedKmh = 0;
      if (t >= u.until && setRoute(u, patrolTarget(u))) {
        u.mode = 'patrol';
        u.speedKmh = between(rng, 20, 40);
      }
      return;
    }
    if (u.mode === 'onscene' || u.mode === 'held') {
      u.speedKmh = 0;
      return;
    }
    if (advance(u, dtS)) {
      if (u.mode === 'respond') {
        u.mode = 'onscene';
        u.speedKmh = 0;
        const cb = u.onArrive;
        u.onArrive = undefined;
        cb?.();
      } else {
        u.mode = 'pause';
        u.speedKmh = 0;
        u.until = t + between(rng, 5_000, 40_000);
      }
    } else if (u.mode === 'patrol' || u.mode === 'return') {
      u.speedKmh = Math.max(10, Math.min(50, u.speedKmh + between(rng, -6, 6)));
    } else {
      u.speedKmh = Math.max(25, Math.min(70, u.speedKmh + between(rng, -8, 8)));
    }
  }

  async function report(u: SimUnit): Promise<void> {
    const q = new URLSearchParams({
      id: opts.deviceIdOf(u.id),
      timestamp: String(Math.floor(now() / 1000)),
      lat: u.pos[1].toFixed(6),
      lon: u.pos[0].toFixed(6),
      speed: (u.speedKmh / 1.852).toFixed(1), // knots, as Traccar Client sends
      bearing: u.bearing.toFixed(1),
      accuracy: between(rng, 4, 15).toFixed(1),
      batt: String(u.battery),
    });
    const res = await fetch(`${opts.baseUrl}/api/osmand?${q}`, { signal: AbortSignal.timeout(5000) });
    await res.arrayBuffer();
    if (res.status !== 200) log.warn('position refused', { unit: u.id, status: res.status });
  }

  let timer: NodeJS.Timeout | undefined;
  let inFlight: Promise<unknown> | undefined;
  let lastTick = now();
  const tick = () => {
    if (inFlight) return; // never pile up requests behind a slow server
    const t = now();
    const dtS = Math.min(10, (t - lastTick) / 1000);
    lastTick = t;
    for (const u of units) {
      step(u, dtS);
      if (rng() < 0.002) u.battery = Math.max(5, u.battery - 1);
    }
    inFlight = Promise.allSettled(units.map(report)).finally(() => (inFlight = undefined));
  };

  return {
    units: units as ReadonlyArray<Readonly<FleetEntry & { pos: LonLat; mode: Mode }>>,
    start(): void {
      tick();
      timer = setInterval(tick, tickMs);
    },
    /** Nearest unit of the agency that is free (not responding / on scene), by straight-line distance. */
    /** Not held for a job, driving to one, on scene or on the way back. */
    isFree(unitId: string): boolean {
      const u = units.find((x) => x.id === unitId);
      return !!u && u.mode !== 'held' && u.mode !== 'respond' && u.mode !== 'onscene' && u.mode !== 'return';
    },
    nearestFree(agency: string, lon: number, lat: number): string | null {
      let best: SimUnit | null = null;
      let bestD = Infinity;
      for (const u of units) {
        if (u.agency !== agency || !this.isFree(u.id)) continue;
        const d = distanceM(u.pos[0], u.pos[1], lon, lat);
        if (d < bestD) (bestD = d), (best = u);
      }
      return best?.id ?? null;
    },
    /** Drive a unit to (lon, lat) along the fastest roads; the last leg leaves the road if the point is off it. */
    respond(unitId: string, lon: number, lat: number, onArrive: () => void): boolean {
      const u = units.find((x) => x.id === unitId);
      const trip = u && graph.trip(u.pos, [lon, lat]);
      if (!u || !trip) return false;
      const [onRoad, scene] = trip.path.slice(-2);
      u.path = scene && distanceM(onRoad[0], onRoad[1], scene[0], scene[1]) >= 400 ? trip.path.slice(0, -1) : trip.path; // no drive across fields
      u.seg = 0;
      u.offsetM = 0;
      u.mode = 'respond';
      u.speedKmh = between(rng, 40, 60);
      u.onArrive = onArrive;
      return true;
    },
    /** Dispatched, crew getting ready (turnout): stands still until respond(). */
    hold(unitId: string): void {
      const u = units.find((x) => x.id === unitId);
      if (u) (u.mode = 'held'), (u.speedKmh = 0);
    },
    /** Job over: drive back to the station along the roads, then patrol from there. */
    release(unitId: string): void {
      const u = units.find((x) => x.id === unitId);
      if (!u || (u.mode !== 'onscene' && u.mode !== 'held')) return;
      if (setRoute(u, u.base)) {
        u.mode = 'return';
        u.speedKmh = between(rng, 25, 40);
      } else {
        u.mode = 'pause';
        u.until = now() + between(rng, 5_000, 15_000);
      }
    },
    async stop(): Promise<void> {
      clearInterval(timer);
      await inFlight;
    },
  };
}
export type UnitsSim = ReturnType<typeof createUnitsSim>;
