// Independent recomputation: a few days of demo history (server/demo/history.ts, through the real incidents and units
// services) on a real SQLite file; then the Damkar fire target share and the Damkar medians are recomputed from the raw
// tables (incidents, incident_history, dispatches, units) with plain SQL — no KPI code, no projection — and must equal
// what GET /api/kpis serves. Also the demo's own honesty: no arrival before movement, no geofence arrival far away.
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeo } from '../../geo/index.ts';
import { distanceM } from '../../geo/spatial.ts';
import { seedDemoHistory } from '../../server/demo/history.ts';
import { EventBus } from '../../server/events.ts';
import { GEO_DATA_DIR, loadGeoData } from '../../server/geo/load.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { createKpiQuery } from '../../server/kpis/query.ts';
import { createKpisRouter } from '../../server/kpis/routes.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { migrate, openDb, type Db } from '../../server/store/db.ts';
import { createUnitService } from '../../server/units/service.ts';

const UNTIL = Date.parse('2026-11-20T05:00:00Z'); // 12:00 WIB
const FROM = UNTIL - 4 * 86_400_000;
let dir: string;
let db: Db;
let server: http.Server;
let base: string;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-crosscheck-'));
  db = openDb(dir);
  db.pragma('synchronous = OFF'); // seeding only
  migrate(db);
  const live = createUnitService({ db, bus: new EventBus(), incidents: { get: () => null, transition: () => null, addEvent: () => null } });
  const r = await seedDemoHistory({
    db, geo: createGeo(loadGeoData()), geoDataDir: GEO_DATA_DIR, days: 4, perDay: 70, until: UNTIL, seed: 7,
    ensureUnit: (u) => void (live.get(u.id) ?? live.register(u)),
  });
  live.close();
  expect(r.seeded).toBe(true);
  const requireRole = () => ((_req, _res, next) => next()) as RequestHandler;
  const app = createApp();
  app.use(createKpisRouter({ query: createKpiQuery(db, { sla: loadSiteTables().sla, now: () => UNTIL + 3_600_000 }), requireRole }));
  finishApp(app);
  server = http.createServer(app);
  await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
}, 300_000);

afterAll(async () => {
  await new Promise<void>((r) => server?.close(() => r()));
  db?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** Damkar's routed responses from the raw tables: one row per incident routed to Damkar, seconds after the report. */
const DAMKAR_ROWS = `
  WITH inc AS (
    SELECT i.id, i.category, unixepoch(i.reported_at, 'subsec') AS rep, json_extract(i.doc, '$.agencies[0].id') AS lead
      FROM incidents i
     WHERE i.status NOT IN ('iseng', 'batal') AND i.reported_at >= :from AND i.reported_at < :to
  ), dk AS (
    SELECT x.incident_id, MIN(unixepoch(x.dispatched_at, 'subsec')) AS d, MIN(unixepoch(x.moving_at, 'subsec')) AS m,
           MIN(unixepoch(x.arrived_at, 'subsec')) AS a, MIN(x.arrival_check = 'confirm') AS confirm_only
      FROM dispatches x JOIN units u ON u.id = x.unit_id WHERE u.agency = 'damkar' GROUP BY x.incident_id
  )
  SELECT inc.id, inc.category, inc.rep, dk.d, dk.m, dk.a, dk.confirm_only
    FROM inc LEFT JOIN dk ON dk.incident_id = inc.id
   WHERE inc.lead = 'damkar' OR dk.incident_id IS NOT NULL
      OR EXISTS (SELECT 1 FROM incident_history h WHERE h.incident_id = inc.id AND h.event = 'no_unit_available' AND h.note = 'damkar')`;

/** Type-7 median in SQL over `vals(v)` (NULL = never reached = +∞), rounded to 0.1 s; NULL when it falls on a miss. */
const MEDIAN = `
  , ranked AS (SELECT v, ROW_NUMBER() OVER (ORDER BY v IS NULL, v) - 1 AS k FROM vals)
  , pos AS (SELECT (COUNT(*) - 1) * 0.5 AS r FROM vals)
  SELECT CASE
           WHEN (SELECT COUNT(*) FROM vals) = 0 THEN NULL
           WHEN pos.r = CAST(pos.r AS INTEGER) THEN round((SELECT v FROM ranked WHERE k = CAST(pos.r AS INTEGER)), 1)
           ELSE round((SELECT v FROM ranked WHERE k = CAST(pos.r AS INTEGER))
                + ((SELECT v FROM ranked WHERE k = CAST(pos.r AS INTEGER) + 1) - (SELECT v FROM ranked WHERE k = CAST(pos.r AS INTEGER))) * 0.5, 1)
         END FROM pos`;

describe('independent recomputation of the briefing (plain SQL over the raw tables)', () => {
  const period = { from: new Date(FROM).toISOString(), to: new Date(UNTIL).toISOString() };

  it('the Damkar 7-minute fire share and the Damkar medians equal GET /api/kpis exactly', async () => {
    const res = await fetch(`${base}/api/kpis?from=${encodeURIComponent(period.from)}&to=${encodeURIComponent(period.to)}`);
    const body = (await res.json()) as any;
    const dk = body.byAgency.find((a: any) => a.agency === 'damkar');
    // every seeded incident is closed: a fire response is measured unless nobody went, or nobody could confirm arrival
    const share = db.prepare(`
      WITH r AS (${DAMKAR_ROWS})
      SELECT COUNT(*) AS n, SUM(a IS NOT NULL AND a - rep <= 420) AS within FROM r
       WHERE category = 'kebakaran' AND d IS NOT NULL AND NOT (a IS NULL AND confirm_only)`).get(period) as { n: number; within: number };
    expect(share.n).toBeGreaterThan(5);
    const fire = dk.slas.find((x: any) => x.rule.id === 'damkar-kebakaran-tiba-7');
    expect(fire).toMatchObject({ n: share.n, within: share.within, share: Math.round((share.within / share.n) * 10_000) / 10_000 });
    const routed = db.prepare(`SELECT COUNT(*) FROM (${DAMKAR_ROWS})`).pluck().get(period) as number;
    expect(dk.routed).toBe(routed);
    const stage = (expr: string, where = '') =>
      db.prepare(`WITH r AS (${DAMKAR_ROWS}), vals AS (SELECT ${expr} AS v FROM r WHERE d IS NOT NULL ${where}) ${MEDIAN}`).pluck().get(period);
    expect(dk.stages.dispatch.medianS).toBe(stage('d - rep'));
    expect(dk.stages.moving.medianS).toBe(stage('m - rep'));
    expect(dk.stages.arrival.medianS).toBe(stage('a - rep', 'AND NOT (a IS NULL AND confirm_only)'));
    expect(dk.stages.arrival.medianS).not.toBeNull();
  });

  it('no arrival before movement, and no arrival far from the point unless the crew or an operator said so', () => {
    const rows = db.prepare(`
      SELECT x.*, json_extract(i.doc, '$.location.lat') AS lat, json_extract(i.doc, '$.location.lon') AS lon
        FROM dispatches x JOIN incidents i ON i.id = x.incident_id WHERE x.arrived_at IS NOT NULL`).all() as any[];
    expect(rows.length).toBeGreaterThan(20);
    expect(rows.filter((x) => x.moving_at === null || x.arrived_at < x.moving_at)).toEqual([]);
    const fixAt = db.prepare('SELECT lat, lon FROM unit_positions WHERE unit_id = ? AND received_at <= ? ORDER BY received_at DESC, id DESC LIMIT 1');
    const far = rows.filter((x) => {
      if (x.arrived_source === 'crew' || x.arrived_source === 'operator') return false;
      const p = fixAt.get(x.unit_id, x.arrived_at) as { lat: number; lon: number };
      return distanceM(p.lon, p.lat, x.lon, x.lat) > 300;
    });
    expect(far).toEqual([]);
    // every arrival names its source; incidents nobody was sent to are counted, with their reason
    expect(rows.filter((x) => !['geofence', 'crew', 'operator'].includes(x.arrived_source))).toEqual([]);
    const noUnit = db.prepare(`SELECT COUNT(*) FROM incident_history WHERE event = 'no_unit_available'`).pluck().get() as number;
    expect(noUnit).toBeGreaterThanOrEqual(0);
  });
});
