// GET /api/kpis/replay over a real SQLite file and a real HTTP server: the fix cap holds whatever the period holds,
// thinned trails keep each unit's first and last fix in the period, the answer keeps the shape the briefing reads
// (domain/kpis.ts Replay) and says when it was thinned, and it streams without holding the event loop.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Replay } from '../../domain/kpis.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { createKpiQuery, type KpiQuery } from '../../server/kpis/query.ts';
import { createKpisRouter } from '../../server/kpis/routes.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { migrate, openDb, type Db } from '../../server/store/db.ts';
import { createIncidentsRepo } from '../../server/store/incidents-repo.ts';
import type { Incident } from '../../server/incidents/model.ts';

const T0 = Date.parse('2026-11-20T00:00:00Z');
const N = 2_000; // fixes per unit in the period
const STEP = 10_000;
const T1 = T0 + N * STEP;
const iso = (t: number) => new Date(t).toISOString();
const UNITS = [
  ['dk1', 'damkar'], ['dk2', 'damkar'], ['po1', 'polisi'], ['po2', 'polisi'], ['po3', 'polisi'],
] as const;
const CAP = 1_000;

let dir: string;
let db: Db;
let server: http.Server;
let base: string;
let query: KpiQuery;

const allow: RequestHandler = (_req, _res, next) => next();

/** The unit's fixes in [from, to) straight from the table, in time order. */
function fixesOf(unit: string, from = T0, to = T1): Array<{ t: number; lon: number; lat: number }> {
  return (db.prepare('SELECT at, lon, lat FROM unit_positions WHERE unit_id = ? AND at >= ? AND at < ? ORDER BY at, id').all(unit, iso(from), iso(to)) as Array<{
    at: string; lon: number; lat: number;
  }>).map((r) => ({ t: Date.parse(r.at), lon: r.lon, lat: r.lat }));
}
const fixCount = (r: Replay) => r.trails.reduce((n, t) => n + t.t.length, 0);

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-replay-'));
  db = openDb(dir);
  migrate(db);
  const addUnit = db.prepare('INSERT INTO units (id, callsign, agency, kind, device_id, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const addFix = db.prepare('INSERT INTO unit_positions (unit_id, at, received_at, lat, lon) VALUES (?, ?, ?, ?, ?)');
  db.transaction(() => {
    for (const [id, agency] of UNITS) addUnit.run(id, id.toUpperCase(), agency, 'car', `dev-${id}`, iso(T0));
    // interleaved as live AVL arrives; a few fixes outside the period on both sides; po3 is silent for the middle
    // half of the period (a gap costs no budget) and reports two fixes at the same instant once
    for (let k = -5; k < N + 5; k++) {
      for (const [u, [id]] of UNITS.entries()) {
        if (id === 'po3' && k > N / 4 && k < (3 * N) / 4) continue;
        const t = T0 + k * STEP + u * 1_000;
        addFix.run(id, iso(t), iso(t), 0.5 + u * 0.01 + k * 1e-5, 101.4 + k * 1e-5);
        if (id === 'po3' && k === 10) addFix.run(id, iso(t), iso(t), 0.6, 101.6);
      }
    }
    const inc = createIncidentsRepo(db);
    const incident = (id: string, t: number, placed: boolean): Incident => ({
      id, source: 'form', sourceRef: null, category: 'kebakaran', agencies: [], priority: 2, status: 'baru', reportedAt: iso(t), updatedAt: iso(t),
      caller: { name: null, phone: null }, description: '', flags: [],
      location: { text: 'x', lat: placed ? 0.51 : null, lon: placed ? 101.41 : null, uncertaintyM: 50, method: placed ? 'gps' : 'text', kelurahan: null, kecamatan: null, needsLocation: !placed },
      history: [{ at: iso(t), status: 'baru', event: 'created', by: 'test' }],
    }) as unknown as Incident;
    inc.insert(incident('I-1', T0 + 60_000, true));
    inc.insert(incident('I-2', T0 + 120_000, false)); // not placed on the map: left out
    inc.insert(incident('I-3', T0 - 60_000, true)); // before the period
  })();
  query = createKpiQuery(db, { sla: loadSiteTables().sla, replayMaxFixes: CAP });
  const app = createApp();
  app.use(createKpisRouter({ query, requireRole: () => allow }));
  finishApp(app);
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

describe('GET /api/kpis/replay', () => {
  it('streams the Replay shape, capped and thinned, and says so', async () => {
    const res = await fetch(`${base}/api/kpis/replay?from=${iso(T0)}&to=${iso(T1)}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    expect(res.headers.get('transfer-encoding')).toBe('chunked'); // written in pieces, never built whole
    const body = (await res.json()) as Replay;
    expect(Object.keys(body)).toEqual(['from', 'to', 'incidents', 'trails', 'thinned']);
    expect(body).toMatchObject({ from: T0, to: T1, thinned: true });
    expect(body.incidents).toEqual([
      { id: 'I-1', t: T0 + 60_000, closedT: null, lat: 0.51, lon: 101.41, category: 'kebakaran', priority: 2, status: 'baru', kecamatan: null },
    ]);
    expect(body.trails.map((t) => t.unitId)).toEqual(UNITS.map(([id]) => id));
    for (const t of body.trails) {
      expect(Object.keys(t)).toEqual(['unitId', 'callsign', 'agency', 'path', 't']);
      expect(t.callsign).toBe(t.unitId.toUpperCase());
      expect(t.path).toHaveLength(t.t.length);
    }
    expect(fixCount(body)).toBeLessThanOrEqual(CAP);
    // the budget is used, not squandered: ~9,000 fixes in the period, the cap is 1,000
    expect(fixCount(body)).toBeGreaterThan(CAP * 0.8);
  });

  it('a thinned trail keeps its first and last fix in the period, real fixes in time order, one per step', async () => {
    const r = await query.replay({ from: T0, to: T1 }, CAP);
    for (const tr of r.trails) {
      const all = fixesOf(tr.unitId);
      expect(tr.t[0]).toBe(all[0].t);
      expect(tr.t.at(-1)).toBe(all.at(-1)!.t);
      expect(tr.path[0]).toEqual([all[0].lon, all[0].lat]);
      expect(tr.path.at(-1)).toEqual([all.at(-1)!.lon, all.at(-1)!.lat]);
      const byTime = new Map(all.map((f) => [f.t, f]));
      tr.t.forEach((t, k) => {
        if (k) expect(t).toBeGreaterThan(tr.t[k - 1]);
        const f = byTime.get(t)!;
        expect(tr.path[k]).toEqual([f.lon, f.lat]);
      });
    }
    // one step for every unit: the gaps between samples (all but the appended last fix) never fall below it
    const gaps = r.trails.flatMap((tr) => tr.t.slice(1, -1).map((t, k) => t - tr.t[k]));
    const step = Math.min(...gaps);
    expect(step).toBeGreaterThan(STEP);
    expect(Math.max(...r.trails.filter((tr) => tr.unitId !== 'po3').flatMap((tr) => tr.t.slice(1, -1).map((t, k) => t - tr.t[k])))).toBeLessThan(step + STEP);
  });

  it('never sends more than the cap, even below two fixes a unit', async () => {
    for (const cap of [1, 7, 10, 100, 999]) {
      const r = await query.replay({ from: T0, to: T1 }, cap);
      expect(r.thinned).toBe(true);
      expect(fixCount(r)).toBeLessThanOrEqual(cap);
      expect(fixCount(r)).toBeGreaterThan(0);
    }
  });

  it('a period that fits is sent whole, unthinned', async () => {
    const to = T0 + 50 * STEP;
    const r = await query.replay({ from: T0, to }, CAP);
    expect(r.thinned).toBe(false);
    for (const tr of r.trails) {
      const all = fixesOf(tr.unitId, T0, to);
      expect(tr.t).toEqual(all.map((f) => f.t));
      expect(tr.path).toEqual(all.map((f) => [f.lon, f.lat]));
    }
    expect(r.trails.find((t) => t.unitId === 'po3')!.t.filter((t, k, a) => a[k - 1] === t)).toHaveLength(1); // both fixes of one instant
  });

  it('the agency filter keeps that agency\'s units and budgets the cap over them', async () => {
    const r = await query.replay({ from: T0, to: T1, agency: 'damkar' }, CAP);
    expect(r.trails.map((t) => t.unitId)).toEqual(['dk1', 'dk2']);
    expect(r.thinned).toBe(true);
    expect(fixCount(r)).toBeLessThanOrEqual(CAP);
    expect(fixCount(r)).toBeGreaterThan(CAP * 0.8);
  });

  it('lets the event loop run while it streams, and a client that leaves stops it without leaving the store busy', async () => {
    let ticks = 0;
    let on = true;
    const tick = () => {
      ticks++;
      if (on) setImmediate(tick);
    };
    setImmediate(tick);
    await query.replay({ from: T0, to: T1 }, 100_000); // ~9,000 fixes unthinned: several chunks
    on = false;
    expect(ticks).toBeGreaterThan(5);

    const ac = new AbortController();
    const res = await fetch(`${base}/api/kpis/replay?from=${iso(T0)}&to=${iso(T1)}`, { signal: ac.signal });
    const reader = res.body!.getReader();
    await reader.read();
    ac.abort();
    await new Promise((r) => setTimeout(r, 50));
    // the shared connection takes writes at once (no statement was left open between chunks)
    db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(iso(Date.now()));
    const again = await fetch(`${base}/api/kpis/replay?from=${iso(T0)}&to=${iso(T1)}`);
    expect(fixCount((await again.json()) as Replay)).toBeLessThanOrEqual(CAP);
  });

  it('a bad parameter is still an ordinary 400', async () => {
    const res = await fetch(`${base}/api/kpis/replay?to=nope`);
    expect(res.status).toBe(400);
    expect(((await res.json()) as { field: string }).field).toBe('to');
  });
});
