// Named streets from the road register: grouped by canonical name, sampled every SAMPLE_STEP_M with the
// kelurahan of each sample (so "street X inside kelurahan Y" is a lookup), a Flatbush over all segments for
// nearest-street and street-street intersections.
import Flatbush from 'flatbush';
import type { AreaIndex } from './areas.ts';
import type { GeoData, RoadClass } from './data-types.ts';
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

  constructor(data: GeoData, areas: AreaIndex) {
    for (const coll of data.roads) {
      for (const f of coll.features) {
        const name = f.properties.name;
        if (!name) continue;
        const key = nameKey(name, { dropTitles: true });
        if (!key) continue;
        let s = this.byKey.get(key);
        if (!s) {
          s = { id: this.streets.length, key, label: f.properties.display_name ?? `Jl. ${name}`, rank: 0, lengthM: 0, samples: [], segs: [] };
          this.streets.push(s);
          this.byKey.set(key, s);
        }
        s.rank = Math.max(s.rank, CLASS_RANK[f.properties.class] ?? 1);
        const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
        for (const line of lines) {
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
              s.samples.push({ p, kel: areas.kelurahanAt(p[0], p[1])?.kel.kode ?? null });
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
    hits.sort((x, y) => x.gapM - y.gapM);
    const merged: Junction[] = [];
    for (const h of hits) if (!merged.some((m) => distanceM(m.point[0], m.point[1], h.point[0], h.point[1]) < 150)) merged.push(h);
    return merged;
  }
}
