// The briefing map: the wall's map shell (wall/map/shell.ts: offline basemap, labels.ts) + deck.gl layers driven by
// ONE time cursor: kecamatan choropleth (period totals), heatmap (incidents in the window before the cursor),
// incidents open at the cursor, unit trails up to the cursor. Canvases keep their drawing buffer for the PNG export.
import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import type { Layer } from '@deck.gl/core';
import { TripsLayer } from '@deck.gl/geo-layers';
import { GeoJsonLayer, ScatterplotLayer } from '@deck.gl/layers';
import type { MapboxOverlay } from '@deck.gl/mapbox';
import type * as maplibregl from 'maplibre-gl';
import type { AreaCount } from '../../domain/kpis.ts';
import type { BasemapData } from '../map/basemap.ts';
import { labelLayer, placeLabels, uiScale, type LabelCandidate, type PlacedLabel } from '../map/labels.ts';
import { openMapShell } from '../map/shell.ts';
import { agencyColour, categoryColour } from '../ui/categories.ts';
import type { Frame, Prepared, ReplayIncident, PreparedTrail } from './briefing-frame.ts';
import { TRAIL_STYLE } from '../map/trails.ts';


/** Heat over a briefing window: amber → red → white, distinct from the choropleth's blues. */
const HEAT_COLOURS: Array<[number, number, number, number]> = [
  [255, 200, 60, 0],
  [255, 170, 40, 140],
  [255, 110, 30, 180],
  [240, 50, 40, 210],
  [255, 120, 150, 230],
  [255, 240, 240, 245],
];
/** Trails show the last 30 minutes of driving before the cursor. */
const TRAIL_SECONDS = 1800;

export class BriefingMap {
  map!: maplibregl.Map;
  private overlay!: MapboxOverlay;
  private basemap!: BasemapData;
  private candidates: LabelCandidate[] = [];
  private labels: PlacedLabel[] = [];
  private prepared: Prepared | null = null;
  private frame: Frame | null = null;
  private areas = new Map<string, AreaCount>();
  private maxArea = 1;
  private useRate = false;
  /** JS time of the last layer update (ms), for tests and the benchmark. */
  lastUpdateMs = 0;
  ready: Promise<void>;

  constructor(private container: HTMLElement) {
    this.ready = this.init();
  }

  private async init(): Promise<void> {
    // the PNG export reads the canvas back
    const shell = await openMapShell(this.container, { padding: 24, preserveDrawingBuffer: true });
    ({ map: this.map, overlay: this.overlay, basemap: this.basemap, candidates: this.candidates } = shell);
    this.labels = placeLabels(this.map, this.candidates);
    this.map.on('moveend', () => {
      this.labels = placeLabels(this.map, this.candidates);
      this.render();
    });
    this.render();
  }

  setData(prepared: Prepared, byKecamatan: AreaCount[]): void {
    this.prepared = prepared;
    this.areas = new Map(byKecamatan.map((a) => [a.name.toLowerCase(), a]));
    this.useRate = byKecamatan.length > 0 && byKecamatan.every((a) => a.ratePer10k !== undefined);
    this.maxArea = Math.max(1, ...byKecamatan.map((a) => (this.useRate ? (a.ratePer10k ?? 0) : a.count)));
  }

  setFrame(frame: Frame): void {
    this.frame = frame;
    this.render();
  }

  private areaValue(name: unknown): number {
    const a = this.areas.get(String(name ?? '').toLowerCase());
    return a ? (this.useRate ? (a.ratePer10k ?? 0) : a.count) : 0;
  }

  private render(): void {
    if (!this.overlay || !this.basemap) return;
    const t0 = performance.now();
    const scale = uiScale();
    const f = this.frame;
    const layers: Layer[] = [
      new GeoJsonLayer({
        id: 'briefing-choropleth',
        data: this.basemap.kecamatan as never,
        filled: true,
        stroked: true,
        getFillColor: (feat: any) => {
          const v = this.areaValue(feat.properties?.nama) / this.maxArea;
          return [40 + 30 * v, 110 + 60 * v, 200 + 55 * v, Math.round(20 + 150 * v)];
        },
        getLineColor: [120, 170, 230, 160],
        lineWidthUnits: 'pixels',
        getLineWidth: 1,
        updateTriggers: { getFillColor: [this.areas, this.useRate] },
        pickable: false,
      }),
      new HeatmapLayer<ReplayIncident>({
        id: 'briefing-heatmap',
        data: f?.heat ?? [],
        getPosition: (d) => [d.lon, d.lat],
        getWeight: (d) => 4 - Math.min(3, Math.max(1, d.priority)),
        radiusPixels: Math.round(40 * scale),
        colorRange: HEAT_COLOURS as never,
        // auto colour domain: the window holds anything from a few to thousands of incidents depending on the period
        intensity: 1.2,
        threshold: 0.03,
        aggregation: 'SUM',
        pickable: false,
      }),
      new TripsLayer<PreparedTrail>({
        id: 'briefing-trails',
        data: this.prepared?.trails ?? [],
        getPath: (d) => d.path,
        getTimestamps: (d) => d.ts,
        getColor: (d) => agencyColour(d.agency),
        currentTime: f?.trailTime ?? 0,
        trailLength: TRAIL_SECONDS,
        getWidth: 3 * scale,
        ...TRAIL_STYLE,
      }),
      // every incident of the heat window as a small dot: the cursor moves them with the heat
      new ScatterplotLayer<ReplayIncident>({
        id: 'briefing-recent',
        data: f?.heat ?? [],
        getPosition: (d) => [d.lon, d.lat],
        getRadius: 3.5 * scale,
        radiusUnits: 'pixels',
        getFillColor: (d) => [...categoryColour(d.category), 150] as [number, number, number, number],
        pickable: false,
      }),
      // incidents still open at the cursor: bigger, outlined
      new ScatterplotLayer<ReplayIncident>({
        id: 'briefing-incidents',
        data: f?.open ?? [],
        getPosition: (d) => [d.lon, d.lat],
        getRadius: 7 * scale,
        radiusUnits: 'pixels',
        getFillColor: (d) => [...categoryColour(d.category), 230] as [number, number, number, number],
        getLineColor: [3, 7, 14, 255],
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: 1.5,
        pickable: false,
      }),
      labelLayer('briefing-labels', this.labels),
    ];
    this.overlay.setProps({ layers });
    this.lastUpdateMs = performance.now() - t0;
  }

  /** The map's canvases (basemap, then deck), in paint order, for the export. */
  canvases(): HTMLCanvasElement[] {
    return [...this.container.querySelectorAll('canvas')];
  }

  /** Force both renderers to paint now (so a read-back sees the current cursor). */
  repaint(): void {
    this.map?.redraw();
  }

  destroy(): void {
    this.overlay?.finalize();
    this.map?.remove();
  }
}
