// Indexes the briefing's read queries need (server/kpis/query.ts). Ids '300-…'. Never edit an applied one.
import type { Migration } from '../db.ts';

export const kpisMigrations: Migration[] = [
  {
    id: '300-kpis-indexes',
    sql: `
      -- replay: every unit's fixes in a period (the existing (unit_id, at) index cannot range over time alone)
      CREATE INDEX IF NOT EXISTS kpis_unit_positions_at ON unit_positions(at);
      -- closing time of an incident: its first terminal transition (backlog at a past instant)
      CREATE INDEX IF NOT EXISTS kpis_history_status ON incident_history(incident_id, status, at);
    `,
  },
  {
    id: '301-kpis-covering',
    sql: `
      -- the timeline scans: covering, so a period is one index range read without touching the table rows
      CREATE INDEX IF NOT EXISTS kpis_incidents_period ON incidents(reported_at, category, source, status, updated_at,
        json_extract(doc, '$.location.kecamatan.name'), json_extract(doc, '$.location.kelurahan.name'), id);
      CREATE INDEX IF NOT EXISTS kpis_dispatches_period ON dispatches(dispatched_at, incident_id, unit_id, moving_at, arrived_at);
    `,
  },
];
