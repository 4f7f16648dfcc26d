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
  {
    id: '601-clip-exports',
    sql: `
      -- one evidence package (server/recordings/exports.ts): <data dir>/exports/<id>/, one MP4 per camera and its
      -- manifest.json, whose text is kept here too (what the package said when it was made); never aged out
      CREATE TABLE clip_exports (
        id               TEXT PRIMARY KEY,  -- <yyyymmdd>-<16 hex>, the package's directory
        incident_id      TEXT NOT NULL,
        exported_by      TEXT NOT NULL,
        exported_at      TEXT NOT NULL,
        from_at          TEXT NOT NULL,     -- the window asked for
        to_at            TEXT NOT NULL,
        manifest         TEXT NOT NULL,
        manifest_sha256  TEXT NOT NULL
      );
      CREATE INDEX clip_exports_incident ON clip_exports(incident_id, exported_at);
    `,
  },
];
