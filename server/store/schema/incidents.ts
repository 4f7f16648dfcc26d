// Incidents, intake de-duplication and auth tables. Ids '100-…'; never edit an applied migration, add a new one.
import type { Migration } from './migration.ts';

export const incidentsMigrations: Migration[] = [
  {
    id: '100-incidents',
    sql: `
      CREATE TABLE incidents (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        id TEXT NOT NULL UNIQUE,
        source TEXT NOT NULL,
        source_ref TEXT,
        category TEXT NOT NULL,
        priority INTEGER NOT NULL,
        status TEXT NOT NULL,
        reported_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        -- the rest of the Incident (caller, description, location, agencies…) as JSON; history lives in its own table
        doc TEXT NOT NULL
      );
      CREATE INDEX incidents_status ON incidents(status);
      CREATE INDEX incidents_reported ON incidents(reported_at);
      CREATE INDEX incidents_updated ON incidents(updated_at);

      -- every transition and event, time-stamped: the briefing KPIs are computed from these rows
      CREATE TABLE incident_history (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        at TEXT NOT NULL,
        status TEXT,
        event TEXT,
        by TEXT NOT NULL,
        note TEXT
      );
      CREATE INDEX incident_history_incident ON incident_history(incident_id, seq);

      -- de-duplication of intake: CAP (sender,identifier), AML message, JSON Idempotency-Key
      CREATE TABLE intake_refs (
        kind TEXT NOT NULL,
        ref TEXT NOT NULL,
        body_hash TEXT NOT NULL,
        incident_id TEXT NOT NULL REFERENCES incidents(id),
        created_at TEXT NOT NULL,
        PRIMARY KEY (kind, ref)
      );
    `,
  },
  {
    id: '110-auth',
    sql: `
      CREATE TABLE users (
        username TEXT PRIMARY KEY,
        role TEXT NOT NULL,
        password_hash TEXT NOT NULL,
        created_at TEXT NOT NULL
      );
      CREATE TABLE tokens (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        hash TEXT NOT NULL UNIQUE,
        role TEXT NOT NULL,
        label TEXT NOT NULL,
        created_at TEXT NOT NULL,
        revoked_at TEXT
      );
      CREATE TABLE sessions (
        id_hash TEXT PRIMARY KEY,
        username TEXT NOT NULL REFERENCES users(username) ON DELETE CASCADE,
        expires_at TEXT NOT NULL
      );
    `,
  },
  {
    // Valid messages kept out of the live queue (an expired CAP alert, a test message): the operator's
    // "informasi" log, so nothing a feed sends disappears unseen.
    id: '120-intake-log',
    sql: `
      CREATE TABLE intake_log (
        seq INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        source TEXT NOT NULL,
        ref TEXT,
        action TEXT NOT NULL,
        summary TEXT NOT NULL,
        by TEXT NOT NULL
      );
    `,
  },
  {
    // One row /api/health rewrites: proof that a write commits (server/store/health.ts).
    id: '130-health-probe',
    sql: `CREATE TABLE health_probe (id INTEGER PRIMARY KEY, at TEXT NOT NULL);`,
  },
  {
    id: '145-accounts',
    // a user can be disabled (kept for the audit trail, signed out, refused at login); a kiosk's ?token= becomes an
    // opaque session that dies with its token, so the browser never holds the token itself
    sql: `
      ALTER TABLE users ADD COLUMN disabled_at TEXT;
      CREATE TABLE kiosk_sessions (
        id_hash TEXT PRIMARY KEY,
        token_id INTEGER NOT NULL REFERENCES tokens(id),
        created_at TEXT NOT NULL
      );
    `,
  },
  {
    // A token may carry an end of validity (NULL: none); expired tokens stop working and are purged with the revoked
    // ones (server/store/retention.ts).
    id: '150-token-expiry',
    sql: `ALTER TABLE tokens ADD COLUMN expires_at TEXT;`,
  },
];
