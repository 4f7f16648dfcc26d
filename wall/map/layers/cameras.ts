// Camera layers: the field-of-view cones, the camera rings (a dot at city zoom unless it plays in a tile) and their
// ids when zoomed in, all in the camera's health colour. Pure accessors over the domain CameraView.
import type { Layer } from '@deck.gl/core';
import { PolygonLayer, ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { CameraView as Camera } from '../../../domain/camera.ts';
import { healthColour } from '../../ui/categories.ts';
import { healthState } from '../../state/model.ts';
import { OUTLINED_TEXT } from '../labels.ts';
import type { Pickable } from './pick.ts';
import { hoverHighlight } from '../gpu.ts';

/** Below this zoom (the whole city) camera rings shrink to dots, unless the camera plays in a tile. */
export const CAMERA_DOT_BELOW_ZOOM = 13;
export const CAMERA_RING_PX = 7;
export const CAMERA_DOT_PX = 3.5;
export const CONE_ALPHA = 38;

type RGBA = [number, number, number, number];
const colour = (c: Camera, alpha: number) => [...healthColour(healthState(c)), alpha] as RGBA;

/** Ring radius in px at 1080p: larger for a camera playing in a tile, a dot at city zoom. */
export function cameraRadiusPx(c: Camera, zoom: number, emphasised: ReadonlySet<string>): number {
  if (emphasised.has(c.id)) return CAMERA_RING_PX + 2;
  return zoom < CAMERA_DOT_BELOW_ZOOM ? CAMERA_DOT_PX : CAMERA_RING_PX;
}

export interface CameraLayerProps {
  cameras: Camera[];
  cones: Array<{ camera: Camera; polygon: [number, number][] }>;
  zoom: number;
  emphasised: ReadonlySet<string>;
  scale: number;
  onPick: Pickable<Camera>['onPick'];
}

/** Cones go low in the stack (under incidents and units); rings and ids above the trails. */
export function cameraLayers(p: CameraLayerProps): { cones: Layer[]; rings: Layer[] } {
  const radius = (c: Camera) => cameraRadiusPx(c, p.zoom, p.emphasised);
  const dot = (c: Camera) => radius(c) === CAMERA_DOT_PX;
  const emphasisKey = [...p.emphasised].join();
  const dotZoom = p.zoom < CAMERA_DOT_BELOW_ZOOM;
  return {
    cones: [
      new PolygonLayer<{ camera: Camera; polygon: [number, number][] }>({
        id: 'camera-cones',
        data: p.cones,
        getPolygon: (d) => d.polygon,
        getFillColor: (d) => colour(d.camera, CONE_ALPHA),
        getLineColor: (d) => colour(d.camera, 150),
        lineWidthUnits: 'pixels',
        getLineWidth: 1,
        stroked: true,
        pickable: false,
        updateTriggers: { getFillColor: p.cameras, getLineColor: p.cameras },
      }),
    ],
    rings: [
      new ScatterplotLayer<Camera, Pickable<Camera>>({
        id: 'cameras',
        data: p.cameras,
        getPosition: (c) => [c.lon, c.lat],
        getRadius: (c) => radius(c) * p.scale,
        radiusUnits: 'pixels',
        // A ring (dark centre) when full size; at city zoom a small dot in the health colour.
        getFillColor: (c) => (dot(c) ? colour(c, 255) : [8, 16, 28, 255]),
        getLineColor: (c) => colour(c, 255),
        getLineWidth: (c) => (dot(c) ? 1 : 2.5) * p.scale,
        lineWidthUnits: 'pixels',
        stroked: true,
        pickable: true,
        autoHighlight: hoverHighlight(),
        updateTriggers: { getLineColor: p.cameras, getRadius: [emphasisKey, dotZoom], getFillColor: [p.cameras, emphasisKey, dotZoom], getLineWidth: [emphasisKey, dotZoom] },
        onPick: p.onPick,
      }),
      new TextLayer<Camera>({
        id: 'camera-labels',
        data: p.zoom >= 13.5 ? p.cameras : [],
        getPosition: (c) => [c.lon, c.lat],
        getText: (c) => c.id.toUpperCase(),
        getSize: 14 * p.scale,
        getPixelOffset: [0, 18 * p.scale],
        getColor: (c) => colour(c, 255),
        fontWeight: 700,
        fontSettings: { sdf: true, fontSize: 48, buffer: 6 },
        ...OUTLINED_TEXT,
        updateTriggers: { getColor: p.cameras },
      }),
    ],
  };
}
