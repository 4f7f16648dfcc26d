// Online backups and restore: the real server (start(), a real SQLite file, real HTTP) takes a backup in the middle
// of a burst of POSTs; everything acknowledged before the backup started is in it, the file verifies, rotation keeps
// the newest SIAGA_BACKUP_KEEP, and `scripts/restore.ts` (a real child process) puts it back — or refuses a bad file,
// or a store that is in use, without touching anything.
import { spawnSync } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { start, type Running } from '../../server/main.ts';
import { startBackups, verifyBackup } from '../../server/store/backup.ts';
import { migrate, openDb } from '../../server/store/db.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ADMIN = 'backup-admin-token-0123456789abcdef';
const KEEP = 3;
const BURST = 400;

let tmp: string;
let dataDir: string;
let backupDir: string;
let running: Running;
let base: string;

/** id → description of every incident acknowledged before the burst backup was asked for. */
const ackedBefore = new Map<string, string>();
const ackedAll = new Map<string, string>();
/** Acknowledgements that arrived while a backup was between two of its copy steps. */
let ackedMidCopy = 0;
let burstBackup: string;

const backupFiles = () => fs.readdirSync(backupDir).sort();
const sha = (f: string) => crypto.createHash('sha256').update(fs.readFileSync(f)).digest('hex');

/** id → description of the incidents in a store file (opened read-only). */
function incidentsIn(file: string): Map<string, string> {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const rows = db.prepare(`SELECT id, json_extract(doc, '$.description') AS d FROM incidents`).all() as Array<{ id: string; d: string }>;
    return new Map(rows.map((r) => [r.id, r.d]));
  } finally {
    db.close();
  }
}

function restore(args: string[], targetDir: string) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/restore.ts', ...args], {
    cwd: ROOT,
    env: { ...process.env, SIAGA_DATA_DIR: targetDir },
    encoding: 'utf8',
    timeout: 60_000,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-backup-'));
  dataDir = path.join(tmp, 'data');
  backupDir = path.join(tmp, 'backups');
  // A store of some size (16 MiB of filler), so that a backup takes many steps and intake runs between them.
  const seed = openDb(dataDir);
  migrate(seed);
  seed.exec('CREATE TABLE test_filler (b BLOB)');
  const fill = seed.prepare('INSERT INTO test_filler VALUES (randomblob(65536))');
  seed.transaction(() => {
    for (let i = 0; i < 256; i++) fill.run();
  })();
  seed.close();
  running = await start(
    loadConfig({
      PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: dataDir, SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'), SIAGA_ADMIN_TOKEN: ADMIN,
      SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_LOG_LEVEL: 'warn', SIAGA_NO_STREAMS: '1', SIAGA_INTAKE_RATE: '0',
      SIAGA_BACKUP_DIR: backupDir, SIAGA_BACKUP_KEEP: String(KEEP), FFMPEG_PATH: process.env.FFMPEG_PATH,
    }, []),
  );
  base = `http://127.0.0.1:${running.port}`;
});

afterAll(async () => {
  await running?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('online backup under load', () => {
  it('holds every incident acknowledged before it started, while intake keeps answering', async () => {
    expect(running.backups).toBeDefined();
    let next = 0;
    let backup: Promise<string> | undefined;
    const post = async (n: number) => {
      const description = `backup burst ${n} ${crypto.randomBytes(4).toString('hex')}`;
      const res = await fetch(`${base}/api/incidents`, {
        method: 'POST',
        headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json', 'idempotency-key': `backup-burst-${n}` },
        body: JSON.stringify({ category: 'kebakaran', priority: 1, description, location: { lat: 0.5071, lon: 101.4478, method: 'gps' } }),
      });
      const body = await res.json();
      expect(res.status, JSON.stringify(body)).toBe(201);
      ackedAll.set(body.id, description);
      const copying = running.backups!.status().copying;
      if (copying && copying.remainingPages < copying.totalPages) ackedMidCopy++;
    };
    const worker = async () => {
      while (next < BURST) {
        const n = ++next;
        await post(n);
        if (!backup && ackedAll.size >= BURST / 3) {
          for (const [id, d] of ackedAll) ackedBefore.set(id, d);
          backup = running.backups!.backupNow();
        }
      }
    };
    await Promise.all(Array.from({ length: 16 }, worker));
    burstBackup = await backup!;

    expect(ackedAll.size).toBe(BURST);
    expect(ackedBefore.size).toBeGreaterThanOrEqual(BURST / 3);
    expect(path.dirname(burstBackup)).toBe(backupDir);
    expect(path.basename(burstBackup)).toMatch(/^siaga-\d{8}T\d{6}\.\d{3}Z\.sqlite$/);
    // the copy goes in steps and intake is answered between them (a one-step copy would leave this at 0)
    expect(ackedMidCopy).toBeGreaterThan(0);
    expect(running.backups!.status().last).toEqual({ at: expect.any(Number), file: burstBackup });

    const inBackup = incidentsIn(burstBackup);
    const missing = [...ackedBefore].filter(([id, d]) => inBackup.get(id) !== d);
    expect(missing).toEqual([]);
  });

  it('writes a whole, self-contained file that verifies', () => {
    const summary = verifyBackup(burstBackup);
    expect(summary.migrations).toContain('100-incidents');
    expect(summary.counts.incidents).toBeGreaterThanOrEqual(ackedBefore.size);
    expect(summary.counts.incidents).toBeLessThanOrEqual(ackedAll.size);
    expect(fs.existsSync(`${burstBackup}-wal`)).toBe(false); // no -wal to carry along, none created by verifying
    expect(fs.existsSync(`${burstBackup}-shm`)).toBe(false);
    const header = fs.readFileSync(burstBackup).subarray(18, 20);
    expect([...header]).toEqual([1, 1]); // rollback-journal file format, not WAL
    expect(backupFiles().filter((n) => n.endsWith('.partial'))).toEqual([]);
  });

  it('refuses a damaged file or one that is not a Siaga store', () => {
    const truncated = path.join(tmp, 'truncated.sqlite');
    const bytes = fs.readFileSync(burstBackup);
    fs.writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length / 2)));
    expect(() => verifyBackup(truncated)).toThrow(truncated);

    const foreign = path.join(tmp, 'foreign.sqlite');
    const db = new Database(foreign);
    db.exec('CREATE TABLE t (x); INSERT INTO t VALUES (1)');
    db.close();
    expect(() => verifyBackup(foreign)).toThrow(/no migrations table/);

    const garbage = path.join(tmp, 'garbage.sqlite');
    fs.writeFileSync(garbage, crypto.randomBytes(64 * 1024));
    expect(() => verifyBackup(garbage)).toThrow(/not a readable SQLite database/);
  });
});

describe('restore', () => {
  let target: string;
  let restored: string;

  it('puts a backup in place in a fresh data dir; the acknowledged incidents are there', () => {
    target = path.join(tmp, 'restored');
    restored = path.join(target, 'siaga.sqlite');
    const r = restore([burstBackup], target);
    expect(r.code, r.err).toBe(0);
    expect(r.out).toContain('restored');
    const inRestored = incidentsIn(restored);
    const missing = [...ackedBefore].filter(([id, d]) => inRestored.get(id) !== d);
    expect(missing).toEqual([]);
    expect(fs.readdirSync(target).sort()).toEqual(['siaga.sqlite']);
    // and the server opens it and can write to it
    const db = openDb(target);
    expect(migrate(db)).toEqual([]);
    db.prepare('CREATE TABLE after_restore (x)').run();
    db.close();
  });

  it('refuses random bytes with a non-zero exit and leaves the target untouched', () => {
    const garbage = path.join(tmp, 'garbage.bin');
    fs.writeFileSync(garbage, crypto.randomBytes(64 * 1024));
    const before = { files: fs.readdirSync(target).sort(), hash: sha(restored) };
    const r = restore([garbage], target);
    expect(r.code).not.toBe(0);
    expect(r.err).toContain('not a readable SQLite database');
    expect(r.err).toContain('the store was not changed');
    expect({ files: fs.readdirSync(target).sort(), hash: sha(restored) }).toEqual(before);
  });

  it('refuses to restore under the running server', () => {
    const liveFiles = fs.readdirSync(dataDir).sort();
    const r = restore([burstBackup], dataDir);
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/siaga\.sqlite-(wal|shm)/);
    expect(fs.readdirSync(dataDir).sort()).toEqual(liveFiles); // no aside copy, no .restoring
  });

  it('keeps the store it replaces aside', () => {
    const newest = running.backups!.backupNow();
    return newest.then((file) => {
      const r = restore([file], target);
      expect(r.code, r.err).toBe(0);
      const aside = fs.readdirSync(target).filter((n) => /^siaga\.sqlite\.before-restore-\d{8}T\d{6}Z$/.test(n));
      expect(aside).toHaveLength(1);
      // the aside copy is the store that was there (with the table made after the first restore); the new one is the backup
      const asideDb = new Database(path.join(target, aside[0]), { readonly: true });
      expect(asideDb.prepare(`SELECT COUNT(*) FROM sqlite_master WHERE name = 'after_restore'`).pluck().get()).toBe(1);
      asideDb.close();
      expect(incidentsIn(restored).size).toBe(verifyBackup(file).counts.incidents);
      expect(incidentsIn(restored).size).toBeGreaterThanOrEqual(ackedAll.size); // taken after the burst: all of it
      expect(fs.existsSync(`${restored}-wal`)).toBe(false);
    });
  });

  it('after a crash (non-empty -wal) refuses without --force; with it, keeps the old store whole, -wal included', () => {
    const crashed = path.join(tmp, 'crashed');
    // a server that wrote and was SIGKILLed: its last commits are only in siaga.sqlite-wal
    const child = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', `
      import { openDb, migrate } from './server/store/db.ts';
      const db = openDb(${JSON.stringify(crashed)});
      migrate(db);
      db.exec("CREATE TABLE crash_marker (x); INSERT INTO crash_marker VALUES ('only in the wal')");
      process.kill(process.pid, 'SIGKILL');
    `], { cwd: ROOT, encoding: 'utf8', timeout: 60_000 });
    expect(child.signal, child.stderr).toBe('SIGKILL');
    expect(fs.statSync(path.join(crashed, 'siaga.sqlite-wal')).size).toBeGreaterThan(0);

    const refused = restore([burstBackup], crashed);
    expect(refused.code).not.toBe(0);
    expect(refused.err).toContain('--force');
    const forced = restore([burstBackup, '--force'], crashed);
    expect(forced.code, forced.err).toBe(0);
    const files = fs.readdirSync(crashed);
    const aside = files.find((n) => /^siaga\.sqlite\.before-restore-\d{8}T\d{6}Z$/.test(n));
    expect(aside).toBeDefined();
    expect(files).toContain(`${aside}-wal`);
    expect(files).not.toContain('siaga.sqlite-wal');
    expect(files).not.toContain('siaga.sqlite-shm');
    const old = new Database(path.join(crashed, aside!), { readonly: true });
    expect(old.prepare('SELECT x FROM crash_marker').pluck().get()).toBe('only in the wal');
    old.close();
    expect(incidentsIn(path.join(crashed, 'siaga.sqlite')).size).toBe(verifyBackup(burstBackup).counts.incidents);
  });
});

describe('rotation and failures', () => {
  it('keeps only the newest SIAGA_BACKUP_KEEP files', async () => {
    const made = await Promise.all(Array.from({ length: KEEP + 1 }, () => running.backups!.backupNow()));
    expect(new Set(made).size).toBe(KEEP + 1); // never the same name twice
    expect([...made].sort()).toEqual(made); // queued one after the other, names in time order
    expect(backupFiles()).toEqual(made.slice(-KEEP).map((f) => path.basename(f)));
    expect(fs.existsSync(burstBackup)).toBe(false);
  });

  it('a backup that cannot be written rejects backupNow and does not take anything down', async () => {
    const dir = path.join(tmp, 'other');
    const db = openDb(dir);
    migrate(db);
    const notADir = path.join(tmp, 'not-a-dir');
    fs.writeFileSync(notADir, 'x');
    const backups = startBackups({ db, dir: notADir, intervalMs: 3_600_000, keep: 2 }); // its start-up backup fails too
    await expect(backups.backupNow()).rejects.toThrow();
    await backups.close();
    await expect(backups.backupNow()).rejects.toThrow(/closed/);
    db.close();
    const health = await fetch(`${base}/api/health`);
    expect(health.status).toBe(200);
  });
});
