// The situation map: MapLibre (offline style) + deck.gl MapboxOverlay in overlaid mode (interleaved mode threw
// errors with maplibre-gl 6 here). Store changes are coalesced: at most one layer update per UPDATE_MS.
import { MapboxOverlay } from '@deck.gl/mapbox';
import type { PickingInfo } from '@deck.gl/core';
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import type { Store } from '../src/store.ts';
import type { Camera, Incident, Unit } from '../src/types.ts';
import { basemapStyle, boundsOf, loadBasemap } from './basemap.ts';
import { labelCandidates, placeLabels, type LabelCandidate, type PlacedLabel } from './labels.ts';
import { LayerBuilder, type LayerCounts } from './layers.ts';

maplibregl.setWorkerUrl(workerUrl);

const UPDATE_MS = 250;

export interface MapHandlers {
  onIncident?(i: Incident): void;
  onCamera?(c: Camera): void;
  onUnit?(u: Unit): void;
  /** A click on empty map (console: pick a location). */
  onPick?(lon: number, lat: number): void;
}

export class SituationMap {
  map!: maplibregl.Map;
  private overlay!: MapboxOverlay;
  private builder: LayerBuilder;
  private candidates: LabelCandidate[] = [];
  private labels: PlacedLabel[] = [];
  private timer: ReturnType<typeof setTimeout> | undefined;
  private animTimer: ReturnType<typeof setInterval> | undefined;
  private lastUpdateAt = 0;
  pinnedCameraIds = new Set<string>();
  /** JS time (ms) spent building + handing layers to deck, last update and running total: for the benchmark. */
  stats = { updates: 0, lastUpdateMs: 0, totalUpdateMs: 0, firstRenderAt: 0, firstDataRenderAt: 0 };
  ready: Promise<void>;

  constructor(
    private container: HTMLElement,
    private store: Store,
    private handlers: MapHandlers,
  ) {
    this.builder = new LayerBuilder(store);
    this.ready = this.init();
  }

  private async init(): Promise<void> {
    const data = await loadBasemap();
    this.candidates = labelCandidates(data);
    this.map = new maplibregl.Map({
      container: this.container,
      style: basemapStyle(data),
      bounds: boundsOf(data.kota),
      fitBoundsOptions: { padding: 40 },
      attributionControl: { compact: false, customAttribution: data.attribution },
      maxPitch: 0,
      dragRotate: false,
      fadeDuration: 0,
    });
    this.map.touchZoomRotate.disableRotation();
    this.overlay = new MapboxOverlay({
      interleaved: false,
      layers: [],
      onClick: (info: PickingInfo) => this.onClick(info),
      getCursor: ({ isHovering }) => (isHovering ? 'pointer' : 'grab'),
    });
    this.map.addControl(this.overlay as unknown as maplibregl.IControl);
    this.map.on('moveend', () => {
      this.labels = placeLabels(this.map, this.candidates);
      this.update(true);
    });
    this.map.on('zoomend', () => this.update(true));
    await new Promise<void>((resolve) => (this.map.loaded() ? resolve() : this.map.once('load', () => resolve())));
    this.labels = placeLabels(this.map, this.candidates);
    this.store.on((what) => {
      if (what === 'incidents') this.builder.dirty.incidents = true;
      if (what === 'cameras') this.builder.dirty.cameras = true;
      if (what === 'units') this.builder.dirty.units = true;
      this.update();
    });
    this.update(true);
    this.stats.firstRenderAt = performance.now();
    // Pulses and trails move with time: redraw at 4 Hz while something animates.
    this.animTimer = setInterval(() => {
      if (this.builder.animating()) this.update();
    }, 250);
  }

  private onClick(info: PickingInfo): boolean {
    const id = info.layer?.id;
    if (id === 'incidents' && info.object) this.handlers.onIncident?.(info.object as Incident);
    else if (id === 'cameras' && info.object) this.handlers.onCamera?.(info.object as Camera);
    else if (id === 'units' && info.object) this.handlers.onUnit?.(info.object as Unit);
    else if (info.coordinate) this.handlers.onPick?.(info.coordinate[0], info.coordinate[1]);
    return true;
  }

  /** Coalesce store changes into at most one deck update per UPDATE_MS (immediate when forced). */
  update(now = false): void {
    if (!this.overlay) return;
    if (now) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.applyLayers();
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, UPDATE_MS - (performance.now() - this.lastUpdateAt));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.applyLayers();
    }, wait);
  }

  private applyLayers(): void {
    const t0 = performance.now();
    const c = this.map.getCenter();
    const layers = this.builder.build({
      zoom: this.map.getZoom(),
      latitude: c.lat,
      labels: this.labels,
      selectedId: this.store.selectedId,
      pinnedCameraIds: this.pinnedCameraIds,
    });
    this.overlay.setProps({ layers });
    const dt = performance.now() - t0;
    this.lastUpdateAt = performance.now();
    this.stats.updates++;
    this.stats.lastUpdateMs = dt;
    this.stats.totalUpdateMs += dt;
    if (!this.stats.firstDataRenderAt && (this.builder.counts.cameras ?? 0) > 0) {
      // deck draws on its next animation frame: stamp that, not the props hand-over.
      requestAnimationFrame(() => requestAnimationFrame(() => (this.stats.firstDataRenderAt ||= performance.now())));
    }
  }

  counts(): LayerCounts {
    return this.builder.counts;
  }

  layerIds(): string[] {
    return Object.keys(this.builder.counts);
  }

  flyTo(lon: number, lat: number, zoom = 16): void {
    this.map.flyTo({ center: [lon, lat], zoom: Math.max(zoom, this.map.getZoom()), speed: 1.6, essential: true });
  }

  /** Project an incident to screen pixels (tests click it). */
  project(lon: number, lat: number): { x: number; y: number } {
    const p = this.map.project([lon, lat]);
    const r = this.container.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }

  /** What a click at page pixel (x, y) would pick (tests wait for this before clicking). */
  pickAt(x: number, y: number): { layer: string; id: string } | null {
    const r = this.container.getBoundingClientRect();
    const info = this.overlay?.pickObject({ x: x - r.left, y: y - r.top, radius: 2 });
    const obj = info?.object as { id?: string } | undefined;
    return info?.layer && obj?.id ? { layer: info.layer.id, id: obj.id } : null;
  }

  destroy(): void {
    clearInterval(this.animTimer);
    clearTimeout(this.timer);
    this.overlay?.finalize();
    this.map?.remove();
  }
}
