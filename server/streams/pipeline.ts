// One camera's pipeline: a state machine around one ffmpeg (fluent-ffmpeg) with its own timers, so one dead
// camera never delays another. ffmpeg never reconnects by itself and may exit 0 when its source vanishes, so we
// restart on ANY exit (jittered exponential backoff) and also kill a run that stops producing segments.
import type { ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import fs from 'node:fs';
import path from 'node:path';
import ffmpeg from 'fluent-ffmpeg';
import { redact } from '../../camera-config/redact.ts';
import type { Logger } from '../log.ts';
import { PLAYLIST, SEGMENT_RE, pipelineArgs } from './args.ts';
import { stopChild, trackChild } from './children.ts';
import type { FfmpegInfo } from './ffmpeg.ts';
import { parsePlaylist, type MediaPlaylist } from './playlist.ts';

export type CameraStatus = 'starting' | 'online' | 'stalled' | 'offline';

export interface CameraHealth {
  status: CameraStatus;
  /** ISO time the status last changed. */
  since: string;
  fps: number | null;
  kbps: number | null;
  lastSegmentAgeS: number | null;
  lastSegmentAt: string | null;
  restarts: number;
  /** Redacted: never a credential. */
  lastError: string | null;
  lastErrorAt: string | null;
  /** Time of the frame in the current snapshot JPEG (kept, with the image, after the camera goes offline). */
  snapshotAt: string | null;
}

export interface PipelineTiming {
  targetS: number;
  listSize: number;
  /** The shared snapshotter's period (snapshotter.ts). */
  snapshotEveryS: number;
  /** No new segment for this long while running → stalled → kill and restart. */
  stallAfterS: number;
  /** No new segment for this long → offline. */
  offlineAfterS: number;
  /** A fresh run with no segment after this long is killed. */
  startTimeoutS: number;
  backoffMinS: number;
  backoffMaxS: number;
  /** A run that was online this long resets the backoff. */
  stableS: number;
  readTimeoutS: number;
}

export const DEFAULT_TIMING: PipelineTiming = {
  targetS: 1,
  listSize: 6,
  snapshotEveryS: 5,
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
  hlsDir: string;
  snapshotFile: string;
  ffmpeg: FfmpegInfo;
  timing?: Partial<PipelineTiming>;
  log: Logger;
}

interface SegmentInfo {
  seq: number;
  durationS: number;
  bytes: number;
}

const TICK_MS = 500;

export class CameraPipeline extends EventEmitter {
  readonly id: string;
  readonly hlsDir: string;
  readonly snapshotFile: string;
  readonly timing: PipelineTiming;
  /** Raw playlist as ffmpeg wrote it (served from memory, re-read on change). */
  playlistText: string | undefined;
  playlist: MediaPlaylist | undefined;

  private opts: PipelineOptions;
  private child: ChildProcess | undefined;
  private command: ffmpeg.FfmpegCommand | undefined;
  private running = false;
  private stopping = false;
  private runStartedAt = 0;
  private runFirstSegmentAt: number | undefined;
  private failures = 0;
  private restarts = 0;
  private lastSegmentAt: number | undefined;
  private lastError: string | null = null;
  private lastErrorAt: number | undefined;
  private killReason: string | undefined;
  private stderrTail: string[] = [];
  private frames: Array<{ t: number; n: number }> = [];
  private segments = new Map<number, SegmentInfo>();
  private playlistMtimeMs = 0;
  private snapshotAt: number | undefined;
  private status: CameraStatus = 'starting';
  private since = Date.now();
  private tickTimer: NodeJS.Timeout | undefined;
  private restartTimer: NodeJS.Timeout | undefined;
  private watcher: fs.FSWatcher | undefined;
  private lastCleanup = 0;
  private everFailed = false;

  constructor(opts: PipelineOptions) {
    super();
    this.setMaxListeners(0); // one listener per held blocking-reload request
    this.opts = opts;
    this.id = opts.id;
    this.hlsDir = opts.hlsDir;
    this.snapshotFile = opts.snapshotFile;
    this.timing = { ...DEFAULT_TIMING, ...opts.timing };
  }

  start(): void {
    // Stale segments from a previous server run would be served as live: start from an empty directory.
    fs.rmSync(this.hlsDir, { recursive: true, force: true });
    fs.mkdirSync(this.hlsDir, { recursive: true });
    fs.mkdirSync(path.dirname(this.snapshotFile), { recursive: true });
    this.snapshotAt = statMtime(this.snapshotFile); // the snapshotter stamps the frame's time as mtime
    try {
      // rename of index.m3u8.tmp → index.m3u8 fires here: players waiting on _HLS_msn hear of it at once
      this.watcher = fs.watch(this.hlsDir, (_event, name) => {
        if (name === PLAYLIST) this.reloadPlaylist();
      });
      this.watcher.on('error', () => undefined);
    } catch {
      /* polling in tick() still works */
    }
    this.tickTimer = setInterval(() => this.tick(), TICK_MS);
    this.tickTimer.unref();
    this.spawn();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    clearInterval(this.tickTimer);
    clearTimeout(this.restartTimer);
    this.watcher?.close();
    if (this.child) await stopChild(this.child);
    this.emit('playlist'); // release held requests
  }

  /** Resolves true once segment `seq` is listed, false after `timeoutMs`. */
  waitForSeq(seq: number, timeoutMs: number): Promise<boolean> {
    if ((this.playlist?.lastSeq ?? -Infinity) >= seq) return Promise.resolve(true);
    return new Promise((resolve) => {
      const onPlaylist = () => {
        if (this.stopping || (this.playlist?.lastSeq ?? -Infinity) >= seq) done(!this.stopping);
      };
      const timer = setTimeout(() => done(false), timeoutMs);
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.off('playlist', onPlaylist);
        resolve(ok);
      };
      this.on('playlist', onPlaylist);
    });
  }

  health(now = Date.now()): CameraHealth {
    const online = this.status === 'online';
    const listed = this.playlist?.segments.map((s) => this.segments.get(s.seq)).filter((s): s is SegmentInfo => !!s) ?? [];
    const dur = listed.reduce((a, s) => a + s.durationS, 0);
    const bytes = listed.reduce((a, s) => a + s.bytes, 0);
    return {
      status: this.status,
      since: new Date(this.since).toISOString(),
      fps: online ? this.fps() : null,
      kbps: online && dur > 0 ? Math.round((bytes * 8) / dur / 1000) : null,
      lastSegmentAgeS: this.lastSegmentAt === undefined ? null : round1((now - this.lastSegmentAt) / 1000),
      lastSegmentAt: iso(this.lastSegmentAt),
      restarts: this.restarts,
      lastError: this.lastError,
      lastErrorAt: iso(this.lastErrorAt),
      snapshotAt: iso(this.snapshotAt),
    };
  }

  /** Called by the snapshotter once it has replaced snapshotFile. */
  snapshotTaken(atMs: number): void {
    this.snapshotAt = atMs;
  }

  private spawn(): void {
    if (this.stopping) return;
    const t = this.timing;
    const a = pipelineArgs(this.opts.ffmpeg, {
      url: typeof this.opts.url === 'function' ? this.opts.url() : this.opts.url,
      transport: this.opts.transport,
      hlsDir: this.hlsDir,
      targetS: t.targetS,
      listSize: t.listSize,
      readTimeoutS: t.readTimeoutS,
    });
    const cmd = ffmpeg(a.input)
      .setFfmpegPath(this.opts.ffmpeg.path)
      .inputOptions(a.inputOptions)
      .output(a.hlsTarget)
      .outputOptions(a.hlsOptions);
    this.command = cmd;
    this.running = true;
    this.runStartedAt = Date.now();
    this.runFirstSegmentAt = undefined;
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
    cmd.run();
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
    this.command = undefined;
    if (this.stopping) return;
    const now = Date.now();
    const stable = this.runFirstSegmentAt !== undefined && now - this.runFirstSegmentAt >= this.timing.stableS * 1000;
    this.failures = stable ? 1 : this.failures + 1;
    this.everFailed = true;
    this.restarts++;
    const detail = this.killReason ?? firstLine(err?.message) ?? (this.stderrTail.at(-1) || 'ffmpeg exited (code 0)');
    const lastLine = this.stderrTail.at(-1);
    const tail = this.killReason || !lastLine || detail.includes(lastLine) ? '' : ` — ${lastLine}`;
    this.lastError = redact(`${detail}${tail}`).slice(0, 300);
    this.lastErrorAt = now;
    const base = Math.min(this.timing.backoffMaxS, this.timing.backoffMinS * 2 ** (this.failures - 1));
    let delayMs = base * 1000 * (0.8 + Math.random() * 0.4);
    // epoch start numbers must move past every sequence number already handed out
    const lastSeq = this.playlist?.lastSeq ?? 0;
    delayMs = Math.max(delayMs, (lastSeq + 1) * 1000 - now + 50);
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
    const mtime = statMtime(path.join(this.hlsDir, PLAYLIST));
    if (mtime !== undefined && mtime !== this.playlistMtimeMs) this.reloadPlaylist();
    if (this.running && !this.killReason) {
      const t = this.timing;
      if (this.runFirstSegmentAt !== undefined && this.lastSegmentAt !== undefined) {
        if (now - this.lastSegmentAt > t.stallAfterS * 1000) this.kill(`stalled: no new segment for ${t.stallAfterS} s`);
      } else if (now - this.runStartedAt > t.startTimeoutS * 1000) {
        this.kill(`no segment within ${t.startTimeoutS} s of start`);
      }
    }
    if (now - this.lastCleanup > 10_000) {
      this.lastCleanup = now;
      this.removeOrphanSegments();
    }
    this.updateStatus(now);
  }

  private updateStatus(now = Date.now()): void {
    const t = this.timing;
    let next: CameraStatus;
    if (this.lastSegmentAt === undefined) next = this.everFailed ? 'offline' : 'starting';
    else {
      const age = now - this.lastSegmentAt;
      next = age <= t.stallAfterS * 1000 ? 'online' : age <= t.offlineAfterS * 1000 ? 'stalled' : 'offline';
    }
    if (next !== this.status) {
      this.status = next;
      this.since = now;
      if (next === 'online' && this.failures > 0) this.opts.log.info('camera back online', { camera: this.id });
      this.emit('health', this.health(now));
    }
  }

  private reloadPlaylist(): void {
    const file = path.join(this.hlsDir, PLAYLIST);
    let text: string;
    try {
      text = fs.readFileSync(file, 'utf8');
      this.playlistMtimeMs = statMtime(file) ?? 0;
    } catch {
      return;
    }
    const parsed = parsePlaylist(text);
    if (!parsed || text === this.playlistText) return;
    const prevLast = this.playlist?.lastSeq ?? -Infinity;
    this.playlistText = text;
    this.playlist = parsed;
    // a run being killed flushes its last partial segment on exit: that is not the camera delivering
    const live = this.running && !this.killReason;
    if (live && parsed.lastSeq > prevLast && parsed.segments.length > 0) {
      const now = Date.now();
      this.lastSegmentAt = now;
      this.runFirstSegmentAt ??= now;
      for (const s of parsed.segments) {
        if (this.segments.has(s.seq)) continue;
        let bytes = 0;
        try {
          bytes = fs.statSync(path.join(this.hlsDir, s.uri)).size;
        } catch {
          /* deleted already */
        }
        this.segments.set(s.seq, { seq: s.seq, durationS: s.durationS, bytes });
      }
      for (const seq of this.segments.keys()) if (seq < parsed.mediaSequence) this.segments.delete(seq);
      this.updateStatus(now);
    }
    this.emit('playlist');
  }

  /** delete_segments only covers the current run: drop what earlier runs left behind. */
  private removeOrphanSegments(): void {
    const keepFrom = (this.playlist?.mediaSequence ?? 0) - this.timing.listSize;
    let names: string[] = [];
    try {
      names = fs.readdirSync(this.hlsDir);
    } catch {
      return;
    }
    for (const name of names) {
      const m = SEGMENT_RE.exec(name);
      if (m && Number(m[1]) < keepFrom) fs.rm(path.join(this.hlsDir, name), { force: true }, () => undefined);
    }
  }
}

function statMtime(file: string): number | undefined {
  try {
    return fs.statSync(file).mtimeMs;
  } catch {
    return undefined;
  }
}
const iso = (ms: number | undefined) => (ms === undefined ? null : new Date(ms).toISOString());
const round1 = (x: number) => Math.round(x * 10) / 10;
const firstLine = (s: string | undefined) => s?.split('\n').find((l) => l.trim());
