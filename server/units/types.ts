// The Unit, Position and Dispatch shapes (one each, here).
export interface Unit {
  id: string;
  callsign: string;
  /** Agency id as in server/incidents/routing.json (damkar, polisi, psc, bpbd, basarnas, pln, dinas_pu…). */
  agency: string;
  kind: string;
  /** Traccar/OsmAnd device identifier: the device proves who it is with it, so it never reaches a wall view. */
  deviceId: string;
  /** Home station (pos, markas): leaving its geofence after a dispatch is first movement. None = the rule never applies. */
  station?: Station | null;
}

export interface Station {
  name: string;
  lat: number;
  lon: number;
}

export interface Position {
  unitId: string;
  /** Fix time reported by the device (ISO). */
  at: string;
  lat: number;
  lon: number;
  speedKmh: number | null;
  bearingDeg: number | null;
  altitudeM: number | null;
  accuracyM: number | null;
  /** Battery level, percent. */
  battery: number | null;
}

export { NO_UNIT_EVENT, STAGE_SOURCES, type StageSource } from '../../domain/dispatch.ts';
import type { StageSource } from '../../domain/dispatch.ts';

export interface Dispatch {
  id: number;
  incidentId: string;
  unitId: string;
  dispatchedAt: string;
  movingAt: string | null;
  movingSource: StageSource | null;
  arrivedAt: string | null;
  arrivedSource: StageSource | null;
  /** 'confirm': the incident point is too uncertain for a geofence, so only the crew or an operator can say "arrived". */
  arrivalCheck: 'geofence' | 'confirm';
  clearedAt: string | null;
  by: string;
}

/** What walls and the units API see: no deviceId. */
export interface PublicUnit {
  id: string;
  callsign: string;
  agency: string;
  kind: string;
  station: Station | null;
  position: Omit<Position, 'unitId'> | null;
  /** Server time the last position arrived (ISO), null if never heard from. */
  lastSeenAt: string | null;
  stale: boolean;
  dispatch: Dispatch | null;
}
