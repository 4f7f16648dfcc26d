// The situation map's layer stack, built from the Store: data arrays are rebuilt only when their part of the store
// changed (dirty flags), then each layer module (layers/*.ts: heat, cameras, incidents, units; clusters and labels
// beside them) makes its own small declarative layers with pure accessors and says what a click on it means.
import type { Layer } from '@deck.gl/core';
import { viewCone } from '../../geo/coverage.ts';
import { agencyColour, STALE_UNIT } from '../ui/categories.ts';
import { hasPoint, isClosed, isStale } from '../state/model.ts';
import { LIMITS, type Store } from '../state/store.ts';
import type { CameraView as Camera } from '../../domain/camera.ts';
import type { Incident } from '../../domain/incident.ts';
import type { PublicUnit as Unit } from '../../domain/unit.ts';
import { IncidentHeat } from './heat.ts';
import { clusterLayers, clusterRadiusPx, IncidentClusters, type IncidentCluster } from './incident-clusters.ts';
import { followTrail, SettledTrails, type TripDatum } from './trails.ts';
import { labelLayer, uiScale, type Box, type PlacedLabel } from './labels.ts';
import { cameraLayers, cameraRadiusPx } from './layers/cameras.ts';
import { heatLayers } from './layers/heat.ts';
import { incidentLayers, incidentRadiusPx, NEW_PULSE_MS, PULSE_GROWTH_PX } from './layers/incidents.ts';
import { routeLayers } from './layers/routes.ts';
import { unitLayers, UNIT_RADIUS_PX } from './layers/units.ts';

// The legend draws itself from the layers' own style tables.
export { CAMERA_DOT_BELOW_ZOOM, CAMERA_DOT_PX, CAMERA_RING_PX, CONE_ALPHA } from './layers/cameras.ts';
export { incidentRadiusPx, UNCERTAINTY_ALPHA } from './layers/incidents.ts';
export { UNIT_RADIUS_PX } from './layers/units.ts';
export { ROUTE_DASH, ROUTE_WIDTH_PX } from './layers/routes.ts';

/** What a click on a marker does (the map shell's handlers). */
export interface LayerHandlers {
  onIncident?(i: Incident): void;
  onCamera?(c: Camera): void;
  onUnit?(u: Unit): void;
  onCluster?(c: IncidentCluster): void;
}

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

  /** One function per layer for the builder's life: a new one each build would read to deck as a changed prop. */
  private readonly pick: {
    incident?: (i: Incident) => void;
    camera?: (c: Camera) => void;
    unit?: (u: Unit) => void;
    cluster?: (c: IncidentCluster) => void;
  };

  constructor(
    private store: Store,
    handlers: LayerHandlers = {},
  ) {
    this.pick = {
      incident: handlers.onIncident && ((i) => handlers.onIncident!(i)),
      camera: handlers.onCamera && ((c) => handlers.onCamera!(c)),
      unit: handlers.onUnit && ((u) => handlers.onUnit!(u)),
      cluster: handlers.onCluster && ((c) => handlers.onCluster!(c)),
    };
  }

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
    for (const c of this.cameras) add(c.lon, c.lat, cameraRadiusPx(c, opts.zoom, opts.emphasisedCameraIds) * scale + 2.5 * scale);
    for (const u of this.units) add(u.position!.lon, u.position!.lat, (UNIT_RADIUS_PX + 2) * scale);
    return out;
  }

  build(opts: ViewOptions & { areaLabels: PlacedLabel[]; otherLabels: PlacedLabel[] }): Layer[] {
    const now = Date.now();
    const scale = uiScale();
    const { clusters, singles, pulsing } = this.view;
    const phase = (now % 1500) / 1500;
    const selected = opts.selectedId ? this.store.incidents.get(opts.selectedId) : undefined;
    const heat = this.heat?.frame;
    const uncertain = this.openIncidents.filter((i) => (i.location.uncertaintyM ?? 0) > 0);
    const incidents = incidentLayers({
      uncertain, pulsing, singles, scale, phase, selectedId: opts.selectedId,
      selected: selected && hasPoint(selected) ? selected : undefined,
      onPick: this.pick.incident,
    });
    const cameras = cameraLayers({
      cameras: this.cameras, cones: this.cones, zoom: opts.zoom, emphasised: opts.emphasisedCameraIds, scale,
      onPick: this.pick.camera,
    });
    const units = unitLayers({ units: this.units, trails: this.trails, now, scale, onPick: this.pick.unit });
    const routes = [...this.store.routes.values()];
    // Bottom to top. Area names last: they keep clear of markers (labels.ts), and win over a unit driving under one.
    const layers: Layer[] = [
      ...heatLayers(heat, opts.zoom),
      labelLayer('basemap-labels', opts.otherLabels),
      ...cameras.cones,
      ...incidents.uncertainty,
      ...routeLayers(routes, scale),
      ...units.trails,
      ...cameras.rings,
      ...units.units,
      ...incidents.pulse,
      ...clusterLayers(clusters, scale, this.pick.cluster),
      ...incidents.markers,
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
      'dispatch-routes': routes.length,
    };
    return layers;
  }

  /** Whether something is animating (pulses or trails) and needs periodic redraws. */
  animating(): boolean {
    const now = Date.now();
    return this.incidents.some((i) => now - (this.store.firstSeen.get(i.id) ?? 0) < NEW_PULSE_MS) || this.trips.length > 0;
  }
}
