// SQLite store: one file per data dir, opened once per process. The only room that writes disk.
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { migrations } from './migrations.ts';
import type { Migration } from './schema/migration.ts';

export type Db = Database.Database;

export type { Migration };

export function openDb(dataDir: string): Db {
  fs.mkdirSync(dataDir, { recursive: true });
  const db = new Database(path.join(dataDir, 'siaga.sqlite'));
  db.pragma('journal_mode = WAL');
  // FULL, not NORMAL: in WAL mode NORMAL survives a process crash but may lose the last commits on power loss or
  // an OS crash. We promise "nothing acknowledged is ever lost", so every commit is fsynced before the 2xx.
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
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
