// The Unit as the server holds it (with the tracker's device id); Position, Dispatch and the published unit are in
// domain/unit.ts.
import type { Station } from '../../domain/unit.ts';

export interface Unit {
  id: string;
  callsign: string;
  /** Agency id as in server/site/routing.json (damkar, polisi, psc, bpbd, basarnas, pln, dinas_pu…). */
  agency: string;
  kind: string;
  /** Traccar/OsmAnd device identifier: the device proves who it is with it, so it never reaches a wall view. */
  deviceId: string;
  /** Home station (pos, markas): leaving its geofence after a dispatch is first movement. None = the rule never applies. */
  station?: Station | null;
}

export { NO_UNIT_EVENT, STAGE_SOURCES, type StageSource } from '../../domain/dispatch.ts';
export type { Dispatch, Position, PublicUnit, Station } from '../../domain/unit.ts';
