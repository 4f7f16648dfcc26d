// Kelurahan / kecamatan polygons: point-in-polygon with a Flatbush index, nearest kelurahan for points in the
// sliver gaps between the simplified polygons, and truthful "whole area" radii.
import Flatbush from 'flatbush';
import type { AreaRef } from './types.ts';
import type { GeoData, KecamatanRecord, KelurahanRecord } from './data-types.ts';
import { bboxOf, distanceM, distanceToRings, metresToDegLat, pointInRings, type LonLat } from './spatial.ts';

/** Points this close to a kelurahan but outside every polygon are in a sliver gap (or just over the city edge). */
export const GAP_TOLERANCE_M = 150;

export interface Kelurahan extends KelurahanRecord {
  polygons: LonLat[][][];
  /** Distance from the centroid to the farthest vertex: a circle that surely holds the whole kelurahan. */
  coverRadiusM: number;
  bbox: [number, number, number, number];
  ref: AreaRef;
  kecRef: AreaRef;
}
export interface Kecamatan extends KecamatanRecord {
  kelurahan: Kelurahan[];
  coverRadiusM: number;
  ref: AreaRef;
}

export class AreaIndex {
  readonly kelurahan: Kelurahan[] = [];
  readonly kelByCode = new Map<string, Kelurahan>();
  readonly kecamatan: Kecamatan[] = [];
  readonly kecByCode = new Map<string, Kecamatan>();
  private index: Flatbush;

  constructor(data: GeoData) {
    const shapes = new Map(data.kelurahanShapes.features.map((f) => [f.properties.kode, f]));
    const kecRecords = new Map(data.gazetteer.kecamatan.map((k) => [k.kode, k]));
    for (const rec of data.gazetteer.kelurahan) {
      const shape = shapes.get(rec.kode);
      if (!shape) continue;
      const polygons = shape.geometry.type === 'Polygon' ? [shape.geometry.coordinates] : shape.geometry.coordinates;
      let coverRadiusM = 0;
      for (const poly of polygons) for (const [x, y] of poly[0]) coverRadiusM = Math.max(coverRadiusM, distanceM(rec.centroid[0], rec.centroid[1], x, y));
      const kec = kecRecords.get(rec.kecamatan_kode);
      this.kelurahan.push({
        ...rec,
        polygons,
        coverRadiusM,
        bbox: bboxOf(polygons.flatMap((p) => p[0])),
        ref: { code: rec.kode, name: rec.nama },
        kecRef: { code: rec.kecamatan_kode, name: kec?.nama ?? rec.kecamatan },
      });
    }
    for (const k of this.kelurahan) this.kelByCode.set(k.kode, k);
    for (const rec of data.gazetteer.kecamatan) {
      const kel = this.kelurahan.filter((k) => k.kecamatan_kode === rec.kode);
      let coverRadiusM = 0;
      for (const k of kel) for (const poly of k.polygons) for (const [x, y] of poly[0]) coverRadiusM = Math.max(coverRadiusM, distanceM(rec.centroid[0], rec.centroid[1], x, y));
      const kec: Kecamatan = { ...rec, kelurahan: kel, coverRadiusM, ref: { code: rec.kode, name: rec.nama } };
      this.kecamatan.push(kec);
      this.kecByCode.set(rec.kode, kec);
    }
    this.index = new Flatbush(Math.max(1, this.kelurahan.length));
    for (const k of this.kelurahan) {
      const [minX, minY, maxX, maxY] = bboxOf(k.polygons.flatMap((p) => p[0]));
      this.index.add(minX, minY, maxX, maxY);
    }
    if (this.kelurahan.length === 0) this.index.add(0, 0, 0, 0);
    this.index.finish();
  }

  /** Kelurahan containing the point; else the nearest within GAP_TOLERANCE_M; else null (outside the city). */
  kelurahanAt(lon: number, lat: number): { kel: Kelurahan; gapM: number } | null {
    if (!Number.isFinite(lon) || !Number.isFinite(lat)) return null;
    for (const i of this.index.search(lon, lat, lon, lat)) {
      const k = this.kelurahan[i];
      if (k && k.polygons.some((rings) => pointInRings(lon, lat, rings))) return { kel: k, gapM: 0 };
    }
    const pad = metresToDegLat(GAP_TOLERANCE_M) * 1.1;
    let best: { kel: Kelurahan; gapM: number } | null = null;
    for (const i of this.index.search(lon - pad, lat - pad, lon + pad, lat + pad)) {
      const k = this.kelurahan[i];
      if (!k) continue;
      const d = Math.min(...k.polygons.map((rings) => distanceToRings(lon, lat, rings)));
      if (d <= GAP_TOLERANCE_M && (!best || d < best.gapM)) best = { kel: k, gapM: d };
    }
    return best;
  }

  /** Whether the point lies within maxM of the kelurahan's polygon (inside counts as 0 m). */
  isNear(code: string, lon: number, lat: number, maxM: number): boolean {
    const k = this.kelByCode.get(code);
    if (!k) return false;
    const pad = metresToDegLat(maxM) * 1.1;
    const [minX, minY, maxX, maxY] = k.bbox;
    if (lon < minX - pad || lon > maxX + pad || lat < minY - pad || lat > maxY + pad) return false;
    return k.polygons.some((rings) => pointInRings(lon, lat, rings) || distanceToRings(lon, lat, rings) <= maxM);
  }

  /** A circle covering all the given kelurahan (centroid of the most central one, radius to the farthest vertex). */
  coverOf(kels: Kelurahan[]): { point: LonLat; radiusM: number } {
    if (kels.length === 1) return { point: kels[0].centroid, radiusM: kels[0].coverRadiusM };
    let best = { point: kels[0].centroid as LonLat, radiusM: Infinity };
    for (const c of kels) {
      let r = 0;
      for (const k of kels) for (const poly of k.polygons) for (const [x, y] of poly[0]) r = Math.max(r, distanceM(c.centroid[0], c.centroid[1], x, y));
      if (r < best.radiusM) best = { point: c.centroid, radiusM: r };
    }
    return best;
  }
}
