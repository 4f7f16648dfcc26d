// The map shell the live wall (map.ts) and the briefing (panels/briefing-map.ts) share: the offline MapLibre basemap
// framed on the city, a flat north-up view, and deck.gl's MapboxOverlay in overlaid mode (interleaved mode threw
// errors with maplibre-gl 6 here). Each caller adds its own layers and interaction.
import { MapboxOverlay } from '@deck.gl/mapbox';
import * as maplibregl from 'maplibre-gl';
import 'maplibre-gl/dist/maplibre-gl.css';
import workerUrl from 'maplibre-gl/dist/maplibre-gl-worker.mjs?url';
import { basemapStyle, boundsOf, loadBasemap, type BasemapData } from './basemap.ts';
import { labelCandidates, type LabelCandidate } from './labels.ts';

maplibregl.setWorkerUrl(workerUrl);

export interface MapShell {
  map: maplibregl.Map;
  overlay: MapboxOverlay;
  basemap: BasemapData;
  /** Area and street names that may be placed on this basemap (labels.ts). */
  candidates: LabelCandidate[];
}

export interface ShellOptions {
  /** Room around the city in the first view (panels floating over the map). */
  padding: number | { top: number; bottom: number; left: number; right: number };
  /** Keep the drawing buffer so the canvas can be read back (the briefing's PNG export). */
  preserveDrawingBuffer?: boolean;
  /** Pointer over a pickable marker (live wall); default deck's. */
  pointerOnHover?: boolean;
}

/** Resolves once the basemap's style has loaded: layers may be set from then on. */
export async function openMapShell(container: HTMLElement, o: ShellOptions): Promise<MapShell> {
  const basemap = await loadBasemap();
  const map = new maplibregl.Map({
    container,
    style: basemapStyle(basemap),
    bounds: boundsOf(basemap.kota),
    fitBoundsOptions: { padding: o.padding },
    attributionControl: { compact: false, customAttribution: basemap.attribution },
    maxPitch: 0,
    dragRotate: false,
    fadeDuration: 0,
    ...(o.preserveDrawingBuffer ? { canvasContextAttributes: { preserveDrawingBuffer: true } } : {}),
  });
  map.touchZoomRotate.disableRotation();
  const overlay = new MapboxOverlay({
    interleaved: false,
    layers: [],
    ...(o.pointerOnHover ? { getCursor: ({ isHovering }: { isHovering: boolean }) => (isHovering ? 'pointer' : 'grab') } : {}),
  });
  map.addControl(overlay as unknown as maplibregl.IControl);
  await new Promise<void>((resolve) => (map.loaded() ? resolve() : map.once('load', () => resolve())));
  return { map, overlay, basemap, candidates: labelCandidates(basemap) };
}
