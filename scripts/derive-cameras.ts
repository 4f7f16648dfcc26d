// Derives camera-config/cameras.json from the shared real data. No coordinate is typed in here:
//  * 9 cameras are the publicly reported CCTV locations that have coordinates (cctv/…lokasi_publik.json);
//  * 26 are placed at real crossings of two differently named arteri/kolektor road lines (roads/…jalan_2016),
//    computed with turf, spread over the 15 kecamatan (point-in-polygon on admin/…kelurahan.geojson).
// Deterministic: same input → byte-identical output. Ends with a self-check that fails loudly.
//
//   npx tsx scripts/derive-cameras.ts [sharedDataDir=../shared/data] [outFile=camera-config/cameras.json]
import fs from 'node:fs';
import path from 'node:path';
import * as turf from '@turf/turf';
import type { Feature, LineString, MultiLineString, MultiPolygon, Polygon, Position } from 'geojson';
import { CAMERA_FILE_DOC } from '../camera-config/doc.ts';
import type { CameraGeometry } from '../geo/types.ts';

const DERIVED_COUNT = 26;
const MIN_SPACING_M = 400; // keep cameras apart so the wall covers more of the city
const NEAR_TOUCH_M = 15; // road lines in the 2016 registry often stop a few metres short of the crossing road
const DEDUPE_M = 60; // several line pieces of the same two roads meet around one junction
const FIXED = { fovDeg: 70, rangeM: 150 }; // typical fixed ATCS bullet camera over a junction
const PTZ = { fovDeg: 60, rangeM: 200 }; // PTZ: narrower lens, zooms further; coverage treats it as 360°

// Names of reported locations whose source title is partly English; same place, Indonesian title.
const NAME_OVERRIDES: Record<string, string> = {
  'cctv-23': 'Kantor Walikota Pekanbaru (lama), Jl. Jend. Sudirman',
};
// Reported big junctions / landmarks that a city would equip with a PTZ dome.
const REPORTED_PTZ = new Set(['cctv-03', 'cctv-06', 'cctv-08']);

const sharedDir = path.resolve(process.argv[2] ?? '../shared/data');
const outFile = path.resolve(process.argv[3] ?? 'camera-config/cameras.json');

interface RoadProps {
  id: string;
  name: string | null;
  display_name: string | null;
  class: string;
}
interface KelurahanProps {
  kode: string;
  nama: string;
  kecamatan_kode: string;
  kecamatan: string;
}
interface CctvLocation {
  id: string;
  name: string;
  kind: string;
  roads: string[];
  lat: number | null;
  lon: number | null;
  coord_method: string;
  coord_quality: string | null;
  kelurahan: string | null;
  kelurahan_kode: string | null;
  kecamatan: string | null;
}
/** One LineString piece of a road (MultiLineStrings are split so every turf call sees a LineString). */
interface RoadPart {
  road: RoadProps;
  line: Feature<LineString>;
  bbox: [number, number, number, number];
}
interface Crossing {
  a: RoadPart; // the road the point lies on
  b: RoadPart;
  point: Position;
  gapM: number; // 0 for a real intersection; else how far road b stops short of road a
  rank: number; // 2 arteri×arteri … 0 kolektor×kolektor
}

const readJson = (rel: string): any => JSON.parse(fs.readFileSync(path.join(sharedDir, rel), 'utf8'));
const round6 = (x: number): number => Math.round(x * 1e6) / 1e6;
const metres = (p: Position, q: Position): number => turf.distance(p, q, { units: 'meters' });

// ---------- inputs
const roads = readJson('roads/pekanbaru_jalan_2016.geojson').features as Feature<LineString | MultiLineString, RoadProps>[];
const kelurahan = readJson('admin/pekanbaru_kelurahan.geojson').features as Feature<Polygon | MultiPolygon, KelurahanProps>[];
const cctv = readJson('cctv/pekanbaru_cctv_lokasi_publik.json').locations as CctvLocation[];

function partsOf(f: Feature<LineString | MultiLineString, RoadProps>): RoadPart[] {
  const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.coordinates;
  return lines
    .filter((coords) => coords.length >= 2)
    .map((coords) => {
      const line = turf.lineString(coords);
      return { road: f.properties, line, bbox: turf.bbox(line) as RoadPart['bbox'] };
    });
}
const allParts = roads.flatMap(partsOf);
const majorParts = allParts.filter((p) => (p.road.class === 'arteri' || p.road.class === 'kolektor') && p.road.name);

function areaAt(p: Position): KelurahanProps | null {
  const pt = turf.point(p);
  return kelurahan.find((k) => turf.booleanPointInPolygon(pt, k))?.properties ?? null;
}

/** Direction of the road segment nearest to p, 0..360 clockwise from north, as digitised. */
function bearingAlong(part: RoadPart, p: Position): number {
  const near = turf.nearestPointOnLine(part.line, p, { units: 'meters' });
  const i = Math.min(near.properties.segmentIndex, part.line.geometry.coordinates.length - 2);
  const c = part.line.geometry.coordinates;
  const b = turf.bearing(c[i], c[i + 1]);
  return Math.round(((b % 360) + 360) % 360);
}

const distanceToPart = (part: RoadPart, p: Position): number =>
  turf.pointToLineDistance(turf.point(p), part.line, { units: 'meters' });

// ---------- 1. candidate crossings of two differently named major roads
const PAD = 0.0002; // ≈ 22 m, bbox padding so near-touches survive the prefilter
const overlaps = (a: RoadPart, b: RoadPart): boolean =>
  a.bbox[0] - PAD <= b.bbox[2] && b.bbox[0] - PAD <= a.bbox[2] && a.bbox[1] - PAD <= b.bbox[3] && b.bbox[1] - PAD <= a.bbox[3];
const classRank = (a: RoadPart, b: RoadPart): number =>
  Number(a.road.class === 'arteri') + Number(b.road.class === 'arteri');

const raw: Crossing[] = [];
for (let i = 0; i < majorParts.length; i++) {
  for (let j = i + 1; j < majorParts.length; j++) {
    const [a, b] = [majorParts[i], majorParts[j]];
    if (a.road.name === b.road.name || !overlaps(a, b)) continue;
    const hits = turf.lineIntersect(a.line, b.line).features;
    for (const h of hits) raw.push({ a, b, point: h.geometry.coordinates, gapM: 0, rank: classRank(a, b) });
    if (hits.length) continue;
    // Near-touch: an end of one line within NEAR_TOUCH_M of the other. The point goes ON the line that continues.
    for (const [end, on] of [[a, b], [b, a]] as const) {
      const c = end.line.geometry.coordinates;
      for (const tip of [c[0], c[c.length - 1]]) {
        const near = turf.nearestPointOnLine(on.line, tip, { units: 'meters' });
        const gap = near.properties.pointDistance;
        if (gap <= NEAR_TOUCH_M) raw.push({ a: on, b: end, point: near.geometry.coordinates, gapM: gap, rank: classRank(a, b) });
      }
    }
  }
}

const pairKey = (c: Crossing): string => [c.a.road.name, c.b.road.name].sort().join('|');
const better = (x: Crossing, y: Crossing): number =>
  y.rank - x.rank || x.gapM - y.gapM || x.a.road.id.localeCompare(y.a.road.id) || x.point[0] - y.point[0];
raw.sort(better);
const crossings: Crossing[] = [];
for (const c of raw) {
  const dup = crossings.some((k) => pairKey(k) === pairKey(c) && metres(k.point, c.point) < DEDUPE_M);
  if (!dup) crossings.push({ ...c, point: [round6(c.point[0]), round6(c.point[1])] });
}

// ---------- 2. reported cameras (the 9 with coordinates)
interface Out extends CameraGeometry {
  name: string;
  kelurahan: string;
  kelurahanKode: string;
  kecamatan: string;
  source: { url: string; transport: 'tcp' | 'udp' };
  placement: 'reported' | 'derived';
  roadIds: string[];
  provenance: string;
}

const reported = cctv.filter((l) => l.lat !== null && l.lon !== null);
const reportedPoints: { loc: CctvLocation; p: Position; road: RoadPart }[] = reported.map((loc) => {
  const p: Position = [loc.lon!, loc.lat!];
  const named = allParts.filter((x) => x.road.name === loc.roads[0]);
  if (!named.length) throw new Error(`${loc.id}: no road line named ${loc.roads[0]}`);
  const road = named.reduce((best, x) => (distanceToPart(x, p) < distanceToPart(best, p) ? x : best));
  return { loc, p, road };
});

// ---------- 3. choose 26 crossings: balance kecamatan, prefer bigger roads and exact crossings, stay spread out
interface Candidate {
  c: Crossing;
  area: KelurahanProps;
}
const candidates: Candidate[] = crossings.flatMap((c) => {
  const area = areaAt(c.point);
  return area ? [{ c, area }] : []; // outside the city: skip
});
const chosenPoints: Position[] = reportedPoints.map((r) => r.p);
const perKecamatan = new Map<string, number>();
for (const k of kelurahan) perKecamatan.set(k.properties.kecamatan, 0);
for (const r of reported) perKecamatan.set(r.kecamatan!, (perKecamatan.get(r.kecamatan!) ?? 0) + 1);

const minDistToChosen = (p: Position): number => Math.min(...chosenPoints.map((q) => metres(p, q)));
const picked: Candidate[] = [];
while (picked.length < DERIVED_COUNT) {
  const eligible = candidates.filter((x) => !picked.includes(x) && minDistToChosen(x.c.point) >= MIN_SPACING_M);
  if (!eligible.length) throw new Error(`only ${picked.length} crossings ≥ ${MIN_SPACING_M} m apart; need ${DERIVED_COUNT}`);
  // The kecamatan with the fewest cameras so far (ties: kecamatan code) gets the next camera.
  const kecs = [...new Set(eligible.map((x) => x.area.kecamatan))];
  const kecCode = (name: string) => eligible.find((x) => x.area.kecamatan === name)!.area.kecamatan_kode;
  kecs.sort((p, q) => perKecamatan.get(p)! - perKecamatan.get(q)! || kecCode(p).localeCompare(kecCode(q)));
  const inKec = eligible.filter((x) => x.area.kecamatan === kecs[0]);
  // Within it: bigger roads first, real intersections before near-touches, then the one farthest from the others.
  inKec.sort((x, y) => y.c.rank - x.c.rank || Number(x.c.gapM > 0) - Number(y.c.gapM > 0) ||
    minDistToChosen(y.c.point) - minDistToChosen(x.c.point));
  const pick = inKec[0];
  picked.push(pick);
  chosenPoints.push(pick.c.point);
  perKecamatan.set(pick.area.kecamatan, perKecamatan.get(pick.area.kecamatan)! + 1);
}
// Stable, readable order in the file: by kecamatan code, then north → south.
picked.sort((x, y) => x.area.kecamatan_kode.localeCompare(y.area.kecamatan_kode) || y.c.point[1] - x.c.point[1] || x.c.point[0] - y.c.point[0]);

// ---------- 4. write
const camId = (n: number): string => `cam-${String(n).padStart(2, '0')}`;
const sourceFor = (id: string): Out['source'] => ({
  url: `rtsp://\${SIAGA_CCTV_USER}:\${SIAGA_CCTV_PASSWORD}@\${SIAGA_CCTV_HOST}/${id}`,
  transport: 'udp', // the demo RTSP server is UDP-only; a real site edits this
});

const cameras: Out[] = [];
for (const { loc, p, road } of reportedPoints) {
  const id = camId(cameras.length + 1);
  const ptz = REPORTED_PTZ.has(loc.id);
  cameras.push({
    id,
    name: NAME_OVERRIDES[loc.id] ?? loc.name,
    lat: p[1],
    lon: p[0],
    bearingDeg: bearingAlong(road, p),
    ...(ptz ? PTZ : FIXED),
    ptz,
    kelurahan: loc.kelurahan!,
    kelurahanKode: loc.kelurahan_kode!,
    kecamatan: loc.kecamatan!,
    source: sourceFor(id),
    placement: 'reported',
    roadIds: [road.road.id],
    provenance: `cctv/pekanbaru_cctv_lokasi_publik.json ${loc.id} (${loc.coord_quality}): ${loc.coord_method}; ` +
      `bearing along ${road.road.id} ${road.road.display_name}`,
  });
}
for (const { c, area } of picked) {
  const id = camId(cameras.length + 1);
  const ptz = c.rank === 2 && c.gapM === 0; // arteri × arteri: the big junctions get a PTZ dome
  const how = c.gapM === 0
    ? 'turf.lineIntersect of the two road lines'
    : `near-touch: ${c.b.road.id} ends ${c.gapM.toFixed(1)} m short of ${c.a.road.id}; point is the nearest point on ${c.a.road.id}`;
  cameras.push({
    id,
    name: `Simpang ${c.a.road.display_name} – ${c.b.road.display_name}`,
    lat: c.point[1],
    lon: c.point[0],
    bearingDeg: bearingAlong(c.a, c.point),
    ...(ptz ? PTZ : FIXED),
    ptz,
    kelurahan: area.nama,
    kelurahanKode: area.kode,
    kecamatan: area.kecamatan,
    source: sourceFor(id),
    placement: 'derived',
    roadIds: [c.a.road.id, c.b.road.id],
    provenance: `roads/pekanbaru_jalan_2016.geojson ${c.a.road.id} (${c.a.road.display_name}, ${c.a.road.class}) × ` +
      `${c.b.road.id} (${c.b.road.display_name}, ${c.b.road.class}): ${how}; kelurahan by point-in-polygon on ` +
      `admin/pekanbaru_kelurahan.geojson; bearing along ${c.a.road.id}`,
  });
}

// ---------- 5. self-check (fails loudly; the unit test re-checks structure but has no road data)
const fail = (msg: string): never => {
  throw new Error(`derive-cameras self-check: ${msg}`);
};
if (cameras.length !== reported.length + DERIVED_COUNT) fail(`expected ${reported.length + DERIVED_COUNT} cameras, got ${cameras.length}`);
const byId = new Map(roads.map((r) => [r.properties.id, r]));
for (const cam of cameras) {
  const p: Position = [cam.lon, cam.lat];
  if (cam.placement === 'derived') {
    const [ra, rb] = cam.roadIds.map((id) => byId.get(id) ?? fail(`${cam.id}: unknown road ${id}`));
    if (ra.properties.name === rb.properties.name) fail(`${cam.id}: both roads are named ${ra.properties.name}`);
    for (const r of [ra, rb]) {
      if (r.properties.class !== 'arteri' && r.properties.class !== 'kolektor') fail(`${cam.id}: ${r.properties.id} is ${r.properties.class}`);
      const d = Math.min(...partsOf(r).map((part) => distanceToPart(part, p)));
      if (d > NEAR_TOUCH_M + 0.5) fail(`${cam.id}: ${d.toFixed(1)} m from road ${r.properties.id}`);
    }
  }
  const area = areaAt(p);
  if (!area || area.kode !== cam.kelurahanKode) fail(`${cam.id}: kelurahan ${cam.kelurahanKode} but point-in-polygon says ${area?.kode}`);
  for (const other of cameras) {
    // Derived cameras keep their distance from every other camera (reported ones may be close to each other).
    if (other.placement === 'derived' && other !== cam && metres(p, [other.lon, other.lat]) < MIN_SPACING_M) {
      fail(`${cam.id} and ${other.id} are closer than ${MIN_SPACING_M} m`);
    }
  }
}
const kecCovered = new Set(cameras.map((c) => c.kecamatan));
const kecAll = new Set(kelurahan.map((k) => k.properties.kecamatan));
if (kecCovered.size !== kecAll.size) fail(`kecamatan without a camera: ${[...kecAll].filter((k) => !kecCovered.has(k)).join(', ')}`);

const file = { $comment: CAMERA_FILE_DOC.comment, _doc: CAMERA_FILE_DOC.fields, cameras };
fs.mkdirSync(path.dirname(outFile), { recursive: true });
fs.writeFileSync(outFile, JSON.stringify(file, null, 2) + '\n');

const near = cameras.filter((c) => c.provenance.includes('near-touch')).length;
console.log(`wrote ${outFile}: ${cameras.length} cameras (${reported.length} reported, ${picked.length} derived; ` +
  `${near} near-touch, ${cameras.filter((c) => c.ptz).length} ptz) from ${crossings.length} candidate crossings; ` +
  `kecamatan: ${[...perKecamatan].map(([k, n]) => `${k} ${n}`).join(', ')}`);
