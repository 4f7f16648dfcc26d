// The parsed contents of geo/data (written by scripts/build-geo-data.ts). The server reads the files with fs
// (server/geo/load.ts), the browser may fetch them; geo/ itself only receives the objects.
import type { LonLat } from './spatial.ts';

export interface PolygonFeature<P> {
  type: 'Feature';
  properties: P;
  geometry: { type: 'Polygon'; coordinates: LonLat[][] } | { type: 'MultiPolygon'; coordinates: LonLat[][][] };
}
export interface LineFeature<P> {
  type: 'Feature';
  properties: P;
  geometry: { type: 'LineString'; coordinates: LonLat[] } | { type: 'MultiLineString'; coordinates: LonLat[][] };
}
export interface Collection<F> {
  type: 'FeatureCollection';
  features: F[];
}

export interface KelurahanRecord {
  kode: string;
  nama: string;
  aliases: string[];
  kecamatan_kode: string;
  kecamatan: string;
  centroid: LonLat;
  area_km2: number;
  kodepos?: string;
  kode_2018?: string;
  kecamatan_2018?: string;
}
export interface KecamatanRecord {
  kode: string;
  nama: string;
  aliases: string[];
  centroid: LonLat;
  area_km2: number;
  /** 2018 kecamatan this one was (partly) carved from: "Tampan", "Rumbai Pesisir", … */
  kecamatan_2018_asal: string[];
}
export interface PlaceRecord {
  id: string;
  name: string;
  aliases: string[];
  category: string;
  street: string | null;
  lat: number;
  lon: number;
  kelurahan_kode: string;
  dup_group: number | null;
  source: 'osm' | 'kantor2016';
}
export interface Gazetteer {
  kelurahan: KelurahanRecord[];
  kecamatan: KecamatanRecord[];
  /** Pre-2016 kelurahan → 2025 kelurahan by area overlap. */
  kelurahanLama: { kelurahan_lama: string; kecamatan_lama: string; kelurahan_kode: string; share_pct: number }[];
  streetAliases: { name: string; alias: string }[];
  places: PlaceRecord[];
}

export type RoadClass = 'arteri' | 'kolektor' | 'lingkungan' | 'gang' | 'perumahan';

export interface GeoData {
  /** basemap/kelurahan.geojson */
  kelurahanShapes: Collection<PolygonFeature<{ kode: string; nama: string; kecamatan_kode: string }>>;
  /** basemap/roads-major.geojson + roads-minor.geojson (unnamed lines are ignored by the geocoder). */
  roads: Collection<LineFeature<{ name?: string; display_name?: string; class: RoadClass }>>[];
  /** gazetteer.json */
  gazetteer: Gazetteer;
}
