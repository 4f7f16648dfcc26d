// Whether the store can take a write right now: a real one (a probe row, committed and fsynced like any other),
// and room on the data disk above the watermark. /api/health answers 503 with the reason when either fails, so a
// process manager or a load balancer is told the truth instead of "ok" while every write answers 500.
import fs from 'node:fs';
import type { Db } from './db.ts';

export interface StoreHealth {
  ok: boolean;
  /** Why not, for the operator and the process manager. */
  reason?: 'store_not_writable' | 'disk_low';
  freeMB: number | null;
}

export function storeHealth(db: Db, dataDir: string, minFreeMB: number): StoreHealth {
  let freeMB: number | null = null;
  try {
    const s = fs.statfsSync(dataDir);
    freeMB = Math.floor((s.bavail * s.bsize) / 1_048_576);
  } catch {
    // no statfs on this platform or path: judged by the write alone
  }
  try {
    db.prepare('INSERT INTO health_probe (id, at) VALUES (1, ?) ON CONFLICT (id) DO UPDATE SET at = excluded.at').run(new Date().toISOString());
  } catch {
    return { ok: false, reason: 'store_not_writable', freeMB };
  }
  if (freeMB !== null && freeMB < minFreeMB) return { ok: false, reason: 'disk_low', freeMB };
  return { ok: true, freeMB };
}
