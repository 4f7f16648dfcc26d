// Road graph for the demo units, built from the shipped road lines (geo/data/basemap/roads-*.geojson).
// The source lines rarely share exact vertices, so vertices within SNAP_M of each other are merged into one node;
// only the largest connected component is kept so every route can be driven.
import fs from 'node:fs';
import path from 'node:path';
import { distanceM, metersPerDegLon, type LonLat } from '../../geo/spatial.ts';

const SNAP_M = 20;
const CELL_DEG = 0.0002; // ≈ 22 m grid for the snapping lookup

export interface RoadGraph {
  nodes: LonLat[];
  /** adjacency: node → [neighbour, metres][] */
  adj: Array<Array<[number, number]>>;
  /** Road name of the edge a–b (first seen), for intersection names. */
  names: Map<number, Set<string>>;
  nearest(lon: number, lat: number): { node: number; distM: number };
  route(from: number, to: number): LonLat[] | null;
}

type Line = { name: string | null; coords: LonLat[] };

export function loadRoadLines(geoDataDir: string, files = ['roads-major.geojson', 'roads-minor.geojson']): Line[] {
  const lines: Line[] = [];
  for (const f of files) {
    const file = path.join(geoDataDir, 'basemap', f);
    if (!fs.existsSync(file)) continue;
    const fc = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      features: Array<{ properties: { name?: string | null }; geometry: { type: string; coordinates: any } }>;
    };
    for (const feat of fc.features) {
      const parts: LonLat[][] = feat.geometry.type === 'LineString' ? [feat.geometry.coordinates] : feat.geometry.coordinates;
      for (const coords of parts) if (coords.length >= 2) lines.push({ name: feat.properties.name ?? null, coords });
    }
  }
  return lines;
}

export function buildRoadGraph(lines: Line[]): RoadGraph {
  const nodes: LonLat[] = [];
  const grid = new Map<string, number[]>();
  const key = (cx: number, cy: number) => `${cx}:${cy}`;
  const snap = (p: LonLat): number => {
    const cx = Math.floor(p[0] / CELL_DEG);
    const cy = Math.floor(p[1] / CELL_DEG);
    let best = -1;
    let bestD = SNAP_M;
    for (let dx = -1; dx <= 1; dx++)
      for (let dy = -1; dy <= 1; dy++)
        for (const n of grid.get(key(cx + dx, cy + dy)) ?? []) {
          const d = distanceM(p[0], p[1], nodes[n][0], nodes[n][1]);
          if (d <= bestD) (bestD = d), (best = n);
        }
    if (best >= 0) return best;
    nodes.push(p);
    const id = nodes.length - 1;
    const k = key(cx, cy);
    (grid.get(k) ?? grid.set(k, []).get(k)!).push(id);
    return id;
  };
  const edges: Array<[number, number, number]> = [];
  const names = new Map<number, Set<string>>();
  for (const line of lines) {
    let prev = snap(line.coords[0]);
    for (let i = 1; i < line.coords.length; i++) {
      const cur = snap(line.coords[i]);
      if (cur !== prev) {
        edges.push([prev, cur, distanceM(nodes[prev][0], nodes[prev][1], nodes[cur][0], nodes[cur][1])]);
        if (line.name) for (const n of [prev, cur]) (names.get(n) ?? names.set(n, new Set()).get(n)!).add(line.name);
      }
      prev = cur;
    }
  }
  // Largest connected component only.
  const adjAll: Array<Array<[number, number]>> = nodes.map(() => []);
  for (const [a, b, w] of edges) adjAll[a].push([b, w]), adjAll[b].push([a, w]);
  const comp = new Int32Array(nodes.length).fill(-1);
  let bestComp = -1;
  let bestSize = 0;
  for (let s = 0, c = 0; s < nodes.length; s++) {
    if (comp[s] >= 0) continue;
    const stack = [s];
    comp[s] = c;
    let size = 0;
    while (stack.length) {
      const n = stack.pop()!;
      size++;
      for (const [m] of adjAll[n]) if (comp[m] < 0) (comp[m] = c), stack.push(m);
    }
    if (size > bestSize) (bestSize = size), (bestComp = c);
    c++;
  }
  const keep: number[] = [];
  const remap = new Int32Array(nodes.length).fill(-1);
  nodes.forEach((_, i) => {
    if (comp[i] === bestComp) remap[i] = keep.push(i) - 1;
  });
  const gNodes = keep.map((i) => nodes[i]);
  const adj: Array<Array<[number, number]>> = gNodes.map(() => []);
  for (const [a, b, w] of edges) if (remap[a] >= 0 && remap[b] >= 0) adj[remap[a]].push([remap[b], w]), adj[remap[b]].push([remap[a], w]);
  const gNames = new Map<number, Set<string>>();
  for (const [n, set] of names) if (remap[n] >= 0) gNames.set(remap[n], set);

  function nearest(lon: number, lat: number): { node: number; distM: number } {
    let best = 0;
    let bestD = Infinity;
    const kx = metersPerDegLon(lat);
    for (let i = 0; i < gNodes.length; i++) {
      const dx = (gNodes[i][0] - lon) * kx;
      const dy = (gNodes[i][1] - lat) * 110_574;
      const d = dx * dx + dy * dy;
      if (d < bestD) (bestD = d), (best = i);
    }
    return { node: best, distM: Math.sqrt(bestD) };
  }

  /** A* over the graph (straight-line heuristic), returns the polyline from → to. */
  function route(from: number, to: number): LonLat[] | null {
    const n = gNodes.length;
    const g = new Float64Array(n).fill(Infinity);
    const prev = new Int32Array(n).fill(-1);
    const h = (i: number) => distanceM(gNodes[i][0], gNodes[i][1], gNodes[to][0], gNodes[to][1]);
    const heap = new MinHeap();
    g[from] = 0;
    heap.push(h(from), from);
    while (heap.size) {
      const cur = heap.pop();
      if (cur === to) break;
      for (const [m, w] of adj[cur]) {
        const ng = g[cur] + w;
        if (ng < g[m]) {
          g[m] = ng;
          prev[m] = cur;
          heap.push(ng + h(m), m);
        }
      }
    }
    if (from !== to && prev[to] < 0) return null;
    const out: LonLat[] = [];
    for (let c = to; c >= 0; c = c === from ? -1 : prev[c]) out.push(gNodes[c]);
    return out.reverse();
  }

  return { nodes: gNodes, adj, names: gNames, nearest, route };
}

class MinHeap {
  private k: number[] = [];
  private v: number[] = [];
  get size() {
    return this.k.length;
  }
  push(key: number, val: number) {
    const k = this.k, v = this.v;
    let i = k.length;
    k.push(key), v.push(val);
    while (i > 0) {
      const p = (i - 1) >> 1;
      if (k[p] <= k[i]) break;
      [k[p], k[i]] = [k[i], k[p]];
      [v[p], v[i]] = [v[i], v[p]];
      i = p;
    }
  }
  pop(): number {
    const k = this.k, v = this.v;
    const top = v[0];
    const lk = k.pop()!, lv = v.pop()!;
    if (k.length) {
      k[0] = lk, v[0] = lv;
      let i = 0;
      for (;;) {
        const l = 2 * i + 1, r = l + 1;
        let m = i;
        if (l < k.length && k[l] < k[m]) m = l;
        if (r < k.length && k[r] < k[m]) m = r;
        if (m === i) break;
        [k[m], k[i]] = [k[i], k[m]];
        [v[m], v[i]] = [v[i], v[m]];
        i = m;
      }
    }
    return top;
  }
}
