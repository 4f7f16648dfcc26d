// A full data disk, two ways. Below the watermark (the whole server, with a watermark above the machine's free space)
// 112 intake and dispatch still write while AVL history and admin changes get 507 and health says disk_low. And when
// SQLite really cannot grow the file (max_page_count pins it at its size) a write is a 507 with nothing half stored,
// never a 500, and the next write after room is made succeeds.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { start } from '../../server/main.ts';
import { DIST_DIR } from '../../server/paths.ts';
import { freePort } from './free-port.ts';
import { startIncidents } from './incidents-harness.ts';

// A stub wall build (stub-wall.ts): start() must not run vite here.
vi.mock('../../server/paths.ts', async (real) => (await import('./stub-wall.ts')).withStubWall(await real<typeof import('../../server/paths.ts')>()));

const ADMIN = 'disk-full-admin-token-0123456789';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-disk-full-'));
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(DIST_DIR, { recursive: true, force: true });
});

describe('below the free-disk watermark', () => {
  it('takes 112 calls and dispatch, refuses AVL history and admin writes with 507, and health says disk_low', async () => {
    const osmandPort = await freePort();
    const dataDir = path.join(tmp, 'data');
    const running = await start(
      loadConfig({
        PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: dataDir, SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'),
        SIAGA_ADMIN_TOKEN: ADMIN, SIAGA_NO_STREAMS: '1', SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: String(osmandPort),
        SIAGA_LOG_LEVEL: 'error', SIAGA_BACKUP_INTERVAL_S: '0', SIAGA_INTAKE_RATE: '0',
        SIAGA_MIN_FREE_DISK_MB: String(Math.min(10_000_000, Math.ceil(fs.statfsSync(tmp).bavail * fs.statfsSync(tmp).bsize / 1_048_576) + 1000)), // above what is free
        FFMPEG_PATH: process.env.FFMPEG_PATH,
      }, []),
    );
    try {
      const base = `http://127.0.0.1:${running.port}`;
      const call = async (method: string, p: string, body?: unknown) => {
        const res = await fetch(base + p, {
          method, headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: body === undefined ? undefined : JSON.stringify(body),
        });
        return { status: res.status, body: await res.json().catch(() => null) };
      };
      const health = await call('GET', '/api/health');
      expect(health).toMatchObject({ status: 503, body: { ok: false, reason: 'disk_low' } });
      expect(JSON.stringify(health.body)).not.toMatch(/"path"/); // health needs no credential: no file paths in it

      const created = await call('POST', '/api/incidents', { description: 'kebakaran ruko', category: 'kebakaran', location: { lat: 0.5071, lon: 101.4478, uncertaintyM: 30 } });
      expect(created.status).toBe(201);
      expect((await call('PATCH', `/api/incidents/${created.body.id}`, { status: 'diverifikasi' })).status).toBe(200);

      const refused = await call('POST', '/api/units', { callsign: 'DAMKAR 09', agency: 'damkar', kind: 'pemadam' });
      expect(refused).toMatchObject({ status: 507, body: { error: 'insufficient_storage' } });
      const db = new Database(path.join(dataDir, 'siaga.sqlite'), { readonly: true });
      const rows = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get();
      expect(rows('units')).toBe(0);
      // the device port refuses too (Traccar Client keeps the fix and sends it again)
      const fix = await fetch(`http://127.0.0.1:${osmandPort}/?id=anything&lat=0.5071&lon=101.4478&timestamp=${Math.floor(Date.now() / 1000)}`);
      expect(fix.status).toBe(507);
      expect(rows('unit_positions')).toBe(0);
      db.close();
    } finally {
      await running.close();
    }
  }, 60_000);
});

describe('a store that cannot grow', () => {
  it('answers 507 with nothing half stored, and takes the call once there is room', async () => {
    const s = await startIncidents();
    try {
      const count = () => s.db.prepare('SELECT COUNT(*) FROM incidents').pluck().get() as number;
      const history = () => s.db.prepare('SELECT COUNT(*) FROM incident_history').pluck().get() as number;
      const post = (n: number) =>
        s.call('POST', '/api/incidents', 'operator', { description: `pohon tumbang ${n} `.repeat(40), location: { text: 'Jl. Jenderal Sudirman' } });
      expect((await post(0)).status).toBe(201);
      const [before, beforeHistory] = [count(), history()];
      // pin the file at its size: the next page SQLite needs is refused with SQLITE_FULL
      s.db.pragma(`max_page_count = ${s.db.pragma('page_count', { simple: true })}`);
      let full: { status: number; body: any } | undefined;
      for (let n = 1; n < 200 && !full; n++) {
        const r = await post(n);
        if (r.status !== 201) full = r;
      }
      expect(full).toMatchObject({ status: 507, body: { error: 'insufficient_storage' } });
      const stored = count();
      expect(stored).toBeGreaterThanOrEqual(before);
      // every stored incident has its history: the refused one left no row behind
      expect(history()).toBeGreaterThanOrEqual(beforeHistory);
      expect(s.db.prepare('SELECT COUNT(*) FROM incidents i WHERE NOT EXISTS (SELECT 1 FROM incident_history h WHERE h.incident_id = i.id)').pluck().get()).toBe(0);
      s.db.pragma('max_page_count = 1073741823');
      expect((await post(999)).status).toBe(201);
      expect(count()).toBe(stored + 1);
    } finally {
      await s.close();
    }
  }, 60_000);
});
