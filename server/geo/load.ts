// Reads geo/data (written by scripts/build-geo-data.ts) into the GeoData object geo/ expects.
import fs from 'node:fs';
import path from 'node:path';
import { PROJECT_ROOT } from '../paths.ts';
import type { GeoData } from '../../geo/index.ts';
import { buildRoadGraph, roadLinesOf, type RoadGraph } from '../../geo/routing.ts';

const readJson = (dir: string, rel: string) => JSON.parse(fs.readFileSync(path.join(dir, rel), 'utf8'));

/** geo/data of this checkout, whatever the working directory. */
export const GEO_DATA_DIR = path.join(PROJECT_ROOT, 'geo/data');
const ROAD_FILES = ['basemap/roads-major.geojson', 'basemap/roads-minor.geojson'];

export function loadGeoData(dir = GEO_DATA_DIR): GeoData {
  const data: GeoData = {
    kelurahanShapes: readJson(dir, 'basemap/kelurahan.geojson'),
    roads: ROAD_FILES.map((f) => readJson(dir, f)),
    gazetteer: readJson(dir, 'gazetteer.json'),
  };
  // Optional precomputed street index (build:geo); geo/ recomputes it when absent or stale.
  if (fs.existsSync(path.join(dir, GEOCODE_INDEX_FILE))) data.geocodeIndex = readJson(dir, GEOCODE_INDEX_FILE);
  return data;
}

export const GEOCODE_INDEX_FILE = 'geocode-index.json';

/** The road graph of geo/data (geo/routing.ts); null when the road files are missing (run build:geo). */
export function loadRoadGraph(dir = GEO_DATA_DIR): RoadGraph | null {
  if (!ROAD_FILES.every((f) => fs.existsSync(path.join(dir, f)))) return null;
  return buildRoadGraph(roadLinesOf(ROAD_FILES.map((f) => readJson(dir, f))));
}
