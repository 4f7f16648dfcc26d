// npm run bench:replay — GET /api/kpis/replay over ~1.5 M unit positions (24 units, one fix every 3.6 s each for
// 2.6 days: the demo's density when a 2.6-day replay took the process from 225 to 879 MB and held /api/health for
// 6 s). Before (every fix of the period read into JS, thinned with idx % stride, one res.json) against after (thinned
// in SQL with a hard cap, streamed in chunks). Each variant serves from its own child process so its peak RSS is
// its own; this process is the client and asks /api/health every 20 ms while the replay runs. Also times the SQL
// strategies considered for the thinning.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import express from 'express';
import { CLOSED_STATUSES_SQL } from '../../domain/incident.ts';
import type { Replay, ReplayIncident, ReplayTrail } from '../../domain/kpis.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { createKpiQuery, REPLAY_MAX_FIXES } from '../../server/kpis/query.ts';
import { createKpisRouter } from '../../server/kpis/routes.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { openDb, type Db } from '../../server/store/db.ts';
import { DAYS, fillPositions, FROM, STEP_MS, TO, UNITS } from './positions-fill.ts';
import { writeSection } from './results.ts';

const RUNS = Number(process.env.BENCH_REPLAY_RUNS ?? 3);
const iso = (t: number) => new Date(t).toISOString();
const query = `from=${encodeURIComponent(iso(FROM))}&to=${encodeURIComponent(iso(TO))}`;

// ── the code this change replaced (server/kpis/query.ts loadReplay + res.json), kept here to measure against ──────
function legacyReplay(db: Db, from: number, to: number, maxFixes: number): Replay {
  const rows = db
    .prepare(
      `SELECT i.id, i.reported_at, i.category, i.priority, i.status,
              json_extract(i.doc, '$.location.lat') AS lat, json_extract(i.doc, '$.location.lon') AS lon,
              json_extract(i.doc, '$.location.kecamatan.name') AS kec,
              CASE WHEN i.status IN ${CLOSED_STATUSES_SQL} THEN i.updated_at END AS closed_at
         FROM incidents i WHERE i.reported_at >= ? AND i.reported_at < ? ORDER BY i.reported_at`,
    )
    .all(iso(from), iso(to)) as Array<{
    id: string; reported_at: string; category: string; priority: number; status: string; lat: number | null; lon: number | null;
    kec: string | null; closed_at: string | null;
  }>;
  const incidents: ReplayIncident[] = [];
  for (const r of rows) {
    if (typeof r.lat !== 'number' || typeof r.lon !== 'number') continue;
    incidents.push({
      id: r.id, t: Date.parse(r.reported_at), closedT: r.closed_at === null ? null : Date.parse(r.closed_at), lat: r.lat, lon: r.lon,
      category: r.category, priority: r.priority, status: r.status, kecamatan: r.kec,
    });
  }
  const count = db
    .prepare(`SELECT COUNT(*) FROM unit_positions p JOIN units u ON u.id = p.unit_id WHERE p.at >= ? AND p.at < ?`)
    .pluck()
    .get(iso(from), iso(to)) as number;
  const stride = Math.max(1, Math.ceil(count / maxFixes));
  const fixes = db
    .prepare(
      `SELECT p.unit_id, u.callsign, u.agency, p.at, p.lat, p.lon FROM unit_positions p JOIN units u ON u.id = p.unit_id
        WHERE p.at >= ? AND p.at < ? ORDER BY p.unit_id, p.at`,
    )
    .all(iso(from), iso(to)) as Array<{ unit_id: string; callsign: string; agency: string; at: string; lat: number; lon: number }>;
  const trails = new Map<string, ReplayTrail>();
  fixes.forEach((p, idx) => {
    if (idx % stride !== 0) return;
    let tr = trails.get(p.unit_id);
    if (!tr) trails.set(p.unit_id, (tr = { unitId: p.unit_id, callsign: p.callsign, agency: p.agency, path: [], t: [] }));
    tr.path.push([p.lon, p.lat]);
    tr.t.push(Date.parse(p.at));
  });
  return { from, to, incidents, trails: [...trails.values()], thinned: stride > 1 };
}

// ── child: one server, one variant ─────────────────────────────────────────────────────────────────────────────
async function serve(dir: string, variant: 'before' | 'after'): Promise<void> {
  const db = openDb(dir);
  const app = createApp();
  const viewer: express.RequestHandler = (_req, _res, next) => next();
  app.get('/api/health', (_req, res) => void res.json({ ok: true }));
  if (variant === 'after') {
    app.use(createKpisRouter({ query: createKpiQuery(db, { sla: loadSiteTables().sla }), requireRole: () => viewer }));
  } else {
    app.get('/api/kpis/replay', (_req, res) => void res.json(legacyReplay(db, FROM, TO, REPLAY_MAX_FIXES)));
  }
  finishApp(app);
  const server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  // enabled from the start and only reset per run: the histogram's first tick after enable() sets its baseline, so a
  // stall that began before that tick would go unseen
  const eld = monitorEventLoopDelay({ resolution: 5 });
  eld.enable();
  let rssBefore = 0;
  process.on('message', (m: string) => {
    if (m === 'start') {
      rssBefore = process.memoryUsage.rss();
      eld.reset();
      setTimeout(() => process.send!({ started: true }), 50);
    } else if (m === 'stop') {
      eld.disable();
      process.send!({ rssBefore, maxRss: process.resourceUsage().maxRSS * 1024, eldMaxMs: eld.max / 1e6, eldP99Ms: eld.percentile(99) / 1e6 });
    }
  });
  process.send!({ port: (server.address() as { port: number }).port });
}

interface RunResult { ms: number; bytes: number; fixes: number; trails: number; thinned: boolean; healthMaxMs: number; healthN: number; healthErrors: number; rssGrowth: number; eldMaxMs: number; eldP99Ms: number }

async function runVariant(dir: string, variant: 'before' | 'after'): Promise<RunResult> {
  const child = fork(new URL(import.meta.url).pathname, ['--serve', dir, variant], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const next = () => new Promise<any>((resolve) => child.once('message', resolve));
  try {
    const { port } = await next();
    const base = `http://127.0.0.1:${port}`;
    await (await fetch(`${base}/api/health`)).text(); // connection and route warm
    child.send('start');
    await next();
    let done = false;
    const health: number[] = [];
    let healthErrors = 0;
    const prober = (async () => {
      while (!done) {
        const s = performance.now();
        try {
          await (await fetch(`${base}/api/health`)).text();
        } catch {
          // a keep-alive socket the server closed after a long stall: the wait still counts
          healthErrors++;
        }
        health.push(performance.now() - s);
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    const s = performance.now();
    const res = await fetch(`${base}/api/kpis/replay?${query}`);
    const text = await res.text();
    const ms = performance.now() - s;
    done = true;
    await prober;
    child.send('stop');
    const stats = await next();
    if (res.status !== 200) throw new Error(`${variant}: ${res.status} ${text.slice(0, 200)}`);
    const body = JSON.parse(text) as Replay;
    return {
      ms, bytes: text.length, fixes: body.trails.reduce((n, t) => n + t.t.length, 0), trails: body.trails.length, thinned: body.thinned,
      healthMaxMs: Math.max(...health), healthN: health.length, healthErrors, rssGrowth: stats.maxRss - stats.rssBefore, eldMaxMs: stats.eldMaxMs, eldP99Ms: stats.eldP99Ms,
    };
  } finally {
    child.kill('SIGKILL');
  }
}

/** The thinning strategies considered, timed on the same file (CPU ms of this thread, best of 3). */
function strategies(dir: string) {
  const db = openDb(dir);
  const units = db.prepare('SELECT id FROM units ORDER BY id').pluck().all() as string[];
  const F = iso(FROM);
  const T = iso(TO);
  const cap = REPLAY_MAX_FIXES;
  const POS = 'unit_positions INDEXED BY unit_positions_unit_at';
  const span = units.reduce((s, u) => {
    const a = db.prepare(`SELECT at FROM ${POS} WHERE unit_id = ? AND at >= ? AND at < ? ORDER BY at LIMIT 1`).pluck().get(u, F, T) as string;
    const b = db.prepare(`SELECT at FROM ${POS} WHERE unit_id = ? AND at >= ? AND at < ? ORDER BY at DESC LIMIT 1`).pluck().get(u, F, T) as string;
    return s + Date.parse(b) - Date.parse(a);
  }, 0);
  const stepMs = Math.ceil(span / (cap - 2 * units.length));
  const total = db.prepare('SELECT COUNT(*) FROM unit_positions WHERE at >= ? AND at < ?').pluck().get(F, T) as number;
  const timed = (fn: () => { rows: number; units: number }) => {
    let best = Infinity;
    let out = { rows: 0, units: 0 };
    for (let r = 0; r < 3; r++) {
      const c = process.cpuUsage();
      out = fn();
      const d = process.cpuUsage(c);
      best = Math.min(best, (d.user + d.system) / 1000);
    }
    return { ms: best, ...out };
  };
  const perUnit = (sql: string, params: (u: string) => unknown[]) => () => {
    const stmt = db.prepare(sql).raw(true);
    let rows = 0;
    let covered = 0;
    for (const u of units) {
      let n = 0;
      for (const _ of stmt.iterate(...params(u))) n++;
      rows += n;
      if (n) covered++;
    }
    return { rows, units: covered };
  };
  const out = {
    stepMs, total,
    all: timed(() => {
      const rows = db.prepare(`SELECT p.unit_id, p.at, p.lat, p.lon FROM unit_positions p WHERE p.at >= ? AND p.at < ? ORDER BY p.unit_id, p.at`).raw(true).all(F, T);
      return { rows: rows.length, units: new Set(rows.map((r) => (r as unknown[])[0])).size };
    }),
    modulo: timed(() => {
      const k = Math.ceil(total / cap);
      const rows = db.prepare(`SELECT unit_id, at, lat, lon FROM unit_positions WHERE at >= ? AND at < ? AND id % ? = 0`).raw(true).all(F, T, k);
      return { rows: rows.length, units: new Set(rows.map((r) => (r as unknown[])[0])).size };
    }),
    bucket: timed(perUnit(
      `SELECT p.at, p.lat, p.lon FROM unit_positions p JOIN (SELECT MIN(id) AS id FROM ${POS} WHERE unit_id = ? AND at >= ? AND at < ?
         GROUP BY CAST(unixepoch(at, 'subsec') * 1000 / ? AS INTEGER)) b ON b.id = p.id ORDER BY p.at`,
      (u) => [u, F, T, stepMs],
    )),
    window: timed(perUnit(
      `SELECT p.at, p.lat, p.lon FROM (SELECT id, at, row_number() OVER (PARTITION BY CAST(unixepoch(at, 'subsec') * 1000 / ? AS INTEGER) ORDER BY at, id) AS k
         FROM ${POS} WHERE unit_id = ? AND at >= ? AND at < ?) w JOIN unit_positions p USING (id) WHERE k = 1`,
      (u) => [stepMs, u, F, T],
    )),
    skip: timed(perUnit(
      `WITH RECURSIVE s(id, at, lat, lon) AS (
         SELECT * FROM (SELECT id, at, lat, lon FROM ${POS} WHERE unit_id = @u AND at >= @f AND at < @t ORDER BY at, id LIMIT 1)
         UNION ALL
         SELECT p.id, p.at, p.lat, p.lon FROM s JOIN unit_positions p ON p.id = (SELECT q.id FROM unit_positions q INDEXED BY unit_positions_unit_at
           WHERE q.unit_id = @u AND q.at >= strftime('%Y-%m-%dT%H:%M:%fZ', s.at, @step) AND q.at < @t ORDER BY q.at, q.id LIMIT 1))
       SELECT at, lat, lon FROM s`,
      (u) => [{ u, f: F, t: T, step: `+${(stepMs / 1000).toFixed(3)} seconds` }],
    )),
  };
  db.close();
  return out;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-bench-replay-'));
  try {
    const { rows, fillMs } = fillPositions(dir);
    const sizeMB = fs.statSync(path.join(dir, 'siaga.sqlite')).size / 2 ** 20;
    console.log(`filled ${rows.toLocaleString('en')} positions in ${(fillMs / 1000).toFixed(1)} s (${sizeMB.toFixed(0)} MB)`);
    const st = strategies(dir);
    const results: Record<'before' | 'after', RunResult[]> = { before: [], after: [] };
    for (let r = 0; r < RUNS; r++) {
      for (const v of ['before', 'after'] as const) {
        const x = await runVariant(dir, v);
        console.log(v, JSON.stringify(x));
        results[v].push(x);
      }
    }
    const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const row = (name: string, xs: RunResult[]) => {
      const x = xs[0];
      return `| ${name} | **${(med(xs.map((y) => y.ms)) / 1000).toFixed(2)} s** | **${(med(xs.map((y) => y.rssGrowth)) / 2 ** 20).toFixed(0)} MB** | **${med(xs.map((y) => y.eldMaxMs)).toFixed(0)} ms** (p99 ${med(xs.map((y) => y.eldP99Ms)).toFixed(0)} ms) | ${med(xs.map((y) => y.healthMaxMs)).toFixed(0)} ms (${med(xs.map((y) => y.healthN))} asked, ${xs.reduce((n, y) => n + y.healthErrors, 0)} reset) | ${x.fixes.toLocaleString('en')} in ${x.trails} trails, thinned ${x.thinned} | ${(x.bytes / 2 ** 20).toFixed(1)} MB |`;
    };
    const strat = (name: string, s: { ms: number; rows: number; units: number }, note: string) =>
      `| ${name} | ${s.ms.toFixed(0)} ms | ${s.rows.toLocaleString('en')} | ${s.units}/${UNITS} | ${note} |`;
    writeSection(
      'Replay (bench:replay)',
      `\`GET /api/kpis/replay\` over the whole period of ${rows.toLocaleString('en')} unit positions (${UNITS} units, a fix every
${STEP_MS / 1000} s each, ${DAYS} days; ${sizeMB.toFixed(0)} MB SQLite file, warm page cache), cap ${REPLAY_MAX_FIXES.toLocaleString('en')} fixes
(SIAGA_REPLAY_MAX_FIXES). Each variant serves from a fresh child process (median of ${RUNS} runs); the client (this
process) reads the whole answer and asks \`/api/health\` every 20 ms meanwhile. RSS growth = peak RSS during the
request (getrusage maxrss) − RSS before it; stall = longest event-loop delay in the server (monitorEventLoopDelay).

| variant | answer time | RSS growth | longest stall | slowest /api/health | fixes sent | body |
|---|---|---|---|---|---|---|
${row('before: every fix read into JS, `idx % stride`, one `res.json`', results.before)}
${row('after: thinned in SQL (loose index scan), hard cap, streamed in chunks', results.after)}

Thinning strategies on the same file (one query per unit unless said; CPU ms, best of 3; step ${(st.stepMs / 1000).toFixed(1)} s so that
${UNITS} trails fit the cap):

| strategy | CPU | fixes returned | units with a trail | |
|---|---|---|---|---|
${strat('all fixes (the old read, no thinning)', st.all, `reads all ${st.total.toLocaleString('en')}`)}
${strat('rowid modulo (`id % k = 0`), one query', st.modulo, 'reads every row; round-robin AVL rowids alias with k: most units get nothing')}
${strat('GROUP BY time bucket, MIN(id)', st.bucket, 'reads every index entry of the period: cost grows with the table')}
${strat('window function, row_number() per bucket', st.window, 'same, plus a sort')}
${strat('loose index scan (recursive CTE, one seek per fix)', st.skip, '**chosen**: reads only what it returns; cost follows the cap, not the table')}

Machine load average during the run: ${os.loadavg().map((x) => x.toFixed(1)).join(' / ')} (1/5/15 min) on ${os.cpus().length} cores.`,
    );
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (process.argv[2] === '--serve') await serve(process.argv[3], process.argv[4] as 'before' | 'after');
else await main();
