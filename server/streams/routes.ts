// HTTP surface of the streams room: cameras (+health, no credentials), snapshots on demand and LL-HLS from memory
// (playlist with blocking reload, init segments, parts with preload hints, whole segments).
import express, { type Request, type Response } from 'express';
import { CAMERA_ID } from '../../camera-config/schema.ts';
import type { RequireRole } from '../http/roles.ts';
import { answerHls, HLS_MIME } from './hls-answer.ts';
import type { StreamSupervisor } from './supervisor.ts';

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
    res.set({ 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-cache', 'X-Snapshot-Time': new Date(snap.atMs).toISOString() }).send(snap.jpeg);
  });

  router.get('/hls/:id/:file', viewer, async (req, res) => {
    const ac = new AbortController();
    req.once('close', () => ac.abort());
    const a = await answerHls((id) => supervisor.pipeline(id), String(req.params.id), String(req.params.file), req.query, ac.signal);
    if (res.req.socket.destroyed) return;
    res.status(a.status).set({ 'Content-Type': HLS_MIME[a.kind], 'Cache-Control': a.cacheable ? MEDIA_CACHE : 'no-cache' }).send(a.body);
  });

  router.use('/hls', viewer, (_req, res) => {
    res.status(404).json({ error: 'not_found' });
  });
  return router;
}
