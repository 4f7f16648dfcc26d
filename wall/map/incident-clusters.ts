// Incidents grouped at city zoom (supercluster) so the centre is not a knot of dots over the kecamatan names; a
// cluster shows its count and splits as the map zooms in. Street zoom (≥ CLUSTER_MAX_ZOOM + 1) shows every incident.
import { ScatterplotLayer, TextLayer } from '@deck.gl/layers';
import Supercluster from 'supercluster';
import { hasPoint } from '../state/model.ts';
import type { Incident } from '../../domain/incident.ts';
import { LABEL_FONT } from './labels.ts';
import type { Pickable } from './layers/pick.ts';
import { hoverHighlight } from './gpu.ts';

const CLUSTER_RADIUS_PX = 60;
const CLUSTER_MAX_ZOOM = 14;

export interface IncidentCluster {
  clusterId: number;
  position: [number, number];
  count: number;
}

/** Screen radius of a cluster disc: grows with the log of its count. */
export function clusterRadiusPx(count: number, scale: number): number {
  return (11 + 4 * Math.log2(count)) * scale;
}
export const CLUSTER_FILL: [number, number, number, number] = [235, 242, 255, 235];
export const CLUSTER_TEXT: [number, number, number, number] = [8, 16, 28, 255];

export class IncidentClusters {
  private index = new Supercluster<{ id: string }>({ radius: CLUSTER_RADIUS_PX, maxZoom: CLUSTER_MAX_ZOOM, minPoints: 3 });
  private byId = new Map<string, Incident>();

  load(incidents: Incident[]): void {
    this.byId = new Map(incidents.map((i) => [i.id, i]));
    this.index.load(
      incidents.filter(hasPoint).map((i) => ({
        type: 'Feature' as const,
        geometry: { type: 'Point' as const, coordinates: [i.location.lon!, i.location.lat!] },
        properties: { id: i.id },
      })),
    );
  }

  /** Clusters and the incidents left single at this zoom (whole world: a city's worth of points is cheap). */
  at(zoom: number): { clusters: IncidentCluster[]; singles: Incident[] } {
    const clusters: IncidentCluster[] = [];
    const singles: Incident[] = [];
    for (const f of this.index.getClusters([-180, -85, 180, 85], Math.floor(zoom))) {
      const p = f.properties as { cluster?: boolean; cluster_id?: number; point_count?: number; id?: string };
      if (p.cluster) clusters.push({ clusterId: p.cluster_id!, position: f.geometry.coordinates as [number, number], count: p.point_count! });
      else {
        const i = this.byId.get(p.id!);
        if (i) singles.push(i);
      }
    }
    return { clusters, singles };
  }

  expansionZoom(clusterId: number): number {
    return Math.min(CLUSTER_MAX_ZOOM + 1, this.index.getClusterExpansionZoom(clusterId));
  }
}

export function clusterLayers(clusters: IncidentCluster[], scale: number, onPick?: Pickable<IncidentCluster>['onPick']) {
  return [
    new ScatterplotLayer<IncidentCluster, Pickable<IncidentCluster>>({
      id: 'incident-clusters',
      data: clusters,
      getPosition: (c) => c.position,
      getRadius: (c) => clusterRadiusPx(c.count, scale),
      radiusUnits: 'pixels',
      getFillColor: CLUSTER_FILL,
      getLineColor: [3, 7, 14, 255],
      getLineWidth: 2 * scale,
      lineWidthUnits: 'pixels',
      stroked: true,
      pickable: true,
      autoHighlight: hoverHighlight(),
      onPick,
    }),
    new TextLayer<IncidentCluster>({
      id: 'incident-cluster-counts',
      data: clusters,
      getPosition: (c) => c.position,
      getText: (c) => String(c.count),
      getSize: 15 * scale,
      getColor: CLUSTER_TEXT,
      fontFamily: LABEL_FONT,
      fontWeight: 700,
      characterSet: '0123456789',
      pickable: false,
    }),
  ];
}
