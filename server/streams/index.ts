// The streams room, assembled: ffmpeg resolution, optional RTMP ingest, supervisor, routes. main.ts calls this once.
import path from 'node:path';
import type express from 'express';
import fluentFfmpeg from 'fluent-ffmpeg';
import type { Camera } from '../../camera-config/schema.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import type { RequireRole } from '../http/roles.ts';
import { resolveFfmpeg, type FfmpegInfo } from './ffmpeg.ts';
import { h264Encoder } from './h264-encoder.ts';
import type { PipelineTiming } from './pipeline.ts';
import { startRtmpIngest, type RtmpIngest } from './rtmp.ts';
import { streamsRouter } from './routes.ts';
import { startRtspRelay } from './rtsp-relay.ts';
import { StreamSupervisor } from './supervisor.ts';
import { logger } from '../log.ts';

const log = logger('streams');

export { cameraView, StreamSupervisor, type CameraView } from './supervisor.ts';
export type { CameraHealth, CameraStatus } from './pipeline.ts';

export interface Streams {
  supervisor: StreamSupervisor;
  router: express.Router;
  rtmp: RtmpIngest | undefined;
  /** The ffmpeg every pipeline runs (path, version, how it was found, a warning when it is unmaintained). */
  ffmpeg: FfmpegInfo;
  close(): Promise<void>;
}

export async function startStreams(o: {
  config: Pick<Config, 'runtimeDir' | 'ffmpegPath' | 'rtmpPort' | 'rtmpSecret' | 'host'>;
  cameras: Camera[];
  bus?: EventBus;
  requireRole: RequireRole;
  timing?: Partial<PipelineTiming>;
}): Promise<Streams> {
  const ffmpeg = await resolveFfmpeg(o.config.ffmpegPath);
  log.info(`ffmpeg ${ffmpeg.version} (${ffmpeg.source}: ${ffmpeg.path})`);
  if (ffmpeg.warning) log.warn(ffmpeg.warning);
  // fluent-ffmpeg asks `ffmpeg -encoders` before every run until its cache is filled: fill it once, not 35 times at once
  await new Promise<void>((resolve) => fluentFfmpeg().setFfmpegPath(ffmpeg.path).availableEncoders(() => resolve()));
  const transcoding = o.cameras.filter((c) => c.transcode).map((c) => c.id);
  const encoder = transcoding.length ? await h264Encoder(ffmpeg) : undefined;
  if (encoder) log.info(`transcoding ${transcoding.join(', ')} to H.264 with ${encoder.name}`);
  // RTMP ingest runs when a push camera is configured or a secret is set (never unauthenticated); a failure is fatal.
  const wantsRtmp = !!o.config.rtmpSecret || o.cameras.some((c) => /^rtmp:/i.test(c.source.url));
  const rtmp = wantsRtmp
    ? await startRtmpIngest({
        port: o.config.rtmpPort,
        host: o.config.host,
        secret: o.config.rtmpSecret ?? '',
        workDir: o.config.runtimeDir,
      })
    : undefined;
  // cameras with user:password@ are pulled through the loopback relay, so no credential is in an ffmpeg argv
  const needsRelay = o.cameras.some((c) => /^rtsps?:\/\/[^/]*@/i.test(c.source.url));
  const relay = needsRelay ? await startRtspRelay(log) : undefined;
  try {
    const supervisor = new StreamSupervisor({
      relay,
      cameras: o.cameras,
      runtimeDir: o.config.runtimeDir,
      ffmpeg,
      bus: o.bus,
      rtmp,
      h264Encoder: encoder,
      timing: o.timing,
    });
    supervisor.start();
    return {
      supervisor,
      router: streamsRouter({ supervisor, requireRole: o.requireRole }),
      rtmp,
      ffmpeg,
      async close() {
        await supervisor.close();
        await relay?.close();
        await rtmp?.close();
      },
    };
  } catch (err) {
    await relay?.close();
    await rtmp?.close();
    throw err;
  }
}

export const demoWorkDir = (runtimeDir: string) => path.join(runtimeDir, 'demo');
