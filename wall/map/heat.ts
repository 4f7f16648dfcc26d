// Incident heat as a kernel density in incidents per km², computed on a fixed metric grid over the city and drawn
// as one bitmap. Not deck's HeatmapLayer: its colour domain is in weight-texture units that change with zoom and
// screen size, so no legend could state what a colour means. Here one density function colours the map, draws the
// legend and sets the domain: the 95th percentile of the density over the last 30 whole days, fixed for the day,
// scaled to the window's length, so the same colour means the same rate all day and across windows.
import type { HeatBuffer } from './heat-buffer.ts';

type RGB = [number, number, number];

/** Kernel width (Gaussian σ) in metres: a neighbourhood, wide enough to read at city zoom (look/README). */
export const HEAT_SIGMA_M = 300;
const CELL_M = 100;
const HISTORY_DAYS = 30;
/** Days into the history the domain comes from; WIB midnight starts a day (UTC+7, no DST). */
const WIB_OFFSET_MS = 7 * 3600_000;
const DAY_MS = 86_400_000;

export const HEAT_WINDOWS = { '24h': 1, '7d': 7, '30d': 30 } as const;
export type HeatWindow = keyof typeof HEAT_WINDOWS;

/** matplotlib "plasma" from 0.3 to 1: lightness rises monotonically (reads in grey and for colour-blind eyes), and
 * the violet end stands apart from the navy basemap, where the old purple ramp vanished. */
export const HEAT_RAMP: RGB[] = [
  [143, 13, 164],
  [177, 42, 144],
  [204, 71, 120],
  [225, 100, 98],
  [242, 132, 75],
  [252, 166, 54],
  [252, 206, 37],
  [240, 249, 33],
];
const ALPHA_LOW = 110;
const ALPHA_HIGH = 215;

/** Colour of a density relative to the domain [lo, hi]: transparent at 0, fading in up to lo, the ramp above. */
export function heatColour(value: number, [lo, hi]: [number, number]): [number, number, number, number] {
  if (!(value > 0) || !(hi > 0)) return [0, 0, 0, 0];
  if (value < lo) {
    const [r, g, b] = HEAT_RAMP[0];
    return [r, g, b, Math.round((ALPHA_LOW * value) / lo)];
  }
  const t = Math.min(1, (value - lo) / Math.max(1e-9, hi - lo));
  const x = t * (HEAT_RAMP.length - 1);
  const i = Math.min(HEAT_RAMP.length - 2, Math.floor(x));
  const f = x - i;
  const a = HEAT_RAMP[i];
  const b = HEAT_RAMP[i + 1];
  return [
    Math.round(a[0] + (b[0] - a[0]) * f),
    Math.round(a[1] + (b[1] - a[1]) * f),
    Math.round(a[2] + (b[2] - a[2]) * f),
    Math.round(ALPHA_LOW + (ALPHA_HIGH - ALPHA_LOW) * t),
  ];
}

export interface HeatGrid {
  west: number;
  south: number;
  east: number;
  north: number;
  cols: number;
  rows: number;
  cellM: number;
}

/** A grid of cellM cells over [[w, s], [e, n]] padded by 3σ; row 0 is the north edge (image order). */
export function gridOver([[w, s], [e, n]]: [[number, number], [number, number]], cellM = CELL_M): HeatGrid {
  const mLat = 111_320;
  const mLon = mLat * Math.cos((((s + n) / 2) * Math.PI) / 180);
  const pad = 3 * HEAT_SIGMA_M;
  const west = w - pad / mLon;
  const east = e + pad / mLon;
  const south = s - pad / mLat;
  const north = n + pad / mLat;
  return {
    west,
    south,
    east,
    north,
    cols: Math.ceil(((east - west) * mLon) / cellM),
    rows: Math.ceil(((north - south) * mLat) / cellM),
    cellM,
  };
}

/** Kernel density (incidents per km²) of the points at `indices`: binned into cells, then a separable Gaussian. */
export function density(grid: HeatGrid, lon: ArrayLike<number>, lat: ArrayLike<number>, indices: ArrayLike<number>): Float32Array {
  const { cols, rows } = grid;
  const counts = new Float32Array(cols * rows);
  const sx = cols / (grid.east - grid.west);
  const sy = rows / (grid.north - grid.south);
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    const c = Math.floor((lon[i] - grid.west) * sx);
    const r = Math.floor((grid.north - lat[i]) * sy);
    if (c >= 0 && c < cols && r >= 0 && r < rows) counts[r * cols + c]++;
  }
  const sigma = HEAT_SIGMA_M / grid.cellM;
  const reach = Math.ceil(3 * sigma);
  const kernel = new Float32Array(2 * reach + 1);
  let sum = 0;
  for (let d = -reach; d <= reach; d++) sum += kernel[d + reach] = Math.exp(-(d * d) / (2 * sigma * sigma));
  // Normalised so the blurred grid still sums to the count; dividing by the cell area gives per km².
  const perKm2 = 1e6 / (grid.cellM * grid.cellM);
  for (let j = 0; j < kernel.length; j++) kernel[j] /= sum;
  const tmp = new Float32Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    const row = r * cols;
    for (let c = 0; c < cols; c++) {
      const v = counts[row + c];
      if (v === 0) continue;
      for (let d = -reach; d <= reach; d++) {
        const cc = c + d;
        if (cc >= 0 && cc < cols) tmp[row + cc] += v * kernel[d + reach];
      }
    }
  }
  const out = new Float32Array(cols * rows);
  for (let r = 0; r < rows; r++) {
    for (let c = 0; c < cols; c++) {
      const v = tmp[r * cols + c];
      if (v === 0) continue;
      for (let d = -reach; d <= reach; d++) {
        const rr = r + d;
        if (rr >= 0 && rr < rows) out[rr * cols + c] += v * kernel[d + reach] * perKm2;
      }
    }
  }
  return out;
}

/** Percentile (0..1) of the densities above zero (cells no incident reaches say nothing about the city's rate). */
export function percentileOfPositive(values: Float32Array, p: number): number {
  const pos: number[] = [];
  for (let i = 0; i < values.length; i++) if (values[i] > 1e-6) pos.push(values[i]);
  if (!pos.length) return 0;
  pos.sort((a, b) => a - b);
  return pos[Math.min(pos.length - 1, Math.floor(p * pos.length))];
}

export function wibDayStart(now: number): number {
  return Math.floor((now + WIB_OFFSET_MS) / DAY_MS) * DAY_MS - WIB_OFFSET_MS;
}

/** Per-day density levels from the 30 whole days before today: p50 (where colour starts) and p95 (top of the ramp). */
export interface HeatRate {
  lowPerDay: number;
  highPerDay: number;
  historyIncidents: number;
}

export interface HeatSettings {
  window: HeatWindow;
  /** 'all' or a category id. */
  category: string;
}

export interface HeatFrame {
  image: HTMLCanvasElement;
  bounds: [number, number, number, number];
  /** Domain in incidents per km² within the window. */
  domain: [number, number];
  points: number;
}

/** Owns the cached density, rate and bitmap; rebuilds only when points, settings, the minute or the day change. */
export class IncidentHeat {
  private rate: HeatRate | null = null;
  private rateKey = '';
  private frameKey = '';
  frame: HeatFrame | null = null;

  constructor(readonly grid: HeatGrid) {}

  private indices(buf: HeatBuffer, from: number, to: number, category: string): Uint32Array {
    const cat = category === 'all' ? -1 : buf.categoryIndex(category);
    const out = new Uint32Array(buf.size);
    let n = 0;
    for (let i = 0; i < buf.size; i++) {
      const t = buf.time[i];
      if (t >= from && t < to && (cat < 0 || buf.category[i] === cat)) out[n++] = i;
    }
    return out.subarray(0, n);
  }

  /** The domain's source: the whole days before today (live incidents never move it during the day). */
  rateFor(buf: HeatBuffer, settings: HeatSettings, now: number): HeatRate {
    const today = wibDayStart(now);
    const idx = this.indices(buf, today - HISTORY_DAYS * DAY_MS, today, settings.category);
    const key = `${today}|${settings.category}|${idx.length}`;
    if (this.rate && key === this.rateKey) return this.rate;
    const d = density(this.grid, buf.lon, buf.lat, idx);
    this.rate = {
      lowPerDay: percentileOfPositive(d, 0.5) / HISTORY_DAYS,
      highPerDay: percentileOfPositive(d, 0.95) / HISTORY_DAYS,
      historyIncidents: idx.length,
    };
    this.rateKey = key;
    return this.rate;
  }

  /** Returns true when the frame changed. */
  update(buf: HeatBuffer, settings: HeatSettings, now: number): boolean {
    const minute = Math.floor(now / 60_000);
    const key = `${buf.version}|${settings.window}|${settings.category}|${minute}`;
    if (key === this.frameKey && this.frame) return false;
    this.frameKey = key;
    const days = HEAT_WINDOWS[settings.window];
    const rate = this.rateFor(buf, settings, now);
    const domain: [number, number] = [rate.lowPerDay * days, rate.highPerDay * days];
    const idx = this.indices(buf, now - days * DAY_MS, Infinity, settings.category);
    const d = density(this.grid, buf.lon, buf.lat, idx);
    const { cols, rows } = this.grid;
    const image = document.createElement('canvas');
    image.width = cols;
    image.height = rows;
    const g = image.getContext('2d')!;
    const px = g.createImageData(cols, rows);
    for (let i = 0; i < d.length; i++) {
      if (!(d[i] > 0)) continue;
      const [r, gg, b, a] = heatColour(d[i], domain);
      px.data[i * 4] = r;
      px.data[i * 4 + 1] = gg;
      px.data[i * 4 + 2] = b;
      px.data[i * 4 + 3] = a;
    }
    g.putImageData(px, 0, 0);
    this.frame = { image, bounds: [this.grid.west, this.grid.south, this.grid.east, this.grid.north], domain, points: idx.length };
    return true;
  }
}

/** Heat is a city-scale picture: at street zoom one grid cell fills the screen and hid the streets under a flat
 * colour, so it fades from zoom 13 (full) to 16 (a quarter) and is gone by 17, where it is not drawn at all (a
 * screen-filling blended quad cost ~200 ms of a 310 ms software-GL frame at zoom 18.5: frames the click's video waits on). */
export const heatOpacity = (zoom: number): number =>
  zoom <= 13 ? 1 : zoom <= 16 ? 1 - ((zoom - 13) / 3) * 0.75 : zoom >= 17 ? 0 : 0.25 * (17 - zoom);
