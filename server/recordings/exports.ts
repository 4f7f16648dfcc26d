// Evidence export: for an incident, one MP4 per camera over one window (cut by clip.ts, remux only) and a
// manifest.json saying what each file is (camera, the wall-clock times of its first and last frame, its frames,
// bytes and SHA-256), in <data dir>/exports/<export id>/, outside the recordings so retention never touches it.
// `npm run verify -- <dir>` (scripts/verify-export.ts) checks a package against its manifest.
//
// All or nothing: every camera is checked before any work, the package is built in exports/.work/ and renamed into
// place whole, and its row, its audit rows (one per camera) and the incident's history entry are one commit; a
// failure at any step removes what was written. A package with no row (a crash between the rename and the commit,
// or a database restored from a backup older than the package) is never deleted automatically: evidence is only
// removed by hand. Start-up names it in the log; the API does not serve it; `npm run verify` still checks it.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { DomainError } from '../../domain/errors.ts';
import type { HistoryEvent } from '../../domain/incident.ts';
import type { Logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { transactorFor } from '../store/group-commit.ts';
import type { VideoAudit } from './audit.ts';
import { cutClip, type ClipResult } from './clip.ts';
import { mediaPath, type RecFile } from './files.ts';
import { windowOf } from './playback.ts';
import type { Recorder } from './recorder.ts';

export const EXPORT_ID = /^\d{8}-[0-9a-f]{16}$/;
export const MANIFEST = 'manifest.json';
/** A clip's file name: <camera id>.mp4 (camera ids: camera-config/schema.ts CAMERA_ID). */
const CLIP_FILE = /^[a-z0-9][a-z0-9-]{0,31}\.mp4$/;
export const MAX_EXPORT_CAMERAS = 16;
const FORMAT = 'siaga-evidence-export/1';

/** What the recordings room needs of the incidents room (main.ts hands it the incident service). */
export interface IncidentsPort {
  get(id: string): { id: string } | null;
  addEvent(id: string, e: { event: HistoryEvent; by: string; note?: string }): unknown;
}

export interface ManifestClip {
  camera: string;
  cameraName: string | null;
  file: string;
  /** Wall-clock times of the first and of the last frame in the file (the recording index's program dates). */
  start: string;
  end: string;
  frames: number;
  durationS: number;
  bytes: number;
  sha256: string;
  /** Continuous stretches: more than one when the camera's recording has a gap in the window (shown back to back). */
  pieces: Array<{ start: string; end: string; frames: number }>;
}

export interface Manifest {
  format: typeof FORMAT;
  exportId: string;
  incidentId: string;
  exportedBy: string;
  exportedAt: string;
  /** The window asked for; each clip starts at the keyframe at or before `from` and ends with the part holding `to`. */
  requested: { from: string; to: string };
  hashAlgorithm: 'sha256';
  frameCount: string;
  clips: ManifestClip[];
}

export interface ExportSummary {
  exportId: string;
  incidentId: string;
  exportedBy: string;
  exportedAt: string;
  from: string;
  to: string;
  manifestSha256: string;
  manifest: Manifest;
}

export interface ExportsDeps {
  db: Db;
  recorder: Recorder;
  /** <data dir>/exports. */
  dir: string;
  ffmpegPath: string;
  incidents: IncidentsPort;
  audit: VideoAudit;
  cameraName: (id: string) => string | undefined;
  log: Logger;
  now?: () => number;
}

const iso = (ms: number) => new Date(Math.round(ms)).toISOString();

export function createExports(d: ExportsDeps) {
  const now = d.now ?? Date.now;
  const workDir = path.join(d.dir, '.work');
  const tx = transactorFor(d.db);
  const insert = d.db.prepare(
    `INSERT INTO clip_exports (id, incident_id, exported_by, exported_at, from_at, to_at, manifest, manifest_sha256)
     VALUES (@exportId, @incidentId, @exportedBy, @exportedAt, @from, @to, @manifest, @manifestSha256)`,
  );
  const byIncident = d.db.prepare('SELECT * FROM clip_exports WHERE incident_id = ? ORDER BY exported_at DESC, id DESC');
  const byId = d.db.prepare('SELECT * FROM clip_exports WHERE id = ?');
  const known = d.db.prepare('SELECT 1 FROM clip_exports WHERE id = ?').pluck();

  type Row = { id: string; incident_id: string; exported_by: string; exported_at: string; from_at: string; to_at: string; manifest: string; manifest_sha256: string };
  const summary = (r: Row): ExportSummary => ({
    exportId: r.id, incidentId: r.incident_id, exportedBy: r.exported_by, exportedAt: r.exported_at, from: r.from_at, to: r.to_at,
    manifestSha256: r.manifest_sha256, manifest: JSON.parse(r.manifest) as Manifest,
  });

  // start-up: unfinished work goes; a package no row stands for stays, named in the log
  fs.rmSync(workDir, { recursive: true, force: true });
  fs.mkdirSync(d.dir, { recursive: true });
  const unknown = fs.readdirSync(d.dir).filter((name) => EXPORT_ID.test(name) && !known.get(name));
  if (unknown.length) {
    d.log.warn('evidence packages with no record in the database (a crash before their commit, or a restored database): left in place, not served', { exportIds: unknown });
  }

  return {
    /** Where clip downloads cut their MP4 (removed at start, like the packages' work). */
    workDir,

    /**
     * Cuts and stores one package. Refused before any work (nothing stored): an unknown incident (incident_not_found,
     * id), camera (camera_not_found, cameras.<i>), or a camera with nothing recorded in the window (no_recording,
     * cameras.<i>). Resolves after the commit.
     */
    async create(o: { incidentId: string; cameras: string[]; fromMs: number; toMs: number; by: string; signal?: AbortSignal }): Promise<ExportSummary> {
      if (!d.incidents.get(o.incidentId)) throw new DomainError('incident_not_found', 'id', 'no such incident');
      const plans = o.cameras.map((camera, i) => {
        const files = d.recorder.files(camera);
        if (!files) throw new DomainError('camera_not_found', `cameras.${i}`, `cameras.${i}: no camera ${camera} is recorded here`);
        const dir = d.recorder.dirOf(camera)!;
        const pathOf = (f: RecFile) => mediaPath(dir, f);
        const windows = windowOf(files, o.fromMs, o.toMs, pathOf);
        if (!windows.length) throw new DomainError('no_recording', `cameras.${i}`, `cameras.${i}: nothing of ${camera} is recorded in that window`, { camera });
        return { camera, windows, pathOf };
      });
      const exportedAt = now();
      const exportId = `${iso(exportedAt).slice(0, 10).replaceAll('-', '')}-${crypto.randomBytes(8).toString('hex')}`;
      const stage = path.join(workDir, exportId);
      const final = path.join(d.dir, exportId);
      fs.mkdirSync(stage, { recursive: true });
      let manifest: Manifest;
      let text: string;
      try {
        const clips: ManifestClip[] = [];
        for (const p of plans) {
          const file = `${p.camera}.mp4`;
          const r = await cutClip({ ffmpegPath: d.ffmpegPath, windows: p.windows, pathOf: p.pathOf, to: o.toMs, out: path.join(stage, file), workDir, signal: o.signal });
          clips.push(clipEntry(p.camera, d.cameraName(p.camera) ?? null, file, r));
        }
        manifest = {
          format: FORMAT,
          exportId,
          incidentId: o.incidentId,
          exportedBy: o.by,
          exportedAt: iso(exportedAt),
          requested: { from: iso(o.fromMs), to: iso(o.toMs) },
          hashAlgorithm: 'sha256',
          frameCount: 'video samples listed in the trun boxes of the fragments included (counted without decoding)',
          clips,
        };
        text = `${JSON.stringify(manifest, null, 2)}\n`;
        fs.writeFileSync(path.join(stage, MANIFEST), text);
        fs.renameSync(stage, final);
      } catch (err) {
        fs.rmSync(stage, { recursive: true, force: true });
        throw err;
      }
      const row = {
        exportId, incidentId: o.incidentId, exportedBy: o.by, exportedAt: manifest.exportedAt, from: manifest.requested.from, to: manifest.requested.to,
        manifest: text, manifestSha256: crypto.createHash('sha256').update(text).digest('hex'),
      };
      try {
        await tx.enqueue(() => {
          insert.run(row);
          for (const c of o.cameras) d.audit.write({ action: 'export', by: o.by, camera: c, fromMs: o.fromMs, toMs: o.toMs, incidentId: o.incidentId });
          d.incidents.addEvent(o.incidentId, {
            event: 'video_exported',
            by: o.by,
            note: `paket ${exportId}: ${o.cameras.join(', ')}, ${row.from} – ${row.to}`,
          });
        });
      } catch (err) {
        fs.rmSync(final, { recursive: true, force: true });
        throw err;
      }
      return { ...row, manifest };
    },

    /** An incident's packages, newest first. */
    list(incidentId: string): ExportSummary[] {
      if (!d.incidents.get(incidentId)) throw new DomainError('incident_not_found', 'id', 'no such incident');
      return (byIncident.all(incidentId) as Row[]).map(summary);
    },

    /**
     * A file of a package: its path, and the clip when it is one. Names are checked against strict patterns and
     * then against the package's own manifest, so no request names anything else on disk.
     */
    file(exportId: string, file: string): { path: string; summary: ExportSummary; clip?: ManifestClip } {
      if (!EXPORT_ID.test(exportId)) throw new DomainError('invalid_field', 'exportId', 'exportId: <yyyymmdd>-<16 hex>');
      if (file !== MANIFEST && !CLIP_FILE.test(file)) throw new DomainError('invalid_field', 'file', `file: ${MANIFEST} or <camera>.mp4`);
      const row = byId.get(exportId) as Row | undefined;
      if (!row) throw new DomainError('not_found', 'exportId', 'no such export');
      const s = summary(row);
      const clip = s.manifest.clips.find((c) => c.file === file);
      if (file !== MANIFEST && !clip) throw new DomainError('not_found', 'file', 'no such file in this export');
      return { path: path.join(d.dir, exportId, file), summary: s, clip };
    },
  };
}
export type Exports = ReturnType<typeof createExports>;

function clipEntry(camera: string, cameraName: string | null, file: string, r: ClipResult): ManifestClip {
  return {
    camera,
    cameraName,
    file,
    start: iso(r.startMs),
    end: iso(r.endMs),
    frames: r.frames,
    durationS: Math.round(r.durationMs) / 1000,
    bytes: r.bytes,
    sha256: r.sha256,
    pieces: r.pieces.map((p) => ({ start: iso(p.startMs), end: iso(p.endMs), frames: p.frames })),
  };
}
