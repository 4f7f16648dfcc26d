// Which cameras can see a place: a camera's view is a sector (bearing ± fov/2, out to rangeM; PTZ = full circle).
// A camera "sees" an incident when its sector meets the incident's uncertainty circle. The same sector math
// draws the cones on the wall (viewCone), ranks cameras on the server (camerasFor) and lists the cameras a route passes
// (camerasAlong).
import KDBush from 'kdbush';
import type { CameraCoverage, CameraGeometry } from './types.ts';
import { bearingDeg, destination, distanceM, metersPerDegLon, metresToDegLat } from './spatial.ts';

/** Cameras that do not see the place are still listed, nearest first, when within this distance beyond their range. */
const NEARBY_EXTRA_M = 500;

export interface CoverageIndex {
  cameras: CameraGeometry[];
  maxRangeM: number;
  tree: KDBush;
}

function isFullCircle(c: CameraGeometry): boolean {
  return c.ptz || !(c.fovDeg < 360);
}

/** Smallest absolute difference between two bearings (0..180). */
function angleDiff(a: number, b: number): number {
  const d = Math.abs((((a - b) % 360) + 540) % 360 - 180);
  return d;
}

/** Does the camera's view sector meet the circle (centre at distance d, bearing brg from the camera, radius u)? */
export function sectorMeetsCircle(c: CameraGeometry, d: number, brg: number, u: number): boolean {
  const range = Math.max(0, c.rangeM);
  if (d > range + u) return false;
  if (d <= u) return true; // the camera itself is inside the circle
  if (isFullCircle(c)) return true;
  const half = Math.max(0, c.fovDeg) / 2;
  const off = angleDiff(brg, c.bearingDeg);
  if (off <= half) return true; // centre inside the wedge and within range + u
  // Otherwise the nearest part of the sector is its nearer edge ray (a segment of length `range`).
  const phi = ((off - half) * Math.PI) / 180;
  if (phi >= Math.PI / 2) return d <= u;
  const along = d * Math.cos(phi);
  const dist = along <= range ? d * Math.sin(phi) : Math.hypot(d * Math.cos(phi) - range, d * Math.sin(phi));
  return dist <= u;
}

export function createCoverageIndex(cameras: CameraGeometry[]): CoverageIndex {
  const valid = cameras.filter((c) => Number.isFinite(c.lat) && Number.isFinite(c.lon));
  const tree = new KDBush(Math.max(1, valid.length));
  for (const c of valid) tree.add(c.lon, c.lat);
  if (!valid.length) tree.add(0, 0);
  tree.finish();
  const maxRangeM = valid.reduce((m, c) => Math.max(m, Number.isFinite(c.rangeM) ? c.rangeM : 0), 0);
  return { cameras: valid, maxRangeM, tree };
}

const cache = new WeakMap<CameraGeometry[], CoverageIndex>();

/** Rank cameras for a place: those whose cone meets the uncertainty circle first (nearest first), then nearby others. */
export function camerasFor(
  point: { lat: number; lon: number },
  uncertaintyM: number,
  cameras: CameraGeometry[] | CoverageIndex,
  opts: { limit?: number } = {},
): CameraCoverage[] {
  const { lat, lon } = point ?? ({} as { lat: number; lon: number });
  if (!Number.isFinite(lat) || !Number.isFinite(lon)) return [];
  const u = Number.isFinite(uncertaintyM) && uncertaintyM > 0 ? uncertaintyM : 0;
  let index: CoverageIndex;
  if (Array.isArray(cameras)) {
    index = cache.get(cameras) ?? createCoverageIndex(cameras);
    cache.set(cameras, index);
  } else index = cameras;
  if (!index.cameras.length) return [];
  const searchM = index.maxRangeM + u + NEARBY_EXTRA_M;
  // KDBush works in degrees: search a lon-stretched radius, then filter by true metres.
  const rDeg = Math.max(metresToDegLat(searchM), searchM / metersPerDegLon(lat));
  const out: CameraCoverage[] = [];
  for (const i of index.tree.within(lon, lat, rDeg)) {
    const c = index.cameras[i];
    if (!c) continue;
    const d = distanceM(c.lon, c.lat, lon, lat);
    const reach = Math.max(0, c.rangeM) + u;
    if (d > reach + NEARBY_EXTRA_M) continue;
    const brg = bearingDeg(c.lon, c.lat, lon, lat);
    const inView = sectorMeetsCircle(c, d, brg, u);
    const score = inView ? 1 - 0.5 * Math.min(1, d / Math.max(1, reach)) : 0.5 * (1 - Math.min(1, d / (reach + NEARBY_EXTRA_M)));
    out.push({ cameraId: c.id, distanceM: Math.round(d * 10) / 10, bearingFromCameraDeg: Math.round(brg * 10) / 10, inView, score: Math.round(score * 1000) / 1000 });
  }
  out.sort((a, b) => b.score - a.score || a.distanceM - b.distanceM);
  return out.slice(0, opts.limit ?? 10);
}

/** The camera's view sector as a closed [lon, lat] ring (a circle for PTZ), for drawing on the map. */
export function viewCone(camera: CameraGeometry, steps = 24): [number, number][] {
  const n = Math.max(4, Math.floor(steps));
  const range = Math.max(0, camera.rangeM);
  if (isFullCircle(camera)) {
    const ring: [number, number][] = [];
    for (let i = 0; i <= n; i++) ring.push(destination(camera.lon, camera.lat, (360 * i) / n, range));
    ring[n] = ring[0];
    return ring;
  }
  const half = Math.max(0, camera.fovDeg) / 2;
  const ring: [number, number][] = [[camera.lon, camera.lat]];
  for (let i = 0; i <= n; i++) ring.push(destination(camera.lon, camera.lat, camera.bearingDeg - half + (2 * half * i) / n, range));
  ring.push([camera.lon, camera.lat]);
  return ring;
}

/** A camera whose view covers a drive: `alongM` metres from its start is where the drive first enters the view. */
export interface CameraOnRoute {
  cameraId: string;
  alongM: number;
}

/** The drive is checked every ROUTE_STEP_M; a view within half a step of a checked point counts. */
const ROUTE_STEP_M = 10;

/** Cameras whose view sector meets the path, in the order a vehicle driving it enters their views. */
export function camerasAlong(path: ReadonlyArray<readonly [number, number]>, cameras: CameraGeometry[] | CoverageIndex): CameraOnRoute[] {
  const index = Array.isArray(cameras) ? createCoverageIndex(cameras) : cameras;
  if (!index.cameras.length || !path.length) return [];
  const u = ROUTE_STEP_M / 2;
  const first = new Map<string, number>();
  const check = (lon: number, lat: number, alongM: number) => {
    const searchM = index.maxRangeM + u;
    const rDeg = Math.max(metresToDegLat(searchM), searchM / metersPerDegLon(lat));
    for (const i of index.tree.within(lon, lat, rDeg)) {
      const c = index.cameras[i];
      if (!c || first.has(c.id)) continue;
      if (sectorMeetsCircle(c, distanceM(c.lon, c.lat, lon, lat), bearingDeg(c.lon, c.lat, lon, lat), u)) first.set(c.id, alongM);
    }
  };
  let along = 0;
  check(path[0][0], path[0][1], 0);
  for (let i = 1; i < path.length; i++) {
    const [a, b] = [path[i - 1], path[i]];
    const len = distanceM(a[0], a[1], b[0], b[1]);
    const steps = Math.ceil(len / ROUTE_STEP_M);
    for (let k = 1; k <= steps; k++) check(a[0] + ((b[0] - a[0]) * k) / steps, a[1] + ((b[1] - a[1]) * k) / steps, along + (len * k) / steps);
    along += len;
  }
  return [...first].map(([cameraId, alongM]) => ({ cameraId, alongM })).sort((p, q) => p.alongM - q.alongM);
}
