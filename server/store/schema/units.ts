// Units, their AVL position history and dispatches. Ids '200-…' (incidents own '100-…').
// Times are ISO-8601 UTC strings (toISOString) so they sort and compare as text.
export const unitsMigrations: Array<{ id: string; sql: string }> = [
  {
    id: '200-units',
    sql: `
      CREATE TABLE units (
        id          TEXT PRIMARY KEY,
        callsign    TEXT NOT NULL,
        agency      TEXT NOT NULL,
        kind        TEXT NOT NULL,
        device_id   TEXT NOT NULL UNIQUE,
        created_at  TEXT NOT NULL
      );
      CREATE TABLE unit_positions (
        id           INTEGER PRIMARY KEY,
        unit_id      TEXT NOT NULL REFERENCES units(id),
        at           TEXT NOT NULL,
        received_at  TEXT NOT NULL,
        lat          REAL NOT NULL,
        lon          REAL NOT NULL,
        speed_kmh    REAL,
        bearing_deg  REAL,
        altitude_m   REAL,
        accuracy_m   REAL,
        battery      REAL
      );
      CREATE INDEX unit_positions_unit_at ON unit_positions(unit_id, at);
      CREATE TABLE dispatches (
        id             INTEGER PRIMARY KEY,
        incident_id    TEXT NOT NULL,
        unit_id        TEXT NOT NULL REFERENCES units(id),
        dispatched_at  TEXT NOT NULL,
        moving_at      TEXT,
        arrived_at     TEXT,
        cleared_at     TEXT,
        by             TEXT NOT NULL
      );
      CREATE INDEX dispatches_unit ON dispatches(unit_id, cleared_at);
      CREATE INDEX dispatches_incident ON dispatches(incident_id);
    `,
  },
  {
    id: '201-dispatch-sources',
    sql: `
      -- who said each stage happened: 'distance' (closing on the scene) or 'geofence' (AVL rules), 'crew' (crew page),
      -- 'operator'; and whether arrival may be inferred at all ('geofence') or needs a confirmation ('confirm': the
      -- incident's location is too uncertain for a geofence to mean anything)
      ALTER TABLE dispatches ADD COLUMN moving_source TEXT;
      ALTER TABLE dispatches ADD COLUMN arrived_source TEXT;
      ALTER TABLE dispatches ADD COLUMN arrival_check TEXT NOT NULL DEFAULT 'geofence';
      UPDATE dispatches SET moving_source = 'speed' WHERE moving_at IS NOT NULL;
      UPDATE dispatches SET arrived_source = 'geofence' WHERE arrived_at IS NOT NULL;
    `,
  },
  {
    id: '202-unit-station',
    sql: `
      -- a unit's home station: leaving its geofence after a dispatch is first movement (server/units/arrival.ts);
      -- all three or none
      ALTER TABLE units ADD COLUMN station_name TEXT;
      ALTER TABLE units ADD COLUMN station_lat REAL CHECK (station_lat BETWEEN -90 AND 90);
      ALTER TABLE units ADD COLUMN station_lon REAL CHECK (station_lon BETWEEN -180 AND 180);
    `,
  },
  {
    id: '203-device-id-hash',
    sql: `
      -- a device id is the AVL credential: only its hash is kept (server/units/device-id.ts; sha256_hex is registered
      -- by openDb), and a device may be bound to the addresses it reports from (JSON array of IPs / CIDRs)
      UPDATE units SET device_id = 'sha256:' || sha256_hex(device_id) WHERE device_id NOT LIKE 'sha256:%';
      ALTER TABLE units ADD COLUMN allow_from TEXT;
    `,
  },
  {
    id: '204-avl-trust',
    sql: `
      -- a fix kept for the record but not believed (a teleport, a replay) is not where the unit is: used = 0
      ALTER TABLE unit_positions ADD COLUMN used INTEGER NOT NULL DEFAULT 1;
      -- ids registered before the server issued them (guessable, e.g. Traccar's 6 digits) until rotated: 0
      ALTER TABLE units ADD COLUMN device_issued INTEGER NOT NULL DEFAULT 0;
    `,
  },
];
