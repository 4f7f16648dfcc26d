import { describe, expect, it } from 'vitest';
import { followTrail, SETTLE_MS, SettledTrails, TIME_BASE, type TripDatum } from '../../wall/map/trails.ts';

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

describe('SettledTrails', () => {
  const trip = (id: string, from: number, to: number, colour: [number, number, number] = [1, 2, 3]): TripDatum => {
    const points = Array.from({ length: to - from + 1 }, (_, k) => point(from + k));
    return { id, colour, ...(fresh(points) as Pick<TripDatum, 'path' | 'timestamps'>) };
  };
  /** The settled part and the head, joined at the settle point, are exactly the trip. */
  const drawn = (t: SettledTrails, id: string) => {
    const settled = t.settled.find((d) => d.id === id)!;
    const head = t.head.find((d) => d.id === id);
    if (!head) return { path: settled.path, timestamps: settled.timestamps };
    expect(head.timestamps[0]).toBe(settled.timestamps[settled.timestamps.length - 1]);
    return { path: [...settled.path, ...head.path.slice(1)], timestamps: [...settled.timestamps, ...head.timestamps.slice(1)] };
  };

  it('keeps the settled array between settles and draws only the new points as the head', () => {
    const t = new SettledTrails();
    const t0 = 1_000_000;
    t.update([trip('a', 0, 5), trip('b', 0, 3)], t0);
    const settled = t.settled;
    expect(t.head).toEqual([]);
    for (let k = 1; k <= 10; k++) {
      const trips = [trip('a', 0, 5 + k), trip('b', 0, 3 + k)];
      t.update(trips, t0 + k * 1000);
      expect(t.settled).toBe(settled); // deck keeps its tessellation
      expect(t.head.map((d) => d.timestamps.length)).toEqual([k + 1, k + 1]);
      for (const d of trips) expect(drawn(t, d.id)).toEqual({ path: d.path, timestamps: d.timestamps });
    }
  });

  it('settles again after SETTLE_MS, when a unit comes or goes, when a colour changes, or when the settle point is gone', () => {
    const t = new SettledTrails();
    const t0 = 1_000_000;
    t.update([trip('a', 0, 5)], t0);
    let settled = t.settled;
    const settledAgain = (trips: TripDatum[], now: number) => {
      t.update(trips, now);
      const again = t.settled !== settled;
      settled = t.settled;
      if (again) {
        expect(t.head).toEqual([]);
        for (const d of trips) expect(drawn(t, d.id)).toEqual({ path: d.path, timestamps: d.timestamps });
      }
      return again;
    };
    expect(settledAgain([trip('a', 0, 6)], t0 + SETTLE_MS - 1)).toBe(false);
    expect(settledAgain([trip('a', 0, 7)], t0 + SETTLE_MS)).toBe(true);
    expect(settledAgain([trip('a', 0, 8), trip('b', 0, 2)], t0 + SETTLE_MS + 1000)).toBe(true);
    expect(settledAgain([trip('a', 0, 9), trip('b', 0, 3, [9, 9, 9])], t0 + SETTLE_MS + 2000)).toBe(true);
    expect(settledAgain([trip('a', 10, 12), trip('b', 0, 4, [9, 9, 9])], t0 + SETTLE_MS + 3000)).toBe(true); // a's settle point aged out
    expect(settledAgain([trip('a', 10, 13), trip('b', 0, 5, [9, 9, 9])], t0 + SETTLE_MS + 4000)).toBe(false);
  });
});
