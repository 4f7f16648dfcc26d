// HTTP surface of recorded video (operator and above: recorded video is more than a live glance):
// GET /api/cameras/:id/recordings?from=&to=            the spans on disk (gaps are what is not listed)
// GET /api/cameras/:id/recordings/index.m3u8?from=&to= an HLS VOD playlist of a window (audited as a playback)
// GET /api/cameras/:id/recordings/files/<id>.mp4       the recording files the playlist points into (Range requests)
import express, { type Request, type Response } from 'express';
import { CAMERA_ID } from '../../camera-config/schema.ts';
import { DomainError } from '../../domain/errors.ts';
import type { Principal } from '../http/auth.ts';
import { timeParam } from '../http/query.ts';
import type { RequireRole } from '../http/roles.ts';
import { mediaPath } from './files.ts';
import { MAX_WINDOW_MS, spans, vodPlaylist, windowOf } from './playback.ts';
import type { Recorder } from './recorder.ts';

/** A playlist asked for without `to` covers this much after `from`. */
const DEFAULT_WINDOW_MS = 30 * 60_000;

export interface VideoAuditEntry {
  action: 'playback' | 'download' | 'export';
  by: string;
  camera: string;
  fromMs: number;
  toMs: number;
  incidentId?: string;
}

export interface RecordingsRouterDeps {
  recorder: Recorder;
  requireRole: RequireRole;
  /** Writes one audit row (who watched or took which camera's span). */
  audit?: (e: VideoAuditEntry) => void;
  now?: () => number;
}

export function recordingsRouter({ recorder, requireRole, audit, now = Date.now }: RecordingsRouterDeps): express.Router {
  const r = express.Router();
  const operator = requireRole('operator');

  const cameraOf = (req: Request) => {
    const id = String(req.params.id);
    if (!CAMERA_ID.test(id)) throw new DomainError('invalid_field', 'id', 'id: a camera id is 1-32 of a-z, 0-9 and -');
    const files = recorder.files(id);
    if (!files) throw new DomainError('camera_not_found', 'id', 'no such camera');
    return { id, files };
  };
  /** from/to of a request: ISO-8601 or epoch ms, from before to, at most MAX_WINDOW_MS apart when `maxMs`. */
  const windowParams = (req: Request, fallbackFrom: number, fallbackSpan: number, maxMs?: number) => {
    const t = now();
    const from = timeParam(req.query.from, 'from', { fallback: fallbackFrom, epochMs: true, now: t });
    const to = timeParam(req.query.to, 'to', { fallback: Math.min(from + fallbackSpan, t + 60_000), epochMs: true, now: t });
    if (to <= from) throw new DomainError('invalid_field', 'to', 'to must be after from');
    if (maxMs && to - from > maxMs) throw new DomainError('invalid_field', 'to', `to: at most ${maxMs / 3_600_000} h after from`);
    return { from, to };
  };

  r.get('/api/cameras/:id/recordings', operator, (req, res) => {
    const cam = cameraOf(req);
    const oldest = cam.files[0]?.id ?? now();
    const { from, to } = windowParams(req, oldest, Infinity);
    res.set('Cache-Control', 'no-cache').json({
      camera: cam.id,
      state: recorder.state(cam.id),
      retainedFrom: cam.files.length ? new Date(oldest).toISOString() : null,
      spans: spans(cam.files, from, to).map((s) => ({ from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() })),
    });
  });

  r.get('/api/cameras/:id/recordings/index.m3u8', operator, (req, res: Response) => {
    const cam = cameraOf(req);
    const { from, to } = windowParams(req, now() - 5 * 60_000, DEFAULT_WINDOW_MS, MAX_WINDOW_MS);
    const dir = recorder.dirOf(cam.id)!;
    const windows = windowOf(cam.files, from, to, (f) => mediaPath(dir, f));
    const text = vodPlaylist(windows, (f) => `files/${f.id}.mp4`);
    if (!text) throw new DomainError('no_recording', 'from', 'nothing recorded in that window');
    audit?.({ action: 'playback', by: (res.locals.principal as Principal).id, camera: cam.id, fromMs: from, toMs: to });
    res.set({ 'Content-Type': 'application/vnd.apple.mpegurl', 'Cache-Control': 'no-store' }).send(text);
  });

  r.get('/api/cameras/:id/recordings/files/:file', operator, (req, res, next) => {
    const cam = cameraOf(req);
    const m = /^(\d{13})\.mp4$/.exec(String(req.params.file));
    if (!m) throw new DomainError('invalid_field', 'file', 'file: <13 digits>.mp4');
    const file = recorder.mediaFile(cam.id, Number(m[1]));
    if (!file) throw new DomainError('not_found', 'file', 'no such recording file (it may have been aged out)');
    // Range requests: the playlist addresses GOPs by byte range. Never cached by a shared proxy: it is evidence.
    res.sendFile(file, { headers: { 'Content-Type': 'video/mp4', 'Cache-Control': 'private, no-store' }, acceptRanges: true, lastModified: false, etag: false }, (err) => {
      if (err && !res.headersSent) next(new DomainError('not_found', 'file', 'no such recording file (it may have been aged out)'));
    });
  });
  return r;
}
