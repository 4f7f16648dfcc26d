// Where an area is, as one point and a radius that covers it: what an incident given as CAP polygons and circles is
// placed at (its uncertainty covers the whole area). Pure: turf's geodesic maths, [lon, lat] in, metres out.
import * as turf from '@turf/turf';

/** A closed polygon ring, or a circle. */
export type AreaShape = { ring: Array<[lon: number, lat: number]> } | { center: [lon: number, lat: number]; radiusM: number };

/**
 * A polygon → its centroid and farthest vertex; a circle → its centre and radius; several shapes → the centre of all
 * their points and the farthest extent of any shape from it. null for no shape.
 */
export function coveringCircle(shapes: AreaShape[]): { center: [number, number]; radiusM: number } | null {
  const circles = shapes.map((s) => {
    if ('radiusM' in s) return { center: s.center, radiusM: s.radiusM, points: [s.center] };
    const center = turf.centroid(turf.polygon([s.ring])).geometry.coordinates as [number, number];
    return { center, radiusM: Math.max(...s.ring.map((p) => turf.distance(center, p, { units: 'meters' }))), points: s.ring };
  });
  if (circles.length === 0) return null;
  const center =
    circles.length === 1
      ? circles[0].center
      : (turf.center(turf.featureCollection(circles.flatMap((c) => c.points).map((p) => turf.point(p)))).geometry.coordinates as [number, number]);
  return { center, radiusM: Math.max(...circles.map((c) => turf.distance(center, c.center, { units: 'meters' }) + c.radiusM)) };
}

/** A box [minLon, minLat, maxLon, maxLat]: the city's extent (every kelurahan polygon inside it). */
export type Box = [number, number, number, number];

/** Does a circle come within marginM of the box? (Its nearest point on the box, then one geodesic distance.) */
export function circleReachesBox(box: Box, center: [lon: number, lat: number], radiusM: number, marginM: number): boolean {
  const nearest: [number, number] = [Math.min(Math.max(center[0], box[0]), box[2]), Math.min(Math.max(center[1], box[1]), box[3])];
  return turf.distance(center, nearest, { units: 'meters' }) <= radiusM + marginM;
}
