// deck.gl layers of the situation map, built from the Store. Data arrays are rebuilt only when their part of the
// store changed (dirty flags); everything else is a cheap props update. Only incidents, cameras and units pick.
import { HeatmapLayer } from '@deck.gl/aggregation-layers';
import type { Layer } from '@deck.gl/core';
import { TripsLayer } from '@deck.gl/geo-layers';
import { PolygonLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import { viewCone } from '../../geo/coverage.ts';
import { agencyColour, categoryColour, healthColour } from '../src/categories.ts';
import { hasPoint, headingOf, healthState, isClosed, isStale, positionOf, priorityRank } from '../src/model.ts';
import { LIMITS, type Store } from '../src/store.ts';
import type { Camera, Incident, Unit } from '../src/types.ts';
import { labelLayer, LABEL_FONT, uiScale, type PlacedLabel } from './labels.ts';

/** Heat: purple → magenta → white, apart from amber roads and cyan cameras. */
const HEAT_COLOURS: Array<[number, number, number, number]> = [
  [70, 20, 130, 60],
  [110, 30, 170, 120],
  [160, 40, 190, 170],
  [210, 60, 190, 200],
  [250, 110, 200, 220],
  [255, 225, 245, 235],
];
/** Fixed domain so colours mean the same thing wherever the map is panned (weights: priority 1 → 4). */
const HEAT_DOMAIN: [number, number] = [0.3, 20];
const HEAT_RADIUS_M = 350;
const NEW_PULSE_MS = 90_000;
/** Trail timestamps are seconds since this base, so float32 keeps sub-second precision for weeks. */
const TIME_BASE = Date.now();

interface TripDatum {
  id: string;
  path: [number, number][];
  timestamps: number[];
  colour: [number, number, number];
}

export interface LayerCounts {
  [layerId: string]: number;
}

export class LayerBuilder {
  private incidents: Incident[] = [];
  private openIncidents: Incident[] = [];
  private cameras: Camera[] = [];
  private cones: Array<{ camera: Camera; polygon: [number, number][] }> = [];
  private units: Unit[] = [];
  private trips: TripDatum[] = [];
  private heatVersion = -1;
  private heatWindowAt = 0;
  private heatData: { length: number; attributes: { getPosition: { value: Float32Array; size: 2 }; getWeight: { value: Float32Array; size: 1 } } } = {
    length: 0,
    attributes: { getPosition: { value: new Float32Array(0), size: 2 }, getWeight: { value: new Float32Array(0), size: 1 } },
  };
  readonly dirty = { incidents: true, cameras: true, units: true };
  counts: LayerCounts = {};

  constructor(private store: Store) {}

  private refresh(): void {
    const s = this.store;
    if (this.dirty.incidents) {
      this.incidents = s.incidentList(LIMITS.incidents).filter(hasPoint);
      this.openIncidents = this.incidents.filter((i) => !isClosed(i));
      this.dirty.incidents = false;
    }
    if (this.dirty.cameras) {
      this.cameras = [...s.cameras.values()];
      this.cones = this.cameras.map((camera) => ({ camera, polygon: viewCone(camera) as [number, number][] }));
      this.dirty.cameras = false;
    }
    if (this.dirty.units) {
      this.units = [...s.units.values()].filter((u) => positionOf(u));
      this.trips = [];
      for (const u of this.units) {
        const trail = s.trails.get(u.id);
        if (!trail || trail.length < 2) continue;
        this.trips.push({
          id: u.id,
          path: trail.map((p) => [p.lon, p.lat]),
          timestamps: trail.map((p) => (p.t - TIME_BASE) / 1000),
          colour: isStale(u) ? [120, 120, 130] : agencyColour(u.agency),
        });
      }
      this.dirty.units = false;
    }
    const now = Date.now();
    // Rebuild heat attributes when points changed, or once a minute as the window slides.
    if (s.heat.version !== this.heatVersion || now - this.heatWindowAt > 60_000) {
      const idx = s.heat.indicesSince(now - LIMITS.heatHours * 3600_000);
      const pos = new Float32Array(idx.length * 2);
      const wt = new Float32Array(idx.length);
      for (let k = 0; k < idx.length; k++) {
        const i = idx[k];
        pos[k * 2] = s.heat.lon[i];
        pos[k * 2 + 1] = s.heat.lat[i];
        wt[k] = s.heat.weight[i];
      }
      this.heatData = { length: idx.length, attributes: { getPosition: { value: pos, size: 2 }, getWeight: { value: wt, size: 1 } } };
      this.heatVersion = s.heat.version;
      this.heatWindowAt = now;
    }
  }

  build(opts: { zoom: number; latitude: number; labels: PlacedLabel[]; selectedId: string | null; pinnedCameraIds: Set<string> }): Layer[] {
    this.refresh();
    const now = Date.now();
    const scale = uiScale();
    const metresPerPixel = (156543.03 * Math.cos((opts.latitude * Math.PI) / 180)) / 2 ** opts.zoom;
    const heatRadius = Math.max(14, Math.min(140, HEAT_RADIUS_M / metresPerPixel));
    const pulsing = this.incidents.filter((i) => now - (this.store.firstSeen.get(i.id) ?? 0) < NEW_PULSE_MS);
    const phase = (now % 1500) / 1500;
    const selected = opts.selectedId ? this.store.incidents.get(opts.selectedId) : undefined;

    const layers: Layer[] = [
      new HeatmapLayer({
        id: 'incident-heatmap',
        data: this.heatData as never,
        radiusPixels: heatRadius,
        colorRange: HEAT_COLOURS as never,
        colorDomain: HEAT_DOMAIN,
        intensity: 1,
        threshold: 0.05,
        aggregation: 'SUM',
        pickable: false,
      }),
      labelLayer('basemap-labels', opts.labels),
      new PolygonLayer<{ camera: Camera; polygon: [number, number][] }>({
        id: 'camera-cones',
        data: this.cones,
        getPolygon: (d) => d.polygon,
        getFillColor: (d) => [...healthColour(healthState(d.camera)), 38] as [number, number, number, number],
        getLineColor: (d) => [...healthColour(healthState(d.camera)), 150] as [number, number, number, number],
        lineWidthUnits: 'pixels',
        getLineWidth: 1,
        stroked: true,
        pickable: false,
        updateTriggers: { getFillColor: this.cameras, getLineColor: this.cameras },
      }),
      new ScatterplotLayer<Incident>({
        id: 'incident-uncertainty',
        data: this.openIncidents.filter((i) => (i.location.uncertaintyM ?? 0) > 0),
        getPosition: (i) => [i.location.lon!, i.location.lat!],
        getRadius: (i) => i.location.uncertaintyM ?? 0,
        radiusUnits: 'meters',
        getFillColor: (i) => [...categoryColour(i.category), 22] as [number, number, number, number],
        getLineColor: (i) => [...categoryColour(i.category), 110] as [number, number, number, number],
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: 1,
        pickable: false,
      }),
      new TripsLayer<TripDatum>({
        id: 'unit-trails',
        data: this.trips,
        getPath: (d) => d.path,
        getTimestamps: (d) => d.timestamps,
        getColor: (d) => d.colour,
        currentTime: (now - TIME_BASE) / 1000,
        trailLength: LIMITS.trailMinutes * 60,
        fadeTrail: true,
        widthUnits: 'pixels',
        getWidth: 3 * scale,
        capRounded: true,
        jointRounded: true,
        pickable: false,
      }),
      new ScatterplotLayer<Camera>({
        id: 'cameras',
        data: this.cameras,
        getPosition: (c) => [c.lon, c.lat],
        getRadius: (c) => (opts.pinnedCameraIds.has(c.id) ? 9 : 7) * scale,
        radiusUnits: 'pixels',
        getFillColor: [8, 16, 28, 255],
        getLineColor: (c) => [...healthColour(healthState(c)), 255] as [number, number, number, number],
        getLineWidth: 2.5 * scale,
        lineWidthUnits: 'pixels',
        stroked: true,
        pickable: true,
        autoHighlight: true,
        updateTriggers: { getLineColor: this.cameras, getRadius: [...opts.pinnedCameraIds].join() },
      }),
      new TextLayer<Camera>({
        id: 'camera-labels',
        data: opts.zoom >= 13.5 ? this.cameras : [],
        getPosition: (c) => [c.lon, c.lat],
        getText: (c) => c.id.toUpperCase(),
        getSize: 14 * scale,
        getPixelOffset: [0, 18 * scale],
        getColor: (c) => [...healthColour(healthState(c)), 255] as [number, number, number, number],
        fontFamily: LABEL_FONT,
        fontWeight: 700,
        characterSet: 'auto',
        fontSettings: { sdf: true, fontSize: 48, buffer: 6 },
        outlineWidth: 4,
        outlineColor: [3, 7, 14, 230],
        pickable: false,
        updateTriggers: { getColor: this.cameras },
      }),
      new ScatterplotLayer<Unit>({
        id: 'units',
        data: this.units,
        getPosition: (u) => [positionOf(u)!.lon, positionOf(u)!.lat],
        getRadius: 8 * scale,
        radiusUnits: 'pixels',
        getFillColor: (u) => (isStale(u, now) ? [110, 110, 120, 200] : [...agencyColour(u.agency), 255]) as [number, number, number, number],
        getLineColor: [3, 7, 14, 255],
        getLineWidth: 2 * scale,
        lineWidthUnits: 'pixels',
        stroked: true,
        pickable: true,
        autoHighlight: true,
        updateTriggers: { getFillColor: Math.floor(now / 10_000) },
      }),
      new TextLayer<Unit>({
        id: 'unit-heading',
        data: this.units,
        getPosition: (u) => [positionOf(u)!.lon, positionOf(u)!.lat],
        getText: () => '▲',
        getAngle: (u) => -headingOf(positionOf(u)!),
        getSize: 11 * scale,
        getColor: [3, 7, 14, 255],
        fontFamily: LABEL_FONT,
        characterSet: ['▲'],
        pickable: false,
      }),
      new ScatterplotLayer<Incident>({
        id: 'incident-pulse',
        data: pulsing,
        getPosition: (i) => [i.location.lon!, i.location.lat!],
        getRadius: 10 * scale + 26 * scale * phase,
        radiusUnits: 'pixels',
        filled: false,
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: 3 * scale,
        getLineColor: (i) => [...categoryColour(i.category), Math.round(255 * (1 - phase))] as [number, number, number, number],
        updateTriggers: { getRadius: phase, getLineColor: phase },
        pickable: false,
      }),
      new ScatterplotLayer<Incident>({
        id: 'incidents',
        data: this.incidents,
        getPosition: (i) => [i.location.lon!, i.location.lat!],
        getRadius: (i) => (12 - 2 * priorityRank(i.priority)) * scale,
        radiusUnits: 'pixels',
        getFillColor: (i) => [...categoryColour(i.category), isClosed(i) ? 70 : 240] as [number, number, number, number],
        getLineColor: (i) => (i.id === opts.selectedId ? [255, 255, 255, 255] : [0, 0, 0, isClosed(i) ? 60 : 200]),
        getLineWidth: (i) => (i.id === opts.selectedId ? 3 : 1.5) * scale,
        lineWidthUnits: 'pixels',
        stroked: true,
        pickable: true,
        autoHighlight: true,
        highlightColor: [255, 255, 255, 90],
        updateTriggers: { getLineColor: opts.selectedId, getLineWidth: opts.selectedId },
      }),
      new ScatterplotLayer<Incident>({
        id: 'incident-selected',
        data: selected && hasPoint(selected) ? [selected] : [],
        getPosition: (i) => [i.location.lon!, i.location.lat!],
        getRadius: 22 * scale,
        radiusUnits: 'pixels',
        filled: false,
        stroked: true,
        getLineColor: [255, 255, 255, 230],
        lineWidthUnits: 'pixels',
        getLineWidth: 2 * scale,
        pickable: false,
      }),
    ];
    this.counts = {
      'incident-heatmap': this.heatData.length,
      'basemap-labels': opts.labels.length,
      'camera-cones': this.cones.length,
      incidents: this.incidents.length,
      'incident-pulse': pulsing.length,
      cameras: this.cameras.length,
      units: this.units.length,
      'unit-trails': this.trips.length,
    };
    return layers;
  }

  /** Whether something is animating (pulses or trails) and needs periodic redraws. */
  animating(): boolean {
    const now = Date.now();
    return this.incidents.some((i) => now - (this.store.firstSeen.get(i.id) ?? 0) < NEW_PULSE_MS) || this.trips.length > 0;
  }
}
