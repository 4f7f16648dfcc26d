// An incident's tiles at one recorded instant, in step. One master clock for the group: the instant asked for plus
// the real time elapsed since every tile showed its first frame there (they wait for each other, paused, so they
// start together). Each tile's position is its hls.playingDate; a tile off the master is nudged by its playback
// rate (0.9–1.1×, in proportion to the drift: a drift halves in about 1.4 s and nobody sees the speed change) and,
// more than a second off (a stall, a new window), sought back to it. A tile whose camera recorded nothing at the
// master's time waits, paused, at its next recorded instant. Measured drift is on the debug surface.
import type { RewindPlayer } from './rewind.ts';

/** What the group needs of a tile (wall/video/tile.ts). */
export interface SyncTile {
  readonly camera: { id: string } | null;
  rewind: RewindPlayer | null;
  sync: SyncGroup | null;
  rewindTo(ms: number, opts?: { paused?: boolean }): Promise<RewindPlayer | null>;
  live(): void;
}

/** Further off the master than this, a tile is sought, not nudged. */
export const SEEK_ABOVE_MS = 1000;
/** Closer than this, the rate stays 1 (a rate change costs smoothness). 40 ms left tiles ~70 ms apart for good. */
export const DEADBAND_MS = 20;
export const MAX_RATE_DELTA = 0.1;
/** Rate change per second of drift (0.5: 200 ms off plays at 0.9 or 1.1). */
const GAIN_PER_S = 0.5;
const TICK_MS = 200;
/** Tiles get this long to show their first frame before the master starts without the slow ones. */
const START_WAIT_MS = 5000;
/** play() to the first picture moving, at most (then the master starts anyway). */
const START_PLAY_WAIT_MS = 1500;
/** A seek lands this much ahead of the master: about what a seek inside the buffer takes to show a frame (30–60 ms). */
const SEEK_LEAD_MS = 50;
/** After a seek, a tile is left this long before it may be sought again. */
const SEEK_COOLDOWN_MS = 2000;

/** Playback rate for a tile `driftMs` ahead (+) or behind (−) the master. Pure. */
export function rateFor(driftMs: number): number {
  if (!Number.isFinite(driftMs) || Math.abs(driftMs) < DEADBAND_MS) return 1;
  const r = 1 - (driftMs / 1000) * GAIN_PER_S;
  return Math.round(Math.min(1 + MAX_RATE_DELTA, Math.max(1 - MAX_RATE_DELTA, r)) * 100) / 100;
}

/** The largest difference between two tiles' drifts (ms): how far apart the pictures are. Pure. */
export function spreadMs(drifts: readonly number[]): number | null {
  return drifts.length < 2 ? null : Math.max(...drifts) - Math.min(...drifts);
}

interface Member {
  cameraId: string;
  lastSeek: number;
  driftMs: number | null;
  gap: boolean;
}

export interface SyncDebug {
  running: boolean;
  masterMs: number;
  /** Largest difference between members' playing dates (ms), over members playing recorded video now. */
  spreadMs: number | null;
  members: Array<{ camera: string; driftMs: number | null; gap: boolean; state: string | null; firstFrameMs: number | null }>;
}

let active: SyncGroup | null = null;
/** The group playing on this page, if any (one at a time: the selected incident's). */
export const activeSync = (): SyncGroup | null => active;

export class SyncGroup {
  private readonly members = new Map<SyncTile, Member>();
  private startMs = 0;
  private t0 = 0;
  private running = false;
  private stopped = false;
  private moveSeq = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    tiles: readonly SyncTile[],
    private readonly onChange: () => void = () => undefined,
  ) {
    if (active && active !== this) active.stop();
    active = this;
    for (const t of tiles) {
      if (!t.camera) continue;
      t.sync?.drop(t);
      t.sync = this;
      this.members.set(t, { cameraId: t.camera.id, lastSeek: 0, driftMs: null, gap: false });
    }
  }

  get size(): number {
    return this.members.size;
  }

  get isStopped(): boolean {
    return this.stopped;
  }

  /** The master's wall-clock time (epoch ms). */
  masterMs(now = performance.now()): number {
    return this.running ? this.startMs + (now - this.t0) : this.startMs;
  }

  /** Every member to wall-clock `ms`, held on its first frame there; then all play together. */
  async moveTo(ms: number): Promise<void> {
    const seq = ++this.moveSeq;
    this.running = false;
    this.startMs = ms;
    this.onChange();
    const tiles = [...this.members.keys()];
    const all = Promise.all(tiles.map((t) => t.rewindTo(ms, { paused: true })));
    await Promise.race([all, new Promise((r) => setTimeout(r, START_WAIT_MS))]);
    if (seq !== this.moveSeq || this.stopped) return;
    for (const t of tiles) if (!t.rewind && this.members.has(t)) this.drop(t); // cannot rewind (codec, role): stays live
    if (this.stopped) return;
    // The master starts when the first picture moves, not when play() is asked (a loaded wall PC takes ~0.4 s).
    const players = [...this.members.keys()].flatMap((t) => (t.rewind?.state === 'paused' ? [t.rewind] : []));
    const moving = Promise.race([
      ...players.map((p) => new Promise<void>((r) => p.video.addEventListener('playing', () => r(), { once: true }))),
      new Promise<void>((r) => setTimeout(r, START_PLAY_WAIT_MS)),
    ]);
    for (const p of players) p.play();
    await moving;
    if (seq !== this.moveSeq || this.stopped) return;
    this.t0 = performance.now();
    this.running = true;
    for (const m of this.members.values()) m.lastSeek = this.t0;
    this.timer ??= setInterval(() => this.tick(), TICK_MS);
    this.onChange();
  }

  private tick(): void {
    if (!this.running) return;
    const now = performance.now();
    this.skipCommonGap(now);
    const target = this.masterMs(now);
    for (const [t, m] of this.members) {
      const p = t.rewind;
      if (!p || t.sync !== this) {
        this.drop(t);
        continue;
      }
      m.driftMs = null;
      if (p.state !== 'playing' && p.state !== 'paused') continue; // loading, nothing recorded, refused
      const at = p.locate(target);
      if (!at && p.continuing(target)) continue; // at its window's end, the next one about to take over
      if (!at) {
        // outside its window (past its end: the next window; a tile that joined late): fetch the master's time
        if (now - m.lastSeek > SEEK_COOLDOWN_MS) {
          m.lastSeek = now;
          void p.seek(target + SEEK_LEAD_MS);
        }
        continue;
      }
      m.gap = at.gap;
      if (at.gap) {
        // nothing recorded at the master's time: wait on the next recorded frame
        if (!p.video.paused) p.pause();
        if (!p.video.seeking && Math.abs(p.video.currentTime - at.time) > 0.1) p.video.currentTime = at.time;
        continue;
      }
      if (p.video.paused) p.play();
      const pos = p.playingDateMs();
      if (pos === null) continue;
      const drift = pos - target;
      m.driftMs = Math.round(drift);
      if (Math.abs(drift) > SEEK_ABOVE_MS) {
        if (now - m.lastSeek > SEEK_COOLDOWN_MS) {
          m.lastSeek = now;
          p.video.playbackRate = 1;
          void p.seek(target + SEEK_LEAD_MS);
        }
        continue;
      }
      const rate = rateFor(drift);
      if (p.video.playbackRate !== rate) p.video.playbackRate = rate;
    }
  }

  /**
   * No member has anything recorded at the master's time (before every recording began, all cameras down): the
   * master jumps to the first instant one of them has, rather than holding every tile still.
   */
  private skipCommonGap(now: number): void {
    const target = this.masterMs(now);
    let next = Infinity;
    for (const t of this.members.keys()) {
      const p = t.rewind;
      if (!p || (p.state !== 'playing' && p.state !== 'paused')) continue;
      const at = p.locate(target);
      if (!at || !at.gap) return; // someone has this instant (or is outside its window): no jump
      next = Math.min(next, at.ms);
    }
    if (Number.isFinite(next)) this.t0 -= next - target;
  }

  /** A tile leaves the group (it went live on its own, or shows another camera). */
  drop(t: SyncTile): void {
    if (!this.members.delete(t)) return;
    if (t.sync === this) t.sync = null;
    if (t.rewind) t.rewind.video.playbackRate = 1;
    if (!this.members.size) this.end();
    this.onChange();
  }

  /** Every member back to live. */
  stop(): void {
    const tiles = [...this.members.keys()];
    this.members.clear();
    for (const t of tiles) {
      if (t.sync === this) t.sync = null;
      t.live();
    }
    this.end();
    this.onChange();
  }

  private end(): void {
    this.stopped = true;
    this.running = false;
    this.moveSeq++;
    clearInterval(this.timer);
    this.timer = undefined;
    if (active === this) active = null;
  }

  debug(): SyncDebug {
    const members = [...this.members].map(([t, m]) => ({
      camera: m.cameraId,
      driftMs: m.driftMs,
      gap: m.gap,
      state: t.rewind?.state ?? null,
      firstFrameMs: t.rewind?.firstFrameMs ?? null,
    }));
    return {
      running: this.running,
      masterMs: Math.round(this.masterMs()),
      spreadMs: spreadMs(members.flatMap((m) => (m.driftMs === null ? [] : [m.driftMs]))),
      members,
    };
  }
}
