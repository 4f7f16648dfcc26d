// Road routing over the shipped road register (geo/data/basemap/roads-*.geojson). Pure: parsed lines in, a graph
// out; the server and the demo load the files (server/geo/load.ts).
//
// The graph. The register's lines rarely share exact vertices, so vertices within SNAP_M merge into one node, and a
// line end that still dangles joins the nearest other road within SNAP_M (a T-junction drawn a little short of the
// road it meets). Lines that merely cross are not joined: the register cannot tell a crossing from a flyover. Only
// the largest connected component is kept, so every route can be driven. The register has no one-way streets: edges
// go both ways, so the time from A to B is the time from B to A and one search from an incident times every unit.
//
// A point (a fix, an incident) joins the graph at the nearest point of the nearest road, not at the nearest node:
// register edges run up to 4 km between vertices. The gap between the point and the road is driven at OFF_ROAD_KMH.
// The cost is travel time: metres / the speed of the line's class (ROAD_CLASS_KMH; the table and its basis are in
// docs/ARCHITECTURE.md, "Dispatch desk"). The register's `class` is its formal status, not measured traffic.
import Flatbush from 'flatbush';
import FlatQueue from 'flatqueue';
import KDBush from 'kdbush';
import type { Collection, LineFeature, RoadClass } from './data-types.ts';
import { distanceM, metersPerDegLon, metresToDegLat, pointSegment, type LonLat } from './spatial.ts';

/**
 * Assumed average speeds (km/h) of an emergency vehicle in Pekanbaru traffic by the register's road class; not
 * measured. Bounded above by the national urban limits (Permenhub PM 111/2015 art. 3: 50 in towns, 30 in residential
 * areas) and below by the design speeds of the urban (secondary) network (PP 34/2006: arteri ≥ 30, kolektor ≥ 20,
 * lokal and lingkungan ≥ 10).
 */
export const ROAD_CLASS_KMH: Readonly<Record<RoadClass, number>> = { arteri: 40, kolektor: 35, lingkungan: 25, perumahan: 20, gang: 10 };
/** A line without a known class: as a housing-estate road. */
export const UNKNOWN_CLASS_KMH = 20;
/** Between a point and the nearest road: a yard, a verge, a car park. */
export const OFF_ROAD_KMH = 10;

const SNAP_M = 20;
const MAX_KMH = Math.max(...Object.values(ROAD_CLASS_KMH), UNKNOWN_CLASS_KMH);
const M_PER_DEG_LAT = 1 / metresToDegLat(1);

export const speedKmhOf = (roadClass: string | null): number => (roadClass && Object.hasOwn(ROAD_CLASS_KMH, roadClass) ? ROAD_CLASS_KMH[roadClass as RoadClass] : UNKNOWN_CLASS_KMH);

export interface RoadLine {
  name: string | null;
  roadClass: string | null;
  coords: LonLat[];
}

type RoadProps = { name?: string | null; class?: string | null };

/** The lines of parsed road collections (LineString and MultiLineString parts). */
export function roadLinesOf(collections: ReadonlyArray<Collection<LineFeature<RoadProps>>>): RoadLine[] {
  const lines: RoadLine[] = [];
  for (const fc of collections)
    for (const f of fc.features) {
      const parts = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
      for (const coords of parts) if (coords.length >= 2) lines.push({ name: f.properties.name ?? null, roadClass: f.properties.class ?? null, coords });
    }
  return lines;
}

/** A drive: its vertices, and the metres and seconds from the start at each. */
export interface RoadPath {
  path: LonLat[];
  alongM: number[];
  atS: number[];
  lengthM: number;
  timeS: number;
}

/** A drive between two points, off road to the nearest road point at each end. */
export interface Trip extends RoadPath {
  /** Metres of the two off-road legs. */
  offRoadM: number;
}

/** Where a point joins the graph: `t` of the way along edge `edge`, `distM` from the point. */
export interface RoadPoint {
  edge: number;
  t: number;
  point: LonLat;
  distM: number;
}

export interface RoadGraph {
  readonly nodes: readonly LonLat[];
  /** Names of the roads through a node (two or more: a junction). */
  readonly names: ReadonlyMap<number, ReadonlySet<string>>;
  nearest(lon: number, lat: number): { node: number; distM: number };
  snap(lon: number, lat: number): RoadPoint;
  /** Fastest drive from one node to another (A*), or null if none. */
  route(from: number, to: number): RoadPath | null;
  /** Fastest drive between two points (A*). */
  trip(from: LonLat, to: LonLat): Trip | null;
  /** Seconds and metres of the fastest drive from each of `froms` to `to`: one search from `to` for all of them. */
  tripCosts(froms: readonly LonLat[], to: LonLat): Array<{ timeS: number; lengthM: number } | null>;
}

export function buildRoadGraph(lines: readonly RoadLine[]): RoadGraph {
  let vertexCount = 0;
  let latSum = 0;
  for (const l of lines) for (const p of l.coords) vertexCount++, (latSum += p[1]);
  if (!vertexCount) throw new Error('no road lines');
  const kx = metersPerDegLon(latSum / vertexCount);

  // 1. Vertices within SNAP_M become one node (at the first of them).
  const vIndex = new KDBush(vertexCount);
  for (const l of lines) for (const p of l.coords) vIndex.add(p[0] * kx, p[1] * M_PER_DEG_LAT);
  vIndex.finish();
  const nodeOfVertex = new Int32Array(vertexCount).fill(-1);
  const pts: LonLat[] = [];
  let v = 0;
  for (const l of lines)
    for (const p of l.coords) {
      if (nodeOfVertex[v] < 0) {
        const id = pts.push(p) - 1;
        for (const w of vIndex.within(p[0] * kx, p[1] * M_PER_DEG_LAT, SNAP_M)) if (nodeOfVertex[w] < 0) nodeOfVertex[w] = id;
      }
      v++;
    }

  // 2. Edges of the lines between snapped nodes (with the source segment each stands for); the lines' ends.
  type Edge = { a: number; b: number; kmh: number; name: string | null };
  const edges: Array<Edge & { source: [LonLat, LonLat] }> = [];
  const ends: Array<{ node: number; kmh: number; name: string | null }> = [];
  v = 0;
  for (const l of lines) {
    const kmh = speedKmhOf(l.roadClass);
    let prev = nodeOfVertex[v];
    ends.push({ node: prev, kmh, name: l.name });
    for (let i = 1; i < l.coords.length; i++) {
      const cur = nodeOfVertex[v + i];
      if (cur !== prev) edges.push({ a: prev, b: cur, kmh, name: l.name, source: [l.coords[i - 1], l.coords[i]] });
      prev = cur;
    }
    ends.push({ node: prev, kmh, name: l.name });
    v += l.coords.length;
  }

  // 3. A dangling line end joins the nearest other road within SNAP_M, at the foot of the perpendicular on the source
  // segment (so every vertex of the graph lies on a source line).
  const degree = new Uint32Array(pts.length);
  for (const e of edges) degree[e.a]++, degree[e.b]++;
  const ePre = segmentIndex(edges.map((e) => e.source), kx);
  const splits = new Map<number, Array<{ t: number; node: number }>>();
  const joined: Edge[] = [];
  for (const end of ends) {
    if (degree[end.node] !== 1) continue;
    const p = pts[end.node];
    const x = p[0] * kx, y = p[1] * M_PER_DEG_LAT;
    let best: { e: number; distM: number; point: LonLat } | null = null;
    for (const i of ePre.search(x - SNAP_M, y - SNAP_M, x + SNAP_M, y + SNAP_M)) {
      const e = edges[i];
      if (e.a === end.node || e.b === end.node) continue;
      const hit = pointSegment(p, ...e.source);
      if (hit.distM <= SNAP_M && (!best || hit.distM < best.distM)) best = { e: i, ...hit };
    }
    if (!best) continue;
    const e = edges[best.e];
    const [sa, sb] = e.source;
    const len = distanceM(sa[0], sa[1], sb[0], sb[1]);
    const along = distanceM(sa[0], sa[1], best.point[0], best.point[1]);
    let foot: number;
    if (along < 1) foot = e.a;
    else if (len - along < 1) foot = e.b;
    else {
      foot = pts.push(best.point) - 1;
      (splits.get(best.e) ?? splits.set(best.e, []).get(best.e)!).push({ t: along / len, node: foot });
    }
    joined.push({ a: end.node, b: foot, kmh: end.kmh, name: end.name });
    degree[end.node]++;
  }
  edges.forEach(({ source: _, ...e }, i) => {
    const cuts = splits.get(i)?.sort((p, q) => p.t - q.t);
    if (!cuts) return void joined.push(e);
    let from = e.a;
    for (const c of cuts) joined.push({ ...e, a: from, b: c.node }), (from = c.node);
    joined.push({ ...e, a: from });
  });

  // 4. The largest connected component, renumbered.
  const adjAll: number[][] = pts.map(() => []);
  for (const e of joined) if (e.a !== e.b) adjAll[e.a].push(e.b), adjAll[e.b].push(e.a);
  const comp = new Int32Array(pts.length).fill(-1);
  let bestComp = -1;
  let bestSize = 0;
  for (let s = 0, c = 0; s < pts.length; s++) {
    if (comp[s] >= 0 || !adjAll[s].length) continue;
    const stack = [s];
    comp[s] = c;
    let size = 0;
    while (stack.length) {
      const n = stack.pop()!;
      size++;
      for (const m of adjAll[n]) if (comp[m] < 0) (comp[m] = c), stack.push(m);
    }
    if (size > bestSize) (bestSize = size), (bestComp = c);
    c++;
  }
  const remap = new Int32Array(pts.length).fill(-1);
  const nodes: LonLat[] = [];
  pts.forEach((p, i) => {
    if (comp[i] === bestComp) remap[i] = nodes.push(p) - 1;
  });
  const kept = joined.filter((e) => e.a !== e.b && remap[e.a] >= 0).map((e) => ({ ...e, a: remap[e.a], b: remap[e.b] }));
  return searchable(nodes, kept, kx);
}

/** Segments' boxes in local metres. */
function segmentIndex(segments: ReadonlyArray<readonly [LonLat, LonLat]>, kx: number): Flatbush {
  const index = new Flatbush(Math.max(1, segments.length));
  for (const [a, b] of segments) {
    const [ax, ay, bx, by] = [a[0] * kx, a[1] * M_PER_DEG_LAT, b[0] * kx, b[1] * M_PER_DEG_LAT];
    index.add(Math.min(ax, bx), Math.min(ay, by), Math.max(ax, bx), Math.max(ay, by));
  }
  if (!segments.length) index.add(0, 0, 0, 0);
  return index.finish(), index;
}

/** Seconds through a metre distance driven off road. */
const offRoadS = (m: number) => m / (OFF_ROAD_KMH / 3.6);

function searchable(nodes: LonLat[], edges: ReadonlyArray<{ a: number; b: number; kmh: number; name: string | null }>, kx: number): RoadGraph {
  const n = nodes.length;
  const m = edges.length;
  const ea = new Uint32Array(m);
  const eb = new Uint32Array(m);
  const eLen = new Float64Array(m);
  const eSecs = new Float64Array(m);
  const start = new Uint32Array(n + 1);
  const names = new Map<number, Set<string>>();
  edges.forEach((e, i) => {
    ea[i] = e.a;
    eb[i] = e.b;
    eLen[i] = distanceM(nodes[e.a][0], nodes[e.a][1], nodes[e.b][0], nodes[e.b][1]);
    eSecs[i] = eLen[i] / (e.kmh / 3.6);
    start[e.a + 1]++;
    start[e.b + 1]++;
    if (e.name) for (const p of [e.a, e.b]) (names.get(p) ?? names.set(p, new Set()).get(p)!).add(e.name);
  });
  // Compressed adjacency, both directions: node i's neighbours are to[start[i] .. start[i + 1]).
  for (let i = 0; i < n; i++) start[i + 1] += start[i];
  const fill = start.slice(0, n);
  const to = new Uint32Array(2 * m);
  const via = new Uint32Array(2 * m);
  for (let i = 0; i < m; i++) {
    const k1 = fill[ea[i]]++;
    (to[k1] = eb[i]), (via[k1] = i);
    const k2 = fill[eb[i]]++;
    (to[k2] = ea[i]), (via[k2] = i);
  }
  const px = new Float64Array(n);
  const py = new Float64Array(n);
  const nIndex = new Flatbush(n);
  nodes.forEach((p, i) => {
    px[i] = p[0] * kx;
    py[i] = p[1] * M_PER_DEG_LAT;
    nIndex.add(px[i], py[i], px[i], py[i]);
  });
  nIndex.finish();
  const eIndex = segmentIndex(edges.map((e): [LonLat, LonLat] => [nodes[e.a], nodes[e.b]]), kx);

  // Search state, reused (one search at a time).
  const cost = new Float64Array(n);
  const dist = new Float64Array(n);
  const prev = new Int32Array(n);
  const done = new Uint8Array(n);
  const queue = new FlatQueue<number>();
  const vmax = MAX_KMH / 3.6;

  type Seed = [node: number, s: number, m: number];
  function seed(seeds: Seed[], h: (i: number) => number): void {
    cost.fill(Infinity);
    prev.fill(-1);
    done.fill(0);
    queue.clear();
    for (const [node, s, metres] of seeds)
      if (s < cost[node]) {
        cost[node] = s;
        dist[node] = metres;
        queue.push(node, s + h(node));
      }
  }
  function relax(cur: number, h: (i: number) => number): void {
    for (let k = start[cur]; k < start[cur + 1]; k++) {
      const next = to[k];
      const c = cost[cur] + eSecs[via[k]];
      if (c < cost[next]) {
        cost[next] = c;
        dist[next] = dist[cur] + eLen[via[k]];
        prev[next] = cur;
        queue.push(next, c + h(next));
      }
    }
  }
  const ends = (p: RoadPoint): Seed[] => [
    [ea[p.edge], p.t * eSecs[p.edge], p.t * eLen[p.edge]],
    [eb[p.edge], (1 - p.t) * eSecs[p.edge], (1 - p.t) * eLen[p.edge]],
  ];

  /** A* from the seeds to the cheapest of the goals (a node plus what it still costs from there). */
  function aStar(seeds: Seed[], goals: Seed[], gx: number, gy: number, best: { s: number; m: number; via: number }) {
    const h = (i: number) => Math.hypot(px[i] - gx, py[i] - gy) / vmax;
    seed(seeds, h);
    while (queue.length && queue.peekValue()! < best.s) {
      const cur = queue.pop()!;
      if (done[cur]) continue;
      done[cur] = 1;
      for (const [g, s, metres] of goals) if (g === cur && cost[cur] + s < best.s) Object.assign(best, { s: cost[cur] + s, m: dist[cur] + metres, via: cur });
      relax(cur, h);
    }
    const chain: number[] = [];
    for (let c = best.via; c >= 0; c = prev[c]) chain.push(c);
    return chain.reverse();
  }

  function nearest(lon: number, lat: number): { node: number; distM: number } {
    const [node] = nIndex.neighbors(lon * kx, lat * M_PER_DEG_LAT, 1);
    return { node, distM: distanceM(lon, lat, nodes[node][0], nodes[node][1]) };
  }

  function snap(lon: number, lat: number): RoadPoint {
    // The nearest road is no farther than the nearest node (an end of some edge).
    const r = nearest(lon, lat).distM + 1;
    const x = lon * kx, y = lat * M_PER_DEG_LAT;
    let best: RoadPoint | null = null;
    for (const i of eIndex.search(x - r, y - r, x + r, y + r)) {
      const hit = pointSegment([lon, lat], nodes[ea[i]], nodes[eb[i]]);
      if (!best || hit.distM < best.distM) {
        const t = eLen[i] > 0 ? distanceM(nodes[ea[i]][0], nodes[ea[i]][1], hit.point[0], hit.point[1]) / eLen[i] : 0;
        best = { edge: i, t: Math.min(1, t), point: hit.point, distM: hit.distM };
      }
    }
    return best!;
  }

  function route(from: number, goal: number): RoadPath | null {
    const best = { s: Infinity, m: 0, via: -1 };
    const chain = aStar([[from, 0, 0]], [[goal, 0, 0]], px[goal], py[goal], best);
    if (best.via < 0) return null;
    return { path: chain.map((i) => nodes[i]), alongM: chain.map((i) => dist[i]), atS: chain.map((i) => cost[i]), lengthM: best.m, timeS: best.s };
  }

  function trip(from: LonLat, dest: LonLat): Trip | null {
    const p = snap(from[0], from[1]);
    const q = snap(dest[0], dest[1]);
    // On the same edge the direct stretch is a candidate, the way round another.
    const best = p.edge === q.edge
      ? { s: Math.abs(p.t - q.t) * eSecs[p.edge], m: Math.abs(p.t - q.t) * eLen[p.edge], via: -2 }
      : { s: Infinity, m: 0, via: -1 };
    const chain = aStar(ends(p), ends(q), q.point[0] * kx, q.point[1] * M_PER_DEG_LAT, best);
    if (best.via === -1) return null;
    const t0 = offRoadS(p.distM);
    const road = best.via === -2 ? [] : chain;
    const path = [from, p.point, ...road.map((i) => nodes[i]), q.point, dest];
    const alongM = [0, p.distM, ...road.map((i) => p.distM + dist[i]), p.distM + best.m, p.distM + best.m + q.distM];
    const atS = [0, t0, ...road.map((i) => t0 + cost[i]), t0 + best.s, t0 + best.s + offRoadS(q.distM)];
    // a point on the road itself, or a road point at a node, would repeat a vertex
    const keep = path.map((pt, i) => i === 0 || pt[0] !== path[i - 1][0] || pt[1] !== path[i - 1][1]);
    const kept = <T>(xs: T[]) => xs.filter((_, i) => keep[i]);
    return { path: kept(path), alongM: kept(alongM), atS: kept(atS), lengthM: alongM.at(-1)!, timeS: atS.at(-1)!, offRoadM: p.distM + q.distM };
  }

  function tripCosts(froms: readonly LonLat[], dest: LonLat): Array<{ timeS: number; lengthM: number } | null> {
    const q = snap(dest[0], dest[1]);
    const ps = froms.map((f) => snap(f[0], f[1]));
    const wanted = new Set(ps.flatMap((p) => [ea[p.edge], eb[p.edge]]));
    let left = wanted.size;
    const h = () => 0;
    seed(ends(q), h);
    while (queue.length && left > 0) {
      const cur = queue.pop()!;
      if (done[cur]) continue;
      done[cur] = 1;
      if (wanted.has(cur)) left--;
      relax(cur, h);
    }
    return ps.map((p) => {
      let s = Infinity, metres = 0;
      for (const [node, ds, dm] of ends(p)) if (cost[node] + ds < s) (s = cost[node] + ds), (metres = dist[node] + dm);
      const direct = p.edge === q.edge ? Math.abs(p.t - q.t) : Infinity;
      if (direct * eSecs[p.edge] < s) (s = direct * eSecs[p.edge]), (metres = direct * eLen[p.edge]);
      if (!Number.isFinite(s)) return null;
      return { timeS: s + offRoadS(p.distM + q.distM), lengthM: metres + p.distM + q.distM };
    });
  }

  return { nodes, names, nearest, snap, route, trip, tripCosts };
}

/** Seconds from the start of a drive when it is `m` metres along (linear within a leg). */
export function timeAlong(d: Pick<RoadPath, 'alongM' | 'atS'>, m: number): number {
  const { alongM, atS } = d;
  let hi = alongM.length - 1;
  if (m <= 0 || hi < 1) return 0;
  if (m >= alongM[hi]) return atS[hi];
  let lo = 0;
  while (hi - lo > 1) {
    const mid = (lo + hi) >> 1;
    if (alongM[mid] <= m) lo = mid;
    else hi = mid;
  }
  const span = alongM[hi] - alongM[lo];
  return atS[lo] + (span > 0 ? ((m - alongM[lo]) / span) * (atS[hi] - atS[lo]) : 0);
}
