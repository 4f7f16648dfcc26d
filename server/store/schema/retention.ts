// What the retention jobs (server/store/retention.ts) remember between runs. Ids '400-…'.
import type { Migration } from './migration.ts';

export const retentionMigrations: Migration[] = [
  {
    id: '400-retention-marks',
    sql: `
      -- how far a job has got (e.g. positions thinned up to this time), so a run does not re-read what is done
      CREATE TABLE retention_marks (job TEXT PRIMARY KEY, upto TEXT NOT NULL);
    `,
  },
];
