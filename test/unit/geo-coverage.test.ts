import { describe, expect, it } from 'vitest';
import { camerasFor, createCoverageIndex, viewCone } from '../../geo/coverage.ts';
import { destination, distanceM } from '../../geo/spatial.ts';
import type { CameraGeometry } from '../../geo/types.ts';

const base = { lat: 0.5, lon: 101.45 };
const cam = (over: Partial<CameraGeometry> = {}): CameraGeometry => ({ id: 'c1', ...base, bearingDeg: 0, fovDeg: 60, rangeM: 100, ptz: false, ...over });
const at = (bearing: number, m: number) => {
  const [lon, lat] = destination(base.lon, base.lat, bearing, m);
  return { lat, lon };
};

describe('camera coverage', () => {
  it('a north-facing camera sees a point 50 m north, not 50 m south', () => {
    const cams = [cam()];
    expect(camerasFor(at(0, 50), 0, cams)[0]).toMatchObject({ cameraId: 'c1', inView: true });
    expect(camerasFor(at(180, 50), 0, cams)[0]).toMatchObject({ cameraId: 'c1', inView: false });
    expect(camerasFor(at(0, 50), 0, cams)[0].bearingFromCameraDeg).toBeCloseTo(0, 0);
  });
  it('range edge: 95 m in view, 120 m not, 120 m with a 30 m circle in view', () => {
    const cams = [cam()];
    expect(camerasFor(at(0, 95), 0, cams)[0].inView).toBe(true);
    expect(camerasFor(at(0, 120), 0, cams)[0].inView).toBe(false);
    expect(camerasFor(at(0, 120), 30, cams)[0].inView).toBe(true);
  });
  it('PTZ counts as 360° within range', () => {
    const cams = [cam({ ptz: true })];
    expect(camerasFor(at(180, 50), 0, cams)[0].inView).toBe(true);
    expect(camerasFor(at(180, 150), 0, cams)[0].inView).toBe(false);
  });
  it('uncertainty circle overlapping the cone edge', () => {
    const cams = [cam()];
    // 50 m away at 45° (15° outside the 30° half-angle): ~12.9 m from the edge ray.
    expect(camerasFor(at(45, 50), 5, cams)[0].inView).toBe(false);
    expect(camerasFor(at(45, 50), 20, cams)[0].inView).toBe(true);
  });
  it('ranks cameras in view first, then by distance', () => {
    const cams = [cam({ id: 'far-in-view', ...at(180, 80), bearingDeg: 0 }), cam({ id: 'near-wrong-way', ...at(180, 20), bearingDeg: 180 }), cam({ id: 'near-in-view', ...at(180, 40), bearingDeg: 0 })];
    const ranked = camerasFor(base, 0, cams).map((c) => c.cameraId);
    expect(ranked).toEqual(['near-in-view', 'far-in-view', 'near-wrong-way']);
  });
  it('bad input: NaN point → [], cameras far away are not listed', () => {
    expect(camerasFor({ lat: NaN, lon: 1 }, 10, [cam()])).toEqual([]);
    expect(camerasFor({ lat: -6.2, lon: 106.8 }, 10, [cam()])).toEqual([]);
    expect(camerasFor(base, 10, [])).toEqual([]);
  });
  it('10,000 cameras through a prebuilt index agree with the array form', () => {
    const many: CameraGeometry[] = [];
    for (let i = 0; i < 10_000; i++) many.push(cam({ id: `c${i}`, ...at((i * 37) % 360, (i % 100) * 100), bearingDeg: (i * 53) % 360 }));
    const idx = createCoverageIndex(many);
    expect(camerasFor(base, 50, idx)).toEqual(camerasFor(base, 50, many));
  });
  it('viewCone ring uses the same geometry: closed, apex at the camera, arc at range', () => {
    const c = cam();
    const ring = viewCone(c, 12);
    expect(ring[0]).toEqual(ring[ring.length - 1]);
    expect(ring[0]).toEqual([c.lon, c.lat]);
    for (const [lon, lat] of ring.slice(1, -1)) expect(distanceM(c.lon, c.lat, lon, lat)).toBeCloseTo(100, 0);
    const ptz = viewCone(cam({ ptz: true }), 16);
    expect(ptz).toHaveLength(17);
    expect(ptz[0]).toEqual(ptz[16]);
  });
});
