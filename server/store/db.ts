// SQLite store: one file per data dir, opened once per process. The only room that writes disk.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './migrations.ts';
import type { Migration } from './schema/migration.ts';

export type Db = Database.Database;

export type { Migration };

/** Opens (or creates) the store; a failure names the file and what to do about it, not only SQLite's words. */
export function openDb(dataDir: string): Db {
  const file = path.join(dataDir, 'siaga.sqlite');
  let db: Db;
  try {
    fs.mkdirSync(dataDir, { recursive: true });
    db = new Database(file);
    db.pragma('journal_mode = WAL');
  } catch (err) {
    const why = String((err as Error)?.message ?? err);
    const fix = /readonly|EACCES|EROFS|permission/i.test(why)
      ? 'give the server write access to it and its folder (SIAGA_DATA_DIR), or point SIAGA_DATA_DIR elsewhere'
      : /not a database|malformed|corrupt/i.test(why)
        ? 'restore the newest backup (npm run restore -- <backup file>) or move the file aside to start empty'
        : 'check SIAGA_DATA_DIR and the disk';
    throw new Error(`cannot open the store ${file}: ${why}; ${fix}`);
  }
  // FULL, not NORMAL: in WAL mode NORMAL survives a process crash but may lose the last commits on power loss or
  // an OS crash. We promise "nothing acknowledged is ever lost", so every commit is fsynced before the 2xx.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  // for migrations that turn a stored secret into its hash (203-device-id-hash)
  db.function('sha256_hex', { deterministic: true }, (v: unknown) => crypto.createHash('sha256').update(String(v), 'utf8').digest('hex'));
  return db;
}

/** Applies the project's pending migrations (server/store/migrations.ts); returns the ids applied. */
export function migrate(db: Db): string[] {
  return applyMigrations(db, migrations);
}

/** Applies pending migrations in id order, each in its own transaction, recorded in `migrations`. */
export function applyMigrations(db: Db, migrations: Migration[]): string[] {
  db.exec(`CREATE TABLE IF NOT EXISTS migrations (id TEXT PRIMARY KEY, applied_at TEXT NOT NULL)`);
  const done = new Set(db.prepare('SELECT id FROM migrations').pluck().all() as string[]);
  const ids = migrations.map((m) => m.id);
  if (new Set(ids).size !== ids.length) throw new Error('duplicate migration id');
  const pending = [...migrations].sort((a, b) => a.id.localeCompare(b.id)).filter((m) => !done.has(m.id));
  const record = db.prepare('INSERT INTO migrations (id, applied_at) VALUES (?, ?)');
  for (const m of pending) {
    db.transaction(() => {
      db.exec(m.sql);
      record.run(m.id, new Date().toISOString());
    })();
  }
  return pending.map((m) => m.id);
}
