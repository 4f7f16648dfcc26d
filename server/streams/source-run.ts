// One run of one camera's source: a single ffmpeg (fluent-ffmpeg) that pulls and copies into fragmented MP4 on its
// stdout, mp4frag splitting that into the init segment and parts for the camera's LiveSegmenter. It ends once, by
// itself or killed, and says why; restarting is pipeline.ts's business.
import type { ChildProcess } from 'node:child_process';
import type { Writable } from 'node:stream';
import { createRequire } from 'node:module';
import ffmpeg from 'fluent-ffmpeg';
import type { Logger } from '../log.ts';
import { pipelineArgs, type TranscodeArgs } from './args.ts';
import { stopChild, trackChild } from './children.ts';
import type { FfmpegInfo } from './ffmpeg.ts';
import { hvc1Codec, retagHvc1 } from './hvc1.ts';
import type { LiveSegmenter } from './segmenter.ts';

// mp4frag is CommonJS with a default-exported class
const Mp4Frag = createRequire(import.meta.url)('mp4frag') as new () => Mp4FragStream;
interface Mp4FragStream extends NodeJS.WritableStream {
  readonly initialization: Buffer | null;
  readonly mime: string | null;
  on(event: 'initialized', fn: () => void): this;
  on(event: 'segment', fn: (d: { segment: Buffer; duration: number; keyframe: boolean }) => void): this;
  on(event: 'error', fn: (err: Error) => void): this;
}

export interface SourceRunOptions {
  cameraId: string;
  /** Secret: only ever ffmpeg's input, never logged. */
  url: string;
  transport: 'tcp' | 'udp';
  ffmpeg: FfmpegInfo;
  transcode?: TranscodeArgs;
  partTargetS: number;
  readTimeoutS: number;
  segmenter: LiveSegmenter;
  log: Logger;
  /** Each part the camera delivered (not the flush of a run being killed). */
  onPart: () => void;
  /** Once, when the run is over: why, in one line (unredacted: the caller redacts). */
  onEnd: (detail: string) => void;
}

export class SourceRun {
  readonly startedAt = Date.now();
  firstPartAt: number | undefined;
  /** ffmpeg's progress lines: (time, frame count) over the last 5 s. */
  readonly frames: Array<{ t: number; n: number }> = [];
  private child: ChildProcess | undefined;
  private killedFor: string | undefined;
  private stderrTail: string[] = [];
  /** Stopped on purpose (shutdown): no end report. */
  private stopped = false;
  private over = false;

  constructor(private o: SourceRunOptions) {
    const a = pipelineArgs(o.ffmpeg, { url: o.url, transport: o.transport, partTargetS: o.partTargetS, readTimeoutS: o.readTimeoutS, transcode: o.transcode });
    const cmd = ffmpeg(a.input).setFfmpegPath(o.ffmpeg.path).inputOptions(a.inputOptions).outputOptions(a.outputOptions);
    const frag = new Mp4Frag();
    frag.on('initialized', () => {
      if (!frag.initialization) return;
      const codec = /codecs="([^"]+)"/.exec(frag.mime ?? '')?.[1] ?? 'unknown';
      o.segmenter.startRun(retagHvc1(frag.initialization), hvc1Codec(codec));
    });
    frag.on('segment', ({ segment, duration, keyframe }) => {
      if (this.killedFor) return; // a run being killed flushes its last fragment: not the camera delivering
      o.segmenter.addPart(segment, duration, keyframe);
      this.firstPartAt ??= Date.now();
      o.onPart();
    });
    frag.on('error', (err) => this.kill(`unreadable fMP4 from ffmpeg: ${err.message}`));
    cmd.on('start', () => {
      const child = (cmd as unknown as { ffmpegProc?: ChildProcess }).ffmpegProc;
      if (child) {
        this.child = child;
        trackChild(child);
        if (this.stopped) void stopChild(child);
      }
      o.log.debug('ffmpeg started', { camera: o.cameraId, pid: child?.pid });
    });
    cmd.on('stderr', (line: string) => this.onStderr(line));
    cmd.on('end', () => this.end(undefined));
    cmd.on('error', (err: Error) => this.end(err));
    cmd.pipe(frag as unknown as Writable, { end: true });
  }

  get killing(): boolean {
    return this.killedFor !== undefined;
  }

  /** Ends the run for `reason` (reported as its end detail); a second kill keeps the first reason. */
  kill(reason: string): void {
    if (!this.child || this.killedFor) return;
    this.killedFor = reason;
    this.o.log.warn(`killing ffmpeg: ${reason}`, { camera: this.o.cameraId });
    void stopChild(this.child);
  }

  /** Stops ffmpeg for good (server shutdown): resolves when it has exited. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.child) await stopChild(this.child);
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

  private end(err: Error | undefined): void {
    if (this.over) return; // 'end' and 'error' may both come
    this.over = true;
    this.child = undefined;
    this.o.segmenter.endRun();
    if (this.stopped) return;
    const detail = this.killedFor ?? firstLine(err?.message) ?? (this.stderrTail.at(-1) || 'ffmpeg exited (code 0)');
    const lastLine = this.stderrTail.at(-1);
    const tail = this.killedFor || !lastLine || detail.includes(lastLine) ? '' : ` — ${lastLine}`;
    this.o.onEnd(`${detail}${tail}`);
  }
}

const firstLine = (s: string | undefined) => s?.split('\n').find((l) => l.trim());
