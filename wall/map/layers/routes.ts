// Where each responding unit will drive: its road route to the scene, dashed in its agency colour, under the units.
import type { Layer } from '@deck.gl/core';
import { PathStyleExtension } from '@deck.gl/extensions';
import { PathLayer } from '@deck.gl/layers';
import { agencyColour } from '../../ui/categories.ts';
import type { UnitRoute } from '../../state/model.ts';

export const ROUTE_WIDTH_PX = 4;
export const ROUTE_DASH: [number, number] = [3, 2];
const DASHED = [new PathStyleExtension({ dash: true })];

export function routeLayers(routes: UnitRoute[], scale: number): Layer[] {
  return [
    new PathLayer<UnitRoute, { getDashArray: (d: UnitRoute) => [number, number] }>({
      id: 'dispatch-routes',
      data: routes,
      getPath: (r) => r.path.coordinates as [number, number][],
      getColor: (r) => [...agencyColour(r.agency), 220] as [number, number, number, number],
      getWidth: ROUTE_WIDTH_PX * scale,
      widthUnits: 'pixels',
      capRounded: true,
      jointRounded: true,
      getDashArray: () => ROUTE_DASH,
      extensions: DASHED,
    }),
  ];
}
