// All camera pipelines of this process, the on-demand snapshots, and the ONE public camera view (config without
// secrets + health + URLs) that the API, the realtime hub and the incidents routes share.
import path from 'node:path';
import { publicCamera, redact } from '../../camera-config/redact.ts';
import type { CameraView } from '../../domain/camera.ts';
import type { Camera } from '../../camera-config/schema.ts';
import type { EventBus } from '../events.ts';
import { logger } from '../log.ts';
import type { FfmpegInfo } from './ffmpeg.ts';
import type { H264Encoder } from './h264-encoder.ts';
import { CameraPipeline, type CameraHealth, type CameraStatus, type PipelineTiming } from './pipeline.ts';
import type { RtmpIngest } from './rtmp.ts';
import type { RtspRelay } from './rtsp-relay.ts';
import { Snapshots } from './snapshots.ts';

const log = logger('streams');
const START_STAGGER_MS = 50;

export type { CameraView };

export function cameraView(cam: Camera, health: CameraHealth): CameraView {
  return {
    ...publicCamera(cam),
    health,
    hls: `/hls/${cam.id}/index.m3u8`,
    snapshot: `/api/cameras/${cam.id}/snapshot.jpg`,
  };
}

export interface SupervisorOptions {
  cameras: Camera[];
  /** Last-seen images go to <runtimeDir>/snapshots/<id>.jpg (the live video is held in memory only). */
  runtimeDir: string;
  ffmpeg: FfmpegInfo;
  bus?: EventBus;
  /** Needed when a camera has an rtmp:// source: it is pulled back from our own ingest. */
  rtmp?: RtmpIngest;
  /** Cameras with credentials are pulled through it (see rtsp-relay.ts); without it ffmpeg gets the URL itself. */
  relay?: RtspRelay;
  /** Needed when a camera has `transcode`. */
  h264Encoder?: H264Encoder;
  timing?: Partial<PipelineTiming>;
}

export class StreamSupervisor {
  readonly snapshots: Snapshots;
  private cameras = new Map<string, Camera>();
  private pipelines = new Map<string, CameraPipeline>();
  private startTimers: NodeJS.Timeout[] = [];

  constructor(private opts: SupervisorOptions) {
    this.snapshots = new Snapshots({ ffmpegPath: opts.ffmpeg.path, dir: path.join(opts.runtimeDir, 'snapshots'), log });
    for (const cam of opts.cameras) {
      const isRtmp = /^rtmp:/i.test(cam.source.url);
      if (isRtmp && !opts.rtmp) throw new Error(`camera ${cam.id}: rtmp:// source but RTMP ingest is not running`);
      if (cam.transcode && !opts.h264Encoder) throw new Error(`camera ${cam.id}: transcode but no H.264 encoder was chosen`);
      // rtmp:// cameras push to our ingest as /live/<id>; we pull them back from loopback
      // a relay route serves one connection: each (re)start gets its own
      const relay = opts.relay;
      const url = isRtmp ? () => opts.rtmp!.pullUrl(cam.id) : relay ? () => relay.localUrl(cam.source.url) : cam.source.url;
      const pipeline = new CameraPipeline({
        id: cam.id,
        url,
        transport: cam.source.transport,
        transcode: cam.transcode && { settings: cam.transcode, encoder: opts.h264Encoder! },
        snapshotAt: this.snapshots.savedAt(cam.id),
        ffmpeg: opts.ffmpeg,
        timing: opts.timing,
        log,
        describeError: opts.relay?.cameraText,
      });
      pipeline.on('health', (health: CameraHealth, was: CameraStatus) => {
        log.info(`camera ${cam.id} ${health.status}`, health.lastError ? { lastError: redact(health.lastError) } : undefined);
        opts.bus?.publish('camera', cameraView(cam, health));
        // Going dark: keep its last picture (one decode per outage), to show with its time until it is back.
        if (was === 'online') void this.snapshot(cam.id);
      });
      this.cameras.set(cam.id, cam);
      this.pipelines.set(cam.id, pipeline);
    }
  }

  /** The camera's newest keyframe as JPEG (decoded on demand, cached), else its last-seen image. */
  snapshot(id: string) {
    const p = this.pipelines.get(id);
    return p ? this.snapshots.get(id, p.segmenter, (at) => p.snapshotSaved(at)) : Promise.resolve(undefined);
  }

  start(): void {
    log.info(`starting ${this.pipelines.size} camera pipelines`, { ffmpeg: `${this.opts.ffmpeg.path} ${this.opts.ffmpeg.version}` });
    // a short stagger spreads 35 RTSP handshakes and ffmpeg start-ups over ~2 s; each pipeline keeps its own timers
    let i = 0;
    for (const p of this.pipelines.values()) {
      const timer = setTimeout(() => p.start(), (i++ % 40) * START_STAGGER_MS);
      timer.unref();
      this.startTimers.push(timer);
    }
  }

  has(id: string): boolean {
    return this.pipelines.has(id);
  }

  pipeline(id: string): CameraPipeline | undefined {
    return this.pipelines.get(id);
  }

  view(id: string): CameraView | undefined {
    const cam = this.cameras.get(id);
    const p = this.pipelines.get(id);
    return cam && p ? cameraView(cam, p.health()) : undefined;
  }

  views(): CameraView[] {
    return [...this.cameras.keys()].map((id) => this.view(id)!);
  }

  async close(): Promise<void> {
    this.startTimers.forEach(clearTimeout);
    await Promise.all([...this.pipelines.values()].map((p) => p.stop()));
  }
}
