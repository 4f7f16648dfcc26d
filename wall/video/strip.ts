// A fixed set of tile slots (bounded decoders). show() keeps tiles whose camera is still wanted playing and
// re-points the others; empty slots are torn down (hls.js destroyed).
import type { CameraView as Camera } from '../../domain/camera.ts';
import { VideoTile, type TileInfo } from './tile.ts';

export interface TileEntry {
  camera: Camera;
  info: TileInfo;
}

export class TileStrip {
  readonly el: HTMLElement;
  readonly tiles: VideoTile[] = [];

  constructor(
    readonly slots: number,
    opts: { onPin?: (cameraId: string) => void; className?: string; /** the tiles may play recordings (operator and above) */ rewind?: boolean } = {},
  ) {
    this.el = document.createElement('div');
    this.el.className = opts.className ?? 'strip';
    for (let i = 0; i < slots; i++) {
      const tile = new VideoTile({ onPin: opts.onPin, rewind: opts.rewind });
      tile.el.hidden = true;
      this.tiles.push(tile);
      this.el.append(tile.el);
    }
    this.el.classList.add('empty');
  }

  show(entries: TileEntry[]): void {
    const wanted = entries.slice(0, this.slots);
    const free = new Set(this.tiles);
    const placement = new Map<TileEntry, VideoTile>();
    // Keep tiles already playing a wanted camera.
    for (const e of wanted) {
      const tile = this.tiles.find((t) => free.has(t) && t.camera?.id === e.camera.id);
      if (tile) {
        placement.set(e, tile);
        free.delete(tile);
      }
    }
    for (const e of wanted) {
      if (placement.has(e)) continue;
      const tile = [...free][0];
      free.delete(tile);
      placement.set(e, tile);
    }
    wanted.forEach((e, order) => {
      const tile = placement.get(e)!;
      tile.el.hidden = false;
      tile.el.style.order = String(order);
      tile.attach(e.camera, e.info);
    });
    for (const tile of free) {
      tile.detach();
      tile.el.hidden = true;
    }
    this.el.classList.toggle('empty', wanted.length === 0);
  }

  /**
   * The first decoded frame in any shown tile, or `graceMs` after the first tile's playlist arrived, or `maxMs`,
   * whichever comes first (what may wait for video). The grace runs from the playlist, not the click: on a
   * software-GL wall PC the click's own map frame can hold the page for 300–500 ms, and a timer started at the click
   * then expired unseen and put the map's next frame in front of the video's first.
   */
  firstFrame(graceMs: number, maxMs: number): Promise<void> {
    const shown = this.tiles.filter((t) => !t.el.hidden && t.camera);
    if (!shown.length) return Promise.resolve();
    const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));
    return Promise.race([
      ...shown.map((t) => t.firstFrame()),
      Promise.race(shown.map((t) => t.firstPlaylist())).then(() => sleep(graceMs)),
      sleep(maxMs),
    ]);
  }

  focus(cameraId: string): void {
    for (const t of this.tiles) t.el.classList.toggle('focused', t.camera?.id === cameraId);
  }

  updateHealth(cameras: Map<string, Camera>): void {
    for (const t of this.tiles) {
      const c = t.camera && cameras.get(t.camera.id);
      if (c) t.setHealth(c);
    }
  }

  destroy(): void {
    for (const t of this.tiles) t.destroy();
  }
}
