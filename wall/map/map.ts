// The situation map: the shared map shell (shell.ts) with the live wall's layer stack (layers.ts) and its clicks.
// Store changes are coalesced: at most one layer update per UPDATE_MS.
import { watchDispatchRoutes } from '../state/routes.ts';
import { MapboxOverlay } from '@deck.gl/mapbox';
import type { Layer, PickingInfo } from '@deck.gl/core';
import type * as maplibregl from 'maplibre-gl';
import type { Store } from '../state/store.ts';
import type { CameraView as Camera } from '../../domain/camera.ts';
import type { Incident } from '../../domain/incident.ts';
import type { PublicUnit as Unit } from '../../domain/unit.ts';
import { boundsOf } from './basemap.ts';
import { softwareRenderer } from './gpu.ts';
import { gridOver, IncidentHeat, type HeatFrame } from './heat.ts';
import type { IncidentCluster } from './incident-clusters.ts';
import { markersCoverAreaLabels, placeLabels, type LabelCandidate, type PlacedLabel } from './labels.ts';
import { LayerBuilder, type LayerCounts, type ViewOptions } from './layers.ts';
import { dispatchPick } from './layers/pick.ts';
import { openMapShell } from './shell.ts';


/** Fastest redraw cadence (ms): store changes coalesce into one update, pulses and trails animate at it. A software-
 * rendered wall draws once a second: at 4 Hz its map frames kept the main thread ~90 % busy (bench:wall). */
const UPDATE_MS = 250;
const SOFTWARE_UPDATE_MS = 1000;

/** A click this close to a marker picks it (the same tolerance as pickAt, which tests wait on). */
const CLICK_RADIUS_PX = 2;

export interface MapHandlers {
  onIncident?(i: Incident): void;
  onCamera?(c: Camera): void;
  onUnit?(u: Unit): void;
  /** A click on empty map (console: pick a location). */
  onPick?(lon: number, lat: number): void;
  /** Room to leave around the city in the first view, for panels floating over the map. */
  padding?(): { top: number; bottom: number; left: number; right: number };
}

export class SituationMap {
  map!: maplibregl.Map;
  private overlay!: MapboxOverlay;
  private builder: LayerBuilder;
  private candidates: LabelCandidate[] = [];
  private labels: PlacedLabel[] = [];
  private labelsStale = true;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private animTimer: ReturnType<typeof setInterval> | undefined;
  private lastUpdateAt = 0;
  private lastLayers: Layer[] = [];
  private frozen = false;
  /** Redraws wait while > 0 (video tiles starting after a click); a change meanwhile redraws when the hold ends. */
  private holds = 0;
  private heldChange = false;
  private paintHeld = false;
  private readonly software = softwareRenderer();
  private readonly updateMs = this.software ? SOFTWARE_UPDATE_MS : UPDATE_MS;
  private hiddenLayers = new Set<string>();
  pinnedCameraIds = new Set<string>();
  /** Cameras playing in a tile (set by the screen): drawn full size even at city zoom. */
  tileCameraIds: () => Iterable<string> = () => [];
  /** JS time (ms) spent building + handing layers to deck, last update and running total: for the benchmark. */
  stats = { updates: 0, lastUpdateMs: 0, totalUpdateMs: 0, firstRenderAt: 0, firstDataRenderAt: 0 };
  ready: Promise<void>;

  constructor(
    private container: HTMLElement,
    private store: Store,
    private handlers: MapHandlers,
  ) {
    this.builder = new LayerBuilder(store, {
      onIncident: (i) => this.handlers.onIncident?.(i),
      onCamera: (c) => this.handlers.onCamera?.(c),
      onUnit: (u) => this.handlers.onUnit?.(u),
      onCluster: (c) => this.zoomInto(c),
    });
    this.ready = this.init();
  }

  private async init(): Promise<void> {
    const shell = await openMapShell(this.container, { padding: this.handlers.padding?.() ?? 40, pointerOnHover: true });
    ({ map: this.map, overlay: this.overlay, candidates: this.candidates } = shell);
    this.gatePaints();
    this.builder.heat = new IncidentHeat(gridOver(boundsOf(shell.basemap.kota)));
    // Clicks come from the browser's own click event (through MapLibre), then we ask deck what is there. deck's
    // onClick is a tap gesture that must end within 250 ms of its press: on a busy wall PC (software GL, 2 cores) a
    // press took longer and the officer's click was silently lost.
    this.map.on('click', (e) => {
      const info = this.overlay?.pickObject({ x: e.point.x, y: e.point.y, radius: CLICK_RADIUS_PX });
      this.onClick(info ?? ({ coordinate: [e.lngLat.lng, e.lngLat.lat] } as PickingInfo));
    });
    this.map.on('moveend', () => {
      this.labelsStale = true;
      this.update(true);
    });
    watchDispatchRoutes(this.store);
    this.store.on((what) => {
      if (what === 'incidents') this.builder.dirty.incidents = true;
      if (what === 'cameras') this.builder.dirty.cameras = true;
      if (what === 'units') this.builder.dirty.units = true;
      this.update(what === 'heat');
    });
    this.update(true);
    this.stats.firstRenderAt = performance.now();
    // Pulses and trails move with time: redraw at 4 Hz while something animates.
    this.animTimer = setInterval(() => {
      if (this.builder.animating()) this.update();
    }, this.updateMs);
  }

  /** A marker's own layer handles its click (layers/pick.ts); a click on empty map is a place for the console. */
  private onClick(info: PickingInfo): void {
    if (!dispatchPick(info) && info.coordinate) this.handlers.onPick?.(info.coordinate[0], info.coordinate[1]);
  }

  private zoomInto(c: IncidentCluster): void {
    this.map.easeTo({ center: c.position, zoom: this.builder.clusters.expansionZoom(c.clusterId), duration: 600 });
  }

  /** Coalesce store changes into at most one deck update per UPDATE_MS (immediate when forced). */
  update(now = false): void {
    if (!this.overlay || this.frozen) return;
    if (this.holds > 0) {
      this.heldChange = true;
      return;
    }
    if (now) {
      clearTimeout(this.timer);
      this.timer = undefined;
      this.applyLayers();
      return;
    }
    if (this.timer) return;
    const wait = Math.max(0, this.updateMs - (performance.now() - this.lastUpdateAt));
    this.timer = setTimeout(() => {
      this.timer = undefined;
      // a hold that began after this was scheduled still holds it (it fired mid-click and drew before the video)
      if (this.holds > 0) this.heldChange = true;
      else this.applyLayers();
    }, wait);
  }

  private applyLayers(): void {
    const t0 = performance.now();
    const view: ViewOptions = {
      zoom: this.map.getZoom(),
      selectedId: this.store.selectedId,
      // the cameras a responding unit will pass are drawn full size too: the wall can follow it through them
      emphasisedCameraIds: new Set([...this.pinnedCameraIds, ...this.tileCameraIds(), ...[...this.store.routes.values()].flatMap((r) => r.cameras.map((c) => c.cameraId))]),
    };
    this.builder.prepare(view);
    const markers = this.builder.markerBoxes(view, (lon, lat) => this.map.project([lon, lat]));
    if (this.labelsStale || markersCoverAreaLabels(this.labels, markers)) {
      this.labels = placeLabels(this.map, this.candidates, markers);
      this.labelsStale = false;
    }
    const layers = this.builder.build({
      ...view,
      areaLabels: this.labels.filter((l) => l.area),
      otherLabels: this.labels.filter((l) => !l.area),
    });
    this.lastLayers = layers;
    this.overlay.setProps({ layers: this.withHidden(layers) });
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

  private withHidden(layers: Layer[]): Layer[] {
    return this.hiddenLayers.size ? layers.map((l) => (this.hiddenLayers.has(l.id) ? l.clone({ visible: false }) : l)) : layers;
  }

  /** No redraws until `until` settles (the click's video tiles have their first frame); then one, if anything changed. */
  holdUntil(until: Promise<unknown>): void {
    this.holds++;
    const release = () => {
      this.holds--;
      if (this.holds > 0) return;
      if (this.heldChange) {
        this.heldChange = false;
        this.update(true);
      }
      if (this.paintHeld) {
        this.paintHeld = false;
        this.map.triggerRepaint();
      }
    };
    until.then(release, release);
  }

  /**
   * MapLibre also paints on its own: its input handlers ask for a frame after every mouse-up, the click's own, with
   * nothing changed. On a software renderer that frame blocks the page 300–500 ms (the canvas is read back when it is
   * composited) right when the click's video starts, so while a hold is on, MapLibre's paints wait for it too. Its
   * paint entry point is internal (`_render`, maplibre-gl 6): if it is ever renamed this gate simply does nothing.
   */
  private gatePaints(): void {
    const m = this.map as unknown as { _render?: (t: number) => unknown };
    const render = m._render;
    if (typeof render !== 'function') return;
    m._render = (t: number) => {
      if (this.holds > 0) {
        this.paintHeld = true;
        return m;
      }
      return render.call(m, t);
    };
  }

  /** Tests: hold the data still (units frozen, no animation) so two frames differ only in what the test toggles. */
  freeze(frozen: boolean): void {
    this.frozen = frozen;
    if (!frozen) this.update(true);
  }

  /** Tests: hide or show one layer, redrawing the last frame's layers without rebuilding them. */
  setLayerVisible(id: string, visible: boolean): void {
    if (visible) this.hiddenLayers.delete(id);
    else this.hiddenLayers.add(id);
    this.overlay?.setProps({ layers: this.withHidden(this.lastLayers) });
  }

  heatFrame(): HeatFrame | null {
    return this.builder.heat?.frame ?? null;
  }

  /** Placed labels with their screen boxes (tests check that no marker covers an area name). */
  placedLabels(): PlacedLabel[] {
    return this.labels;
  }

  counts(): LayerCounts {
    return this.builder.counts;
  }

  layerIds(): string[] {
    return Object.keys(this.builder.counts);
  }

  /** `coveredRightPx`: a panel over the map's right edge; the point lands in the middle of what stays visible. */
  flyTo(lon: number, lat: number, zoom = 16, coveredRightPx = 0): void {
    const to = { center: [lon, lat] as [number, number], zoom: Math.max(zoom, this.map.getZoom()), offset: [-coveredRightPx / 2, 0] as [number, number] };
    // A flight is ~30 frames: seconds of main thread when software-rendered. There the map moves in one step.
    if (this.software) this.map.jumpTo(to);
    else this.map.flyTo({ ...to, speed: 1.6, essential: true });
  }

  /** Project an incident to screen pixels (tests click it). */
  project(lon: number, lat: number): { x: number; y: number } {
    const p = this.map.project([lon, lat]);
    const r = this.container.getBoundingClientRect();
    return { x: r.left + p.x, y: r.top + p.y };
  }

  /** Pickable markers drawn inside a page-pixel rectangle, read from deck's pick buffer (tests: labels kept clear). */
  markersIn(x0: number, y0: number, x1: number, y1: number): Array<{ layer: string; id: string }> {
    const r = this.container.getBoundingClientRect();
    const infos = this.overlay?.pickObjects({ x: x0 - r.left, y: y0 - r.top, width: x1 - x0, height: y1 - y0 }) ?? [];
    return infos.map((i) => ({ layer: i.layer?.id ?? '', id: String((i.object as { id?: string; clusterId?: number })?.id ?? (i.object as { clusterId?: number })?.clusterId) }));
  }

  /** What a click at page pixel (x, y) would pick (tests wait for this before clicking). */
  pickAt(x: number, y: number): { layer: string; id: string } | null {
    const r = this.container.getBoundingClientRect();
    const info = this.overlay?.pickObject({ x: x - r.left, y: y - r.top, radius: CLICK_RADIUS_PX });
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
