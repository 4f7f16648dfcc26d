// Incident layers: the uncertainty circle of open incidents, the pulse of new ones, the markers (category colour,
// size by priority) and the ring of the selected one. Pure accessors over the domain Incident.
import type { Layer } from '@deck.gl/core';
import { ScatterplotLayer } from '@deck.gl/layers';
import type { Incident } from '../../../domain/incident.ts';
import { categoryColour } from '../../ui/categories.ts';
import { isClosed } from '../../state/model.ts';
import type { Pickable } from './pick.ts';
import { hoverHighlight } from '../gpu.ts';

export const NEW_PULSE_MS = 90_000;
export const PULSE_GROWTH_PX = 26;
export const UNCERTAINTY_ALPHA = 22;

/** Incident marker radius in px at 1080p: P1 largest. */
export function incidentRadiusPx(priority: Incident['priority']): number {
  return 12 - 2 * priority;
}

const at = (i: Incident): [number, number] => [i.location.lon!, i.location.lat!];
type RGBA = [number, number, number, number];

export interface IncidentLayerProps {
  /** Open incidents with a stated uncertainty (drawn as a circle in metres). */
  uncertain: Incident[];
  pulsing: Incident[];
  /** Incidents not folded into a cluster at this zoom. */
  singles: Incident[];
  selected: Incident | undefined;
  selectedId: string | null;
  scale: number;
  /** 0..1 through the pulse animation. */
  phase: number;
  onPick: Pickable<Incident>['onPick'];
}

/** Three groups, for the stack in layers.ts: uncertainty (under units and cameras), the pulse (under the clusters),
 * and the markers with the selection ring (over the clusters). */
export function incidentLayers(p: IncidentLayerProps): { uncertainty: Layer[]; pulse: Layer[]; markers: Layer[] } {
  const uncertainty = [
    new ScatterplotLayer<Incident>({
      id: 'incident-uncertainty',
      data: p.uncertain,
      getPosition: at,
      getRadius: (i) => i.location.uncertaintyM ?? 0,
      radiusUnits: 'meters',
      getFillColor: (i) => [...categoryColour(i.category), UNCERTAINTY_ALPHA] as RGBA,
      getLineColor: (i) => [...categoryColour(i.category), 110] as RGBA,
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 1,
      pickable: false,
    }),
  ];
  const pulse = [
    new ScatterplotLayer<Incident>({
      id: 'incident-pulse',
      data: p.pulsing,
      getPosition: at,
      getRadius: 10 * p.scale + PULSE_GROWTH_PX * p.scale * p.phase,
      radiusUnits: 'pixels',
      filled: false,
      stroked: true,
      lineWidthUnits: 'pixels',
      getLineWidth: 3 * p.scale,
      getLineColor: (i) => [...categoryColour(i.category), Math.round(255 * (1 - p.phase))] as RGBA,
      updateTriggers: { getRadius: p.phase, getLineColor: p.phase },
      pickable: false,
    }),
  ];
  const markers = [
    new ScatterplotLayer<Incident, Pickable<Incident>>({
      id: 'incidents',
      data: p.singles,
      getPosition: at,
      getRadius: (i) => incidentRadiusPx(i.priority) * p.scale,
      radiusUnits: 'pixels',
      getFillColor: (i) => [...categoryColour(i.category), isClosed(i) ? 70 : 240] as RGBA,
      getLineColor: (i) => (i.id === p.selectedId ? [255, 255, 255, 255] : [0, 0, 0, isClosed(i) ? 60 : 200]),
      getLineWidth: (i) => (i.id === p.selectedId ? 3 : 1.5) * p.scale,
      lineWidthUnits: 'pixels',
      stroked: true,
      pickable: true,
      autoHighlight: hoverHighlight(),
      highlightColor: [255, 255, 255, 90],
      updateTriggers: { getLineColor: p.selectedId, getLineWidth: p.selectedId },
      onPick: p.onPick,
    }),
    new ScatterplotLayer<Incident>({
      id: 'incident-selected',
      data: p.selected ? [p.selected] : [],
      getPosition: at,
      getRadius: 22 * p.scale,
      radiusUnits: 'pixels',
      filled: false,
      stroked: true,
      getLineColor: [255, 255, 255, 230],
      lineWidthUnits: 'pixels',
      getLineWidth: 2 * p.scale,
      pickable: false,
    }),
  ];
  return { uncertainty, pulse, markers };
}
