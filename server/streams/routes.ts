// HTTP surface of the streams room: cameras (+health, no credentials), snapshots on demand and LL-HLS from memory
// (playlist with blocking reload, init segments, parts with preload hints, whole segments).
import express, { type Request, type Response } from 'express';
import { CAMERA_ID } from '../../camera-config/schema.ts';
import type { RequireRole } from '../http/roles.ts';
import type { CameraPipeline } from './pipeline.ts';
import type { StreamSupervisor } from './supervisor.ts';

const MIME = {
  m3u8: 'application/vnd.apple.mpegurl',
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
} as const;

/** A msn further ahead than this is a client error (RFC 8216bis: "more than two segments"). */
const MAX_MSN_AHEAD = 2;
const FILE = /^(?:index\.m3u8|init-(\d{1,9})\.mp4|seg-(\d{1,15})\.m4s|part-(\d{1,15})\.m4s)$/;
/** Names never repeat (see segmenter.ts), so media may be cached; the playlist never. */
const MEDIA_CACHE = 'private, max-age=60';

export interface StreamsRouterDeps {
  supervisor: StreamSupervisor;
  requireRole: RequireRole;
}

export function streamsRouter({ supervisor, requireRole }: StreamsRouterDeps): express.Router {
  const router = express.Router();
  const viewer = requireRole('viewer');

  /** Strict id check first (400), then existence (404): nothing unchecked ever reaches a lookup. */
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

  router.get('/api/cameras/:id/snapshot.jpg', viewer, async (req, res) => {
    const pipeline = cameraOf(req, res);
    if (!pipeline) return;
    const snap = await supervisor.snapshot(pipeline.id);
    if (!snap) return void res.status(404).json({ error: 'no snapshot yet', field: 'id' });
    res.set({ 'Content-Type': MIME.jpg, 'Cache-Control': 'no-cache', 'X-Snapshot-Time': new Date(snap.atMs).toISOString() }).send(snap.jpeg);
  });

  router.get('/hls/:id/:file', viewer, async (req, res) => {
    const pipeline = cameraOf(req, res);
    if (!pipeline) return;
    const m = FILE.exec(String(req.params.file));
    if (!m) return void res.status(400).json({ error: 'invalid file name', field: 'file' });
    const seg = pipeline.segmenter;
    const [, init, msn, part] = m;
    if (init !== undefined) return sendMedia(res, seg.initSegment(Number(init))?.bytes);
    if (msn !== undefined) return sendMedia(res, seg.segment(Number(msn))?.bytes);
    if (part !== undefined) {
      const n = Number(part);
      // The preload-hinted part is asked for before it exists: hold the request until it does (bounded).
      if (n === seg.nextPartNumber) await seg.waitForPart(n, holdMs(pipeline), abortOnClose(req));
      return sendMedia(res, seg.part(n)?.bytes);
    }
    return servePlaylist(req, res, pipeline);
  });

  router.use('/hls', viewer, (_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return router;
}

function sendMedia(res: Response, bytes: Buffer | undefined): void {
  if (res.req.socket.destroyed) return;
  if (!bytes) return void res.status(404).set('Cache-Control', 'no-cache').json({ error: 'not in the live window', field: 'file' });
  res.set({ 'Content-Type': MIME.mp4, 'Cache-Control': MEDIA_CACHE }).send(bytes);
}

/** A blocked request is answered after at most three part targets plus a second (then with what there is). */
const holdMs = (p: CameraPipeline) => Math.round(3 * p.timing.partTargetS * 1000 + 1000);

function abortOnClose(req: Request): AbortSignal {
  const ac = new AbortController();
  req.once('close', () => ac.abort());
  return ac.signal;
}

async function servePlaylist(req: Request, res: Response, pipeline: CameraPipeline): Promise<void> {
  const seg = pipeline.segmenter;
  const { _HLS_msn: rawMsn, _HLS_part: rawPart } = req.query;
  if (rawPart !== undefined && rawMsn === undefined) {
    return void res.status(400).json({ error: '_HLS_part needs _HLS_msn', field: '_HLS_part' });
  }
  if (rawMsn !== undefined) {
    if (typeof rawMsn !== 'string' || !/^\d{1,15}$/.test(rawMsn)) {
      return void res.status(400).json({ error: 'invalid _HLS_msn', field: '_HLS_msn' });
    }
    if (rawPart !== undefined && (typeof rawPart !== 'string' || !/^\d{1,4}$/.test(rawPart))) {
      return void res.status(400).json({ error: 'invalid _HLS_part', field: '_HLS_part' });
    }
    const msn = Number(rawMsn);
    const last = seg.lastMsn;
    if (last !== undefined && msn > last + MAX_MSN_AHEAD) {
      return void res.status(400).json({ error: '_HLS_msn too far ahead', field: '_HLS_msn' });
    }
    // Blocking reload: hold until that part (or segment) is listed, so the player hears of it at once.
    await seg.waitFor(msn, rawPart === undefined ? undefined : Number(rawPart), holdMs(pipeline) + 2000, abortOnClose(req));
    if (res.req.socket.destroyed) return;
  }
  const text = seg.playlist();
  if (!text) return void res.status(404).set('Cache-Control', 'no-cache').json({ error: 'playlist not ready yet', field: 'id' });
  res.set({ 'Content-Type': MIME.m3u8, 'Cache-Control': 'no-cache' }).send(text);
}
