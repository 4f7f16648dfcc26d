// npm run bench:dispatch — the dispatch desk at city scale: GET /api/incidents/:id/recommendations with 200 free units
// of the routed agencies on the map, and GET /api/dispatches/:id/route with the 35 cameras of cameras.json, over real
// HTTP with real auth and SQLite (the units test stack). Units stand at road vertices spread over the whole register,
// incidents at gazetteer places, dispatches pair units and incidents across the city. Sequential requests, so each
// figure is one request's latency; the desk's own compute (no HTTP) is timed beside it.
import os from 'node:os';
import path from 'node:path';
import { loadCameras } from '../../camera-config/load.ts';
import { buildRoadGraph, roadLinesOf } from '../../geo/routing.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { createDesk } from '../../server/units/desk.ts';
import { ROOT, startStack } from '../integration/units-harness.ts';
import { writeSection } from './results.ts';

const UNITS = 200;
const INCIDENTS = 40;
const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const AGENCIES = ['damkar', 'psc', 'pln']; // where a fire goes (server/site/routing.json)

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const f = (x: number, d = 1) => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

const data = loadGeoData();
let t0 = cpuMs();
const roads = buildRoadGraph(roadLinesOf(data.roads));
const buildMs = cpuMs() - t0;
const cameras = loadCameras(path.join(ROOT, 'camera-config/cameras.json'), { SIAGA_CCTV_HOST: '127.0.0.1', SIAGA_CCTV_USER: 'x', SIAGA_CCTV_PASSWORD: 'x' });
const spread = <T>(xs: T[], n: number) => Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
const vertices = spread(
  data.roads.flatMap((c) => c.features.flatMap((ft) => (ft.geometry.type === 'LineString' ? ft.geometry.coordinates : ft.geometry.coordinates.flat()))),
  UNITS,
);
const places = spread(data.gazetteer.places, INCIDENTS);

const s = await startStack({ desk: { roads, cameras: () => cameras } });
const load0 = os.loadavg()[0];
try {
  const unitIds = vertices.map(([lon, lat], i) => {
    const id = `bench-${String(i).padStart(3, '0')}`;
    s.units.service.register({ id, callsign: id.toUpperCase(), agency: AGENCIES[i % AGENCIES.length], kind: 'bench', deviceId: `dev-${id}` });
    s.units.service.ingest({ deviceId: `dev-${id}`, at: new Date().toISOString(), lat, lon, speedKmh: 0, bearingDeg: null, altitudeM: null, accuracyM: 5, battery: 90 });
    return id;
  });
  const incidents = places.map((p) =>
    s.incidents.create({ source: 'form', category: 'kebakaran', description: 'bench', location: { lat: p.lat, lon: p.lon, uncertaintyM: 20, method: 'gps' } }, 'bench').incident.id,
  );
  const desk = createDesk({ units: s.units.service, incidents: s.incidents, roads, cameras: () => cameras });

  async function timed(urls: string[], role: 'operator' | 'viewer', check: (body: any) => void) {
    for (const u of urls.slice(0, 20)) check((await s.call('GET', u, role)).body); // warm-up
    const ms: number[] = [];
    const cpu0 = cpuMs();
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      const r = await s.call('GET', urls[i % urls.length], role);
      ms.push(performance.now() - t);
      if (r.status !== 200) throw new Error(`${urls[i % urls.length]}: ${r.status} ${JSON.stringify(r.body)}`);
      check(r.body);
    }
    return { ms, cpuEach: (cpuMs() - cpu0) / REQUESTS };
  }
  function compute(fn: (i: number) => unknown) {
    for (let i = 0; i < 20; i++) fn(i);
    const ms: number[] = [];
    for (let i = 0; i < REQUESTS; i++) {
      const t = performance.now();
      fn(i);
      ms.push(performance.now() - t);
    }
    return ms;
  }

  // 1. Recommendations: every one of the 200 units is free, fresh and of a routed agency.
  let ranked = 0;
  const rec = await timed(incidents.map((id) => `/api/incidents/${id}/recommendations`), 'operator', (b) => (ranked = b.items.length));
  if (ranked !== UNITS) throw new Error(`expected ${UNITS} ranked units, got ${ranked}`);
  const recCompute = compute((i) => desk.recommend(incidents[i % incidents.length]));

  // 2. Routes: one unit per incident, dispatched from across the city.
  const dispatches = incidents.map((inc, i) => s.units.service.dispatch(inc, unitIds[(i * 5 + 97) % UNITS], 'bench').id);
  const lengths: number[] = [];
  const camCounts: number[] = [];
  const route = await timed(dispatches.map((id) => `/api/dispatches/${id}/route`), 'viewer', (b) => {
    lengths.push(b.distanceM);
    camCounts.push(b.cameras.length);
  });
  const routeCompute = compute((i) => desk.route(String(dispatches[i % dispatches.length])));

  const row = (what: string, r: { ms: number[]; cpuEach: number }, computeMs: number[], goal: number) =>
    `| ${what} | **${f(pct(r.ms, 50))}** / ${f(pct(r.ms, 95))} / ${f(Math.max(...r.ms))} ms | ${f(r.cpuEach)} ms | ${f(pct(computeMs, 50), 2)} / ${f(pct(computeMs, 95), 2)} ms | ≤ ${goal} ms: ${pct(r.ms, 95) <= goal ? 'met' : 'NOT met'} at p95; ${r.ms.filter((x) => x > goal).length} of ${REQUESTS} over |`;
  writeSection(
    'Dispatch desk (bench:dispatch)',
    `Road graph of the shipped register (geo/routing.ts): ${roads.nodes.length.toLocaleString('en-US')} nodes, built in ${f(buildMs, 0)} ms CPU at start.
${UNITS} units (damkar, psc, pln: all routed for a fire) with fresh fixes at road vertices spread over the register;
${INCIDENTS} fire incidents at gazetteer places; ${REQUESTS} sequential requests each (after 20 warm-up), real HTTP with bearer
tokens through the units test stack (SQLite file, express, auth). Routes: ${INCIDENTS} dispatches pairing units and incidents
across the city, road length median ${f(pct(lengths, 50) / 1000)} km (max ${f(Math.max(...lengths) / 1000)} km), with the
${cameras.length} cameras of camera-config/cameras.json (median ${pct(camCounts, 50)}, max ${Math.max(...camCounts)} cameras on a route).
"CPU/request" is this process's CPU time per request, client and server together (they share the process).

| request | wall p50 / p95 / max | CPU/request | desk compute only, p50 / p95 | goal |
|---|---|---|---|---|
${row(`recommendations, ${UNITS} units ranked by road time`, rec, recCompute, 50)}
${row('route of a dispatch with its cameras', route, routeCompute, 20)}

Load average (1 min) at start / end: ${f(load0)} / ${f(os.loadavg()[0])} on ${os.cpus().length} cores — other work on the machine
skews the wall-clock figures.`,
  );
} finally {
  await s.close();
}
