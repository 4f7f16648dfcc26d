// geo/routing.ts on the shipped road register: a graph most of the register can be driven on, travel time by road
// class, off-road legs, and one search for many units that agrees with the A* of each.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { buildRoadGraph, OFF_ROAD_KMH, ROAD_CLASS_KMH, roadLinesOf, timeAlong } from '../../geo/routing.ts';
import { distanceM, pointSegment, type LonLat } from '../../geo/spatial.ts';
import { seededRng } from '../../server/demo/rng.ts';
import { loadGeoData } from '../../server/geo/load.ts';

const data = loadGeoData(path.resolve(import.meta.dirname, '../../geo/data'));
const lines = roadLinesOf(data.roads);
const graph = buildRoadGraph(lines);
const rng = seededRng(17);
const vertex = (): LonLat => {
  const l = lines[Math.floor(rng() * lines.length)];
  return l.coords[Math.floor(rng() * l.coords.length)];
};
const onSource = (p: LonLat) => Math.min(...lines.flatMap((l) => l.coords.slice(1).map((b, i) => pointSegment(p, l.coords[i], b).distM)));

describe('road graph', () => {
  it('joins ends drawn short of the road they meet: nine lines in ten of the register can be driven', () => {
    const driveable = lines.filter((l) => l.coords.every(([lon, lat]) => graph.snap(lon, lat).distM <= 20));
    expect(driveable.length / lines.length).toBeGreaterThan(0.9);
  });

  it('times a drive by the speed of each road class, and the off-road legs at OFF_ROAD_KMH', () => {
    const sudirman = lines.filter((l) => l.name === 'Sudirman').sort((a, b) => b.coords.length - a.coords.length)[0].coords;
    const trip = graph.trip(sudirman[0], sudirman.at(-1)!)!;
    expect(trip.offRoadM).toBeLessThan(1);
    expect(trip.timeS).toBeCloseTo(trip.lengthM / (ROAD_CLASS_KMH.arteri / 3.6), 0); // an arterial all the way

    const place = data.gazetteer.places.find((p) => p.name === 'Kantor Lurah Pesisir')!;
    const from: LonLat = [place.lon, place.lat];
    const t = graph.trip(from, sudirman[0])!;
    expect(t.path[0]).toEqual(from);
    expect(onSource(t.path[1])).toBeLessThan(0.01); // joins at the nearest road point
    expect(t.alongM[1]).toBeCloseTo(distanceM(...from, ...t.path[1]), 6);
    expect(t.atS[1]).toBeCloseTo(t.alongM[1] / (OFF_ROAD_KMH / 3.6), 6);
    expect(t.timeS).toBeGreaterThanOrEqual(t.lengthM / (Math.max(...Object.values(ROAD_CLASS_KMH)) / 3.6));
  });

  it('one search from the scene gives every unit the time its own A* drive takes, both ways', () => {
    const scene = vertex();
    const units = Array.from({ length: 30 }, vertex);
    const costs = graph.tripCosts(units, scene);
    units.forEach((u, i) => {
      const there = graph.trip(u, scene)!;
      const back = graph.trip(scene, u)!;
      expect(costs[i]!.timeS).toBeCloseTo(there.timeS, 6);
      expect(costs[i]!.lengthM).toBeCloseTo(there.lengthM, 3);
      expect(back.timeS).toBeCloseTo(there.timeS, 6);
    });
  });

  it('says where along a drive the unit is when', () => {
    const trip = graph.trip(vertex(), vertex())!;
    for (let k = 1; k < trip.path.length; k++) {
      expect(trip.alongM[k]).toBeGreaterThanOrEqual(trip.alongM[k - 1]);
      expect(trip.atS[k]).toBeGreaterThanOrEqual(trip.atS[k - 1]);
    }
    expect(timeAlong(trip, 0)).toBe(0);
    expect(timeAlong(trip, trip.lengthM)).toBeCloseTo(trip.timeS, 6);
    expect(timeAlong(trip, trip.alongM[2])).toBeCloseTo(trip.atS[2], 6);
  });
});
