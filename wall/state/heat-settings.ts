// The heatmap's window and category filter, set by the operator in the legend and kept per screen (this browser's
// localStorage); ?heatWindow=24h|7d|30d and ?heatCategory=<id> override for a kiosk URL.
import { HEAT_WINDOWS, type HeatSettings, type HeatWindow } from '../map/heat.ts';
import { CATEGORIES } from '../ui/categories.ts';

const KEY = 'siaga.heat';
const DEFAULTS: HeatSettings = { window: '7d', category: 'all' };

function valid(v: Partial<HeatSettings>): Partial<HeatSettings> {
  const out: Partial<HeatSettings> = {};
  if (v.window && v.window in HEAT_WINDOWS) out.window = v.window as HeatWindow;
  if (v.category && (v.category === 'all' || (CATEGORIES as readonly string[]).includes(v.category))) out.category = v.category;
  return out;
}

export function loadHeatSettings(): HeatSettings {
  let saved: Partial<HeatSettings> = {};
  try {
    saved = valid(JSON.parse(localStorage.getItem(KEY) ?? '{}'));
  } catch {
    /* a broken entry falls back to the defaults */
  }
  const q = new URLSearchParams(location.search);
  const fromUrl = valid({ window: (q.get('heatWindow') ?? undefined) as HeatWindow | undefined, category: q.get('heatCategory') ?? undefined });
  return { ...DEFAULTS, ...saved, ...fromUrl };
}

export function saveHeatSettings(s: HeatSettings): void {
  localStorage.setItem(KEY, JSON.stringify(s));
}
