// One live camera tile: the newest keyframe paints at once (poster, keyframe.ts), hls.js takes over when the first frame decodes.
// Live latency = wall clock − EXT-X-PROGRAM-DATE-TIME of the frame playing (hls.playingDate). hls.js is
// destroyed on teardown so a wall that runs for weeks never leaks decoders or MediaSource buffers. Under the picture,
// the camera's timeline (timeline.ts); a tile sent into the past gets a recorded player (rewind.ts) only then, and
// its live player goes once the recorded picture is up (one decoder per tile), to come back on "LIVE".
import Hls from 'hls.js';
import { t } from '../i18n/index.ts';
import { fetchHlsBytes, HlsSocketLoader, warmHlsSocket } from './hls-socket.ts';
import { drawKeyframe } from './keyframe.ts';
import { keepLiveEdge } from './live-edge.ts';
import { RewindPlayer } from './rewind.ts';
import type { SyncGroup } from './sync.ts';
import { Timeline, type PastStatus, type TimelineHost } from './timeline.ts';
import { healthColour } from '../ui/categories.ts';
import type { CameraView as Camera } from '../../domain/camera.ts';
import { healthState } from '../state/model.ts';

/**
 * LL-HLS: the server lists ~200 ms parts with a preload hint and blocking reload. The target latency is ours, not
 * the playlist's PART-HOLD-BACK (0.6 s): left to it, hls.js on a loaded machine stalled and raised its target after
 * every stall (hls.js#6350) to 4 s true latency. 0.8 s measured 1.07 s p50 true latency (1.2 s: 1.28 s; 0.6 s:
 * 1.04 s, no margin); liveMaxLatencyDuration jumps back to live if it drifts anyway. bench:latency --sync <s>.
 */
export const HLS_LIVE_CONFIG = {
  liveSyncDuration: 0.8,
  liveMaxLatencyDuration: 3,
  /** After a stall hls.js adds this to its target (default 1 s, up to a segment, kept for good: hls.js#6350). */
  liveSyncOnStallIncrease: 0.2,
  /** 1 = hls.js leaves the rate alone: live-edge.ts catches up (hls.js only does with > 1 s buffered). */
  maxLiveSyncPlaybackRate: 1,
  lowLatencyMode: true,
  backBufferLength: 10,
  // No workerPath: the ESM build has no inline worker, so transmuxing runs on the main thread (~ms per 1 s
  // segment). Measured: a worker (hls.worker.js) made click → first frame slower, because hls.js terminates it
  // when the last tile is destroyed and every click then pays for starting and compiling it again.
  enableWorker: true,
  /** Fetch the start fragment while MSE is still being set up: a first frame sooner after a click. */
  startFragPrefetch: true,
  maxBufferLength: 6,
  /** Every /hls/ request over one WebSocket per page (HTTP when it cannot be had): see hls-socket.ts. */
  loader: HlsSocketLoader,
  manifestLoadingMaxRetry: 1000,
  levelLoadingMaxRetry: 1000,
  fragLoadingMaxRetry: 1000,
} as const;

/** While a tile cannot play its camera, its snapshot is the picture: refreshed this often. */
const SNAPSHOT_REFRESH_MS = 4000;
const CODEC_NAMES: Record<string, string> = { hvc1: 'H.265', hev1: 'H.265', avc1: 'H.264', avc3: 'H.264' };

/** "H.265" when this browser cannot decode the camera's codec (RFC 6381, from the server), else null. */
function undecodableCodec(camera: Camera): string | null {
  const codec = camera.health?.codec;
  if (!codec || codec === 'unknown') return null; // not known yet: try to play
  const type = `video/mp4; codecs="${codec}"`;
  const ok = typeof MediaSource !== 'undefined' ? MediaSource.isTypeSupported(type) : document.createElement('video').canPlayType(type) !== '';
  return ok ? null : (CODEC_NAMES[codec.slice(0, 4)] ?? codec);
}

export interface TileInfo {
  distanceM?: number;
  inView?: boolean;
  pinned?: boolean;
  /** The next camera on a responding unit's route: which unit, and in how many seconds it gets there. */
  ahead?: { callsign: string; etaS: number };
  /** The tile is shown for an incident reported at this time (epoch ms): its timeline offers "saat laporan masuk". */
  reportedMs?: number;
}

let liveTiles = 0;
export function liveTileCount(): number {
  return liveTiles;
}

/** While in the past, the badge's clock and the bar repaint this often (the live bar: once a second). */
const PAST_PAINT_MS = 250;

export class VideoTile implements TimelineHost {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  /** The picture: videos, notices, the name bar (the timeline sits under it). */
  private readonly screen: HTMLElement;
  readonly timeline: Timeline;
  private hls: Hls | null = null;
  private latencyEl: HTMLElement;
  private metaEl: HTMLElement;
  private nameEl: HTMLElement;
  private dot: HTMLElement;
  private latencyTimer: ReturnType<typeof setInterval> | undefined;
  private pastTimer: ReturnType<typeof setInterval> | undefined;
  private noticeEl: HTMLElement;
  /** The newest keyframe, decoded here (keyframe.ts), over the video until its first frame. */
  private posterEl: HTMLCanvasElement;
  private snapshotTimer: ReturnType<typeof setInterval> | undefined;
  camera: Camera | null = null;
  /** performance.now() of attach and of the first decoded frame (benchmark: click → first frame). */
  attachedAt = 0;
  firstFrameAt = 0;
  latencyMs: number | null = null;
  private frameWaiters: Array<() => void> = [];
  private playlistWaiters: Array<() => void> = [];
  /** performance.now() when this attachment's first live playlist was parsed (0: not yet). */
  playlistAt = 0;
  private releaseEdge: (() => void) | null = null;
  /** ms after attach of the stream's start-up milestones (benchmark/diagnostics). */
  timing: Record<string, number> = {};
  /** What painted this attachment's poster: the keyframe decoded here, or the server's JPEG (diagnostics, tests). */
  posterSource: 'keyframe' | 'snapshot' | null = null;
  /** The recorded player, only while this tile shows the past (made on demand, destroyed on the way back). */
  rewind: RewindPlayer | null = null;
  /** The incident's sync group this tile is held in, if any (wall/video/sync.ts). */
  sync: SyncGroup | null = null;

  constructor(private opts: { onPin?: (cameraId: string) => void; pinLabel?: () => string; rewind?: boolean } = {}) {
    warmHlsSocket();
    this.el = document.createElement('div');
    this.el.className = 'tile';
    this.screen = document.createElement('div');
    this.screen.className = 'tile-screen';
    this.video = document.createElement('video');
    this.video.className = 'tile-live';
    this.video.muted = true;
    this.video.autoplay = true;
    this.video.playsInline = true;
    this.video.disablePictureInPicture = true;
    const bar = document.createElement('div');
    bar.className = 'tile-bar';
    this.dot = document.createElement('span');
    this.dot.className = 'dot';
    this.nameEl = document.createElement('span');
    this.nameEl.className = 'tile-name free-text'; // the camera's name: data, not UI text
    this.metaEl = document.createElement('span');
    this.metaEl.className = 'tile-meta';
    this.latencyEl = document.createElement('span');
    this.latencyEl.className = 'tile-latency';
    bar.append(this.dot, this.nameEl, this.metaEl, this.latencyEl);
    this.noticeEl = document.createElement('div');
    this.noticeEl.className = 'tile-notice';
    this.posterEl = this.newPosterEl();
    this.timeline = new Timeline(this, opts.rewind ?? false);
    this.screen.append(this.video, this.posterEl, this.noticeEl, bar, this.timeline.badge);
    this.el.append(this.screen, this.timeline.el);
    if (opts.onPin) {
      const pin = document.createElement('button');
      pin.className = 'tile-pin';
      pin.textContent = opts.pinLabel?.() ?? t('pin');
      pin.onclick = (e) => {
        e.stopPropagation();
        if (this.camera) opts.onPin!(this.camera.id);
      };
      this.screen.append(pin);
    }
  }

  /**
   * Show `camera` (no-op when it is already the one playing, live or in the past; info is refreshed). `at`: start
   * in the past at that wall-clock time, with no live player at all (the briefing's cursor).
   */
  attach(camera: Camera, info: TileInfo = {}, at?: number): void {
    this.el.dataset.cameraId = camera.id;
    this.nameEl.textContent = `${camera.id.toUpperCase()} · ${camera.name}`;
    const parts: string[] = [];
    if (info.distanceM !== undefined) parts.push(`${Math.round(info.distanceM)} m`);
    if (info.inView !== undefined) parts.push(info.inView ? `◉ ${t('inView')}` : t('notInView'));
    if (info.pinned) parts.push(`📌 ${t('pinned')}`);
    if (info.ahead) parts.push(`▶ ${t('aheadOf')} ${info.ahead.callsign} · ${Math.max(1, Math.round(info.ahead.etaS / 60))}′`);
    this.metaEl.textContent = parts.join(' · ');
    this.el.classList.toggle('in-view', Boolean(info.inView));
    this.setHealth(camera);
    const undecodable = undecodableCodec(camera);
    this.noticeEl.textContent = undecodable && `${undecodable} — ${t('cannotPlay')}`;
    const playing = this.camera?.id === camera.id && (undecodable ? this.snapshotTimer : this.hls || this.rewind);
    if (playing) return this.timeline.setCamera(camera.id, { reportedMs: info.reportedMs, playable: !undecodable });
    this.detach();
    this.camera = camera;
    this.attachedAt = performance.now();
    this.firstFrameAt = 0;
    this.playlistAt = 0;
    this.timing = {};
    this.posterSource = null;
    this.timeline.setCamera(camera.id, { reportedMs: info.reportedMs, playable: !undecodable });
    this.latencyTimer = setInterval(() => this.measureLatency(), 1000);
    if (at !== undefined && this.timeline.canRewind) {
      void this.rewindTo(at);
      return;
    }
    // Poster first: the newest keyframe paints now, while hls.js fetches the playlist and first fragment.
    if (undecodable) {
      this.showSnapshot(camera); // no player (and no decoder here) for what it cannot decode: the server's JPEG
      this.refreshSnapshot(camera);
    } else {
      this.showPoster(camera);
      this.startLive(camera);
    }
  }

  private startLive(camera: Camera): void {
    if (Hls.isSupported()) {
      const hls = new Hls(HLS_LIVE_CONFIG);
      this.hls = hls;
      liveTiles++;
      hls.on(Hls.Events.ERROR, (_e, data) => {
        if (!data.fatal) return;
        if (data.type === Hls.ErrorTypes.MEDIA_ERROR) hls.recoverMediaError();
        else setTimeout(() => this.hls === hls && hls.startLoad(), 2000);
      });
      const mark = (name: string) => () => (this.timing[name] ??= Math.round(performance.now() - this.attachedAt));
      hls.once(Hls.Events.MANIFEST_PARSED, () => {
        mark('manifest')();
        this.playlistAt = performance.now();
        for (const w of this.playlistWaiters.splice(0)) w();
      });
      hls.once(Hls.Events.LEVEL_LOADED, mark('level'));
      hls.once(Hls.Events.FRAG_LOADED, mark('fragLoaded'));
      hls.once(Hls.Events.FRAG_BUFFERED, mark('fragBuffered'));
      this.video.addEventListener('playing', mark('playing'), { once: true });
      // Absolute: hls.js adds the LL-HLS delivery directives (_HLS_msn/_HLS_part) with `new URL(uri)`, which throws on
      // a path, and then silently polls every half target duration instead of blocking (parts came in pairs per 0.5 s).
      hls.loadSource(new URL(camera.hls, location.href).href); // playlist request runs while MediaSource is being set up
      hls.attachMedia(this.video);
      this.releaseEdge = keepLiveEdge(hls, this.video, HLS_LIVE_CONFIG.liveSyncDuration);
    } else {
      this.video.src = camera.hls; // Safari: native HLS
    }
    this.video.play().catch(() => undefined);
    const onFrame = () => {
      if (this.firstFrameAt) return;
      this.firstFrameAt = performance.now();
      this.posterEl.hidden = true;
      for (const w of this.frameWaiters.splice(0)) w();
    };
    // First decoded frame (not just 'playing'): what the viewer actually sees.
    if (typeof this.video.requestVideoFrameCallback === 'function') this.video.requestVideoFrameCallback(onFrame);
    else (this.video as HTMLVideoElement).addEventListener('playing', onFrame, { once: true });
  }

  /** Ends the live player (its decoder and buffers): the tile shows the past, or nothing. */
  private stopLive(): void {
    this.releaseEdge?.();
    this.releaseEdge = null;
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
      liveTiles--;
    }
    this.video.removeAttribute('src');
    this.video.load();
  }

  // --- the past (TimelineHost) ---

  /** Plays wall-clock `ms` from the recording; in a sync group, the whole group moves there. */
  seek(ms: number): void {
    if (this.sync) this.sync.moveTo(ms);
    else void this.rewindTo(ms);
  }

  /**
   * Shows wall-clock `ms` from the recording (a recorded player made now if there is none), `paused` on its first
   * frame if asked. The live player stays up until that frame is there, then goes. Resolves with the player, or
   * null when nothing is recorded there (or this tile cannot rewind).
   */
  async rewindTo(ms: number, opts: { paused?: boolean } = {}): Promise<RewindPlayer | null> {
    const camera = this.camera;
    if (!camera || !this.timeline.canRewind) return null;
    let p = this.rewind;
    if (!p) {
      p = new RewindPlayer(camera.id, () => this.rewindChanged());
      this.rewind = p;
      this.screen.insertBefore(p.el, this.noticeEl);
      this.el.classList.add('in-past');
      this.pastTimer = setInterval(() => this.timeline.render(), PAST_PAINT_MS);
    }
    const ok = await p.seek(ms, opts);
    if (p !== this.rewind) return null;
    if (ok) this.stopLive();
    if (p.state === 'forbidden') {
      this.timeline.setAllowed(false);
      this.live();
    }
    this.timeline.render();
    return ok ? p : null;
  }

  /** Back to live: the recorded player is destroyed at once, the live one starts (the snapshot shows meanwhile). */
  live(): void {
    this.sync?.drop(this);
    this.sync = null;
    this.endRewind();
    if (this.camera && !this.hls && !this.snapshotTimer) {
      this.attachedAt = performance.now();
      this.firstFrameAt = 0;
      this.playlistAt = 0;
      this.timing = {};
      this.posterSource = null;
      this.showPoster(this.camera);
      this.startLive(this.camera);
    }
    this.timeline.render();
  }

  past(): PastStatus | null {
    const p = this.rewind;
    if (!p) return null;
    const playing = p.state === 'loading' ? null : p.playingDateMs();
    return { state: p.state, ms: playing ?? p.requestedMs, synced: this.sync !== null };
  }

  private rewindChanged(): void {
    const p = this.rewind;
    if (p?.state === 'caughtUp') return this.live();
    this.el.classList.toggle('past-ready', Boolean(p && p.firstFrameMs !== null));
    this.timeline.render();
  }

  private endRewind(): void {
    clearInterval(this.pastTimer);
    this.pastTimer = undefined;
    this.rewind?.destroy();
    this.rewind = null;
    this.el.classList.remove('in-past', 'past-ready');
  }

  private refreshSnapshot(camera: Camera): void {
    this.snapshotTimer = setInterval(() => this.showSnapshot(camera), SNAPSHOT_REFRESH_MS);
  }

  private newPosterEl(): HTMLCanvasElement {
    const c = document.createElement('canvas');
    c.className = 'tile-poster';
    c.hidden = true;
    return c;
  }

  /**
   * The newest keyframe as the poster, decoded in this browser (a canvas of its own per attachment, so a late
   * answer for an earlier camera never paints over this one); the server's JPEG when this browser cannot decode it.
   */
  private showPoster(camera: Camera): void {
    const attachedAt = this.attachedAt;
    const canvas = this.newPosterEl();
    const current = () => this.camera?.id === camera.id && this.attachedAt === attachedAt;
    void fetchHlsBytes(camera.hls.replace(/[^/]*$/, 'keyframe.mp4'))
      .then((bytes) => (current() ? drawKeyframe(bytes, canvas, camera.health?.codec ?? undefined) : false))
      .catch(() => false)
      .then((drawn) => {
        if (!current()) return;
        if (!drawn) return this.showSnapshot(camera);
        canvas.hidden = Boolean(this.firstFrameAt);
        this.posterEl.replaceWith(canvas);
        this.posterEl = canvas;
        this.posterSource = 'keyframe';
        this.timing.poster ??= Math.round(performance.now() - this.attachedAt);
      });
  }

  /** The camera's newest snapshot as the poster, swapped in only once loaded (never a blank tile); timing.poster. */
  private showSnapshot(camera: Camera): void {
    const next = new Image();
    const url = `${camera.snapshot}?t=${Date.now()}`;
    next.onload = () => {
      if (this.camera?.id !== camera.id) return;
      this.video.poster = url; // from the image cache: paints at once
      this.posterSource ??= 'snapshot';
      this.timing.poster ??= Math.round(performance.now() - this.attachedAt);
    };
    next.src = url;
  }

  /** Resolves at this attachment's first decoded frame (at once if it is already showing one). */
  firstFrame(): Promise<void> {
    if (this.firstFrameAt || !this.camera) return Promise.resolve();
    return new Promise((resolve) => this.frameWaiters.push(resolve));
  }

  /** Resolves when this attachment's live playlist is in hand (never, for a tile that does not play live). */
  firstPlaylist(): Promise<void> {
    if (this.playlistAt) return Promise.resolve();
    return new Promise((resolve) => this.playlistWaiters.push(resolve));
  }

  setHealth(camera: Camera): void {
    const [r, g, b] = healthColour(healthState(camera));
    this.dot.style.background = `rgb(${r},${g},${b})`;
    this.dot.title = t(healthState(camera));
  }

  private measureLatency(): void {
    const past = this.past();
    const playing = this.hls?.playingDate;
    if (past) {
      // how far behind now the picture is: −m:ss
      this.latencyMs = null;
      const behind = past.ms === null ? null : Math.max(0, Math.round((Date.now() - past.ms) / 1000));
      this.latencyEl.textContent = behind === null ? '' : `−${Math.floor(behind / 60)}:${String(behind % 60).padStart(2, '0')}`;
    } else if (playing && !this.video.paused) {
      this.latencyMs = Date.now() - playing.getTime();
      this.latencyEl.textContent = `${t('latency')} ${(this.latencyMs / 1000).toFixed(1)} s`;
    } else {
      this.latencyMs = null;
      this.latencyEl.textContent = '';
    }
    if (!this.pastTimer) this.timeline.render(); // the bar's right end is now
  }

  /** Recorded-playback state for the debug surface (wall/app/debug.ts) and benchmarks. */
  rewindDebug() {
    const p = this.rewind;
    return {
      camera: this.camera?.id ?? null,
      mode: p ? ('past' as const) : ('live' as const),
      state: p?.state ?? null,
      requestedMs: p?.requestedMs ?? null,
      playingDateMs: p?.playingDateMs() ?? null,
      firstFrameMs: p?.firstFrameMs ?? null,
      currentTime: p ? p.video.currentTime : this.video.currentTime,
      paused: p ? p.video.paused : this.video.paused,
      playbackRate: p ? p.video.playbackRate : this.video.playbackRate,
      url: p ? p.url : (this.hls?.url ?? null),
      swaps: p?.swaps ?? 0,
      synced: this.sync !== null,
      liveDecoder: this.hls !== null,
    };
  }

  detach(): void {
    this.posterEl.hidden = true;
    this.video.removeAttribute('poster'); // never the last camera's picture under the next one's
    clearInterval(this.latencyTimer);
    clearInterval(this.snapshotTimer);
    this.snapshotTimer = undefined;
    this.sync?.drop(this);
    this.sync = null;
    this.endRewind();
    this.stopLive();
    this.camera = null;
    this.latencyMs = null;
    this.latencyEl.textContent = '';
    this.timeline.setCamera(null, { playable: false });
  }

  destroy(): void {
    this.detach();
    this.timeline.destroy();
    this.el.remove();
  }
}
