// The recordings room, assembled: a Recorder fed by every recorded camera's live segmenter, the video audit, clips
// and evidence exports, the routes. main.ts calls this once, after the streams room.
import path from 'node:path';
import type express from 'express';
import type { Camera } from '../../camera-config/schema.ts';
import type { Config } from '../config.ts';
import type { RequireRole } from '../http/roles.ts';
import { logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import type { LiveSegmenter } from '../streams/segmenter.ts';
import { createVideoAudit } from './audit.ts';
import { createExports, type IncidentsPort } from './exports.ts';
import { Recorder, type RecordingsHealth } from './recorder.ts';
import { recordingsRouter } from './routes.ts';

const log = logger('recordings');

export interface Recordings {
  recorder: Recorder;
  router: express.Router;
  health(): RecordingsHealth;
  close(): void;
}

export function startRecordings(o: {
  config: Config['recording'];
  cameras: Camera[];
  segmenterOf: (id: string) => LiveSegmenter | undefined;
  db: Db;
  requireRole: RequireRole;
  /** The ffmpeg the streams room resolved: clips are remuxed with it. */
  ffmpegPath: string;
  /** Evidence packages go to <dataDir>/exports (outside the recordings: never aged out). */
  dataDir: string;
  incidents: IncidentsPort;
}): Recordings {
  const recorder = new Recorder({ dir: o.config.dir, fileS: o.config.fileS, keepHours: o.config.keepHours, budgetBytes: o.config.budgetBytes, minFreeMB: o.config.minFreeMB }, log);
  for (const cam of o.cameras) {
    const seg = o.segmenterOf(cam.id);
    if (!seg) continue;
    recorder.add(cam.id, seg, {
      enabled: o.config.enabled && cam.record !== false,
      keepHours: typeof cam.record === 'object' ? cam.record.keepHours : undefined,
    });
  }
  // a camera removed from cameras.json keeps its past: aged out and counted in the budget like the others, still playable
  for (const id of recorder.strays()) {
    recorder.add(id, undefined, { enabled: false });
    log.info('recordings of a camera no longer configured are kept under retention', { camera: id, files: recorder.files(id)!.length });
  }
  recorder.start();
  const audit = createVideoAudit(o.db);
  const names = new Map(o.cameras.map((c) => [c.id, c.name]));
  const exports = createExports({
    db: o.db, recorder, dir: path.join(o.dataDir, 'exports'), ffmpegPath: o.ffmpegPath, incidents: o.incidents, audit,
    cameraName: (id) => names.get(id), log,
  });
  const h = recorder.health();
  if (h.state !== 'off') log.info(`recording ${Object.values(h.cameras).filter((s) => s !== 'off').length} cameras`, { dir: o.config.dir, keepHours: o.config.keepHours, budgetMB: o.config.budgetBytes / 1_048_576 });
  return {
    recorder,
    router: recordingsRouter({ recorder, requireRole: o.requireRole, audit, exports, ffmpegPath: o.ffmpegPath }),
    health: () => recorder.health(),
    close: () => recorder.close(),
  };
}
