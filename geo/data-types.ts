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
  /** OSM addr:full when tagged: its neighbourhood words ("… Soebrantas Panam No.63 …") locate other queries. */
  address?: string;
  lat: number;
  lon: number;
  kelurahan_kode: string;
  dup_group: number | null;
  source: 'osm' | 'kantor2016';
}
/** A school of the national register (Dapodik, via suryavip/daftar-sekolah-indonesia), past build:geo's quality gate. */
export interface SchoolRecord {
  npsn: string;
  /** As the register writes it ("SMA NEGERI 8 PEKANBARU"). */
  name: string;
  /** Register `bentuk`: SD, SMP, SMA, SMK, SLB, SDLB. */
  bentuk: string;
  /** Register `status`: N negeri, S swasta. */
  status: 'N' | 'S';
  /** Register `alamat_jalan`, verbatim. */
  street: string | null;
  /** The register's kecamatan: a pre-2020 name ("Tampan", "Rumbai Pesisir"). */
  kecamatan_2018: string;
  /** `point`: the register's point lies in the city and in (or at the edge of) its stated kecamatan, so it is
   *  trusted at school size. `area`: it does not; only the stated kecamatan is trusted (see `area`). */
  trust: 'point' | 'area';
  /** `point` only: the register's point (rounded to 1e-5°) and its 2025 kelurahan. */
  lat?: number;
  lon?: number;
  kelurahan_kode?: string;
  /** `area` only: the 2025 kelurahan that make up the stated pre-2020 kecamatan. */
  area?: string[];
  /** `area` only: why the point was not trusted. */
  gate?: 'outside_city' | 'outside_kecamatan';
}

export interface Gazetteer {
  kelurahan: KelurahanRecord[];
  kecamatan: KecamatanRecord[];
  /** Pre-2016 kelurahan → 2025 kelurahan by area overlap. */
  kelurahanLama: { kelurahan_lama: string; kecamatan_lama: string; kelurahan_kode: string; share_pct: number }[];
  streetAliases: { name: string; alias: string }[];
  places: PlaceRecord[];
  /** Schools of the national register (absent in data built before it was shipped). */
  schools?: SchoolRecord[];
}

export type RoadClass = 'arteri' | 'kolektor' | 'lingkungan' | 'gang' | 'perumahan';

export interface GeoData {
  /** basemap/kelurahan.geojson */
  kelurahanShapes: Collection<PolygonFeature<{ kode: string; nama: string; kecamatan_kode: string }>>;
  /** basemap/roads-major.geojson + roads-minor.geojson (unnamed lines are ignored by the geocoder). */
  roads: Collection<LineFeature<{ name?: string; display_name?: string; class: RoadClass }>>[];
  /** gazetteer.json */
  gazetteer: Gazetteer;
  /** geocode-index.json (optional): street facts precomputed by build:geo so createGeo skips ~0.5 s of work.
   *  Ignored (and recomputed) when it does not match the roads it was built from. */
  geocodeIndex?: GeocodeIndexData;
}

/** Precomputed street facts, keyed by the StreetIndex's street order (see geo/streets.ts). */
export interface GeocodeIndexData {
  version: 1;
  /** Fingerprint of the named-street keys and sample count the index was built for. */
  fingerprint: string;
  /** Kelurahan codes referenced by sampleKel (index into this list; -1 = outside every kelurahan). */
  kelCodes: string[];
  /** Per street: run-length encoded kelurahan of its samples, [kelIdx, count, kelIdx, count, …]. */
  sampleKel: number[][];
  /** Every junction of two named streets: flat [streetA, streetB, lonE5 − 10,100,000, latE5, gapM, …], A < B. */
  junctions: number[];
}
