// The incident heat bitmap (computed in heat.ts), fading as the officer zooms into the streets.
import type { Layer } from '@deck.gl/core';
import { BitmapLayer } from '@deck.gl/layers';
import { heatOpacity, type HeatFrame } from '../heat.ts';

export function heatLayers(frame: HeatFrame | null | undefined, zoom: number): Layer[] {
  return [
    new BitmapLayer({
      id: 'incident-heatmap',
      image: frame?.image ?? null,
      bounds: frame?.bounds ?? [0, 0, 0, 0],
      visible: Boolean(frame) && heatOpacity(zoom) > 0,
      opacity: heatOpacity(zoom),
      pickable: false,
    }),
  ];
}
