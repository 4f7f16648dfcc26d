// geo/extent.ts: one point and a radius that covers CAP polygons and circles.
import { describe, expect, it } from 'vitest';
import { coveringCircle } from '../../geo/extent.ts';
import { distanceM } from '../../geo/spatial.ts';

// A 0.01° square around a point in Pekanbaru (Jl. Sudirman), closed ring.
const SQUARE: Array<[number, number]> = [[101.44, 0.5], [101.45, 0.5], [101.45, 0.51], [101.44, 0.51], [101.44, 0.5]];

describe('coveringCircle', () => {
  it('a circle is itself; no shape is nothing', () => {
    expect(coveringCircle([{ center: [101.45, 0.51], radiusM: 500 }])).toEqual({ center: [101.45, 0.51], radiusM: 500 });
    expect(coveringCircle([])).toBeNull();
  });

  it('a polygon: its centroid, out to its farthest corner', () => {
    const c = coveringCircle([{ ring: SQUARE }])!;
    expect(c.center[0]).toBeCloseTo(101.445, 6);
    expect(c.center[1]).toBeCloseTo(0.505, 6);
    expect(c.radiusM).toBeCloseTo(distanceM(101.445, 0.505, 101.44, 0.5), -1);
  });

  it('several shapes: every point of every shape lies inside', () => {
    const far = { center: [101.5, 0.55] as [number, number], radiusM: 300 };
    const c = coveringCircle([{ ring: SQUARE }, far])!;
    for (const [lon, lat] of SQUARE) expect(distanceM(c.center[0], c.center[1], lon, lat)).toBeLessThanOrEqual(c.radiusM + 1);
    expect(distanceM(c.center[0], c.center[1], ...far.center) + far.radiusM).toBeLessThanOrEqual(c.radiusM + 1);
  });
});
