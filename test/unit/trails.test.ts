import { describe, expect, it } from 'vitest';
import { followTrail, TIME_BASE, type TripDatum } from '../../wall/map/trails.ts';

const point = (k: number) => ({ lon: 101.4 + k * 1e-4, lat: 0.5 + k * 1e-4, t: TIME_BASE + k * 1000 });
const fresh = (trail: ReturnType<typeof point>[]) => ({
  path: trail.map((p) => [p.lon, p.lat]),
  timestamps: trail.map((p) => (p.t - TIME_BASE) / 1000),
});

describe('followTrail', () => {
  it('matches a fresh mapping of the trail while points are appended and aged out', () => {
    const trip: TripDatum = { id: 'u1', path: [], timestamps: [], colour: [0, 0, 0] };
    let trail: ReturnType<typeof point>[] = [];
    for (let k = 0; k < 40; k++) {
      trail.push(point(k));
      if (trail.length > 10) trail = trail.slice(trail.length - 10); // the store keeps at most N points
      if (trail.length < 2) continue;
      const same = followTrail(trip, trail);
      expect(same).toBe(trip);
      expect({ path: trip.path, timestamps: trip.timestamps }).toEqual(fresh(trail));
    }
    expect(trip.timestamps).toHaveLength(10);
  });

  it('rebuilds when the store trail is not a continuation of the trip (a unit that jumped back in time)', () => {
    const trip: TripDatum = { id: 'u2', path: [], timestamps: [], colour: [0, 0, 0] };
    followTrail(trip, [point(10), point(11), point(12)]);
    const other = [point(3), point(4)];
    followTrail(trip, other);
    expect({ path: trip.path, timestamps: trip.timestamps }).toEqual(fresh(other));
  });
});
