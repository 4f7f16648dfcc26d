// The screens (?view=wall|grid|console|briefing|places). Each composes panels; map and tiles are shared modules.
import { mountConsole } from '../panels/console.ts';
import { mountDetail } from '../panels/detail.ts';
import { mountGrid } from '../panels/grid.ts';
import { mountLegend } from '../panels/legend.ts';
import { mountTicker } from '../panels/ticker.ts';
import { SituationMap } from '../map/map.ts';
import { TileStrip } from '../video/strip.ts';
import { t } from '../i18n/index.ts';
import type { WallContext } from '../state/context.ts';
import { h } from '../ui/dom.ts';
import { hasPoint } from '../state/model.ts';
import { canOperate } from './session.ts';
import { debugState } from './debug.ts';

/** How long the map waits for the first video frame once the click's first playlist is in hand before it flies
 * (tile first, map after), and at most after the click. */
const VIDEO_FIRST_MS = 300;
const VIDEO_FIRST_MAX_MS = 1500;

const PIN_KEY = 'siaga.pinned';
const MAX_PINS = 4;

function pinStore() {
  const read = (): string[] => {
    try {
      const v = JSON.parse(localStorage.getItem(PIN_KEY) ?? '[]');
      return Array.isArray(v) ? v.slice(0, MAX_PINS).map(String) : [];
    } catch {
      return [];
    }
  };
  return {
    get: read,
    toggle(id: string): string[] {
      const cur = read();
      const next = cur.includes(id) ? cur.filter((x) => x !== id) : [...cur, id].slice(-MAX_PINS);
      localStorage.setItem(PIN_KEY, JSON.stringify(next));
      return next;
    },
  };
}

/** Map + ticker + incident detail + tile strip: the wall, and (with the console form) the operator screen. */
function mountMapScreen(root: HTMLElement, ctx: WallContext, withConsole: boolean): void {
  const pins = pinStore();
  const mapEl = h('div.map', { id: 'map' });
  const side = h('div.side');
  root.append(mapEl, side);
  root.classList.add(withConsole ? 'screen-console' : 'screen-wall');
  const strip = new TileStrip(6, {
    rewind: canOperate(ctx.role), // recordings are operator and above: a viewer's timeline is the live badge only
    onPin: canOperate(ctx.role)
      ? (id) => {
          map.pinnedCameraIds = new Set(pins.toggle(id));
          detail.refreshTiles();
          map.update(true);
        }
      : undefined,
  });
  const consolePanel = withConsole ? mountConsole(side, ctx) : null;
  if (!withConsole) mountTicker(root, ctx);
  const detail = mountDetail(side, ctx, strip, pins.get);
  side.append(strip.el); // tiles sit under the incident card ("Kamera terdekat")
  const map = new SituationMap(mapEl, ctx.store, {
    onIncident: (i) => ctx.selectIncident(i.id),
    onCamera: (c) => detail.showCamera(c),
    onPick: consolePanel ? (lon, lat) => consolePanel.pick(lon, lat) : undefined,
    // Fit the city between the panels floating over the map (ticker left, legend right).
    padding: () => ({
      top: 40,
      bottom: 40,
      left: 20 + (root.querySelector('.ticker')?.getBoundingClientRect().width ?? 20),
      right: 20 + (mapEl.querySelector('.legend')?.getBoundingClientRect().width ?? 20),
    }),
  });
  map.pinnedCameraIds = new Set(pins.get());
  map.tileCameraIds = () => strip.tiles.flatMap((tile) => (tile.camera && !tile.el.hidden ? [tile.camera.id] : []));
  mountLegend(mapEl, ctx, map);
  ctx.store.on((what) => {
    if (what !== 'select') return;
    root.classList.toggle('has-selection', Boolean(ctx.store.selectedId));
    const i = ctx.store.selectedId ? ctx.store.incidents.get(ctx.store.selectedId) : undefined;
    // The tiles started in this same task (detail panel). Map redraws, the fly-to and the layer rebuild are main-thread
    // work (seconds of it on a software-GL wall PC): they wait for the first video frame (or 300 ms after the first
    // playlist, 1.5 s at most) so they do not delay it.
    const id = ctx.store.selectedId;
    const firstFrame = strip.firstFrame(VIDEO_FIRST_MS, VIDEO_FIRST_MAX_MS);
    map.holdUntil(firstFrame);
    void firstFrame.then(async () => {
      if (ctx.store.selectedId !== id) return;
      map.update(true);
      if (i && hasPoint(i)) await map.ready.then(() => map.flyTo(i.location.lon!, i.location.lat!, 16, withConsole ? 0 : side.getBoundingClientRect().width));
    });
  });
  detail.refreshTiles(); // pinned cameras play from the start
  debugState.map = map;
  debugState.strip = strip;
  void map.ready.then(() => (debugState.mapReady = true)).catch((err) => (debugState.error = String(err)));
}

export async function mountView(root: HTMLElement, ctx: WallContext): Promise<void> {
  const pins = pinStore();
  switch (ctx.view) {
    case 'grid':
      root.classList.add('screen-grid');
      mountGrid(root, ctx, pins.get);
      return;
    case 'console':
      mountMapScreen(root, ctx, true);
      return;
    case 'briefing': {
      // Owned by the briefing work: loaded only if wall/panels/briefing.ts exists (export mountBriefing or default).
      const mods = import.meta.glob('../panels/briefing.ts');
      const load = mods['../panels/briefing.ts'];
      if (!load) {
        root.append(h('p.placeholder', null, t('briefingMissing')));
        return;
      }
      const mod = (await load()) as { mountBriefing?: (r: HTMLElement, c: WallContext) => unknown; default?: (r: HTMLElement, c: WallContext) => unknown };
      root.classList.add('screen-briefing');
      await (mod.mountBriefing ?? mod.default)?.(root, ctx);
      return;
    }
    case 'places': {
      // The admins' common-place table: loaded only when asked for, so the wall's own bundle does not carry it.
      const { mountPlaces } = await import('../panels/places.ts');
      root.classList.add('screen-places');
      mountPlaces(root, ctx);
      return;
    }
    default:
      mountMapScreen(root, ctx, false);
  }
}
