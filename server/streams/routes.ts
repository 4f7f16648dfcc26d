// HTTP surface of the streams room: cameras (+health, no credentials), snapshots on demand and LL-HLS from memory
// (playlist with blocking reload, init segments, parts with preload hints, whole segments).
import express, { type Request } from 'express';
import { CAMERA_ID } from '../../camera-config/schema.ts';
import { DomainError } from '../../domain/errors.ts';
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
  const cameraOf = (req: Request) => {
    const id = String(req.params.id);
    if (!CAMERA_ID.test(id)) throw new DomainError('invalid_field', 'id', 'id: a camera id is 1-32 of a-z, 0-9 and -');
    const pipeline = supervisor.pipeline(id);
    if (!pipeline) throw new DomainError('camera_not_found', 'id', 'no such camera');
    return pipeline;
  };

  router.get('/api/cameras', viewer, (_req, res) => {
    res.set('Cache-Control', 'no-cache').json({ items: supervisor.views() });
  });

  router.get('/api/cameras/:id', viewer, (req, res) => {
    res.set('Cache-Control', 'no-cache').json(supervisor.view(cameraOf(req).id));
  });

  router.get('/api/cameras/:id/snapshot.jpg', viewer, async (req, res) => {
    const pipeline = cameraOf(req);
    const snap = await supervisor.snapshot(pipeline.id);
    if (!snap) throw new DomainError('no_snapshot', 'id', 'no snapshot yet');
    res.set({ 'Content-Type': 'image/jpeg', 'Cache-Control': 'no-cache', 'X-Snapshot-Time': new Date(snap.atMs).toISOString() }).send(snap.jpeg);
  });

  router.get('/hls/:id/:file', viewer, async (req, res) => {
    const ac = new AbortController();
    req.once('close', () => ac.abort());
    const a = await answerHls((id) => supervisor.pipeline(id), String(req.params.id), String(req.params.file), req.query, ac.signal);
    if (res.req.socket.destroyed) return;
    res.status(a.status).set({ 'Content-Type': HLS_MIME[a.kind], 'Cache-Control': a.cacheable ? MEDIA_CACHE : 'no-cache' }).send(a.body);
  });

  router.use('/hls', viewer, () => {
    throw new DomainError('not_found', null, 'HLS paths are /hls/<camera>/<file>');
  });
  return router;
}
