// One camera's pipeline: the restart loop around its source runs (source-run.ts), with its own timers so one dead
// camera never delays another, and the camera's live window (LiveSegmenter) that outlives every run. ffmpeg never
// reconnects by itself and may exit 0 when its source vanishes, so we restart on ANY exit (jittered exponential
// backoff) and also kill a run that stops producing parts. The rules themselves are pure functions in health.ts.
import { EventEmitter } from 'node:events';
import { redact } from '../../camera-config/redact.ts';
import type { CameraHealth, CameraStatus } from '../../domain/camera.ts';
import type { Logger } from '../log.ts';
import type { TranscodeArgs } from './args.ts';
import type { FfmpegInfo } from './ffmpeg.ts';
import { cameraStatus, failuresAfter, framesPerSecond, killReason, restartDelayMs, type HealthTiming } from './health.ts';
import { LiveSegmenter } from './segmenter.ts';
import { SourceRun } from './source-run.ts';

export type { CameraHealth, CameraStatus };

export interface PipelineTiming extends HealthTiming {
  /** LL-HLS part target, seconds: ffmpeg cuts a fragment at this length (or at a keyframe). */
  partTargetS: number;
  /** Complete segments (one GOP each) kept in memory and listed. */
  listSize: number;
  readTimeoutS: number;
}

export const DEFAULT_TIMING: PipelineTiming = {
  partTargetS: 0.2,
  listSize: 6,
  stallAfterS: 4,
  offlineAfterS: 8,
  startTimeoutS: 12,
  backoffMinS: 1,
  backoffMaxS: 30,
  stableS: 60,
  readTimeoutS: 5,
};

export interface PipelineOptions {
  id: string;
  /** Secret: used only as ffmpeg's input, never logged or returned. A function is called at each (re)start. */
  url: string | (() => string);
  transport: 'tcp' | 'udp';
  ffmpeg: FfmpegInfo;
  /** Re-encode to H.264 instead of copying (a codec the walls cannot decode). */
  transcode?: TranscodeArgs;
  timing?: Partial<PipelineTiming>;
  log: Logger;
  /** Rewrites ffmpeg's error text before it is shown (the relay's URL → the camera's). */
  describeError?: (detail: string) => string;
}

const TICK_MS = 500;

export class CameraPipeline extends EventEmitter {
  readonly id: string;
  readonly timing: PipelineTiming;
  /** The live window this camera's runs feed (kept across runs: numbering continues, with a discontinuity). */
  readonly segmenter: LiveSegmenter;

  private opts: PipelineOptions;
  private run: SourceRun | undefined;
  private stopping = false;
  private failures = 0;
  private restarts = 0;
  private everFailed = false;
  private lastError: string | null = null;
  private lastErrorAt: number | undefined;
  private snapshotAt: number | undefined;
  private status: CameraStatus = 'starting';
  private since = Date.now();
  private tickTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private lastTickAt = Date.now();

  constructor(opts: PipelineOptions & { snapshotAt?: number }) {
    super();
    this.opts = opts;
    this.id = opts.id;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
    this.segmenter = new LiveSegmenter({ partTargetS: this.timing.partTargetS, listSize: this.timing.listSize });
    this.snapshotAt = opts.snapshotAt;
  }

  start(): void {
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.tickTimer.unref();
    this.spawn();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.restartTimer);
    await this.run?.stop();
    this.segmenter.release(); // let held requests go
  }

  health(now = Date.now()): CameraHealth {
    const online = this.status === 'online';
    const last = this.segmenter.lastPartAt;
    const bps = this.segmenter.bitrate();
    return {
      status: this.status,
      since: new Date(this.since).toISOString(),
      fps: online && this.run ? framesPerSecond(this.run.frames) : null,
      kbps: online && bps !== null ? Math.round(bps / 1000) : null,
      lastSegmentAgeS: last === undefined ? null : Math.round((now - last) / 100) / 10,
      lastSegmentAt: iso(last),
      restarts: this.restarts,
      lastError: this.lastError,
      lastErrorAt: iso(this.lastErrorAt),
      snapshotAt: iso(this.snapshotAt),
      codec: this.segmenter.codec ?? null,
    };
  }

  /** Called when a snapshot of this camera has been saved as its last-seen image. */
  snapshotSaved(atMs: number): void {
    this.snapshotAt = atMs;
  }

  private spawn(): void {
    if (this.stopping) return;
    const run: SourceRun = new SourceRun({
      cameraId: this.id,
      url: typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url,
      transport: this.opts.transport,
      ffmpeg: this.opts.ffmpeg,
      transcode: this.opts.transcode,
      partTargetS: this.timing.partTargetS,
      readTimeoutS: this.timing.readTimeoutS,
      segmenter: this.segmenter,
      log: this.opts.log,
      onPart: () => this.updateStatus(),
      onEnd: (detail) => this.onRunEnd(run, detail),
    });
    this.run = run;
  }

  private onRunEnd(run: SourceRun, detail: string): void {
    if (this.run === run) this.run = undefined;
    if (this.stopping) return;
    const now = Date.now();
    this.failures = failuresAfter(run, this.failures, now, this.timing);
    this.everFailed = true;
    this.restarts++;
    this.lastError = redact(this.opts.describeError?.(detail) ?? detail).slice(0, 300);
    this.lastErrorAt = now;
    const delayMs = restartDelayMs(this.failures, this.timing, Math.random());
    this.opts.log.warn('ffmpeg exited, restarting', { camera: this.id, error: this.lastError, inS: Math.round(delayMs / 100) / 10, restarts: this.restarts });
    this.restartTimer = setTimeout(() => this.spawn(), delayMs);
    this.restartTimer.unref();
    this.updateStatus();
  }

  private tick(): void {
    const now = Date.now();
    // A late tick means the event loop was busy (demo history seeding, a burst of intake): ffmpeg's output may be
    // waiting unread in the pipe, so a missing part proves nothing yet. Judge on the next, punctual tick.
    const late = now - this.lastTickAt > 2 * TICK_MS;
    this.lastTickAt = now;
    if (late) return;
    if (this.run && !this.run.killing) {
      const reason = killReason(this.run, this.segmenter.lastPartAt, now, this.timing);
      if (reason) this.run.kill(reason);
    }
    this.updateStatus(now);
  }

  private updateStatus(now = Date.now()): void {
    const next = cameraStatus(this.segmenter.lastPartAt, this.everFailed, now, this.timing);
    if (next === this.status) return;
    const was = this.status;
    this.status = next;
    this.since = now;
    if (next === 'online' && this.failures > 0) this.opts.log.info('camera back online', { camera: this.id });
    this.emit('health', this.health(now), was);
  }
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
