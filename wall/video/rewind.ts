// One tile's recorded past: an hls.js VOD player of GET /api/cameras/:id/recordings/index.m3u8, made on demand
// (a tile that never rewinds never pays for it) on a video element of its own, laid over the live one, so the
// live picture stays up until the first recorded frame is there. Positions are wall-clock times: the playlist
// has EXT-X-PROGRAM-DATE-TIME on every segment (one per GOP), so a time maps to a media time through the
// fragments (mediaTimeAt) and the picture's time is hls.playingDate. Segments of different recording files follow
// each other in media time with the gap between them (camera offline, server down) left out: the mapping knows.
// A window ends where the recording was when it was asked for: a few seconds before its end the next window is
// loaded on a second, hidden video element, held on its first frame, and swapped in at the end (no freeze, no
// black frame, the sync group's tiles stay in step across it).
import Hls, { type HlsConfig } from 'hls.js';

/** VOD: nothing loads before we know where to start (startLoad(position) once the playlist is in). */
export const HLS_VOD_CONFIG: Partial<HlsConfig> = {
  autoStartLoad: false,
  enableWorker: true,
  lowLatencyMode: false,
  maxBufferLength: 8,
  maxMaxBufferLength: 20,
  backBufferLength: 20,
  manifestLoadingMaxRetry: 2,
  levelLoadingMaxRetry: 2,
  fragLoadingMaxRetry: 6,
};

/** Closer than this to now, "the past" is live: the tile goes back to its live player instead. */
export const LIVE_THRESHOLD_MS = 3000;
/** The next window starts loading this long (media s) before the playing one ends. */
const PRELOAD_S = 4;
/** At a window's end, the next one gets this long to show its first frame before it is asked for afresh. */
const SWAP_WAIT_MS = 1500;

/** The window after the playing one, loading on a hidden element. */
interface NextWindow {
  hls: Hls;
  video: HTMLVideoElement;
  frags: FragTime[];
  url: string;
  fromMs: number;
  ready: boolean;
  onReady?: () => void;
}

/** A fragment as the mapping needs it (hls.js Fragment: programDateTime epoch ms, start/duration seconds). */
export interface FragTime {
  programDateTime: number | null;
  start: number;
  duration: number;
}

export interface MediaPosition {
  /** Media time (s) to seek to. */
  time: number;
  /** The wall-clock time is in no fragment (a gap, or before the first): `time` is the next recorded instant. */
  gap: boolean;
  /** Wall-clock time (epoch ms) of that media time: the one asked for, or after a gap the next recorded one. */
  ms: number;
}

/** Where wall-clock `ms` is in a VOD playlist's fragments; null past the last one (outside this window). Pure. */
export function mediaTimeAt(frags: readonly FragTime[], ms: number): MediaPosition | null {
  for (const f of frags) {
    if (f.programDateTime === null) continue;
    if (ms < f.programDateTime) return { time: f.start, gap: true, ms: f.programDateTime };
    if (ms < f.programDateTime + f.duration * 1000) return { time: f.start + (ms - f.programDateTime) / 1000, gap: false, ms };
  }
  return null;
}

/** Wall-clock end of a playlist's last fragment, or null. Pure. */
export function windowEndMs(frags: readonly FragTime[]): number | null {
  const last = frags.at(-1);
  return last?.programDateTime == null ? null : last.programDateTime + last.duration * 1000;
}

export function recordingUrl(cameraId: string, fromMs: number): string {
  return `/api/cameras/${encodeURIComponent(cameraId)}/recordings/index.m3u8?from=${Math.floor(fromMs)}`;
}

/**
 * loading: asked, no frame yet · playing · paused (held by a sync group, or at a gap) · none: nothing recorded at or
 * after that time · forbidden: this session may not watch recordings · error · caughtUp: played up to now (the
 * tile goes live).
 */
export type RewindState = 'loading' | 'playing' | 'paused' | 'none' | 'forbidden' | 'error' | 'caughtUp';

/** Recorded players alive on this page (debug surface and benchmarks). */
export const rewindPlayers = new Set<RewindPlayer>();

export class RewindPlayer {
  /** Holds the video element(s): the playing one, and the next window's while it loads. */
  readonly el: HTMLElement;
  /** The video element playing. */
  video: HTMLVideoElement;
  state: RewindState = 'loading';
  /** The wall-clock time last asked for (epoch ms). */
  requestedMs = 0;
  /** performance.now() of the last seek request, and ms from it to the first frame at that time (null until then). */
  requestAt = 0;
  firstFrameMs: number | null = null;
  /** The playlist URL playing (tests check it is a recording, not the live playlist). */
  url: string | null = null;
  /** Windows taken over seamlessly at their predecessor's end (diagnostics). */
  swaps = 0;
  /** Held by whoever drives it (a sync group keeps its members paused until all are ready). */
  private hold = false;
  private hls: Hls | null = null;
  private frags: FragTime[] = [];
  private token = 0;
  private waiters: Array<(ok: boolean) => void> = [];
  private destroyed = false;
  private next: NextWindow | null = null;

  constructor(
    readonly cameraId: string,
    private readonly onChange: (p: RewindPlayer) => void = () => undefined,
  ) {
    this.el = document.createElement('div');
    this.el.className = 'tile-rewind-box';
    this.video = this.newVideo();
    this.el.append(this.video);
    rewindPlayers.add(this);
  }

  private newVideo(): HTMLVideoElement {
    const v = document.createElement('video');
    v.className = 'tile-rewind';
    v.muted = true;
    v.playsInline = true;
    v.disablePictureInPicture = true;
    v.autoplay = false;
    // only the playing element speaks for the player
    v.addEventListener('ended', () => v === this.video && this.continueAfterWindow());
    v.addEventListener('playing', () => v === this.video && this.set('playing'));
    v.addEventListener('pause', () => v === this.video && this.state === 'playing' && this.set('paused'));
    v.addEventListener('timeupdate', () => v === this.video && this.preloadNext());
    return v;
  }

  /** True while `ms` lies just past the playing window and the next one is being made ready (a sync group waits). */
  continuing(ms: number): boolean {
    const end = windowEndMs(this.frags);
    return this.next !== null && end !== null && ms >= end && ms < end + SWAP_WAIT_MS + 1000;
  }

  /** Wall-clock time of the picture (hls.playingDate), epoch ms; null before the first fragment. */
  playingDateMs(): number | null {
    return this.hls?.playingDate?.getTime() ?? null;
  }

  /** Wall-clock times this window covers, [first, end) epoch ms, or null before its playlist is in. */
  window(): { from: number; to: number } | null {
    const from = this.frags[0]?.programDateTime;
    const to = windowEndMs(this.frags);
    return from == null || to === null ? null : { from, to };
  }

  /** Where `ms` is in the loaded window (null: outside it). */
  locate(ms: number): MediaPosition | null {
    const w = this.window();
    return w && ms >= w.from ? mediaTimeAt(this.frags, ms) : null;
  }

  /**
   * Shows wall-clock `ms`: a seek inside the loaded window, else a new playlist from `ms`. `paused`: stop on that
   * frame (a sync group starts its members together). Resolves at the first frame there; false when nothing is.
   */
  seek(ms: number, opts: { paused?: boolean } = {}): Promise<boolean> {
    if (this.destroyed) return Promise.resolve(false);
    this.hold = Boolean(opts.paused);
    this.requestedMs = ms;
    this.requestAt = performance.now();
    this.firstFrameMs = null;
    const token = ++this.token;
    for (const w of this.waiters.splice(0)) w(false); // a newer request replaces the one waited for
    const done = new Promise<boolean>((resolve) => this.waiters.push(resolve));
    this.dropNext();
    if (this.hold) this.video.pause();
    const here = this.locate(ms);
    if (this.hls && here) {
      this.set('loading');
      this.video.currentTime = here.time;
      this.afterSeek(token);
    } else {
      this.load(ms, token);
    }
    return done;
  }

  play(): void {
    this.hold = false;
    if (this.state === 'paused' || this.state === 'playing' || this.state === 'loading') void this.video.play().catch(() => undefined);
  }

  pause(): void {
    this.hold = true;
    this.video.pause();
  }

  destroy(): void {
    this.destroyed = true;
    this.token++;
    for (const w of this.waiters.splice(0)) w(false);
    this.dropNext();
    this.hls?.destroy();
    this.hls = null;
    this.video.removeAttribute('src');
    this.video.load();
    this.el.remove();
    rewindPlayers.delete(this);
  }

  private set(state: RewindState): void {
    if (this.state === state) return;
    this.state = state;
    this.onChange(this);
  }

  private load(ms: number, token: number): void {
    this.hls?.destroy();
    this.frags = [];
    this.set('loading');
    const hls = new Hls(HLS_VOD_CONFIG);
    this.hls = hls;
    this.url = recordingUrl(this.cameraId, ms);
    hls.on(Hls.Events.LEVEL_LOADED, (_e, data) => {
      if (token !== this.token) return;
      this.frags = data.details.fragments;
      const at = mediaTimeAt(this.frags, ms);
      if (!at) return this.fail('none');
      hls.startLoad(at.time);
    });
    hls.on(Hls.Events.ERROR, (_e, data) => {
      if (this.hls !== hls) return;
      const code = data.response?.code;
      if (data.details === Hls.ErrorDetails.MANIFEST_LOAD_ERROR && (code === 404 || code === 403 || code === 401)) {
        return this.fail(code === 404 ? 'none' : 'forbidden');
      }
      if (!data.fatal) return;
      if (data.type === Hls.ErrorTypes.MEDIA_ERROR) return hls.recoverMediaError();
      this.fail('error');
    });
    hls.loadSource(this.url);
    hls.attachMedia(this.video);
    this.afterSeek(token);
  }

  /** Waits for the first frame at the asked time, then plays (or holds). */
  private afterSeek(token: number): void {
    const v = this.video;
    let settled = false;
    const frame = () => {
      if (settled) return;
      if (token !== this.token || this.destroyed) return cleanup(); // a newer request took over
      // hls.js seeks to the start position once the first fragment is buffered: until then the frame is not ours
      if (v.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || v.seeking || !this.atRequested()) return;
      settled = true;
      cleanup();
      this.firstFrameMs = Math.round(performance.now() - this.requestAt);
      if (this.hold) {
        v.pause();
        this.set('paused');
      } else {
        void v.play().catch(() => undefined);
        this.set('playing');
      }
      for (const w of this.waiters.splice(0)) w(true);
    };
    const events = ['seeked', 'loadeddata', 'canplay', 'timeupdate'] as const;
    const cleanup = () => events.forEach((e) => v.removeEventListener(e, frame));
    events.forEach((e) => v.addEventListener(e, frame));
    // A presented frame is the truth where the browser can tell (it is also called for a seek while paused).
    if (typeof v.requestVideoFrameCallback === 'function') {
      const watch = () => v.requestVideoFrameCallback(() => (frame(), !settled && token === this.token && watch()));
      watch();
    }
    if (!this.hold) void v.play().catch(() => undefined); // play() before data is a pending play: starts at once
  }

  /** The picture is at (or just past) the time asked for, or at the next recorded instant after a gap. */
  private atRequested(): boolean {
    const want = mediaTimeAt(this.frags, this.requestedMs);
    if (!want) return false;
    const t = this.video.currentTime;
    return t >= want.time - 0.25 && t <= want.time + 2;
  }

  private fail(state: RewindState): void {
    this.set(state);
    for (const w of this.waiters.splice(0)) w(false);
  }

  /** Near the end of the playing window: the next window, from where this one ends, on a hidden element. */
  private preloadNext(): void {
    const end = windowEndMs(this.frags);
    const last = this.frags.at(-1);
    if (this.next || this.destroyed || this.state !== 'playing' || end === null || !last) return;
    if (last.start + last.duration - this.video.currentTime > PRELOAD_S) return;
    if (Date.now() - end < LIVE_THRESHOLD_MS) return; // this window reaches now: at its end the tile goes live
    const video = this.newVideo();
    video.classList.add('next');
    const hls = new Hls(HLS_VOD_CONFIG);
    const nx: NextWindow = { hls, video, frags: [], url: recordingUrl(this.cameraId, end), fromMs: end, ready: false };
    this.next = nx;
    let startAt: number | null = null;
    const ready = () => {
      if (this.next !== nx || nx.ready || startAt === null) return;
      if (video.readyState < HTMLMediaElement.HAVE_CURRENT_DATA || video.seeking || Math.abs(video.currentTime - startAt) > 0.3) return;
      nx.ready = true;
      nx.onReady?.();
    };
    for (const e of ['seeked', 'loadeddata', 'canplay'] as const) video.addEventListener(e, ready);
    hls.on(Hls.Events.LEVEL_LOADED, (_e, data) => {
      if (this.next !== nx) return;
      nx.frags = data.details.fragments;
      const at = mediaTimeAt(nx.frags, end);
      if (!at) return this.dropNext();
      startAt = at.time;
      hls.startLoad(at.time);
    });
    hls.on(Hls.Events.ERROR, (_e, data) => this.next === nx && data.fatal && this.dropNext());
    this.el.append(video);
    hls.loadSource(nx.url);
    hls.attachMedia(video);
  }

  private dropNext(): void {
    const nx = this.next;
    if (!nx) return;
    this.next = null;
    nx.hls.destroy();
    nx.video.remove();
  }

  /** The next window takes over: its first frame is already decoded, so the picture runs on. */
  private swap(nx: NextWindow): void {
    const old = { hls: this.hls, video: this.video };
    this.next = null;
    this.hls = nx.hls;
    this.video = nx.video;
    this.frags = nx.frags;
    this.url = nx.url;
    this.swaps++;
    nx.video.playbackRate = old.video.playbackRate;
    nx.video.classList.remove('next');
    void nx.video.play().catch(() => undefined);
    old.hls?.destroy();
    old.video.remove();
    this.set('playing');
    this.onChange(this);
  }

  /** The window played out: the next one takes over (or is asked for now); at now, the tile goes live. */
  private continueAfterWindow(): void {
    const end = windowEndMs(this.frags);
    if (this.destroyed || end === null || this.hold) return;
    const nx = this.next;
    if (nx?.ready) return this.swap(nx);
    if (nx) {
      const timer = setTimeout(() => this.next === nx && (this.dropNext(), void this.seek(end)), SWAP_WAIT_MS);
      nx.onReady = () => (clearTimeout(timer), this.swap(nx));
      return;
    }
    if (Date.now() - end < LIVE_THRESHOLD_MS) return this.set('caughtUp');
    void this.seek(end);
  }
}
