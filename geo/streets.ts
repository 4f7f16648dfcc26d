// Named streets from the road register: grouped by canonical name, sampled every SAMPLE_STEP_M with the
// kelurahan of each sample (so "street X inside kelurahan Y" is a lookup), a Flatbush over all segments for
// nearest-street and street-street intersections. The two expensive parts — the kelurahan of ~43k samples
// and all street-street junctions — are precomputed by build:geo (geo/data/geocode-index.json, see
// exportIndex()); without that file (or when it no longer matches the roads) they are computed here.
import Flatbush from 'flatbush';
import type { AreaIndex } from './areas.ts';
import type { GeocodeIndexData, GeoData, RoadClass } from './data-types.ts';
import { nameKey } from './address.ts';
import { distanceM, metresToDegLat, pointSegment, segmentSegment, type LonLat } from './spatial.ts';

const SAMPLE_STEP_M = 50;
/** Two street lines closer than this are taken to meet (the register's lines often stop 1–20 m short). */
export const JUNCTION_GAP_M = 60;
const CLASS_RANK: Record<RoadClass, number> = { arteri: 5, kolektor: 4, lingkungan: 3, gang: 2, perumahan: 1 };

export interface Street {
  id: number;
  key: string;
  label: string;
  rank: number;
  lengthM: number;
  samples: { p: LonLat; kel: string | null }[];
  /** Indexes into the segment arrays. */
  segs: number[];
  /** First and last vertex of each of its lines: where a junction drawn short dangles. */
  ends: LonLat[];
}
export interface Junction {
  point: LonLat;
  gapM: number;
}

export class StreetIndex {
  readonly streets: Street[] = [];
  readonly byKey = new Map<string, Street>();
  private segA: LonLat[] = [];
  private segB: LonLat[] = [];
  private segStreet: number[] = [];
  private index: Flatbush;
  /** Junctions of every street pair (key pairKey(a, b)), when precomputed. */
  private cellCache = new Map<number, Set<number>>();
  private approachCache = new Map<number, Junction[]>();
  private junctionTable: Map<number, Junction[]> | null = null;
  /** Whether the precomputed index was used (for tests and the bench). */
  readonly usedPrecomputed: boolean;

  constructor(data: GeoData, areas: AreaIndex) {
    for (const coll of data.roads) {
      for (const f of coll.features) {
        const name = f.properties.name;
        if (!name) continue;
        const key = nameKey(name, { dropTitles: true });
        if (!key) continue;
        let s = this.byKey.get(key);
        if (!s) {
          s = { id: this.streets.length, key, label: f.properties.display_name ?? `Jl. ${name}`, rank: 0, lengthM: 0, samples: [], segs: [], ends: [] };
          this.streets.push(s);
          this.byKey.set(key, s);
        }
        s.rank = Math.max(s.rank, CLASS_RANK[f.properties.class] ?? 1);
        const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
        for (const line of lines) {
          if (line.length > 1) s.ends.push(line[0], line[line.length - 1]);
          for (let i = 1; i < line.length; i++) {
            const a = line[i - 1], b = line[i];
            s.segs.push(this.segA.length);
            this.segA.push(a), this.segB.push(b), this.segStreet.push(s.id);
            const len = distanceM(a[0], a[1], b[0], b[1]);
            s.lengthM += len;
            const steps = Math.max(1, Math.ceil(len / SAMPLE_STEP_M));
            for (let k = i === 1 ? 0 : 1; k <= steps; k++) {
              const t = k / steps;
              const p: LonLat = [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t];
              s.samples.push({ p, kel: null });
            }
          }
        }
      }
    }
    this.index = new Flatbush(Math.max(1, this.segA.length));
    for (let i = 0; i < this.segA.length; i++) {
      const a = this.segA[i], b = this.segB[i];
      this.index.add(Math.min(a[0], b[0]), Math.min(a[1], b[1]), Math.max(a[0], b[0]), Math.max(a[1], b[1]));
    }
    if (this.segA.length === 0) this.index.add(0, 0, 0, 0);
    this.index.finish();

    const pre = data.geocodeIndex;
    this.usedPrecomputed = !!pre && pre.version === 1 && pre.fingerprint === this.fingerprint() && this.applySampleKel(pre);
    if (this.usedPrecomputed) this.junctionTable = this.readJunctions(pre!.junctions);
    else for (const s of this.streets) for (const sm of s.samples) sm.kel = areas.kelurahanAt(sm.p[0], sm.p[1])?.kel.kode ?? null;
  }

  /** Street keys in id order + sample count: the precomputed index is only valid for exactly these streets. */
  fingerprint(): string {
    let h = 0x811c9dc5;
    let samples = 0;
    for (const s of this.streets) {
      samples += s.samples.length;
      for (let i = 0; i < s.key.length; i++) h = Math.imul(h ^ s.key.charCodeAt(i), 0x01000193);
      h = Math.imul(h ^ 10, 0x01000193);
    }
    return `${this.streets.length}:${samples}:${(h >>> 0).toString(16)}`;
  }

  private applySampleKel(pre: GeocodeIndexData): boolean {
    if (pre.sampleKel.length !== this.streets.length) return false;
    for (const s of this.streets) {
      const runs = pre.sampleKel[s.id];
      let k = 0;
      for (let r = 0; r + 1 < runs.length; r += 2) {
        const code = runs[r] >= 0 ? pre.kelCodes[runs[r]] ?? null : null;
        for (let n = 0; n < runs[r + 1] && k < s.samples.length; n++) s.samples[k++].kel = code;
      }
      if (k !== s.samples.length) return false;
    }
    return true;
  }

  private pairKey(a: number, b: number): number {
    return a < b ? a * this.streets.length + b : b * this.streets.length + a;
  }

  private readJunctions(flat: number[]): Map<number, Junction[]> {
    const table = new Map<number, Junction[]>();
    for (let i = 0; i + 4 < flat.length; i += 5) {
      const key = this.pairKey(flat[i], flat[i + 1]);
      const j: Junction = { point: [(flat[i + 2] + LON_OFFSET_E5) / 1e5, flat[i + 3] / 1e5], gapM: flat[i + 4] };
      const list = table.get(key);
      if (list) list.push(j);
      else table.set(key, [j]);
    }
    return table;
  }

  /** The precomputable facts, for build:geo to write as geo/data/geocode-index.json. */
  exportIndex(): GeocodeIndexData {
    const kelCodes: string[] = [];
    const kelIdx = new Map<string, number>();
    const sampleKel = this.streets.map((s) => {
      const runs: number[] = [];
      for (const sm of s.samples) {
        let idx = -1;
        if (sm.kel) {
          if (!kelIdx.has(sm.kel)) kelIdx.set(sm.kel, kelCodes.push(sm.kel) - 1);
          idx = kelIdx.get(sm.kel)!;
        }
        if (runs.length && runs[runs.length - 2] === idx) runs[runs.length - 1]++;
        else runs.push(idx, 1);
      }
      return runs;
    });
    const junctions: number[] = [];
    for (const [key, list] of this.computeAllJunctions()) {
      const a = Math.floor(key / this.streets.length), b = key % this.streets.length;
      for (const j of list) junctions.push(a, b, Math.round(j.point[0] * 1e5) - LON_OFFSET_E5, Math.round(j.point[1] * 1e5), Math.round(j.gapM));
    }
    return { version: 1, fingerprint: this.fingerprint(), kelCodes, sampleKel, junctions };
  }

  /** All junctions between any two named streets, by pairKey: one sweep over the segment index. */
  private computeAllJunctions(): Map<number, Junction[]> {
    const pad = metresToDegLat(JUNCTION_GAP_M);
    const hits = new Map<number, Junction[]>();
    for (let i = 0; i < this.segA.length; i++) {
      const p = this.segA[i], q = this.segB[i], si = this.segStreet[i];
      for (const j of this.index.search(Math.min(p[0], q[0]) - pad, Math.min(p[1], q[1]) - pad, Math.max(p[0], q[0]) + pad, Math.max(p[1], q[1]) + pad)) {
        if (this.segStreet[j] <= si) continue; // each unordered pair once, never a street with itself
        const r = segmentSegment(p, q, this.segA[j], this.segB[j]);
        if (r.distM > JUNCTION_GAP_M) continue;
        const key = this.pairKey(si, this.segStreet[j]);
        const list = hits.get(key);
        if (list) list.push({ point: r.point, gapM: r.distM });
        else hits.set(key, [{ point: r.point, gapM: r.distM }]);
      }
    }
    for (const [key, list] of hits) hits.set(key, mergeJunctions(list));
    return hits;
  }

  /** ~400 m grid cells within one cell of a street's samples (cached): "near street X" in O(1) per point. */
  cellsOf(s: Street): Set<number> {
    let cells = this.cellCache.get(s.id);
    if (!cells) {
      cells = new Set();
      for (const sm of s.samples) {
        const cx = Math.floor(sm.p[0] / CELL_DEG), cy = Math.floor(sm.p[1] / CELL_DEG);
        for (let dx = -1; dx <= 1; dx++) for (let dy = -1; dy <= 1; dy++) cells.add(cellKey(cx + dx, cy + dy));
      }
      this.cellCache.set(s.id, cells);
    }
    return cells;
  }
  nearCells(cells: Set<number>, p: LonLat): boolean {
    return cells.has(cellKey(Math.floor(p[0] / CELL_DEG), Math.floor(p[1] / CELL_DEG)));
  }

  /** Add an alias key for an existing street (aliases CSV: "Harapan Raya" → Imam Munandar). */
  addAlias(aliasKey: string, streetKey: string): void {
    const s = this.byKey.get(streetKey);
    if (s && aliasKey && !this.byKey.has(aliasKey)) this.byKey.set(aliasKey, s);
  }

  /** Nearest named street within maxM. */
  nearest(lon: number, lat: number, maxM = 500): { street: Street; distanceM: number } | null {
    const pad = metresToDegLat(maxM);
    let best: { street: Street; distanceM: number } | null = null;
    for (const i of this.index.search(lon - pad * 1.01, lat - pad, lon + pad * 1.01, lat + pad)) {
      const d = pointSegment([lon, lat], this.segA[i], this.segB[i]).distM;
      if (d <= maxM && (!best || d < best.distanceM)) best = { street: this.streets[this.segStreet[i]], distanceM: d };
    }
    return best;
  }

  /** Points where streets a and b meet (closest approach ≤ JUNCTION_GAP_M), one per junction (merged within 150 m). */
  junctions(a: Street, b: Street): Junction[] {
    if (a.id === b.id) return [];
    if (this.junctionTable) return [...(this.junctionTable.get(this.pairKey(a.id, b.id)) ?? [])];
    const pad = metresToDegLat(JUNCTION_GAP_M);
    const hits: Junction[] = [];
    for (const i of a.segs) {
      const p = this.segA[i], q = this.segB[i];
      for (const j of this.index.search(Math.min(p[0], q[0]) - pad, Math.min(p[1], q[1]) - pad, Math.max(p[0], q[0]) + pad, Math.max(p[1], q[1]) + pad)) {
        if (this.segStreet[j] !== b.id) continue;
        const r = segmentSegment(p, q, this.segA[j], this.segB[j]);
        if (r.distM <= JUNCTION_GAP_M) hits.push({ point: r.point, gapM: r.distM });
      }
    }
    return mergeJunctions(hits);
  }

  /** Where a line end of one street comes within maxM of the other (two streets that do not meet in the register:
   *  a T-junction drawn short), one point per approach (merged within 150 m), midway across the gap. */
  closestApproach(a: Street, b: Street, maxM: number): Junction[] {
    if (a.id === b.id) return [];
    const key = this.pairKey(a.id, b.id);
    const cached = this.approachCache.get(key);
    if (cached) return [...cached];
    const pad = metresToDegLat(maxM);
    const hits: Junction[] = [];
    for (const [from, to] of [[a, b], [b, a]] as const) {
      for (const e of from.ends) {
        let best: { distM: number; point: LonLat } | null = null;
        for (const i of this.index.search(e[0] - pad * 1.01, e[1] - pad, e[0] + pad * 1.01, e[1] + pad)) {
          if (this.segStreet[i] !== to.id) continue;
          const r = pointSegment(e, this.segA[i], this.segB[i]);
          if (r.distM <= maxM && (!best || r.distM < best.distM)) best = r;
        }
        if (best) hits.push({ point: [(e[0] + best.point[0]) / 2, (e[1] + best.point[1]) / 2], gapM: best.distM });
      }
    }
    const merged = mergeJunctions(hits);
    if (this.approachCache.size > 5000) this.approachCache.clear();
    this.approachCache.set(key, merged);
    return [...merged];
  }
}

const CELL_DEG = 0.0036;
const cellKey = (cx: number, cy: number) => cx * 1_000_003 + cy;

/** Longitudes are stored as 1e-5° offsets from 101° E (Pekanbaru spans ~101.3–101.6° E): shorter numbers. */
const LON_OFFSET_E5 = 10_100_000;

/** One point per junction: closest approaches first, later ones within 150 m of a kept one dropped. */
function mergeJunctions(hits: Junction[]): Junction[] {
  hits.sort((x, y) => x.gapM - y.gapM);
  const merged: Junction[] = [];
  for (const h of hits) if (!merged.some((m) => distanceM(m.point[0], m.point[1], h.point[0], h.point[1]) < 150)) merged.push(h);
  return merged;
}
