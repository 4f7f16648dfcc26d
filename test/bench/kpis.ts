// npm run bench:kpis — KPI query time over 30 days × 100,000 incidents (goal ≤ 200 ms) and the replay's per-frame
// update cost. The store is filled directly through the repositories (the services would fsync 100k times); the
// numbers then come out of the same query + maths the API uses.
import { deviceHash } from '../../server/units/device-id.ts';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { frameAt, prepareReplay } from '../../wall/panels/briefing-frame.ts';
import { createKpiQuery } from '../../server/kpis/query.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { migrate, openDb } from '../../server/store/db.ts';
import { createIncidentsRepo } from '../../server/store/incidents-repo.ts';
import { createUnitsRepo } from '../../server/store/units-repo.ts';
import { CATEGORIES, type Incident } from '../../server/incidents/model.ts';
import { routingFor } from '../../server/incidents/routing.ts';
import { writeSection } from './results.ts';

const agenciesFor = routingFor(loadSiteTables().routing);

const N = Number(process.env.BENCH_KPIS_N ?? 100_000);
const DAYS = 30;
const DAY = 86_400_000;
const MIN = 60_000;

// Deterministic PRNG so runs are comparable.
let seed = 42;
const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
const pick = <T>(xs: readonly T[]) => xs[Math.floor(rnd() * xs.length)];

const gaz = JSON.parse(fs.readFileSync(new URL('../../geo/data/gazetteer.json', import.meta.url), 'utf8'));
const kelurahan = gaz.kelurahan as Array<{ kode: string; nama: string; kecamatan_kode: string; kecamatan: string; centroid: [number, number] }>;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-bench-kpis-'));
try {
  const db = openDb(dir);
  db.pragma('synchronous = OFF'); // filling only; the queries below are read-only
  migrate(db);
  const inc = createIncidentsRepo(db);
  const units = createUnitsRepo(db);
  const agencies = ['damkar', 'polisi', 'psc', 'bpbd', 'pln', 'dinas_pu', 'dishub', 'dlhk'];
  const unitIds: Record<string, string[]> = {};
  for (const a of agencies) {
    unitIds[a] = [];
    for (let k = 1; k <= 3; k++) {
      const id = `${a}-${k}`;
      units.insertUnit({ id, callsign: id.toUpperCase(), agency: a, kind: 'car', deviceHash: deviceHash(`dev-${id}`) }, new Date().toISOString());
      unitIds[a].push(id);
    }
  }
  const now = Date.now();
  const from = now - DAYS * DAY;
  const t0 = performance.now();
  db.transaction(() => {
    for (let n = 0; n < N; n++) {
      const reported = from + rnd() * DAYS * DAY;
      const k = pick(kelurahan);
      const category = pick(CATEGORIES);
      const prank = rnd() < 0.15;
      const at = (dt: number) => new Date(reported + dt).toISOString();
      const status = prank ? 'iseng' : rnd() < 0.03 ? 'dalam_penanganan' : 'selesai';
      const incident: Incident = {
        id: `B-${n}`, source: pick(['form', 'api', 'cap', 'aml'] as const), sourceRef: null, category, agencies: agenciesFor(category),
        priority: pick([1, 2, 3] as const), status, reportedAt: at(0), updatedAt: at(0), caller: { name: null, phone: null },
        description: '', flags: [], possibleDuplicateOf: null, mergedInto: null, callCount: 1, callers: [],
        location: {
          text: k.nama, lat: k.centroid[1], lon: k.centroid[0], uncertaintyM: 200, method: 'geocoded',
          kelurahan: { code: k.kode, name: k.nama }, kecamatan: { code: k.kecamatan_kode, name: k.kecamatan }, needsLocation: false,
        },
        history: [{ at: at(0), status: 'baru', event: 'created', by: 'bench' }],
      };
      if (status !== 'dalam_penanganan') incident.history.push({ at: at(40 * MIN), status, by: 'bench' });
      inc.insert(incident);
      if (prank) continue;
      const agency = incident.agencies[0]?.id;
      if (!agency || !unitIds[agency]) continue;
      // ~8 % of routed incidents get no tracked unit (the honest-denominator rows), ~3 % need a crew confirmation
      if (rnd() < 0.08) continue;
      const d = units.insertDispatch(incident.id, pick(unitIds[agency]), at(30_000 + rnd() * 4 * MIN), 'bench', rnd() < 0.03 ? 'confirm' : 'geofence');
      const moving = Date.parse(d.dispatchedAt) - reported + 30_000 + rnd() * 3 * MIN;
      units.setMoving(d.id, at(moving), 'distance');
      if (rnd() < 0.95) units.setArrived(d.id, at(moving + 2 * MIN + rnd() * 12 * MIN), rnd() < 0.2 ? 'crew' : 'geofence');
    }
  })();
  const fillMs = performance.now() - t0;
  // A live store checkpoints its WAL every 1000 pages (SQLite's default); the fill's one 100k-incident transaction
  // leaves a ~130 MB WAL that every read would search first (measured: ~10 % of the cold read's CPU).
  db.pragma('wal_checkpoint(TRUNCATE)');

  const q = createKpiQuery(db, { sla: loadSiteTables().sla });
  // Wall time AND this thread's CPU time (user+system): on a shared, overloaded machine the CPU time is the honest
  // cost of the query (better-sqlite3 runs synchronously on this thread), the wall time includes waiting for a core.
  const time = (fn: () => unknown, runs = 7) => {
    fn(); // warm the page cache and statement cache
    const xs: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const c = process.cpuUsage();
      const s = performance.now();
      fn();
      xs.push(performance.now() - s);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
    }
    xs.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    return { median: xs[Math.floor(xs.length / 2)], max: xs[xs.length - 1], cpu: cpu[Math.floor(cpu.length / 2)] };
  };
  // The replay streams its answer in chunks with event-loop turns between them: timed to the last piece.
  const timeAsync = async (fn: () => Promise<unknown>, runs = 7) => {
    await fn();
    const xs: number[] = [];
    const cpu: number[] = [];
    for (let r = 0; r < runs; r++) {
      const c = process.cpuUsage();
      const s = performance.now();
      await fn();
      xs.push(performance.now() - s);
      const d = process.cpuUsage(c);
      cpu.push((d.user + d.system) / 1000);
    }
    xs.sort((a, b) => a - b);
    cpu.sort((a, b) => a - b);
    return { median: xs[Math.floor(xs.length / 2)], max: xs[xs.length - 1], cpu: cpu[Math.floor(cpu.length / 2)] };
  };
  // Cold: no closed-day cache, every query reads the whole period from the facts projection.
  const qCold = createKpiQuery(db, { sla: loadSiteTables().sla, dayCache: false });
  const cold = time(() => qCold.kpis({ from, to: now }));
  const full = time(() => q.kpis({ from, to: now }));
  const result = q.kpis({ from, to: now });
  const byAgency = time(() => q.kpis({ from, to: now, agency: 'damkar' }));
  const byKec = time(() => q.kpis({ from, to: now, kecamatan: kelurahan[0].kecamatan }));
  const week = time(() => q.kpis({ from: now - 7 * DAY, to: now }));

  // Replay: the browser's per-frame work (binary search + window scan) over the whole period's incidents.
  const replay = await q.replay({ from, to: now });
  const prepared = prepareReplay(replay);
  const frames = 3_000;
  let heatPts = 0;
  const s = performance.now();
  for (let f = 0; f < frames; f++) {
    const fr = frameAt(prepared, from + ((f + 0.5) / frames) * DAYS * DAY, DAY);
    heatPts += fr.heat.length;
  }
  const perFrameUs = ((performance.now() - s) / frames) * 1000;
  const replayMs = await timeAsync(() => q.replay({ from, to: now }), 3);

  const ok = cold.cpu <= 200;
  writeSection(
    'KPIs (bench:kpis)',
    `KPIs read the trigger-maintained "response facts" projection (kpi_incident_facts / kpi_response_facts) into typed-array
columns, one WIB day per read, small dictionary ids packed into one number per row; closed WIB days are cached and
re-read only when their kpi_day_versions row moves (filtered rows: cached path); the backlog at a past instant is two
partial-index ranges.
${N.toLocaleString('en')} incidents over ${DAYS} days (${result.total} in the queried period, ${Object.keys(unitIds).length * 3} units,
${result.byAgency.reduce((a, x) => a + x.routed, 0).toLocaleString('en')} routed agency responses, one row per incident × routed agency), SQLite file, warm cache; median of 7 runs (the goal is judged on CPU time, see below).

| query | CPU time (median) | wall median | wall max |
|---|---|---|---|
| \`GET /api/kpis\` 30 days, all, cold (no day cache) | **${cold.cpu.toFixed(0)} ms** ${ok ? '(goal ≤ 200 ms: met)' : '(goal ≤ 200 ms: NOT met)'} | ${cold.median.toFixed(0)} ms | ${cold.max.toFixed(0)} ms |
| \`GET /api/kpis\` 30 days, all, closed days cached | ${full.cpu.toFixed(0)} ms | ${full.median.toFixed(0)} ms | ${full.max.toFixed(0)} ms |
| 30 days, \`agency=damkar\` | ${byAgency.cpu.toFixed(0)} ms | ${byAgency.median.toFixed(0)} ms | ${byAgency.max.toFixed(0)} ms |
| 30 days, \`kecamatan=${kelurahan[0].kecamatan}\` | ${byKec.cpu.toFixed(0)} ms | ${byKec.median.toFixed(0)} ms | ${byKec.max.toFixed(0)} ms |
| 7 days, all | ${week.cpu.toFixed(0)} ms | ${week.median.toFixed(0)} ms | ${week.max.toFixed(0)} ms |
| \`GET /api/kpis/replay\` 30 days (${replay.incidents.length.toLocaleString('en')} incidents; the streamed JSON, generated and parsed back) | ${replayMs.cpu.toFixed(0)} ms | ${replayMs.median.toFixed(0)} ms | ${replayMs.max.toFixed(0)} ms |

Replay per-frame update (cursor → heatmap window of 24 h + open incidents + trail time), JS only, over ${frames} cursor
positions: **${perFrameUs.toFixed(1)} µs/frame** (mean ${Math.round(heatPts / frames).toLocaleString('en')} heatmap points per frame).
GPU upload/draw is not included (software GL on this machine makes it meaningless); the layers receive the arrays as is.
Fill (repositories, one transaction): ${(fillMs / 1000).toFixed(1)} s. Machine load average during the run:
${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) on ${os.cpus().length} cores — other work running at the same time
inflates every figure above.`,
  );
  db.close();
} finally {
  fs.rmSync(dir, { recursive: true, force: true });
}
