// Basemap labels drawn with deck.gl TextLayer (MapLibre symbol labels would need glyph PBFs from the network).
// deck's collision filter did not thin labels here, so we place them ourselves in screen space: candidates in
// priority order, each accepted only if its box does not overlap an accepted one. Sizes are for a wall
// (look/README): kecamatan 24–28 px, arterials 18–20, collectors 15–16 from z14, kelurahan from z14; scaled up
// with the viewport so a 4K wall reads like a 1080p one.
import { TextLayer } from '@deck.gl/layers';
import type { Map as MlMap } from 'maplibre-gl';
import type { BasemapData, FC } from './basemap.ts';

export interface LabelCandidate {
  text: string;
  lon: number;
  lat: number;
  /** A second point along the road to derive the on-screen angle, or null for area labels. */
  along: [number, number] | null;
  size: number;
  minZoom: number;
  colour: [number, number, number];
  rank: number;
}

export interface PlacedLabel {
  text: string;
  position: [number, number];
  size: number;
  angle: number;
  colour: [number, number, number];
  /** Area (kecamatan/kelurahan) name, which keeps clear of markers. */
  area: boolean;
  /** Screen box [x0, y0, x1, y1] in map-container pixels at placement. */
  box: Box;
}

/** Viewport scale: 1 at 1080p, 2 at 2160p. */
export function uiScale(): number {
  return Math.min(2.2, Math.max(1, window.innerHeight / 1080));
}

function ringCentroid(ring: number[][]): [number, number] {
  // Area-weighted polygon centroid (good enough for label anchoring on these compact polygons).
  let a = 0, cx = 0, cy = 0;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const f = ring[j][0] * ring[i][1] - ring[i][0] * ring[j][1];
    a += f;
    cx += (ring[j][0] + ring[i][0]) * f;
    cy += (ring[j][1] + ring[i][1]) * f;
  }
  if (a === 0) return [ring[0][0], ring[0][1]];
  return [cx / (3 * a), cy / (3 * a)];
}

function largestRing(g: GeoJSON.Geometry): number[][] | null {
  if (g.type === 'Polygon') return g.coordinates[0];
  if (g.type === 'MultiPolygon') {
    let best: number[][] | null = null;
    for (const p of g.coordinates) if (!best || p[0].length > best.length) best = p[0];
    return best;
  }
  return null;
}

function areaLabels(fc: FC, size: number, minZoom: number, colour: LabelCandidate['colour'], rank: number, upper: boolean): LabelCandidate[] {
  const out: LabelCandidate[] = [];
  for (const f of fc.features) {
    const name = String(f.properties?.nama ?? f.properties?.name ?? '');
    const ring = f.geometry && largestRing(f.geometry);
    if (!name || !ring) continue;
    const [lon, lat] = ringCentroid(ring);
    out.push({ text: upper ? name.toUpperCase() : name, lon, lat, along: null, size, minZoom, colour, rank });
  }
  return out;
}

/** Label anchors along each named line every ~ANCHOR_STEP degrees (~450 m), so a label exists at any zoom;
 * placement then keeps one per name within a screen distance. */
const ANCHOR_STEP = 0.004;
function roadLabels(fc: FC, pick: (cls: string) => { size: number; minZoom: number; colour: LabelCandidate['colour']; rank: number } | null): LabelCandidate[] {
  const out: LabelCandidate[] = [];
  for (const f of fc.features) {
    const name = String(f.properties?.display_name ?? f.properties?.name ?? '');
    const style = pick(String(f.properties?.class ?? ''));
    if (!name || !style || !f.geometry) continue;
    const lines = f.geometry.type === 'LineString' ? [f.geometry.coordinates] : f.geometry.type === 'MultiLineString' ? f.geometry.coordinates : [];
    for (const line of lines) {
      let walked = ANCHOR_STEP / 2;
      let total = 0;
      for (let i = 1; i < line.length; i++) total += Math.hypot(line[i][0] - line[i - 1][0], line[i][1] - line[i - 1][1]);
      if (total < 0.002) continue; // < ~200 m: too short to carry a name
      for (let i = 1; i < line.length; i++) {
        const a = line[i - 1];
        const b = line[i];
        const seg = Math.hypot(b[0] - a[0], b[1] - a[1]);
        while (walked <= seg) {
          const t = seg ? walked / seg : 0;
          out.push({ text: name, lon: a[0] + (b[0] - a[0]) * t, lat: a[1] + (b[1] - a[1]) * t, along: [b[0], b[1]], ...style, rank: style.rank - total });
          walked += ANCHOR_STEP;
        }
        walked -= seg;
      }
    }
  }
  return out;
}

export function labelCandidates(d: BasemapData): LabelCandidate[] {
  const all = [
    ...areaLabels(d.kecamatan, 26, 0, [235, 242, 255], 0, true),
    ...areaLabels(d.kelurahan, 16, 14, [150, 170, 200], 4, false),
    ...roadLabels(d.roadsMajor, (cls) =>
      cls === 'arteri' ? { size: 19, minZoom: 11, colour: [255, 200, 120], rank: 1 } : { size: 16, minZoom: 14, colour: [220, 230, 245], rank: 2 },
    ),
    ...roadLabels(d.roadsMinor, (cls) => (cls === 'lingkungan' ? { size: 14, minZoom: 16, colour: [170, 185, 205], rank: 5 } : null)),
  ];
  return all.sort((a, b) => a.rank - b.rank);
}

export type Box = [number, number, number, number];

/** Rendered width of a label (font metrics; a per-character guess ran short on long uppercase names). */
const widths = new Map<string, number>();
let measure: CanvasRenderingContext2D | null = null;
function textWidth(text: string, size: number): number {
  const key = `${size}|${text}`;
  let w = widths.get(key);
  if (w === undefined) {
    measure ??= document.createElement('canvas').getContext('2d')!;
    measure.font = `600 ${size}px ${LABEL_FONT}`;
    w = measure.measureText(text).width;
    widths.set(key, w);
  }
  return w;
}
const overlaps = (a: Box, b: Box) => a[0] < b[2] && a[2] > b[0] && a[1] < b[3] && a[3] > b[1];

/** Where an area name may move, in label heights (y) and half-widths (x), when a marker sits on its centroid. */
const AREA_NUDGES: Array<[number, number]> = [[0, 0]];
for (const k of [1, 2, 3]) AREA_NUDGES.push([0, -k], [0, k], [-k / 2, 0], [k / 2, 0], [-k / 2, -k], [k / 2, -k], [-k / 2, k], [k / 2, k]);

/**
 * Greedy screen-space placement for the current view. Area names (kecamatan, kelurahan) also avoid the `markers`
 * boxes: they move to the nearest free spot around their centroid, or are left out; road names may run under markers.
 */
export function placeLabels(map: MlMap, candidates: LabelCandidate[], markers: Box[] = [], maxLabels = 160): PlacedLabel[] {
  const zoom = map.getZoom();
  const scale = uiScale();
  const { clientWidth: w, clientHeight: h } = map.getContainer();
  const boxes: Box[] = [];
  const placed: PlacedLabel[] = [];
  const placedAt = new Map<string, Array<{ x: number; y: number }>>();
  const minRepeatPx = 420 * scale;
  for (const c of candidates) {
    if (zoom < c.minZoom) continue;
    const p = map.project([c.lon, c.lat]);
    if (p.x < 20 || p.y < 20 || p.x > w - 20 || p.y > h - 20) continue;
    const same = placedAt.get(c.text);
    if (same?.some((q) => Math.hypot(q.x - p.x, q.y - p.y) < minRepeatPx)) continue;
    const size = c.size * scale;
    let angle = 0;
    if (c.along) {
      const q = map.project(c.along);
      angle = (-Math.atan2(q.y - p.y, q.x - p.x) * 180) / Math.PI;
      if (angle > 90) angle -= 180;
      if (angle < -90) angle += 180;
      angle = Math.max(-60, Math.min(60, angle)); // keep text readable
    }
    const textW = textWidth(c.text, size);
    const cos = Math.abs(Math.cos((angle * Math.PI) / 180));
    const sin = Math.abs(Math.sin((angle * Math.PI) / 180));
    const halfW = (textW * cos + size * 1.2 * sin) / 2 + 6;
    const halfH = (textW * sin + size * 1.2 * cos) / 2 + 4;
    const area = c.along === null;
    let spot: { x: number; y: number; box: Box } | null = null;
    for (const [nx, ny] of area ? AREA_NUDGES : [[0, 0] as [number, number]]) {
      const x = p.x + nx * halfW;
      const y = p.y + ny * 2 * halfH;
      const box: Box = [x - halfW, y - halfH, x + halfW, y + halfH];
      if (box[0] < 0 || box[1] < 0 || box[2] > w || box[3] > h) continue;
      if (boxes.some((b) => overlaps(box, b))) continue;
      if (area && markers.some((b) => overlaps(box, b))) continue;
      spot = { x, y, box };
      break;
    }
    if (!spot) continue;
    boxes.push(spot.box);
    placedAt.set(c.text, [...(same ?? []), { x: p.x, y: p.y }]);
    const position: [number, number] = spot.x === p.x && spot.y === p.y ? [c.lon, c.lat] : map.unproject([spot.x, spot.y]).toArray() as [number, number];
    placed.push({ text: c.text, position, size, angle, colour: c.colour, area, box: spot.box });
    if (placed.length >= maxLabels) break;
  }
  return placed;
}

/** Whether any marker now covers a placed area name (units move; incidents arrive): then placement runs again. */
export function markersCoverAreaLabels(labels: PlacedLabel[], markers: Box[]): boolean {
  return labels.some((l) => l.area && markers.some((b) => overlaps(l.box, b)));
}

/** One look for basemap labels wherever a map is drawn (live wall and briefing). */
export const LABEL_FONT = '"DejaVu Sans", "Noto Sans", "Liberation Sans", Arial, sans-serif';

/** Light text with a dark halo: reads on the navy basemap, over cones and the heatmap alike. */
export const OUTLINED_TEXT = {
  fontFamily: LABEL_FONT,
  characterSet: 'auto',
  outlineWidth: 4,
  outlineColor: [3, 7, 14, 230] as [number, number, number, number],
  pickable: false,
} as const;

export function labelLayer(id: string, labels: PlacedLabel[]): TextLayer<PlacedLabel> {
  return new TextLayer<PlacedLabel>({
    id,
    data: labels,
    getPosition: (d) => d.position,
    getText: (d) => d.text,
    getSize: (d) => d.size,
    getAngle: (d) => d.angle,
    getColor: (d) => [...d.colour, 235] as [number, number, number, number],
    sizeUnits: 'pixels',
    fontWeight: 600,
    fontSettings: { sdf: true, fontSize: 64, buffer: 6 },
    ...OUTLINED_TEXT,
  });
}
