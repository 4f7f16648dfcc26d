// The video audit (table video_audit, migration 600): one row per playback, download or export of recorded video,
// who and which camera's span. Written as the video goes out; read by admins; kept SIAGA_VIDEO_AUDIT_KEEP_DAYS
// (server/store/retention.ts).
import type { Db } from '../store/db.ts';

export const VIDEO_AUDIT_ACTIONS = ['playback', 'download', 'export'] as const;
export type VideoAuditAction = (typeof VIDEO_AUDIT_ACTIONS)[number];

export interface VideoAuditEntry {
  action: VideoAuditAction;
  by: string;
  camera: string;
  fromMs: number;
  toMs: number;
  incidentId?: string;
}

/** A row as GET /api/audit/video answers it. */
export interface VideoAuditRow {
  id: number;
  at: string;
  by: string;
  action: VideoAuditAction;
  camera: string;
  from: string;
  to: string;
  incidentId: string | null;
}

export interface VideoAuditQuery {
  /** `at` bounds, ISO-8601, inclusive. */
  from?: string;
  to?: string;
  camera?: string;
  limit: number;
}

const iso = (ms: number) => new Date(ms).toISOString();

export function createVideoAudit(db: Db, now: () => number = Date.now) {
  const insert = db.prepare('INSERT INTO video_audit (at, by, action, camera, from_at, to_at, incident_id) VALUES (?, ?, ?, ?, ?, ?, ?)');
  const select = db.prepare(
    `SELECT id, at, by, action, camera, from_at AS "from", to_at AS "to", incident_id AS incidentId FROM video_audit
      WHERE (@from IS NULL OR at >= @from) AND (@to IS NULL OR at <= @to) AND (@camera IS NULL OR camera = @camera)
      ORDER BY at DESC, id DESC LIMIT @limit`,
  );
  return {
    /** One row; inside the caller's transaction when there is one. */
    write(e: VideoAuditEntry): void {
      insert.run(iso(now()), e.by, e.action, e.camera, iso(e.fromMs), iso(e.toMs), e.incidentId ?? null);
    },
    /** Newest first. */
    list(q: VideoAuditQuery): VideoAuditRow[] {
      return select.all({ from: q.from ?? null, to: q.to ?? null, camera: q.camera ?? null, limit: q.limit }) as VideoAuditRow[];
    },
  };
}
export type VideoAudit = ReturnType<typeof createVideoAudit>;
