// Recorded video (issue #13): who watched or took which camera's past, and the evidence packages exported.
// Ids '600-…'. Never edit an applied one. Times are ISO-8601 UTC strings (toISOString).
import type { Migration } from './migration.ts';

export const recordingsMigrations: Migration[] = [
  {
    id: '600-video-audit',
    sql: `
      -- one playback (a VOD playlist served), download or export of recorded video; kept SIAGA_VIDEO_AUDIT_KEEP_DAYS
      CREATE TABLE video_audit (
        id           INTEGER PRIMARY KEY,
        at           TEXT NOT NULL,
        by           TEXT NOT NULL,
        action       TEXT NOT NULL,     -- playback | download | export
        camera       TEXT NOT NULL,
        from_at      TEXT NOT NULL,
        to_at        TEXT NOT NULL,
        incident_id  TEXT
      );
      CREATE INDEX video_audit_at ON video_audit(at);
    `,
  },
];
