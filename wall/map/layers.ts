// deck.gl layers of the situation map, built from the Store. Data arrays are rebuilt only when their part of the
// store changed (dirty flags); everything else is a cheap props update. Incidents, clusters, cameras and units pick.
// The style tables (radii, colours) are exported: the legend draws itself from them.
import type { Layer } from '@deck.gl/core';
import { TripsLayer } from '@deck.gl/geo-layers';
import { BitmapLayer, PolygonLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import { viewCone } from '../../geo/coverage.ts';
import { agencyColour, categoryColour, healthColour, STALE_UNIT } from '../src/categories.ts';
import { hasPoint, healthState, isClosed, isStale } from '../src/model.ts';
import { LIMITS, type Store } from '../src/store.ts';
import type { CameraView as Camera } from '../../domain/camera.ts';
import type { Incident } from '../../domain/incident.ts';
import type { PublicUnit as Unit } from '../../domain/unit.ts';
import { heatOpacity, IncidentHeat } from './heat.ts';
import { clusterLayers, clusterRadiusPx, IncidentClusters, type IncidentCluster } from './incident-clusters.ts';
import { followTrail, SettledTrails, TIME_BASE, TRAIL_STYLE, type TripDatum } from './trails.ts';
import { labelLayer, LABEL_FONT, uiScale, type Box, type PlacedLabel } from './labels.ts';

const NEW_PULSE_MS = 90_000;
const PULSE_GROWTH_PX = 26;
/** Below this zoom (the whole city) camera rings shrink to dots, unless the camera plays in a tile. */
export const CAMERA_DOT_BELOW_ZOOM = 13;

/** Incident marker radius in px at 1080p: P1 largest. */
export function incidentRadiusPx(priority: Incident['priority']): number {
  return 12 - 2 * priority;
}
export const CAMERA_RING_PX = 7;
export const CAMERA_DOT_PX = 3.5;
export const UNIT_RADIUS_PX = 8;
export const CONE_ALPHA = 38;
export const UNCERTAINTY_ALPHA = 22;

export interface LayerCounts {
  [layerId: string]: number;
}

export interface ViewOptions {
  zoom: number;
  selectedId: string | null;
  /** Cameras drawn full size at any zoom: pinned or playing in a tile (the selected incident's cameras). */
  emphasisedCameraIds: Set<string>;
}

export class LayerBuilder {
  private incidents: Incident[] = [];
  private openIncidents: Incident[] = [];
  private cameras: Camera[] = [];
  private cones: Array<{ camera: Camera; polygon: [number, number][] }> = [];
  private units: Unit[] = [];
  private trips: TripDatum[] = [];
  private trails = new SettledTrails();
  readonly clusters = new IncidentClusters();
  heat: IncidentHeat | null = null;
  private view: { clusters: IncidentCluster[]; singles: Incident[]; pulsing: Incident[] } = { clusters: [], singles: [], pulsing: [] };
  readonly dirty = { incidents: true, cameras: true, units: true };
  counts: LayerCounts = {};

  constructor(private store: Store) {}

  private refresh(): void {
    const s = this.store;
    if (this.dirty.incidents) {
      this.incidents = s.incidentList(LIMITS.incidents).filter(hasPoint);
      this.openIncidents = this.incidents.filter((i) => !isClosed(i));
      this.clusters.load(this.incidents);
      this.dirty.incidents = false;
    }
    if (this.dirty.cameras) {
      this.cameras = [...s.cameras.values()];
      this.cones = this.cameras.map((camera) => ({ camera, polygon: viewCone(camera) as [number, number][] }));
      this.dirty.cameras = false;
    }
    if (this.dirty.units) {
      this.units = [...s.units.values()].filter((u) => u.position);
      const previous = new Map(this.trips.map((d) => [d.id, d]));
      this.trips = [];
      for (const u of this.units) {
        const trail = s.trails.get(u.id);
        if (!trail || trail.length < 2) continue;
        const trip = followTrail(previous.get(u.id) ?? { id: u.id, path: [], timestamps: [], colour: [0, 0, 0] }, trail);
        trip.colour = isStale(u) ? (STALE_UNIT.slice(0, 3) as [number, number, number]) : agencyColour(u.agency);
        this.trips.push(trip);
      }
      this.trails.update(this.trips, Date.now());
      this.dirty.units = false;
    }
    this.heat?.update(s.heat, s.heatSettings, Date.now());
  }

  /** Bring data up to date for this view (clusters depend on zoom); call before markerBoxes() and build(). */
  prepare(opts: ViewOptions): void {
    this.refresh();
    const now = Date.now();
    const { clusters, singles } = this.clusters.at(opts.zoom);
    const pulsing = this.incidents.filter((i) => now - (this.store.firstSeen.get(i.id) ?? 0) < NEW_PULSE_MS);
    this.view = { clusters, singles, pulsing };
  }

  /** Screen boxes of every marker, for area labels to keep clear of (project: lon/lat → container pixels). */
  markerBoxes(opts: ViewOptions, project: (lon: number, lat: number) => { x: number; y: number }): Box[] {
    const scale = uiScale();
    const out: Box[] = [];
    const add = (lon: number, lat: number, r: number) => {
      const p = project(lon, lat);
      out.push([p.x - r, p.y - r, p.x + r, p.y + r]);
    };
    for (const c of this.view.clusters) add(c.position[0], c.position[1], clusterRadiusPx(c.count, scale) + 2 * scale);
    for (const i of this.view.singles) add(i.location.lon!, i.location.lat!, (incidentRadiusPx(i.priority) + 1.5) * scale);
    for (const i of this.view.pulsing) add(i.location.lon!, i.location.lat!, (10 + PULSE_GROWTH_PX + 1.5) * scale);
    for (const c of this.cameras) add(c.lon, c.lat, this.cameraRadius(c, opts) * scale + 2.5 * scale);
    for (const u of this.units) add(u.position!.lon, u.position!.lat, (UNIT_RADIUS_PX + 2) * scale);
    return out;
  }

  private cameraRadius(c: Camera, opts: ViewOptions): number {
    if (opts.emphasisedCameraIds.has(c.id)) return CAMERA_RING_PX + 2;
    return opts.zoom < CAMERA_DOT_BELOW_ZOOM ? CAMERA_DOT_PX : CAMERA_RING_PX;
  }

  build(opts: ViewOptions & { areaLabels: PlacedLabel[]; otherLabels: PlacedLabel[] }): Layer[] {
    const now = Date.now();
    const scale = uiScale();
    const { clusters, singles, pulsing } = this.view;
    const phase = (now % 1500) / 1500;
    const selected = opts.selectedId ? this.store.incidents.get(opts.selectedId) : undefined;
    const heat = this.heat?.frame;
    const emphasisKey = [...opts.emphasisedCameraIds].join();
    const uncertain = this.openIncidents.filter((i) => (i.location.uncertaintyM ?? 0) > 0);

    const layers: Layer[] = [
      new BitmapLayer({
        id: 'incident-heatmap',
        image: heat?.image ?? null,
        bounds: heat?.bounds ?? [0, 0, 0, 0],
        visible: Boolean(heat),
        opacity: heatOpacity(opts.zoom),
        pickable: false,
      }),
      labelLayer('basemap-labels', opts.otherLabels),
      new PolygonLayer<{ camera: Camera; polygon: [number, number][] }>({
        id: 'camera-cones',
        data: this.cones,
        getPolygon: (d) => d.polygon,
        getFillColor: (d) => [...healthColour(healthState(d.camera)), CONE_ALPHA] as [number, number, number, number],
        getLineColor: (d) => [...healthColour(healthState(d.camera)), 150] as [number, number, number, number],
        lineWidthUnits: 'pixels',
        getLineWidth: 1,
        stroked: true,
        pickable: false,
        updateTriggers: { getFillColor: this.cameras, getLineColor: this.cameras },
      }),
      new ScatterplotLayer<Incident>({
        id: 'incident-uncertainty',
        data: uncertain,
        getPosition: (i) => [i.location.lon!, i.location.lat!],
        getRadius: (i) => i.location.uncertaintyM ?? 0,
        radiusUnits: 'meters',
        getFillColor: (i) => [...categoryColour(i.category), UNCERTAINTY_ALPHA] as [number, number, number, number],
        getLineColor: (i) => [...categoryColour(i.category), 110] as [number, number, number, number],
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: 1,
        pickable: false,
      }),
      ...[this.trails.settled, this.trails.head].map(
        (data, k) =>
          new TripsLayer<TripDatum>({
            id: k ? 'unit-trails-head' : 'unit-trails',
            data,
            getPath: (d) => d.path,
            getTimestamps: (d) => d.timestamps,
            getColor: (d) => d.colour,
            currentTime: (now - TIME_BASE) / 1000,
            trailLength: LIMITS.trailMinutes * 60,
            getWidth: 3 * scale,
            ...TRAIL_STYLE,
          }),
      ),
      new ScatterplotLayer<Camera>({
        id: 'cameras',
        data: this.cameras,
        getPosition: (c) => [c.lon, c.lat],
        getRadius: (c) => this.cameraRadius(c, opts) * scale,
        radiusUnits: 'pixels',
        // A ring (dark centre) when full size; at city zoom a small dot in the health colour.
        getFillColor: (c) => (this.cameraRadius(c, opts) === CAMERA_DOT_PX ? [...healthColour(healthState(c)), 255] : [8, 16, 28, 255]) as [number, number, number, number],
        getLineColor: (c) => [...healthColour(healthState(c)), 255] as [number, number, number, number],
        getLineWidth: (c) => (this.cameraRadius(c, opts) === CAMERA_DOT_PX ? 1 : 2.5) * scale,
        lineWidthUnits: 'pixels',
        stroked: true,
        pickable: true,
        autoHighlight: true,
        updateTriggers: { getLineColor: this.cameras, getRadius: [emphasisKey, opts.zoom < CAMERA_DOT_BELOW_ZOOM], getFillColor: [this.cameras, emphasisKey, opts.zoom < CAMERA_DOT_BELOW_ZOOM], getLineWidth: [emphasisKey, opts.zoom < CAMERA_DOT_BELOW_ZOOM] },
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
        getPosition: (u) => [u.position!.lon, u.position!.lat],
        getRadius: UNIT_RADIUS_PX * scale,
        radiusUnits: 'pixels',
        getFillColor: (u) => (isStale(u, now) ? STALE_UNIT : [...agencyColour(u.agency), 255]) as [number, number, number, number],
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
        getPosition: (u) => [u.position!.lon, u.position!.lat],
        getText: () => '▲',
        getAngle: (u) => -(u.position!.bearingDeg ?? 0),
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
        getRadius: 10 * scale + PULSE_GROWTH_PX * scale * phase,
        radiusUnits: 'pixels',
        filled: false,
        stroked: true,
        lineWidthUnits: 'pixels',
        getLineWidth: 3 * scale,
        getLineColor: (i) => [...categoryColour(i.category), Math.round(255 * (1 - phase))] as [number, number, number, number],
        updateTriggers: { getRadius: phase, getLineColor: phase },
        pickable: false,
      }),
      ...clusterLayers(clusters, scale),
      new ScatterplotLayer<Incident>({
        id: 'incidents',
        data: singles,
        getPosition: (i) => [i.location.lon!, i.location.lat!],
        getRadius: (i) => incidentRadiusPx(i.priority) * scale,
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
      // Area names on top: they keep clear of markers (labels.ts), and win over a unit driving under one.
      labelLayer('area-labels', opts.areaLabels),
    ];
    this.counts = {
      'incident-heatmap': heat?.points ?? 0,
      'basemap-labels': opts.otherLabels.length,
      'area-labels': opts.areaLabels.length,
      'camera-cones': this.cones.length,
      'incident-uncertainty': uncertain.length,
      incidents: singles.length,
      'incident-clusters': clusters.length,
      'incident-pulse': pulsing.length,
      cameras: this.cameras.length,
      units: this.units.length,
      'unit-trails': this.trails.settled.length,
      'unit-trails-head': this.trails.head.length,
    };
    return layers;
  }

  /** Whether something is animating (pulses or trails) and needs periodic redraws. */
  animating(): boolean {
    const now = Date.now();
    return this.incidents.some((i) => now - (this.store.firstSeen.get(i.id) ?? 0) < NEW_PULSE_MS) || this.trips.length > 0;
  }
}
