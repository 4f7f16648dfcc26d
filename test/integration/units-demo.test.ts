// The demo fleet drives along the shipped road lines and reports over real HTTP like Traccar Client; a dispatched
// demo unit reaches its incident so arrival triggers by itself. The sim's clock runs 50× fast to keep this short.
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pointSegment, type LonLat } from '../../geo/spatial.ts';
import { buildRoadGraph, roadLinesOf } from '../../geo/routing.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { seededRng } from '../../server/demo/rng.ts';
import { createUnitsSim, demoFleet } from '../../server/demo/units-sim.ts';
import { ROOT, startStack, type Stack } from './units-harness.ts';

const GEO = path.join(ROOT, 'geo/data');
const lines = roadLinesOf(loadGeoData(GEO).roads);
const graph = buildRoadGraph(lines);
const gaz = JSON.parse(fs.readFileSync(path.join(GEO, 'gazetteer.json'), 'utf8'));
let s: Stack;

/** Distance (m) from p to the nearest source road segment. */
function offRoadM(p: LonLat): number {
  let best = Infinity;
  for (const l of lines)
    for (let i = 1; i < l.coords.length; i++) best = Math.min(best, pointSegment(p, l.coords[i - 1], l.coords[i]).distM);
  return best;
}

beforeAll(async () => {
  s = await startStack();
});
afterAll(() => s?.close());

describe('demo road graph', () => {
  it('joins lines whose ends do not meet exactly, and routes over real road geometry', () => {
    expect(graph.nodes.length).toBeGreaterThan(1000);
    const rng = seededRng(7);
    for (let k = 0; k < 5; k++) {
      const a = Math.floor(rng() * graph.nodes.length);
      const b = Math.floor(rng() * graph.nodes.length);
      const found = graph.route(a, b);
      expect(found).not.toBeNull();
      const route = found!.path;
      expect(route[0]).toEqual(graph.nodes[a]);
      expect(route.at(-1)).toEqual(graph.nodes[b]);
      // Every vertex of a route lies on the source lines (snapping merges vertices or adds one on a line, never moves them).
      for (const p of route) expect(offRoadM(p)).toBeLessThan(0.01);
    }
  });
});

describe('demo fleet', () => {
  it('~20 units of the real agencies report along the roads; a dispatched one arrives by itself', async () => {
    const fleet = demoFleet(gaz.places);
    expect(fleet.length).toBe(20);
    expect(new Set(fleet.map((f) => f.agency))).toEqual(new Set(['damkar', 'polisi', 'psc', 'bpbd', 'basarnas', 'pln', 'dinas_pu']));
    const deviceIds = new Map(fleet.map((f) => [f.id, s.units.service.register(f).deviceId]));
    const t0 = Date.now();
    const fast = () => t0 + (Date.now() - t0) * 50;
    const sim = createUnitsSim({
      baseUrl: s.base, graph, places: gaz.places, rng: seededRng(1), tickMs: 200, now: fast, deviceIdOf: (id) => deviceIds.get(id)!,
    });
    sim.start();
    try {
      await expect.poll(() => s.units.service.list().filter((u) => u.position).length, { timeout: 20_000 }).toBe(20);
      await new Promise((r) => setTimeout(r, 1500));
      // Between two snapped vertices a unit can be up to the snap tolerance (20 m) off the source line.
      for (const u of s.units.service.list()) expect(offRoadM([u.position!.lon, u.position!.lat])).toBeLessThan(20);

      // An incident at a real POI; the nearest free ambulance is dispatched and driven there.
      const poi = gaz.places.find((p: any) => p.category === 'rumah_sakit');
      const inc = s.incidents.create(
        { source: 'form', category: 'kesehatan', description: 'uji', location: { lat: poi.lat, lon: poi.lon, uncertaintyM: 20, method: 'gps' } },
        'test',
      ).incident;
      const unitId = sim.nearestFree('psc', poi.lon, poi.lat)!;
      expect(unitId).toMatch(/^psc-/);
      s.units.service.dispatch(inc.id, unitId, 'test');
      let arrivedCb = false;
      expect(sim.respond(unitId, poi.lon, poi.lat, () => (arrivedCb = true))).toBe(true);
      await expect.poll(() => s.units.service.get(unitId)!.dispatch?.arrivedAt ?? null, { timeout: 40_000, interval: 200 }).not.toBeNull();
      expect(s.units.service.get(unitId)!.dispatch!.movingAt).not.toBeNull();
      expect(s.incidents.get(inc.id)!.status).toBe('dalam_penanganan');
      await expect.poll(() => arrivedCb, { timeout: 10_000 }).toBe(true);
    } finally {
      await sim.stop();
    }
  });
});
