// Geo core: forward/reverse geocoding, kelurahan list and camera coverage over the data in geo/data (road routing:
// routing.ts, imported directly).
// Pure TypeScript (Node + browser): the caller loads the files and passes them in (server/geo/load.ts).
import { AreaIndex } from './areas.ts';
import { CommonPlaceIndex, type CommonPlace } from './common-places.ts';
import { camerasFor } from './coverage.ts';
import type { GeoData } from './data-types.ts';
import { Geocoder } from './geocoder.ts';
import { StreetIndex } from './streets.ts';
import type { AreaRef, CameraCoverage, CameraGeometry, Candidate, ReverseResult } from './types.ts';

export type { GeoData } from './data-types.ts';
export type * from './types.ts';
export { camerasAlong, camerasFor, createCoverageIndex, viewCone, type CameraOnRoute } from './coverage.ts';
export { normalizeQuery, tokenize } from './address.ts';
export { COMMON_PLACE_LABEL, placeKey, type CommonPlace } from './common-places.ts';

/** Nearest named street is reported only this close. */
const STREET_REPORT_M = 300;

export interface KelurahanListItem {
  code: string;
  name: string;
  kecamatan: AreaRef;
  lat: number;
  lon: number;
}

export interface Geo {
  geocode(query: string, opts?: { limit?: number }): Candidate[];
  reverse(lat: number, lon: number): ReverseResult;
  camerasFor(point: { lat: number; lon: number }, uncertaintyM: number, cameras: CameraGeometry[], opts?: { limit?: number }): CameraCoverage[];
  kelurahanList(): KelurahanListItem[];
  /** The city's extent [minLon, minLat, maxLon, maxLat]: what "in our area" means for feeds such as CAP. */
  extent(): Box;
  /** Replaces the centre's approved common places (searched before the shipped data); the server calls it at start
   *  and after every change. Pure: the rows are passed in. */
  setCommonPlaces(places: CommonPlace[]): void;
}

import type { Box } from './extent.ts';
export type { Box } from './extent.ts';

export function createGeo(data: GeoData): Geo {
  const areas = new AreaIndex(data);
  const streets = new StreetIndex(data, areas);
  const geocoder = new Geocoder(areas, streets, data.gazetteer);
  const common = new CommonPlaceIndex(areas);
  const list: KelurahanListItem[] = areas.kelurahan.map((k) => ({ code: k.kode, name: k.nama, kecamatan: k.kecRef, lat: k.centroid[1], lon: k.centroid[0] }));

  return {
    geocode(query, opts = {}) {
      const limit = Number.isFinite(opts.limit) ? Math.min(20, Math.max(1, Math.floor(opts.limit!))) : 5;
      const mine = common.match(query);
      if (!mine.length) return geocoder.geocode(query, limit);
      const labels = new Set(mine.map((c) => c.label));
      return [...mine, ...geocoder.geocode(query, limit).filter((c) => !labels.has(c.label))].slice(0, limit);
    },
    setCommonPlaces(places) {
      common.set(places);
    },
    reverse(lat, lon) {
      const at = Number.isFinite(lat) && Number.isFinite(lon) ? areas.kelurahanAt(lon, lat) : null;
      if (!at) return { inside: false, kelurahan: null, kecamatan: null, street: null, label: 'Di luar Kota Pekanbaru' };
      const near = streets.nearest(lon, lat, STREET_REPORT_M);
      const street = near ? { name: near.street.label, distanceM: Math.round(near.distanceM) } : null;
      const label = [street?.name, `Kel. ${at.kel.nama}`, `Kec. ${at.kel.kecRef.name}`].filter(Boolean).join(', ');
      return { inside: true, kelurahan: at.kel.ref, kecamatan: at.kel.kecRef, street, label };
    },
    camerasFor(point, uncertaintyM, cameras, opts) {
      return camerasFor(point, uncertaintyM, cameras, opts);
    },
    kelurahanList() {
      return list.map((k) => ({ ...k }));
    },
    extent() {
      const boxes = areas.kelurahan.map((k) => k.bbox);
      return [Math.min(...boxes.map((b) => b[0])), Math.min(...boxes.map((b) => b[1])), Math.max(...boxes.map((b) => b[2])), Math.max(...boxes.map((b) => b[3]))];
    },
  };
}
