// /api/health's store check on a real SQLite file: a real write, the free disk, and the reason when it cannot serve.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { migrate, openDb } from '../../server/store/db.ts';
import { storeHealth } from '../../server/store/health.ts';

describe('storeHealth', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-health-'));
  const db = openDb(dir);
  migrate(db);

  it('ok after a committed probe write, with the free space of the data disk', () => {
    const h = storeHealth(db, dir, 1);
    expect(h).toMatchObject({ ok: true });
    expect(h.freeMB).toBeGreaterThan(1);
    expect(db.prepare('SELECT COUNT(*) FROM health_probe').pluck().get()).toBe(1);
  });

  it('disk_low below the watermark', () => {
    expect(storeHealth(db, dir, 1e9)).toMatchObject({ ok: false, reason: 'disk_low' });
  });

  it('store_not_writable when the database refuses the write', () => {
    const readOnly = new Database(path.join(dir, 'siaga.sqlite'), { readonly: true });
    expect(storeHealth(readOnly, dir, 1)).toMatchObject({ ok: false, reason: 'store_not_writable' });
    readOnly.close();
    db.close();
    expect(storeHealth(db, dir, 1)).toMatchObject({ ok: false, reason: 'store_not_writable' });
  });
});

describe('openDb', () => {
  it('a file that is not a database stops the start naming the file and the fix', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-corrupt-'));
    fs.writeFileSync(path.join(dir, 'siaga.sqlite'), 'this is not a database, it is a note left by someone'.repeat(100));
    expect(() => openDb(dir)).toThrow(new RegExp(`cannot open the store ${path.join(dir, 'siaga.sqlite').replace(/[/.]/g, '\\$&')}: .*restore the newest backup`));
  });
});
