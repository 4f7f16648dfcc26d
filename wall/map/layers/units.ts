// Unit layers: trails (settled part + live head, trails.ts), the unit dots in their agency colour (grey when stale)
// and a heading arrow. Pure accessors over the domain PublicUnit.
import type { Layer } from '@deck.gl/core';
import { TripsLayer } from '@deck.gl/geo-layers';
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import type { PublicUnit as Unit } from '../../../domain/unit.ts';
import { agencyColour, STALE_UNIT } from '../../ui/categories.ts';
import { isStale } from '../../state/model.ts';
import { LIMITS } from '../../state/store.ts';
import { LABEL_FONT } from '../labels.ts';
import { TIME_BASE, TRAIL_STYLE, type TripDatum } from '../trails.ts';
import type { Pickable } from './pick.ts';
import { hoverHighlight } from '../gpu.ts';

export const UNIT_RADIUS_PX = 8;

type RGBA = [number, number, number, number];
const at = (u: Unit): [number, number] => [u.position!.lon, u.position!.lat];

export interface UnitLayerProps {
  /** Units with a position. */
  units: Unit[];
  trails: { settled: TripDatum[]; head: TripDatum[] };
  now: number;
  scale: number;
  onPick: Pickable<Unit>['onPick'];
}

/** Trails go under the cameras; the units above them. */
export function unitLayers(p: UnitLayerProps): { trails: Layer[]; units: Layer[] } {
  return {
    trails: [p.trails.settled, p.trails.head].map(
      (data, k) =>
        new TripsLayer<TripDatum>({
          id: k ? 'unit-trails-head' : 'unit-trails',
          data,
          getPath: (d) => d.path,
          getTimestamps: (d) => d.timestamps,
          getColor: (d) => d.colour,
          currentTime: (p.now - TIME_BASE) / 1000,
          trailLength: LIMITS.trailMinutes * 60,
          getWidth: 3 * p.scale,
          ...TRAIL_STYLE,
        }),
    ),
    units: [
      new ScatterplotLayer<Unit, Pickable<Unit>>({
        id: 'units',
        data: p.units,
        getPosition: at,
        getRadius: UNIT_RADIUS_PX * p.scale,
        radiusUnits: 'pixels',
        getFillColor: (u) => (isStale(u, p.now) ? STALE_UNIT : [...agencyColour(u.agency), 255]) as RGBA,
        getLineColor: [3, 7, 14, 255],
        getLineWidth: 2 * p.scale,
        lineWidthUnits: 'pixels',
        stroked: true,
        pickable: true,
        autoHighlight: hoverHighlight(),
        updateTriggers: { getFillColor: Math.floor(p.now / 10_000) },
        onPick: p.onPick,
      }),
      new TextLayer<Unit>({
        id: 'unit-heading',
        data: p.units,
        getPosition: at,
        getText: () => '▲',
        getAngle: (u) => -(u.position!.bearingDeg ?? 0),
        getSize: 11 * p.scale,
        getColor: [3, 7, 14, 255],
        fontFamily: LABEL_FONT,
        characterSet: ['▲'],
        pickable: false,
      }),
    ],
  };
}
