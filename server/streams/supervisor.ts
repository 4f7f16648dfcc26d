// All camera pipelines of this process, their one shared snapshotter, and the ONE public camera view (config
// without secrets + health + URLs) that the API, the realtime hub and the incidents routes share.
import path from 'node:path';
import { publicCamera, redact, type PublicCamera } from '../../camera-config/redact.ts';
import type { Camera } from '../../camera-config/schema.ts';
import type { EventBus } from '../events.ts';
import { logger } from '../log.ts';
import type { FfmpegInfo } from './ffmpeg.ts';
import { CameraPipeline, DEFAULT_TIMING, type CameraHealth, type PipelineTiming } from './pipeline.ts';
import type { RtmpIngest } from './rtmp.ts';
import { Snapshotter } from './snapshotter.ts';

const log = logger('streams');
const START_STAGGER_MS = 50;

export interface CameraView extends PublicCamera {
  health: CameraHealth;
  hls: string;
  snapshot: string;
}

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
  /** HLS goes to <runtimeDir>/hls/<id>/, snapshots to <runtimeDir>/snapshots/<id>.jpg */
  runtimeDir: string;
  ffmpeg: FfmpegInfo;
  bus?: EventBus;
  /** Needed when a camera has an rtmp:// source: it is pulled back from our own ingest. */
  rtmp?: RtmpIngest;
  timing?: Partial<PipelineTiming>;
}

export class StreamSupervisor {
  readonly hlsRoot: string;
  readonly snapshotRoot: string;
  private cameras = new Map<string, Camera>();
  private pipelines = new Map<string, CameraPipeline>();
  private snapshotter: Snapshotter;
  private startTimers: NodeJS.Timeout[] = [];

  constructor(private opts: SupervisorOptions) {
    this.hlsRoot = path.join(opts.runtimeDir, 'hls');
    this.snapshotRoot = path.join(opts.runtimeDir, 'snapshots');
    for (const cam of opts.cameras) {
      const isRtmp = /^rtmp:/i.test(cam.source.url);
      if (isRtmp && !opts.rtmp) throw new Error(`camera ${cam.id}: rtmp:// source but RTMP ingest is not running`);
      // rtmp:// cameras push to our ingest as /live/<id>; we pull them back from loopback
      const url = isRtmp ? () => opts.rtmp!.pullUrl(cam.id) : cam.source.url;
      const pipeline = new CameraPipeline({
        id: cam.id,
        url,
        transport: cam.source.transport,
        hlsDir: path.join(this.hlsRoot, cam.id),
        snapshotFile: path.join(this.snapshotRoot, `${cam.id}.jpg`),
        ffmpeg: opts.ffmpeg,
        timing: opts.timing,
        log,
      });
      pipeline.on('health', (health: CameraHealth) => {
        log.info(`camera ${cam.id} ${health.status}`, health.lastError ? { lastError: redact(health.lastError) } : undefined);
        opts.bus?.publish('camera', cameraView(cam, health));
      });
      this.cameras.set(cam.id, cam);
      this.pipelines.set(cam.id, pipeline);
    }
    this.snapshotter = new Snapshotter({
      cameras: [...this.pipelines.values()],
      ffmpegPath: opts.ffmpeg.path,
      workDir: path.join(this.snapshotRoot, '.work'),
      everyS: opts.timing?.snapshotEveryS ?? DEFAULT_TIMING.snapshotEveryS,
      log,
    });
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
    this.snapshotter.start();
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
    await Promise.all([...this.pipelines.values()].map((p) => p.stop()).concat(this.snapshotter.close()));
  }
}
