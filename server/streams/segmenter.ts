// One camera's live window in memory, as LL-HLS (RFC 8216bis): the init segment, parts as ffmpeg's fMP4 muxer
// emits them (one moof+mdat each, ~200 ms), and segments of one GOP each (a new segment starts at every keyframe
// part). No disk I/O: parts are served from here the moment they arrive, and a blocked request is released by
// the part it waited for.
//
// Numbering never goes back, across ffmpeg restarts and across server restarts: media sequence numbers start at
// the wall clock in quarter seconds and part names at the clock in 50 ms steps (a segment is at least a GOP, a part
// at least one frame), so a player holding a playlist from before a restart never gets a different part under an
// old name. A new run (new init segment) starts with EXT-X-DISCONTINUITY.
import { EventEmitter } from 'node:events';

export interface InitSegment {
  /** Names the file: init-<id>.mp4. */
  id: number;
  bytes: Buffer;
  /** RFC 6381 codec string, e.g. avc1.42C015 or hvc1.1.6.L93.B0. */
  codec: string;
}

export interface Part {
  /** Global part number: the file is part-<n>.m4s. */
  n: number;
  msn: number;
  /** Index within its segment (what _HLS_part counts). */
  index: number;
  bytes: Buffer;
  durationS: number;
  /** Starts with a keyframe (INDEPENDENT=YES). */
  independent: boolean;
  /** Wall-clock time of its first frame as known when it arrived, epoch ms (what a recording is indexed by). */
  programDateMs: number;
}

/** One ffmpeg run: its init segment and the clock that maps its media time to the wall clock. */
interface Run {
  init: InitSegment;
  /** Media seconds received so far in this run. */
  mediaS: number;
  /**
   * wall clock (ms) = offsetMs + media time (ms). The smallest (arrival − media end) seen so far: ffmpeg hands over
   * its probing buffer in a burst at start, so early parts arrive late; the least-delayed part is the best
   * estimate of when frames were really received.
   */
  offsetMs: number;
}

export interface Segment {
  msn: number;
  init: InitSegment;
  parts: Part[];
  run: Run;
  /** Media time of the segment's first frame within its run, seconds. */
  mediaStartS: number;
  /** First segment of a new run (EXT-X-DISCONTINUITY before it). */
  discontinuity: boolean;
  /** Closed: the next keyframe (or the end of the run) arrived. Only then is it listed with EXTINF. */
  complete: boolean;
  durationS: number;
  /** The whole segment (the parts concatenated), made when first asked for: LL-HLS players take parts, so most
   * segments never are, and 35 cameras do not hold every second of video twice. */
  bytes?: Buffer;
}

export interface SegmenterOptions {
  /** Part target duration, seconds (EXT-X-PART-INF); ffmpeg is asked for fragments of this length or less. */
  partTargetS: number;
  /** Complete segments kept and listed. */
  listSize: number;
  /** Segments at the live edge whose parts are listed (older ones list only the whole segment). */
  partSegments?: number;
  now?: () => number;
}

export class LiveSegmenter extends EventEmitter {
  readonly partTargetS: number;
  private readonly listSize: number;
  private readonly partSegments: number;
  private readonly now: () => number;
  private segments: Segment[] = [];
  private run: Run | undefined;
  private nextMsn: number;
  private nextPart: number;
  private nextInitId = 1;
  /** Discontinuities that have scrolled out of the window (EXT-X-DISCONTINUITY-SEQUENCE). */
  private discontinuitySeq = 0;
  private runStarted = false;
  /** Bytes and seconds of media received lately, for the bitrate. */
  private recent: Array<{ at: number; bytes: number; durationS: number }> = [];
  lastPartAt: number | undefined;

  constructor(opts: SegmenterOptions) {
    super();
    this.setMaxListeners(0); // one listener per held blocking request
    this.partTargetS = opts.partTargetS;
    this.listSize = opts.listSize;
    this.partSegments = opts.partSegments ?? 3;
    this.now = opts.now ?? Date.now;
    this.nextMsn = Math.floor(this.now() / 250);
    this.nextPart = Math.floor(this.now() / 50);
  }

  /** A new ffmpeg run began with this init segment: what follows is a new timeline. */
  startRun(initBytes: Buffer, codec: string): void {
    this.endRun();
    this.run = { init: { id: this.nextInitId++, bytes: initBytes, codec }, mediaS: 0, offsetMs: Infinity };
    this.runStarted = true;
  }

  /** The run ended (exit, kill, stall): close the open segment; the next run starts after a discontinuity. */
  endRun(): void {
    const open = this.segments.at(-1);
    if (open && !open.complete) this.close(open);
    if (this.runStarted) this.emit('runEnd');
    this.runStarted = false;
  }

  /** One moof+mdat from ffmpeg. Parts before the run's first keyframe are dropped: nothing could decode them. */
  addPart(bytes: Buffer, durationS: number, keyframe: boolean): void {
    const run = this.run;
    if (!run || !this.runStarted) return;
    const at = this.now();
    const mediaStartS = run.mediaS;
    run.mediaS += durationS;
    run.offsetMs = Math.min(run.offsetMs, at - run.mediaS * 1000);
    let seg = this.segments.at(-1);
    const open = seg && !seg.complete ? seg : undefined;
    if (!open && !keyframe) return;
    if (open && keyframe && open.parts.length > 0) this.close(open);
    if (!open || keyframe) {
      seg = {
        msn: this.nextMsn++,
        init: run.init,
        parts: [],
        run,
        mediaStartS,
        discontinuity: this.segments.length > 0 && this.segments.at(-1)!.run !== run,
        complete: false,
        durationS: 0,
      };
      this.segments.push(seg);
      this.trim();
    }
    const part: Part = {
      n: this.nextPart++, msn: seg!.msn, index: seg!.parts.length, bytes, durationS, independent: keyframe,
      programDateMs: run.offsetMs + mediaStartS * 1000,
    };
    seg!.parts.push(part);
    seg!.durationS += durationS;
    this.lastPartAt = at;
    this.recent.push({ at, bytes: bytes.length, durationS });
    while (this.recent.length > 1 && at - this.recent[0].at > 10_000) this.recent.shift();
    this.emit('part', part, seg!.init);
  }

  private close(seg: Segment): void {
    seg.complete = true;
    this.emit('segment', seg);
  }

  private trim(): void {
    // keep listSize complete segments plus the open one
    while (this.segments.length > this.listSize + 1) {
      if (this.segments.shift()!.discontinuity) this.discontinuitySeq++;
    }
  }

  get codec(): string | undefined {
    return this.run?.init.codec;
  }

  /** Wall-clock time of a segment's first frame, epoch ms. */
  programDateMs(s: Segment): number {
    return s.run.offsetMs + s.mediaStartS * 1000;
  }

  /** Bits per second over the last ~10 s of media; null before there is any. */
  bitrate(): number | null {
    const s = this.recent.reduce((a, r) => a + r.durationS, 0);
    return s > 0 ? (this.recent.reduce((a, r) => a + r.bytes, 0) * 8) / s : null;
  }

  hasMedia(): boolean {
    return this.segments.some((s) => s.parts.length > 0);
  }

  initSegment(id: number): InitSegment | undefined {
    return this.segments.find((s) => s.init.id === id)?.init ?? (this.run?.init.id === id ? this.run.init : undefined);
  }

  segment(msn: number): Segment | undefined {
    const s = this.segments.find((x) => x.msn === msn);
    if (!s?.complete) return undefined;
    s.bytes ??= Buffer.concat(s.parts.map((p) => p.bytes));
    return s;
  }

  part(n: number): Part | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i];
      if (s.parts.length && s.parts[0].n <= n) return s.parts[n - s.parts[0].n];
    }
    return undefined;
  }

  /** The name the next part will have (EXT-X-PRELOAD-HINT). */
  get nextPartNumber(): number {
    return this.nextPart;
  }

  /** The newest keyframe part with its init segment: what a snapshot decodes. */
  newestKeyframe(): { init: InitSegment; part: Part; programDateMs: number } | undefined {
    for (let i = this.segments.length - 1; i >= 0; i--) {
      const s = this.segments[i];
      if (s.parts[0]?.independent) return { init: s.init, part: s.parts[0], programDateMs: this.programDateMs(s) };
    }
    return undefined;
  }

  /** Newest media sequence number with at least one part, or undefined before any media. */
  get lastMsn(): number | undefined {
    return this.segments.findLast((s) => s.parts.length > 0)?.msn;
  }

  /**
   * Blocking reload (RFC 8216bis 6.2.5.2): true once segment `msn` has part `part` (or, without `part`, once it
   * is complete), or a later segment exists; false after timeoutMs or when aborted.
   */
  waitFor(msn: number, part: number | undefined, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    const ready = () => {
      const last = this.segments.at(-1);
      if (!last) return false;
      if (last.msn > msn) return true;
      const s = this.segments.find((x) => x.msn === msn);
      if (!s) return false;
      return part === undefined ? s.complete : s.parts.length > part || s.complete;
    };
    return this.until(ready, timeoutMs, signal);
  }

  /** Resolves true once part number `n` exists (a preload-hinted part requested early). */
  waitForPart(n: number, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    return this.until(() => this.part(n) !== undefined, timeoutMs, signal);
  }

  private until(ready: () => boolean, timeoutMs: number, signal?: AbortSignal): Promise<boolean> {
    if (ready()) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean) => {
        clearTimeout(timer);
        this.off('part', check);
        this.off('segment', check);
        this.off('stop', stop);
        signal?.removeEventListener('abort', stop);
        resolve(ok);
      };
      const check = () => ready() && done(true);
      const stop = () => done(false);
      const timer = setTimeout(stop, timeoutMs);
      this.on('part', check);
      this.on('segment', check);
      this.on('stop', stop);
      signal?.addEventListener('abort', stop);
    });
  }

  /** Releases every held request (shutdown). */
  release(): void {
    this.emit('stop');
  }

  /** The LL-HLS media playlist of the current window; undefined before the first part. */
  playlist(): string | undefined {
    const listed = this.segments.filter((s) => s.parts.length > 0);
    if (!listed.length) return undefined;
    const maxSeg = Math.max(...listed.filter((s) => s.complete).map((s) => s.durationS), this.partTargetS);
    const partTarget = Math.max(this.partTargetS, ...listed.flatMap((s) => s.parts.map((p) => p.durationS)));
    const lines = [
      '#EXTM3U',
      '#EXT-X-VERSION:9',
      `#EXT-X-TARGETDURATION:${Math.max(1, Math.ceil(maxSeg))}`,
      `#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES,PART-HOLD-BACK=${fmt(3 * partTarget)}`,
      `#EXT-X-PART-INF:PART-TARGET=${fmt(partTarget)}`,
      `#EXT-X-MEDIA-SEQUENCE:${listed[0].msn}`,
      `#EXT-X-DISCONTINUITY-SEQUENCE:${this.discontinuitySeq}`,
    ];
    const withParts = new Set(listed.slice(-this.partSegments).map((s) => s.msn));
    let map: InitSegment | undefined;
    for (const s of listed) {
      if (s.discontinuity) lines.push('#EXT-X-DISCONTINUITY');
      if (s.init !== map) {
        map = s.init;
        lines.push(`#EXT-X-MAP:URI="init-${map.id}.mp4"`);
      }
      lines.push(`#EXT-X-PROGRAM-DATE-TIME:${new Date(this.programDateMs(s)).toISOString()}`);
      if (withParts.has(s.msn)) {
        for (const p of s.parts) {
          lines.push(`#EXT-X-PART:DURATION=${fmt(p.durationS)},URI="part-${p.n}.m4s"${p.independent ? ',INDEPENDENT=YES' : ''}`);
        }
      }
      if (s.complete) lines.push(`#EXTINF:${fmt(s.durationS)},`, `seg-${s.msn}.m4s`);
    }
    // Only while a run is live: a hint for a part that will never come would hold players for nothing.
    if (this.runStarted) lines.push(`#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-${this.nextPart}.m4s"`);
    return lines.join('\n') + '\n';
  }
}

const fmt = (s: number) => s.toFixed(5).replace(/0+$/, '').replace(/\.$/, '');
