// One live camera tile: the snapshot paints at once (poster), hls.js takes over when the first frame decodes.
// Live latency = wall clock − EXT-X-PROGRAM-DATE-TIME of the frame playing (hls.playingDate). hls.js is
// destroyed on teardown so a wall that runs for weeks never leaks decoders or MediaSource buffers.
import Hls from 'hls.js';
import { t } from '../i18n/index.ts';
import { HlsSocketLoader, warmHlsSocket } from './hls-socket.ts';
import { keepLiveEdge } from './live-edge.ts';
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
}

let liveTiles = 0;
export function liveTileCount(): number {
  return liveTiles;
}

export class VideoTile {
  readonly el: HTMLElement;
  readonly video: HTMLVideoElement;
  private hls: Hls | null = null;
  private latencyEl: HTMLElement;
  private metaEl: HTMLElement;
  private nameEl: HTMLElement;
  private dot: HTMLElement;
  private latencyTimer: ReturnType<typeof setInterval> | undefined;
  private noticeEl: HTMLElement;
  private snapshotTimer: ReturnType<typeof setInterval> | undefined;
  camera: Camera | null = null;
  /** performance.now() of attach and of the first decoded frame (benchmark: click → first frame). */
  attachedAt = 0;
  firstFrameAt = 0;
  latencyMs: number | null = null;
  private frameWaiters: Array<() => void> = [];
  private releaseEdge: (() => void) | null = null;
  /** ms after attach of the stream's start-up milestones (benchmark/diagnostics). */
  timing: Record<string, number> = {};

  constructor(private opts: { onPin?: (cameraId: string) => void; pinLabel?: () => string } = {}) {
    warmHlsSocket();
    this.el = document.createElement('div');
    this.el.className = 'tile';
    this.video = document.createElement('video');
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
    this.el.append(this.video, this.noticeEl, bar);
    if (opts.onPin) {
      const pin = document.createElement('button');
      pin.className = 'tile-pin';
      pin.textContent = opts.pinLabel?.() ?? t('pin');
      pin.onclick = (e) => {
        e.stopPropagation();
        if (this.camera) opts.onPin!(this.camera.id);
      };
      this.el.append(pin);
    }
  }

  /** Show `camera` (no-op when it is already the one playing; info is refreshed). */
  attach(camera: Camera, info: TileInfo = {}): void {
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
    if (this.camera?.id === camera.id && (undecodable ? this.snapshotTimer : this.hls)) return;
    this.detach();
    this.camera = camera;
    this.attachedAt = performance.now();
    this.firstFrameAt = 0;
    this.timing = {};
    // Poster first: the last snapshot paints now, while hls.js fetches the playlist and first fragment.
    this.showSnapshot(camera);
    if (undecodable) return this.refreshSnapshot(camera); // no player for what it cannot decode
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
      hls.once(Hls.Events.MANIFEST_PARSED, mark('manifest'));
      hls.once(Hls.Events.LEVEL_LOADED, mark('level'));
      hls.once(Hls.Events.FRAG_LOADED, mark('fragLoaded'));
      hls.once(Hls.Events.FRAG_BUFFERED, mark('fragBuffered'));
      this.video.addEventListener('playing', mark('playing'), { once: true });
      hls.loadSource(camera.hls); // playlist request runs while MediaSource is being set up
      hls.attachMedia(this.video);
      this.releaseEdge = keepLiveEdge(hls, this.video, HLS_LIVE_CONFIG.liveSyncDuration);
    } else {
      this.video.src = camera.hls; // Safari: native HLS
    }
    this.video.play().catch(() => undefined);
    const onFrame = () => {
      if (this.firstFrameAt) return;
      this.firstFrameAt = performance.now();
      for (const w of this.frameWaiters.splice(0)) w();
    };
    // First decoded frame (not just 'playing'): what the viewer actually sees.
    if (typeof this.video.requestVideoFrameCallback === 'function') this.video.requestVideoFrameCallback(onFrame);
    else (this.video as HTMLVideoElement).addEventListener('playing', onFrame, { once: true });
    this.latencyTimer = setInterval(() => this.measureLatency(), 1000);
  }

  private refreshSnapshot(camera: Camera): void {
    this.snapshotTimer = setInterval(() => this.showSnapshot(camera), SNAPSHOT_REFRESH_MS);
  }

  /** The camera's newest snapshot as the poster, swapped in only once loaded (never a blank tile); timing.poster. */
  private showSnapshot(camera: Camera): void {
    const next = new Image();
    const url = `${camera.snapshot}?t=${Date.now()}`;
    next.onload = () => {
      if (this.camera?.id !== camera.id) return;
      this.video.poster = url; // from the image cache: paints at once
      this.timing.poster ??= Math.round(performance.now() - this.attachedAt);
    };
    next.src = url;
  }

  /** Resolves at this attachment's first decoded frame (at once if it is already showing one). */
  firstFrame(): Promise<void> {
    if (this.firstFrameAt || !this.camera) return Promise.resolve();
    return new Promise((resolve) => this.frameWaiters.push(resolve));
  }

  setHealth(camera: Camera): void {
    const [r, g, b] = healthColour(healthState(camera));
    this.dot.style.background = `rgb(${r},${g},${b})`;
    this.dot.title = t(healthState(camera));
  }

  private measureLatency(): void {
    const playing = this.hls?.playingDate;
    if (playing && !this.video.paused) {
      this.latencyMs = Date.now() - playing.getTime();
      this.latencyEl.textContent = `${t('latency')} ${(this.latencyMs / 1000).toFixed(1)} s`;
    } else {
      this.latencyMs = null;
      this.latencyEl.textContent = '';
    }
  }

  detach(): void {
    clearInterval(this.latencyTimer);
    clearInterval(this.snapshotTimer);
    this.snapshotTimer = undefined;
    this.releaseEdge?.();
    this.releaseEdge = null;
    if (this.hls) {
      this.hls.destroy();
      this.hls = null;
      liveTiles--;
    }
    this.video.removeAttribute('src');
    this.video.load();
    this.camera = null;
    this.latencyMs = null;
    this.latencyEl.textContent = '';
  }

  destroy(): void {
    this.detach();
    this.el.remove();
  }
}
