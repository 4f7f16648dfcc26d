// Small planar geometry helpers for city-scale distances (Pekanbaru spans ~30 km at 0.5° N, so a local
// equirectangular projection is accurate to well under 0.1 %). Pure: no fs, no network.

export type LonLat = [number, number];

const M_PER_DEG_LAT = 110_574;
const M_PER_DEG_LON_EQ = 111_320;

export function metersPerDegLon(lat: number): number {
  return M_PER_DEG_LON_EQ * Math.cos((lat * Math.PI) / 180);
}

/** Distance in metres between two lon/lat points. */
export function distanceM(aLon: number, aLat: number, bLon: number, bLat: number): number {
  const kx = metersPerDegLon((aLat + bLat) / 2);
  const dx = (bLon - aLon) * kx;
  const dy = (bLat - aLat) * M_PER_DEG_LAT;
  return Math.hypot(dx, dy);
}

/** Initial bearing (degrees clockwise from north, 0..360) from a to b. */
export function bearingDeg(aLon: number, aLat: number, bLon: number, bLat: number): number {
  const dx = (bLon - aLon) * metersPerDegLon((aLat + bLat) / 2);
  const dy = (bLat - aLat) * M_PER_DEG_LAT;
  const deg = (Math.atan2(dx, dy) * 180) / Math.PI;
  return (deg + 360) % 360;
}

/** Point at `distM` metres along `bearing` from (lon, lat). */
export function destination(lon: number, lat: number, bearing: number, distM: number): LonLat {
  const rad = (bearing * Math.PI) / 180;
  return [lon + (Math.sin(rad) * distM) / metersPerDegLon(lat), lat + (Math.cos(rad) * distM) / M_PER_DEG_LAT];
}

export function metresToDegLat(m: number): number {
  return m / M_PER_DEG_LAT;
}

/** Distance (m) from p to segment a–b, and the closest point on it. */
export function pointSegment(p: LonLat, a: LonLat, b: LonLat): { distM: number; point: LonLat } {
  const kx = metersPerDegLon(p[1]);
  const ax = (a[0] - p[0]) * kx, ay = (a[1] - p[1]) * M_PER_DEG_LAT;
  const bx = (b[0] - p[0]) * kx, by = (b[1] - p[1]) * M_PER_DEG_LAT;
  const dx = bx - ax, dy = by - ay;
  const len2 = dx * dx + dy * dy;
  const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, -(ax * dx + ay * dy) / len2));
  const cx = ax + t * dx, cy = ay + t * dy;
  return { distM: Math.hypot(cx, cy), point: [p[0] + cx / kx, p[1] + cy / M_PER_DEG_LAT] };
}

/** Closest approach between segments a1–a2 and b1–b2: distance (m) and the midpoint of the closest pair. */
export function segmentSegment(a1: LonLat, a2: LonLat, b1: LonLat, b2: LonLat): { distM: number; point: LonLat } {
  const hit = properIntersection(a1, a2, b1, b2);
  if (hit) return { distM: 0, point: hit };
  let best = { distM: Infinity, point: a1 as LonLat };
  const tries: Array<[LonLat, LonLat, LonLat]> = [[a1, b1, b2], [a2, b1, b2], [b1, a1, a2], [b2, a1, a2]];
  for (const [p, s, e] of tries) {
    const r = pointSegment(p, s, e);
    if (r.distM < best.distM) best = { distM: r.distM, point: [(p[0] + r.point[0]) / 2, (p[1] + r.point[1]) / 2] };
  }
  return best;
}

function properIntersection(a1: LonLat, a2: LonLat, b1: LonLat, b2: LonLat): LonLat | null {
  const d = (a2[0] - a1[0]) * (b2[1] - b1[1]) - (a2[1] - a1[1]) * (b2[0] - b1[0]);
  if (d === 0) return null;
  const t = ((b1[0] - a1[0]) * (b2[1] - b1[1]) - (b1[1] - a1[1]) * (b2[0] - b1[0])) / d;
  const u = ((b1[0] - a1[0]) * (a2[1] - a1[1]) - (b1[1] - a1[1]) * (a2[0] - a1[0])) / d;
  if (t < 0 || t > 1 || u < 0 || u > 1) return null;
  return [a1[0] + t * (a2[0] - a1[0]), a1[1] + t * (a2[1] - a1[1])];
}

/** Even-odd ray casting over all rings (outer + holes). */
export function pointInRings(lon: number, lat: number, rings: LonLat[][]): boolean {
  let inside = false;
  for (const ring of rings) {
    for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
      const [xi, yi] = ring[i];
      const [xj, yj] = ring[j];
      if (yi > lat !== yj > lat && lon < ((xj - xi) * (lat - yi)) / (yj - yi) + xi) inside = !inside;
    }
  }
  return inside;
}

/** Distance (m) from a point to the nearest edge of the rings. */
export function distanceToRings(lon: number, lat: number, rings: LonLat[][]): number {
  let best = Infinity;
  for (const ring of rings) {
    for (let i = 1; i < ring.length; i++) best = Math.min(best, pointSegment([lon, lat], ring[i - 1], ring[i]).distM);
  }
  return best;
}

export function bboxOf(points: Iterable<LonLat>): [number, number, number, number] {
  let minX = Infinity, minY = Infinity, maxX = -Infinity, maxY = -Infinity;
  for (const [x, y] of points) {
    if (x < minX) minX = x;
    if (y < minY) minY = y;
    if (x > maxX) maxX = x;
    if (y > maxY) maxY = y;
  }
  return [minX, minY, maxX, maxY];
}

/** The point of `among` (default: `points`) closest to the mean of `points` (a representative that lies on the
 *  data), and the radius (m) from it that covers every point. */
export function medoidCover(points: LonLat[], among: LonLat[] = points): { point: LonLat; radiusM: number } {
  let mx = 0, my = 0;
  for (const [x, y] of points) (mx += x), (my += y);
  mx /= points.length;
  my /= points.length;
  // One local scale for the whole set (a city-sized set spans < 0.3° of latitude): no cosine per point.
  const kx = metersPerDegLon(my);
  let best = among[0] ?? points[0], bestD = Infinity;
  for (const p of among) {
    const dx = (p[0] - mx) * kx, dy = (p[1] - my) * M_PER_DEG_LAT;
    const d = dx * dx + dy * dy;
    if (d < bestD) (bestD = d), (best = p);
  }
  let r2 = 0;
  for (const p of points) {
    const dx = (p[0] - best[0]) * kx, dy = (p[1] - best[1]) * M_PER_DEG_LAT;
    r2 = Math.max(r2, dx * dx + dy * dy);
  }
  return { point: best, radiusM: Math.sqrt(r2) };
}
