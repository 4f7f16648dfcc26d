// The AVL history the replay and retention benchmarks share: 24 units, a fix every 3.6 s each for 2.6 days
// (~1.5 M positions, interleaved as live AVL arrives), ~70 incidents a day, in a fresh SQLite file.
import { performance } from 'node:perf_hooks';
import { loadSiteTables } from '../../server/site/tables.ts';
import { migrate, openDb } from '../../server/store/db.ts';
import { createIncidentsRepo } from '../../server/store/incidents-repo.ts';
import type { Incident } from '../../server/incidents/model.ts';
import { routingFor } from '../../server/incidents/routing.ts';

export const UNITS = 24;
export const STEP_MS = 3_600;
export const DAYS = 2.6;
export const TO = Date.parse('2026-11-20T00:00:00Z');
export const FROM = TO - DAYS * 86_400_000;
const agenciesFor = routingFor(loadSiteTables().routing);
const iso = (t: number) => new Date(t).toISOString();

export function fillPositions(dir: string): { rows: number; fillMs: number } {
  const db = openDb(dir);
  db.pragma('synchronous = OFF'); // filling only
  migrate(db);
  let seed = 7;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  const t0 = performance.now();
  const ids: string[] = [];
  const addUnit = db.prepare('INSERT INTO units (id, callsign, agency, kind, device_id, created_at) VALUES (?, ?, ?, ?, ?, ?)');
  const addFix = db.prepare(
    `INSERT INTO unit_positions (unit_id, at, received_at, lat, lon, speed_kmh, accuracy_m) VALUES (?, ?, ?, ?, ?, 30, 5)`,
  );
  const inc = createIncidentsRepo(db);
  let rows = 0;
  db.transaction(() => {
    for (let k = 0; k < UNITS; k++) {
      const id = `u-${String(k).padStart(2, '0')}`;
      ids.push(id);
      addUnit.run(id, id.toUpperCase(), ['damkar', 'polisi', 'psc'][k % 3], 'car', `bench-${id}`, iso(FROM));
    }
    const pos = ids.map(() => [0.5 + rnd() * 0.1, 101.4 + rnd() * 0.1]);
    // interleaved, as live AVL arrives: rowid order is time order across units
    for (let t = FROM; t < TO; t += STEP_MS) {
      for (let u = 0; u < UNITS; u++) {
        const p = pos[u];
        p[0] += (rnd() - 0.5) * 1e-4;
        p[1] += (rnd() - 0.5) * 1e-4;
        const at = iso(t + Math.floor(rnd() * 1000));
        addFix.run(ids[u], at, at, p[0], p[1]);
        rows++;
      }
    }
    // ~70 calls a day, as the demo
    for (let n = 0; n < DAYS * 70; n++) {
      const at = iso(FROM + rnd() * (TO - FROM));
      const incident: Incident = {
        id: `R-${n}`, source: 'form', sourceRef: null, category: 'kebakaran', agencies: agenciesFor('kebakaran'),
        priority: 2, status: 'selesai', reportedAt: at, updatedAt: at, caller: { name: null, phone: null }, description: '', flags: [],
        possibleDuplicateOf: null, mergedInto: null, callCount: 1, callers: [],
        location: { text: 'x', lat: 0.5 + rnd() * 0.1, lon: 101.4 + rnd() * 0.1, uncertaintyM: 50, method: 'gps', kelurahan: null, kecamatan: null, needsLocation: false },
        history: [{ at, status: 'baru', event: 'created', by: 'bench' }],
      };
      inc.insert(incident);
    }
  })();
  db.pragma('wal_checkpoint(TRUNCATE)');
  db.close();
  return { rows, fillMs: performance.now() - t0 };
}
