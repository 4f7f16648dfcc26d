// The dispatch desk: which available units of the agencies an incident was routed to reach it first by road, and a
// dispatched unit's drive to the scene with the cameras it will pass. Road times come from geo/routing.ts (one search
// from the incident times every candidate); camera views from geo/coverage.ts.
import type { DispatchRoute, UnitRecommendation } from '../../domain/dispatch.ts';
import { DomainError } from '../../domain/errors.ts';
import { isClosedStatus } from '../../domain/incident.ts';
import { camerasAlong } from '../../geo/coverage.ts';
import { timeAlong, type RoadGraph } from '../../geo/routing.ts';
import type { LonLat } from '../../geo/spatial.ts';
import type { CameraGeometry } from '../../geo/types.ts';
import type { IncidentsPort, UnitService } from './service.ts';

export interface DeskDeps {
  units: Pick<UnitService, 'list' | 'get' | 'dispatchById'>;
  incidents: IncidentsPort;
  roads: RoadGraph;
  /** Camera views with geometry (the streams supervisor's views()). */
  cameras: () => CameraGeometry[];
  now?: () => number;
}

const round6 = (x: number) => Math.round(x * 1e6) / 1e6;

export function createDesk(d: DeskDeps) {
  const now = d.now ?? Date.now;

  function incident(id: string) {
    const inc = d.incidents.get(id);
    if (!inc) throw new DomainError('incident_not_found', 'id', 'no such incident');
    return inc;
  }
  function pointOf(inc: NonNullable<ReturnType<IncidentsPort['get']>>): LonLat {
    const { lat, lon } = inc.location ?? {};
    if (lat == null || lon == null) throw new DomainError('location_unknown', 'location', 'the incident has no coordinates yet: place it on the map first');
    return [lon, lat];
  }

  /** Free, fresh units of the routed agencies, fastest first. */
  function recommend(incidentId: string): UnitRecommendation[] {
    const inc = incident(incidentId);
    if (isClosedStatus(inc.status)) throw new DomainError('incident_closed', 'status', `the incident is ${inc.status}`, { status: inc.status });
    const scene = pointOf(inc);
    const agencies = new Set((inc.agencies ?? []).map((a) => a.id));
    const free = d.units.list().filter((u) => agencies.has(u.agency) && !u.dispatch && !u.stale && u.position && u.lastSeenAt);
    const costs = d.roads.tripCosts(free.map((u) => [u.position!.lon, u.position!.lat]), scene);
    const t = now();
    return free
      .flatMap((u, i) => {
        const c = costs[i];
        if (!c) return [];
        const lastFixAgeS = Math.max(0, Math.round((t - Date.parse(u.lastSeenAt!)) / 1000));
        return [{ unitId: u.id, callsign: u.callsign, agency: u.agency, etaS: Math.round(c.timeS), distanceM: Math.round(c.lengthM), lastFixAgeS }];
      })
      .sort((a, b) => a.etaS - b.etaS || a.distanceM - b.distanceM || a.unitId.localeCompare(b.unitId));
  }

  /** The dispatched unit's drive from its last fix (else its station) to the incident, and the cameras along it. */
  function route(dispatchId: string): DispatchRoute {
    const dispatch = /^[1-9]\d{0,14}$/.test(dispatchId) ? d.units.dispatchById(Number(dispatchId)) : undefined;
    if (!dispatch) throw new DomainError('not_found', 'id', 'no such dispatch');
    if (dispatch.clearedAt) throw new DomainError('not_dispatched', 'id', 'the dispatch has ended', { clearedAt: dispatch.clearedAt });
    const scene = pointOf(incident(dispatch.incidentId));
    const unit = d.units.get(dispatch.unitId);
    const start = unit?.position ? { from: 'fix' as const, at: unit.position } : unit?.station ? { from: 'station' as const, at: unit.station } : null;
    if (!start) throw new DomainError('location_unknown', 'unitId', 'the unit has sent no position and has no station');
    const trip = d.roads.trip([start.at.lon, start.at.lat], scene);
    if (!trip) throw new Error(`no road route for dispatch ${dispatch.id}`); // the graph is one connected component
    return {
      dispatchId: dispatch.id,
      unitId: dispatch.unitId,
      incidentId: dispatch.incidentId,
      from: start.from,
      etaS: Math.round(trip.timeS),
      distanceM: Math.round(trip.lengthM),
      path: { type: 'LineString', coordinates: trip.path.map(([lon, lat]) => [round6(lon), round6(lat)]) },
      cameras: camerasAlong(trip.path, d.cameras()).map((c) => ({ cameraId: c.cameraId, alongM: Math.round(c.alongM), etaS: Math.round(timeAlong(trip, c.alongM)) })),
    };
  }

  return { recommend, route };
}
export type Desk = ReturnType<typeof createDesk>;
