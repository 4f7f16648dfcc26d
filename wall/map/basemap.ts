// Offline basemap: a MapLibre style built in code from the GeoJSON the server serves under /geo/basemap/.
// No tiles, glyphs, sprites or fonts are fetched (labels are drawn by deck.gl, see labels.ts), so the wall works
// in a command centre without internet.
import type { StyleSpecification } from 'maplibre-gl';

export type FC = GeoJSON.FeatureCollection;
export interface BasemapData {
  kota: FC;
  kecamatan: FC;
  kelurahan: FC;
  rivers: FC;
  roadsMajor: FC;
  roadsMinor: FC;
  attribution: string;
}

const FILES = {
  kota: 'kota',
  kecamatan: 'kecamatan',
  kelurahan: 'kelurahan',
  rivers: 'rivers',
  roadsMajor: 'roads-major',
  roadsMinor: 'roads-minor',
} as const;

export async function loadBasemap(): Promise<BasemapData> {
  const entries = await Promise.all(
    Object.entries(FILES).map(async ([key, file]) => {
      const res = await fetch(`/geo/basemap/${file}.geojson`);
      if (!res.ok) throw new Error(`basemap ${file}: HTTP ${res.status}`);
      return [key, (await res.json()) as FC] as const;
    }),
  );
  let attribution = '© OpenStreetMap contributors';
  try {
    const a = await (await fetch('/geo/attribution.json')).json();
    if (typeof a?.short === 'string') attribution = a.short;
  } catch {
    /* keep the minimal OSM credit */
  }
  return { ...(Object.fromEntries(entries) as Omit<BasemapData, 'attribution'>), attribution };
}

/** Faint distinct tints per kecamatan instead of boundary lines that would double the roads beside them. */
const KECAMATAN_TINTS = ['#0f1b2e', '#111d33', '#0d1a2a', '#122036', '#0e1c30'];

export function basemapStyle(d: BasemapData): StyleSpecification {
  const kecamatan: FC = {
    ...d.kecamatan,
    features: d.kecamatan.features.map((f, i) => ({
      ...f,
      properties: { ...f.properties, tint: KECAMATAN_TINTS[i % KECAMATAN_TINTS.length] },
    })),
  };
  const w = (pairs: Array<[number, number]>) =>
    ['interpolate', ['exponential', 1.6], ['zoom'], ...pairs.flat()] as unknown as number;
  return {
    version: 8,
    name: 'siaga-offline',
    sources: {
      kota: { type: 'geojson', data: d.kota },
      kecamatan: { type: 'geojson', data: kecamatan },
      kelurahan: { type: 'geojson', data: d.kelurahan },
      rivers: { type: 'geojson', data: d.rivers },
      roadsMajor: { type: 'geojson', data: d.roadsMajor },
      roadsMinor: { type: 'geojson', data: d.roadsMinor },
    },
    layers: [
      { id: 'bg', type: 'background', paint: { 'background-color': '#03070e' } },
      { id: 'kota-fill', type: 'fill', source: 'kota', paint: { 'fill-color': '#0a1322' } },
      { id: 'kecamatan-tint', type: 'fill', source: 'kecamatan', paint: { 'fill-color': ['get', 'tint'], 'fill-opacity': 0.9 } },
      {
        id: 'kelurahan-line',
        type: 'line',
        source: 'kelurahan',
        minzoom: 13,
        paint: { 'line-color': '#2b3a5c', 'line-width': 1, 'line-dasharray': [3, 2] },
      },
      { id: 'river-fill', type: 'fill', source: 'rivers', paint: { 'fill-color': '#0d3d5e' } },
      { id: 'river-edge', type: 'line', source: 'rivers', paint: { 'line-color': '#2f8fd0', 'line-width': 1.2, 'line-opacity': 0.8 } },
      {
        id: 'road-gang',
        type: 'line',
        source: 'roadsMinor',
        minzoom: 12,
        filter: ['in', ['get', 'class'], ['literal', ['gang', 'perumahan']]],
        paint: { 'line-color': '#22324a', 'line-width': w([[12, 0.4], [16, 2], [18, 5]]) },
      },
      {
        id: 'road-lingkungan',
        type: 'line',
        source: 'roadsMinor',
        filter: ['==', ['get', 'class'], 'lingkungan'],
        paint: { 'line-color': '#4a5b75', 'line-width': w([[10, 0.4], [14, 1.4], [17, 5]]) },
      },
      {
        id: 'road-kolektor',
        type: 'line',
        source: 'roadsMajor',
        filter: ['==', ['get', 'class'], 'kolektor'],
        paint: { 'line-color': '#b9c6da', 'line-width': w([[10, 0.8], [14, 2.4], [17, 8]]) },
      },
      {
        id: 'road-arteri-glow',
        type: 'line',
        source: 'roadsMajor',
        filter: ['==', ['get', 'class'], 'arteri'],
        paint: { 'line-color': '#ff9d2e', 'line-width': w([[10, 5], [14, 10], [17, 22]]), 'line-blur': 6, 'line-opacity': 0.35 },
      },
      {
        id: 'road-arteri',
        type: 'line',
        source: 'roadsMajor',
        filter: ['==', ['get', 'class'], 'arteri'],
        paint: { 'line-color': '#ffb347', 'line-width': w([[10, 1.6], [14, 3.5], [17, 10]]) },
      },
      { id: 'kota-glow', type: 'line', source: 'kota', paint: { 'line-color': '#3aa0ff', 'line-width': 9, 'line-blur': 8, 'line-opacity': 0.5 } },
      { id: 'kota-line', type: 'line', source: 'kota', paint: { 'line-color': '#7cc4ff', 'line-width': 2 } },
    ],
  };
}

export function boundsOf(fc: FC): [[number, number], [number, number]] {
  let minX = 180, minY = 90, maxX = -180, maxY = -90;
  const visit = (c: unknown): void => {
    if (Array.isArray(c) && typeof c[0] === 'number') {
      const [x, y] = c as number[];
      if (x < minX) minX = x;
      if (x > maxX) maxX = x;
      if (y < minY) minY = y;
      if (y > maxY) maxY = y;
    } else if (Array.isArray(c)) for (const e of c) visit(e);
  };
  for (const f of fc.features) if (f.geometry && 'coordinates' in f.geometry) visit(f.geometry.coordinates);
  return [[minX, minY], [maxX, maxY]];
}
