// Unit trails for deck's TripsLayer, kept in step with the store's trails without re-mapping them every update.

/** Trail timestamps are seconds since this base, so float32 keeps sub-second precision for weeks. */
export const TIME_BASE = Date.now();

export interface TripDatum {
  id: string;
  path: [number, number][];
  timestamps: number[];
  colour: [number, number, number];
}

/** Bring a unit's trip up to its store trail in place: drop what aged out, append what is new. Each 1 Hz update adds
 * a point or two per unit; re-mapping every trail cost ~3 ms per update with 200 units. */
export function followTrail(trip: TripDatum, trail: ReadonlyArray<{ lon: number; lat: number; t: number }>): TripDatum {
  const secs = (t: number) => (t - TIME_BASE) / 1000;
  const first = secs(trail[0].t);
  let drop = 0;
  while (drop < trip.timestamps.length && trip.timestamps[drop] < first) drop++;
  if (drop === trip.timestamps.length || trip.timestamps[drop] !== first) drop = trip.timestamps.length; // not a suffix: rebuild
  trip.timestamps.splice(0, drop);
  trip.path.splice(0, drop);
  const last = trip.timestamps.length ? trip.timestamps[trip.timestamps.length - 1] : -Infinity;
  for (const p of trail) {
    if (secs(p.t) <= last) continue;
    trip.path.push([p.lon, p.lat]);
    trip.timestamps.push(secs(p.t));
  }
  return trip;
}
