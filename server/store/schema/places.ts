// The centre's common places (issue #14): what operators typed and picked (candidates), the places an admin approved
// or imported, and the audit trail of every change to them. Ids '500-…'. Never edit an applied one.
// Times are ISO-8601 UTC strings (toISOString).
import type { Migration } from './migration.ts';

export const placesMigrations: Migration[] = [
  {
    id: '500-places',
    sql: `
      -- one operator placement the geocoder did not give: the typed text, its normal form (geo placeKey), the point
      CREATE TABLE place_candidates (
        id           INTEGER PRIMARY KEY,
        text         TEXT NOT NULL,
        norm         TEXT NOT NULL,
        lat          REAL NOT NULL,
        lon          REAL NOT NULL,
        incident_id  TEXT,
        by           TEXT NOT NULL,
        at           TEXT NOT NULL,
        place_id     INTEGER            -- the common place it was approved into; NULL = pending
      );
      CREATE INDEX place_candidates_norm ON place_candidates(norm, place_id);
      CREATE TABLE common_places (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL,
        aliases     TEXT NOT NULL,      -- JSON array of strings
        lat         REAL NOT NULL,
        lon         REAL NOT NULL,
        radius_m    REAL NOT NULL,
        source      TEXT NOT NULL,
        created_by  TEXT NOT NULL,
        created_at  TEXT NOT NULL
      );
      -- every change to the common places: who, what, when (the place as it was added or removed)
      CREATE TABLE places_audit (
        id        INTEGER PRIMARY KEY,
        at        TEXT NOT NULL,
        by        TEXT NOT NULL,
        action    TEXT NOT NULL,        -- approve | create | delete | import
        place_id  INTEGER,
        detail    TEXT NOT NULL         -- JSON
      );
    `,
  },
  {
    id: '501-place-candidates-pending-at',
    sql: `
      -- retention deletes pending candidates by age (server/store/retention.ts)
      CREATE INDEX place_candidates_pending_at ON place_candidates(at) WHERE place_id IS NULL;
    `,
  },
];
