// Online backups of the SQLite store, with rotation; verifyBackup for the restore script.
// Why: the store is one file on one disk. A backup copy in another directory (ideally another disk, synced off-site)
// is what brings the centre back after a dead disk or a bad restore of the OS.
// Contract:
// - Online: SQLite's backup API (better-sqlite3 db.backup) copies the pages a few at a time, one batch per
//   event-loop turn, on the server's own connection, so intake keeps being answered while a backup runs. Pages
//   written through that connection during the copy are copied too, so a backup holds at least every commit made
//   before backupNow() was called (and so every 2xx sent before it, see group-commit.ts).
// - One backup at start-up, then one every intervalMs; backups never overlap (backupNow waits for a running one).
// - Files are `siaga-<UTC time>.sqlite` (ISO basic with milliseconds, same length: name order = time order),
//   written as `<name>.partial`, fsynced and renamed only when complete and in rollback-journal mode (a self-contained
//   single file, no -wal to forget). Rotation keeps the newest `keep` and deletes older ones.
// - A failed scheduled backup logs a warning and is retried at the next interval; it never throws into the server.
//   backupNow() rejects, so a caller that asked for one learns it failed.
// - close() stops the timer and waits for a running backup; call it before db.close().
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { logger } from '../log.ts';
import type { Db } from './db.ts';

const log = logger('backup');

/** Pages copied per event-loop turn (4 KiB pages: ~512 KiB, a millisecond or two of work). */
const PAGES_PER_STEP = 128;
const NAME = /^siaga-\d{8}T\d{6}\.\d{3}Z\.sqlite$/;
const PARTIAL = /^siaga-\d{8}T\d{6}\.\d{3}Z\.sqlite\.partial$/;

export interface BackupOptions {
  db: Db;
  dir: string;
  /** Default one hour. */
  intervalMs?: number;
  /** Backups kept (newest first); default 24. */
  keep?: number;
  now?: () => number;
  /** Pages copied per event-loop turn; default 128 (~512 KiB with 4 KiB pages). */
  pagesPerStep?: number;
}

export interface BackupStatus {
  /** Pages of the backup being copied right now (between two steps); null when none is mid-copy. */
  copying: { totalPages: number; remainingPages: number } | null;
  /** The last backup that finished: its file, or the error it failed with. */
  last: { at: number; file: string } | { at: number; error: string } | null;
}

export interface Backups {
  /** Takes a backup now (after a running one); resolves to the new file's path. */
  backupNow(): Promise<string>;
  /** For health/metrics (and tests). */
  status(): BackupStatus;
  /** Stops the schedule and waits for a running backup. */
  close(): Promise<void>;
}

/** `siaga-20261130T171200.123Z.sqlite` */
export function backupName(ms: number): string {
  return `siaga-${new Date(ms).toISOString().replace(/[-:]/g, '')}.sqlite`;
}

export function startBackups(opts: BackupOptions): Backups {
  const { db, dir } = opts;
  const intervalMs = opts.intervalMs ?? 3_600_000;
  const keep = opts.keep ?? 24;
  const now = opts.now ?? Date.now;
  const pagesPerStep = opts.pagesPerStep ?? PAGES_PER_STEP;
  // setInterval turns anything above 2^31-1 ms (~24.8 days) into 1 ms
  if (!(intervalMs > 0 && intervalMs <= 0x7fffffff)) throw new Error(`backup interval must be 1..2147483647 ms, got ${intervalMs}`);
  if (!Number.isInteger(keep) || keep < 1) throw new Error(`backups to keep must be an integer >= 1, got ${keep}`);
  // (0 would make better-sqlite3 step forever without copying a page)
  if (!Number.isInteger(pagesPerStep) || pagesPerStep < 1) throw new Error(`pages per step must be an integer >= 1, got ${pagesPerStep}`);

  let chain: Promise<unknown> = Promise.resolve();
  let running = 0;
  let closed = false;
  const state: BackupStatus = { copying: null, last: null };

  async function run(): Promise<string> {
    fs.mkdirSync(dir, { recursive: true });
    let ms = now();
    while (fs.existsSync(path.join(dir, backupName(ms)))) ms++; // two in one millisecond, or the clock went back
    const file = path.join(dir, backupName(ms));
    const partial = `${file}.partial`;
    const started = Date.now();
    try {
      try {
        await db.backup(partial, {
          progress: ({ totalPages, remainingPages }) => {
            state.copying = { totalPages, remainingPages };
            return pagesPerStep;
          },
        });
      } finally {
        state.copying = null;
      }
      // The copy carries the source's WAL flag; switch it to a plain rollback-journal file (removes its -wal/-shm).
      const copy = new Database(partial);
      try {
        copy.pragma('journal_mode = DELETE');
      } finally {
        copy.close();
      }
      await fsyncPath(partial); // on the thread pool: a big file's fsync does not block the event loop
      await fs.promises.rename(partial, file);
      await fsyncPath(dir);
    } catch (err) {
      for (const f of [partial, `${partial}-wal`, `${partial}-shm`, `${partial}-journal`]) fs.rmSync(f, { force: true });
      throw err;
    }
    log.info('backup written', { file, bytes: fs.statSync(file).size, ms: Date.now() - started });
    rotate();
    return file;
  }

  function rotate(): void {
    const names = fs.readdirSync(dir).filter((n) => NAME.test(n)).sort();
    for (const n of names.slice(0, Math.max(0, names.length - keep))) {
      try {
        fs.rmSync(path.join(dir, n));
      } catch (err) {
        log.warn('could not delete old backup', { file: path.join(dir, n), err: String(err) });
      }
    }
  }

  function backupNow(): Promise<string> {
    if (closed) return Promise.reject(new Error('backups are closed'));
    running++;
    const p = chain.then(run).then(
      (file) => ((state.last = { at: now(), file }), file),
      (err) => {
        state.last = { at: now(), error: String(err?.message ?? err) };
        throw err;
      },
    ).finally(() => running--);
    chain = p.catch(() => undefined);
    return p;
  }

  function scheduled(): void {
    if (running) return; // the previous one is still going: do not pile up
    backupNow().catch((err) => log.warn('backup failed', { dir, err: String(err?.message ?? err) }));
  }

  // Leftovers of a process that died mid-backup (one server per data dir, so none is ours).
  try {
    for (const n of fs.existsSync(dir) ? fs.readdirSync(dir) : []) if (PARTIAL.test(n)) fs.rmSync(path.join(dir, n), { force: true });
  } catch (err) {
    log.warn('could not clean the backup dir', { dir, err: String(err) });
  }
  scheduled();
  const timer = setInterval(scheduled, intervalMs);
  timer.unref();

  return {
    backupNow,
    status: () => ({ ...state }),
    async close() {
      closed = true;
      clearInterval(timer);
      await chain;
    },
  };
}

/** fsync of a file, or of a directory to make a rename durable (best effort: not every platform can). */
async function fsyncPath(p: string): Promise<void> {
  const isDir = fs.statSync(p).isDirectory();
  let fh: fs.promises.FileHandle | undefined;
  try {
    fh = await fs.promises.open(p, isDir ? 'r' : 'r+');
    await fh.sync();
  } catch (err) {
    if (!isDir) throw err;
  } finally {
    await fh?.close();
  }
}

export interface BackupSummary {
  file: string;
  bytes: number;
  /** Applied migration ids, in order. */
  migrations: string[];
  /** Row counts of the main tables (absent tables are left out). */
  counts: Record<string, number>;
}

const COUNTED = ['incidents', 'incident_history', 'units', 'dispatches', 'users', 'tokens'];

/**
 * Opens a backup read-only and checks it is a whole Siaga store: SQLite's integrity_check says 'ok' and the
 * `migrations` table is there. Returns a summary; throws an Error that names the file and what is wrong.
 */
export function verifyBackup(file: string): BackupSummary {
  let stat: fs.Stats;
  try {
    stat = fs.statSync(file);
  } catch {
    throw new Error(`${file}: no such file`);
  }
  if (!stat.isFile()) throw new Error(`${file}: not a regular file`);
  if (stat.size === 0) throw new Error(`${file}: empty file`);
  // A WAL-flagged file (a raw copy of a live store) makes SQLite create -wal/-shm even read-only: remove ours after.
  const sideFiles = [`${file}-wal`, `${file}-shm`].filter((f) => !fs.existsSync(f));
  let db: Database.Database | undefined;
  try {
    db = new Database(file, { readonly: true, fileMustExist: true });
    let check: string[];
    try {
      check = db.prepare('PRAGMA integrity_check').pluck().all() as string[];
    } catch (err) {
      throw new Error(`${file}: not a readable SQLite database (${(err as Error).message})`);
    }
    if (check.length !== 1 || check[0] !== 'ok') {
      throw new Error(`${file}: integrity check failed: ${check.slice(0, 5).join('; ')}${check.length > 5 ? ` (+${check.length - 5} more)` : ''}`);
    }
    const tables = new Set(db.prepare(`SELECT name FROM sqlite_master WHERE type = 'table'`).pluck().all() as string[]);
    if (!tables.has('migrations')) throw new Error(`${file}: no migrations table (not a Siaga store)`);
    const migrations = db.prepare('SELECT id FROM migrations ORDER BY id').pluck().all() as string[];
    if (!migrations.length) throw new Error(`${file}: migrations table is empty (not a Siaga store)`);
    const counts: Record<string, number> = {};
    for (const t of COUNTED) if (tables.has(t)) counts[t] = db.prepare(`SELECT COUNT(*) FROM "${t}"`).pluck().get() as number;
    return { file, bytes: stat.size, migrations, counts };
  } catch (err) {
    if (err instanceof Error && err.message.startsWith(`${file}: `)) throw err;
    throw new Error(`${file}: cannot open as SQLite database (${(err as Error)?.message ?? err})`);
  } finally {
    db?.close();
    for (const f of sideFiles) fs.rmSync(f, { force: true });
  }
}
