// HTTP surface of the streams room: cameras (+health, no credentials), snapshots and HLS with blocking reload.
import express, { type Request, type Response } from 'express';
import { CAMERA_ID } from '../../camera-config/schema.ts';
import type { RequireRole } from '../http/roles.ts';
import { PLAYLIST, SEGMENT_RE } from './args.ts';
import { withServerControl } from './playlist.ts';
import type { StreamSupervisor } from './supervisor.ts';

const MIME: Record<string, string> = {
  m3u8: 'application/vnd.apple.mpegurl',
  ts: 'video/mp2t',
  m4s: 'video/mp4',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
};

/** A msn further ahead than this is a client error (RFC 8216bis: "more than two segments"). */
const MAX_MSN_AHEAD = 2;

export interface StreamsRouterDeps {
  supervisor: StreamSupervisor;
  requireRole: RequireRole;
}

export function streamsRouter({ supervisor, requireRole }: StreamsRouterDeps): express.Router {
  const router = express.Router();
  const viewer = requireRole('viewer');

  /** Strict id check first (400), then existence (404): nothing unchecked ever reaches a path. */
  const cameraOf = (req: Request, res: Response) => {
    const id = String(req.params.id);
    if (!CAMERA_ID.test(id)) {
      res.status(400).json({ error: 'invalid camera id', field: 'id' });
      return undefined;
    }
    const pipeline = supervisor.pipeline(id);
    if (!pipeline) res.status(404).json({ error: 'unknown camera', field: 'id' });
    return pipeline;
  };

  router.get('/api/cameras', viewer, (_req, res) => {
    res.set('Cache-Control', 'no-cache').json(supervisor.views());
  });

  router.get('/api/cameras/:id', viewer, (req, res) => {
    if (cameraOf(req, res)) res.set('Cache-Control', 'no-cache').json(supervisor.view(String(req.params.id)));
  });

  router.get('/api/cameras/:id/snapshot.jpg', viewer, (req, res, next) => {
    const pipeline = cameraOf(req, res);
    if (!pipeline) return;
    const at = pipeline.health().snapshotAt;
    if (!at) return void res.status(404).json({ error: 'no snapshot yet', field: 'id' });
    res.sendFile(pipeline.snapshotFile, {
      headers: { 'Content-Type': MIME.jpg, 'Cache-Control': 'no-cache', 'X-Snapshot-Time': at },
      lastModified: true,
    }, (err) => {
      if (err && !res.headersSent) res.status(404).json({ error: 'no snapshot yet', field: 'id' });
      else if (err) next(err);
    });
  });

  router.get('/hls/:id/:file', viewer, async (req, res) => {
    const pipeline = cameraOf(req, res);
    if (!pipeline) return;
    const file = String(req.params.file);
    if (file === PLAYLIST) return servePlaylist(req, res, pipeline);
    if (!SEGMENT_RE.test(file)) return void res.status(400).json({ error: 'invalid file name', field: 'file' });
    res.sendFile(file, {
      root: pipeline.hlsDir,
      dotfiles: 'deny',
      // names are never reused (epoch sequence numbers), so a segment may be cached briefly
      headers: { 'Content-Type': MIME.ts, 'Cache-Control': 'private, max-age=30' },
    }, (err) => {
      if (err && !res.headersSent) res.status(404).json({ error: 'segment not found', field: 'file' });
    });
  });

  router.use('/hls', viewer, (_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return router;
}

async function servePlaylist(
  req: Request,
  res: Response,
  pipeline: NonNullable<ReturnType<StreamSupervisor['pipeline']>>,
): Promise<void> {
  const rawMsn = req.query._HLS_msn;
  if (rawMsn !== undefined) {
    if (typeof rawMsn !== 'string' || !/^\d{1,20}$/.test(rawMsn)) {
      return void res.status(400).json({ error: 'invalid _HLS_msn', field: '_HLS_msn' });
    }
    const msn = Number(rawMsn);
    const last = pipeline.playlist?.lastSeq;
    if (last !== undefined && msn > last + MAX_MSN_AHEAD) {
      return void res.status(400).json({ error: '_HLS_msn too far ahead', field: '_HLS_msn' });
    }
    // Blocking reload: hold until that segment is listed (bounded), so the player hears of it at once.
    const holdMs = 3 * pipeline.timing.targetS * 1000 + 500;
    let aborted = false;
    req.once('close', () => (aborted = true));
    await pipeline.waitForSeq(msn, holdMs);
    if (aborted) return;
  }
  const text = pipeline.playlistText;
  if (!text) return void res.status(404).set('Cache-Control', 'no-cache').json({ error: 'playlist not ready yet', field: 'id' });
  res.set({ 'Content-Type': MIME.m3u8, 'Cache-Control': 'no-cache' }).send(withServerControl(text));
}
