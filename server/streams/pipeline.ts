// One camera's pipeline: a state machine around one ffmpeg (fluent-ffmpeg) with its own timers, so one dead
// camera never delays another. ffmpeg only pulls and copies, into fragmented MP4 on its stdout; mp4frag splits
// that into the init segment and fragments, which the camera's LiveSegmenter serves as LL-HLS from memory.
// ffmpeg never reconnects by itself and may exit 0 when its source vanishes, so we restart on ANY exit (jittered
// exponential backoff) and also kill a run that stops producing parts.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import type { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import ffmpeg from 'fluent-ffmpeg';
import { redact } from '../../camera-config/redact.ts';
import type { Logger } from '../log.ts';
import { pipelineArgs, type TranscodeArgs } from './args.ts';
import { stopChild, trackChild } from './children.ts';
import type { FfmpegInfo } from './ffmpeg.ts';
import { hvc1Codec, retagHvc1 } from './hvc1.ts';
import { LiveSegmenter } from './segmenter.ts';

// mp4frag is CommonJS with a default-exported class
const Mp4Frag = createRequire(import.meta.url)('mp4frag') as new () => Mp4FragStream;
interface Mp4FragStream extends NodeJS.WritableStream {
  readonly initialization: Buffer | null;
  readonly mime: string | null;
  on(event: 'initialized', fn: () => void): this;
  on(event: 'segment', fn: (d: { segment: Buffer; duration: number; keyframe: boolean }) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
}

import type { CameraHealth, CameraStatus } from '../../domain/camera.ts';
export type { CameraHealth, CameraStatus };

export interface PipelineTiming {
  /** LL-HLS part target, seconds: ffmpeg cuts a fragment at this length (or at a keyframe). */
  partTargetS: number;
  /** Complete segments (one GOP each) kept in memory and listed. */
  listSize: number;
  /** No new part for this long while running → stalled → kill and restart. */
  stallAfterS: number;
  /** No new part for this long → offline. */
  offlineAfterS: number;
  /** A fresh run with no part after this long is killed. */
  startTimeoutS: number;
  backoffMinS: number;
  backoffMaxS: number;
  /** A run that was online this long resets the backoff. */
  stableS: number;
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
}

const TICK_MS = 500;

export class CameraPipeline extends EventEmitter {
  readonly id: string;
  readonly timing: PipelineTiming;
  /** The live window this camera's runs feed (kept across runs: numbering continues, with a discontinuity). */
  readonly segmenter: LiveSegmenter;

  private opts: PipelineOptions;
  private child: ChildProcess | undefined;
  private running = false;
  private stopping = false;
  private runStartedAt = 0;
  private runFirstPartAt: number | undefined;
  private failures = 0;
  private restarts = 0;
  private lastError: string | null = null;
  private lastErrorAt: number | undefined;
  private killReason: string | undefined;
  private stderrTail: string[] = [];
  private frames: Array<{ t: number; n: number }> = [];
  private snapshotAt: number | undefined;
  private status: CameraStatus = 'starting';
  private since = Date.now();
  private tickTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private everFailed = false;
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
    if (this.child) await stopChild(this.child);
    this.segmenter.release(); // let held requests go
  }

  health(now = Date.now()): CameraHealth {
    const online = this.status === 'online';
    const last = this.segmenter.lastPartAt;
    const bps = this.segmenter.bitrate();
    return {
      status: this.status,
      since: new Date(this.since).toISOString(),
      fps: online ? this.fps() : null,
      kbps: online && bps !== null ? Math.round(bps / 1000) : null,
      lastSegmentAgeS: last === undefined ? null : round1((now - last) / 1000),
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
    const t = this.timing;
    const a = pipelineArgs(this.opts.ffmpeg, {
      url: typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url,
      transport: this.opts.transport,
      partTargetS: t.partTargetS,
      readTimeoutS: t.readTimeoutS,
      transcode: this.opts.transcode,
    });
    const cmd = ffmpeg(a.input).setFfmpegPath(this.opts.ffmpeg.path).inputOptions(a.inputOptions).outputOptions(a.outputOptions);
    const frag = new Mp4Frag();
    frag.on('initialized', () => {
      if (!frag.initialization) return;
      const codec = /codecs="([^"]+)"/.exec(frag.mime ?? '')?.[1] ?? 'unknown';
      this.segmenter.startRun(retagHvc1(frag.initialization), hvc1Codec(codec));
    });
    frag.on('segment', ({ segment, duration, keyframe }) => {
      if (this.killReason) return; // a run being killed flushes its last fragment: not the camera delivering
      this.segmenter.addPart(segment, duration, keyframe);
      this.runFirstPartAt ??= Date.now();
      this.updateStatus();
    });
    frag.on('error', (err) => this.kill(`unreadable fMP4 from ffmpeg: ${err.message}`));
    this.running = true;
    this.runStartedAt = Date.now();
    this.runFirstPartAt = undefined;
    this.killReason = undefined;
    this.stderrTail = [];
    this.frames = [];
    cmd.on('start', () => {
      const child = (cmd as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      if (child) {
        this.child = child;
        trackChild(child);
        if (this.stopping) void stopChild(child);
      }
      this.opts.log.debug('ffmpeg started', { camera: this.id, pid: child?.pid });
    });
    cmd.on('stderr', (line: string) => this.onStderr(line));
    cmd.on('end', () => this.onExit(undefined));
    cmd.on('error', (err: Error) => this.onExit(err));
    cmd.pipe(frag as unknown as Writable, { end: true });
  }

  private onStderr(line: string): void {
    const m = /^frame=\s*(\d+)/.exec(line);
    if (m) {
      const now = Date.now();
      this.frames.push({ t: now, n: Number(m[1]) });
      while (this.frames.length > 2 && now - this.frames[0].t > 5000) this.frames.shift();
      return;
    }
    if (!line.trim()) return;
    this.stderrTail.push(line);
    if (this.stderrTail.length > 4) this.stderrTail.shift();
  }

  private fps(): number | null {
    if (this.frames.length < 2) return null;
    const a = this.frames[0];
    const b = this.frames[this.frames.length - 1];
    return b.t > a.t ? round1(((b.n - a.n) * 1000) / (b.t - a.t)) : null;
  }

  private onExit(err: Error | undefined): void {
    if (!this.running) return;
    this.running = false;
    this.child = undefined;
    this.segmenter.endRun();
    if (this.stopping) return;
    const now = Date.now();
    const stable = this.runFirstPartAt !== undefined && now - this.runFirstPartAt >= this.timing.stableS * 1000;
    this.failures = stable ? 1 : this.failures + 1;
    this.everFailed = true;
    this.restarts++;
    const detail = this.killReason ?? firstLine(err?.message) ?? (this.stderrTail.at(-1) || 'ffmpeg exited (code 0)');
    const lastLine = this.stderrTail.at(-1);
    const tail = this.killReason || !lastLine || detail.includes(lastLine) ? '' : ` — ${lastLine}`;
    this.lastError = redact(`${detail}${tail}`).slice(0, 300);
    this.lastErrorAt = now;
    const base = Math.min(this.timing.backoffMaxS, this.timing.backoffMinS * 2 ** (this.failures - 1));
    const delayMs = base * 1000 * (0.8 + Math.random() * 0.4);
    this.opts.log.warn('ffmpeg exited, restarting', {
      camera: this.id,
      error: this.lastError,
      inS: round1(delayMs / 1000),
      restarts: this.restarts,
    });
    this.restartTimer = setTimeout(() => this.spawn(), delayMs);
    this.restartTimer.unref();
    this.updateStatus();
  }

  private kill(reason: string): void {
    if (!this.child || this.killReason) return;
    this.killReason = reason;
    this.opts.log.warn(`killing ffmpeg: ${reason}`, { camera: this.id });
    void stopChild(this.child);
  }

  private tick(): void {
    const now = Date.now();
    // A late tick means the event loop was busy (demo history seeding, a burst of intake): ffmpeg's output may be
    // waiting unread in the pipe, so a missing part proves nothing yet. Judge on the next, punctual tick.
    const late = now - this.lastTickAt > 2 * TICK_MS;
    this.lastTickAt = now;
    if (late) return;
    if (this.running && !this.killReason) {
      const t = this.timing;
      const last = this.segmenter.lastPartAt;
      if (this.runFirstPartAt !== undefined && last !== undefined) {
        if (now - last > t.stallAfterS * 1000) this.kill(`stalled: no new video for ${t.stallAfterS} s`);
      } else if (now - this.runStartedAt > t.startTimeoutS * 1000) {
        this.kill(`no video within ${t.startTimeoutS} s of start`);
      }
    }
    this.updateStatus(now);
  }

  private updateStatus(now = Date.now()): void {
    const t = this.timing;
    const last = this.segmenter.lastPartAt;
    let next: CameraStatus;
    if (last === undefined) next = this.everFailed ? 'offline' : 'starting';
    else {
      const age = now - last;
      next = age <= t.stallAfterS * 1000 ? 'online' : age <= t.offlineAfterS * 1000 ? 'stalled' : 'offline';
    }
    if (next !== this.status) {
      const was = this.status;
      this.status = next;
      this.since = now;
      if (next === 'online' && this.failures > 0) this.opts.log.info('camera back online', { camera: this.id });
      this.emit('health', this.health(now), was);
    }
  }
}

const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const round1 = (x: number) => Math.round(x * 10) / 10;
const firstLine = (s: string | undefined) => s?.split('\n').find((l) => l.trim());
