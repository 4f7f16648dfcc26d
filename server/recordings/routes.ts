// HTTP surface of recorded video (operator and above: recorded video is more than a live glance):
// GET /api/cameras/:id/recordings?from=&to=            the spans on disk (gaps are what is not listed)
// GET /api/cameras/:id/recordings/index.m3u8?from=&to= an HLS VOD playlist of a window (audited as a playback)
// GET /api/cameras/:id/recordings/files/<id>.mp4       the recording files the playlist points into (Range requests)
// GET /api/cameras/:id/recordings/clip.mp4?from=&to=   a span as one regular MP4, remuxed (audited as a download)
// POST /api/incidents/:id/clips {cameras, from, to}      an evidence package: one MP4 per camera + manifest.json
// GET /api/incidents/:id/clips                           an incident's packages
// GET /api/exports/:exportId/:file                       a file of a package (audited as a download when a clip)
// GET /api/audit/video?from=&to=&camera=&limit=          the video audit (admins only)
import fs from 'node:fs';
import path from 'node:path';
import express, { type Request, type Response } from 'express';
import type { RecordingsAnswer } from '../../domain/camera.ts';
import { z } from 'zod';
import { CAMERA_ID } from '../../camera-config/schema.ts';
import { DomainError, invalidField } from '../../domain/errors.ts';
import { plausibleTime, TIME_RANGE_TEXT } from '../../domain/ranges.ts';
import type { Principal } from '../http/auth.ts';
import { intParam, timeParam } from '../http/query.ts';
import type { RequireRole } from '../http/roles.ts';
import type { VideoAudit } from './audit.ts';
import { cutClip, MAX_CLIP_MS } from './clip.ts';
import { MAX_EXPORT_CAMERAS, MANIFEST, type Exports, type ExportSummary } from './exports.ts';
import { mediaPath, type RecFile } from './files.ts';
import { MAX_WINDOW_MS, spans, vodPlaylist, windowOf } from './playback.ts';
import type { Recorder } from './recorder.ts';

/** A playlist asked for without `to` covers this much after `from`. */
const DEFAULT_WINDOW_MS = 30 * 60_000;
const BODY_LIMIT = '16kb';

export interface RecordingsRouterDeps {
  recorder: Recorder;
  requireRole: RequireRole;
  /** Who watched or took which camera's span. */
  audit: VideoAudit;
  exports: Exports;
  ffmpegPath: string;
  now?: () => number;
}

const isoInstant = z.iso.datetime({ offset: true }).refine((s) => plausibleTime(Date.parse(s)), `must be ${TIME_RANGE_TEXT}`);
const exportBody = z.strictObject({
  cameras: z.array(z.string().regex(CAMERA_ID, 'a camera id is 1-32 of a-z, 0-9 and -')).min(1).max(MAX_EXPORT_CAMERAS),
  from: isoInstant,
  to: isoInstant,
});
const spanText = (ms: number) => (ms >= 3_600_000 ? `${ms / 3_600_000} h` : `${ms / 60_000} min`);
/** "attachment" with a name made of our own ids and digits only (nothing to escape). */
const attachment = (name: string) => `attachment; filename="${name}"`;
const stamp = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d+/g, '');

export function recordingsRouter({ recorder, requireRole, audit, exports, ffmpegPath, now = Date.now }: RecordingsRouterDeps): express.Router {
  const r = express.Router();
  const operator = requireRole('operator');
  const by = (res: Response) => (res.locals.principal as Principal).id;

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
    if (maxMs && to - from > maxMs) throw new DomainError('invalid_field', 'to', `to: at most ${spanText(maxMs)} after from`);
    return { from, to };
  };
  /** A window to cut: from and to both required. */
  const clipParams = (req: Request) => {
    for (const f of ['from', 'to'] as const) {
      if (req.query[f] === undefined || req.query[f] === '') throw new DomainError('invalid_field', f, `${f}: required (ISO-8601 or epoch ms)`);
    }
    return windowParams(req, 0, 0, MAX_CLIP_MS);
  };
  const pathsOf = (camera: string) => {
    const dir = recorder.dirOf(camera)!;
    return (f: RecFile) => mediaPath(dir, f);
  };

  r.get('/api/cameras/:id/recordings', operator, (req, res) => {
    const cam = cameraOf(req);
    const oldest = cam.files[0]?.id ?? now();
    const { from, to } = windowParams(req, oldest, Infinity);
    const answer: RecordingsAnswer = {
      camera: cam.id,
      state: recorder.state(cam.id)!,
      retainedFrom: cam.files.length ? new Date(oldest).toISOString() : null,
      spans: spans(cam.files, from, to).map((s) => ({ from: new Date(s.from).toISOString(), to: new Date(s.to).toISOString() })),
    };
    res.set('Cache-Control', 'no-cache').json(answer);
  });

  r.get('/api/cameras/:id/recordings/index.m3u8', operator, (req, res: Response) => {
    const cam = cameraOf(req);
    const { from, to } = windowParams(req, now() - 5 * 60_000, DEFAULT_WINDOW_MS, MAX_WINDOW_MS);
    const dir = recorder.dirOf(cam.id)!;
    const windows = windowOf(cam.files, from, to, (f) => mediaPath(dir, f));
    const text = vodPlaylist(windows, (f) => `files/${f.id}.mp4`);
    if (!text) throw new DomainError('no_recording', 'from', 'nothing recorded in that window');
    audit.write({ action: 'playback', by: by(res), camera: cam.id, fromMs: from, toMs: to });
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

  // A span as a regular MP4 (remux, no re-encode): from the keyframe at or before `from` to the part holding `to`.
  r.get('/api/cameras/:id/recordings/clip.mp4', operator, async (req, res) => {
    const cam = cameraOf(req);
    const { from, to } = clipParams(req);
    const pathOf = pathsOf(cam.id);
    const windows = windowOf(cam.files, from, to, pathOf);
    if (!windows.length) throw new DomainError('no_recording', 'from', 'nothing recorded in that window');
    // a caller that went away stops the remux
    const gone = new AbortController();
    res.once('close', () => gone.abort());
    fs.mkdirSync(exports.workDir, { recursive: true });
    const tmp = fs.mkdtempSync(path.join(exports.workDir, 'download-'));
    try {
      const out = path.join(tmp, 'clip.mp4');
      const clip = await cutClip({ ffmpegPath, windows, pathOf, to, out, workDir: tmp, signal: gone.signal });
      audit.write({ action: 'download', by: by(res), camera: cam.id, fromMs: from, toMs: to });
      const headers = {
        'Content-Type': 'video/mp4',
        'Content-Disposition': attachment(`${cam.id}_${stamp(clip.startMs)}.mp4`),
        'Cache-Control': 'private, no-store',
        'X-Clip-Start': new Date(Math.round(clip.startMs)).toISOString(),
        'X-Clip-End': new Date(Math.round(clip.endMs)).toISOString(),
        'X-Clip-Frames': String(clip.frames),
        'X-Clip-Sha256': clip.sha256,
      };
      await new Promise<void>((resolve, reject) =>
        res.sendFile(out, { headers, lastModified: false, etag: false, dotfiles: 'allow' /* exports/.work */ }, (err) => (err && !res.headersSent ? reject(err) : resolve())),
      );
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  });

  // ── evidence export (server/recordings/exports.ts) ──────────────────────────────────────────────────────────
  const exportView = (s: ExportSummary) => {
    const url = (file: string) => `/api/exports/${s.exportId}/${file}`;
    const { manifest, ...rest } = s;
    return { ...rest, manifestUrl: url(MANIFEST), clips: manifest.clips.map((c) => ({ ...c, url: url(c.file) })) };
  };

  r.post('/api/incidents/:id/clips', operator, express.json({ limit: BODY_LIMIT, strict: false }), async (req, res) => {
    if (req.body === null || typeof req.body !== 'object' || Array.isArray(req.body)) {
      throw new DomainError('expected_json_object', 'body', 'the body must be a JSON object: {"cameras": [...], "from": ..., "to": ...}');
    }
    const parsed = exportBody.safeParse(req.body);
    if (!parsed.success) throw invalidField(parsed.error.issues);
    const { cameras } = parsed.data;
    const twice = cameras.findIndex((c, i) => cameras.indexOf(c) !== i);
    if (twice >= 0) throw new DomainError('invalid_field', `cameras.${twice}`, `cameras.${twice}: ${cameras[twice]} is listed twice`);
    const fromMs = Date.parse(parsed.data.from);
    const toMs = Date.parse(parsed.data.to);
    if (toMs <= fromMs) throw new DomainError('invalid_field', 'to', 'to must be after from');
    if (toMs - fromMs > MAX_CLIP_MS) throw new DomainError('invalid_field', 'to', `to: at most ${spanText(MAX_CLIP_MS)} after from`);
    const made = await exports.create({ incidentId: String(req.params.id), cameras, fromMs, toMs, by: by(res) });
    res.status(201).location(`/api/incidents/${made.incidentId}/clips`).json(exportView(made));
  });

  r.get('/api/incidents/:id/clips', operator, (req, res) => {
    res.set('Cache-Control', 'no-store').json({ items: exports.list(String(req.params.id)).map(exportView) });
  });

  r.get('/api/exports/:exportId/:file', operator, async (req, res) => {
    const f = exports.file(String(req.params.exportId), String(req.params.file));
    if (f.clip) {
      const { requested, incidentId } = f.summary.manifest;
      audit.write({ action: 'download', by: by(res), camera: f.clip.camera, fromMs: Date.parse(requested.from), toMs: Date.parse(requested.to), incidentId });
    }
    const headers = {
      'Content-Type': f.clip ? 'video/mp4' : 'application/json',
      'Content-Disposition': attachment(`${f.summary.exportId}_${path.basename(f.path)}`),
      'Cache-Control': 'private, no-store',
    };
    await new Promise<void>((resolve, reject) =>
      res.sendFile(f.path, { headers, lastModified: false, etag: false }, (err) =>
        err && !res.headersSent ? reject(new DomainError('not_found', 'file', 'the file is missing from the export directory')) : resolve(),
      ),
    );
  });

  // ── the video audit (admins) ────────────────────────────────────────────────────────────────────────────────
  r.get('/api/audit/video', requireRole('admin'), (req, res) => {
    const t = now();
    const from = timeParam(req.query.from, 'from', { epochMs: true, now: t });
    const to = timeParam(req.query.to, 'to', { epochMs: true, now: t });
    if (from !== undefined && to !== undefined && to < from) throw new DomainError('invalid_field', 'to', 'to must not be before from');
    const camera = req.query.camera;
    if (camera !== undefined && (typeof camera !== 'string' || !CAMERA_ID.test(camera))) {
      throw new DomainError('invalid_field', 'camera', 'camera: a camera id is 1-32 of a-z, 0-9 and -');
    }
    const limit = intParam(req.query.limit, 'limit', { min: 1, max: 5000, fallback: 500 });
    const items = audit.list({
      from: from === undefined ? undefined : new Date(from).toISOString(),
      to: to === undefined ? undefined : new Date(to).toISOString(),
      camera: camera || undefined,
      limit,
    });
    res.set('Cache-Control', 'no-store').json({ items });
  });
  return r;
}
