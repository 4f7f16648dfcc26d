// All cameras at once. Decoding 35 streams would swamp a wall PC, so at most MAX_LIVE cells play hls.js (pinned
// first, then online cameras); the rest show snapshots refreshed every SNAPSHOT_MS.
import type { WallContext } from '../state/context.ts';
import { h } from '../ui/dom.ts';
import { healthState } from '../state/model.ts';
import { healthColour } from '../ui/categories.ts';
import type { CameraView as Camera } from '../../domain/camera.ts';
import { t } from '../i18n/index.ts';
import { VideoTile } from '../video/tile.ts';
import { canOperate } from '../app/session.ts';

export const MAX_LIVE = 16;
const SNAPSHOT_MS = 5000;

interface Cell {
  el: HTMLElement;
  img: HTMLImageElement;
  caption: HTMLElement;
  tile: VideoTile | null;
}

export function mountGrid(root: HTMLElement, ctx: WallContext, pinned: () => string[]): void {
  const gridEl = h('section.grid');
  root.append(gridEl);
  const cells = new Map<string, Cell>();

  const cellFor = (c: Camera): Cell => {
    let cell = cells.get(c.id);
    if (cell) return cell;
    const img = h('img', { alt: c.name, loading: 'lazy' });
    const caption = h('div.tile-bar');
    const el = h('div.grid-cell', { dataset: { cameraId: c.id } }, img, caption);
    cell = { el, img, caption, tile: null };
    cells.set(c.id, cell);
    gridEl.append(el);
    return cell;
  };

  const assign = () => {
    const cams = [...ctx.store.cameras.values()].sort((a, b) => a.id.localeCompare(b.id));
    const pins = pinned();
    const liveIds = new Set(
      [...cams]
        .sort((a, b) => Number(pins.includes(b.id)) - Number(pins.includes(a.id)) || Number(healthState(b) === 'online') - Number(healthState(a) === 'online'))
        .filter((c) => healthState(c) === 'online' || pins.includes(c.id))
        .slice(0, MAX_LIVE)
        .map((c) => c.id),
    );
    for (const c of cams) {
      const cell = cellFor(c);
      const [r, g, b] = healthColour(healthState(c));
      cell.el.style.setProperty('--health', `rgb(${r},${g},${b})`);
      cell.caption.replaceChildren(`${c.id.toUpperCase()} · `, h('span.free-text', null, c.name), ` · ${t(healthState(c))}`);
      if (liveIds.has(c.id)) {
        if (!cell.tile) {
          cell.tile = new VideoTile({ rewind: canOperate(ctx.role) });
          cell.el.append(cell.tile.el);
        }
        cell.tile.attach(c, { pinned: pins.includes(c.id) });
        cell.el.classList.add('live');
      } else {
        cell.tile?.destroy();
        cell.tile = null;
        cell.el.classList.remove('live');
      }
    }
    refreshSnapshots();
  };

  const refreshSnapshots = () => {
    for (const [id, cell] of cells) {
      const c = ctx.store.cameras.get(id);
      if (!c || cell.tile) continue;
      cell.img.src = `${c.snapshot}?t=${Date.now()}`;
    }
  };

  let pending: ReturnType<typeof setTimeout> | undefined;
  ctx.store.on((what) => {
    if (what !== 'cameras' || pending) return;
    pending = setTimeout(() => {
      pending = undefined;
      assign();
    }, 1000);
  });
  setInterval(refreshSnapshots, SNAPSHOT_MS);
  assign();
}
