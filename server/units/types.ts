// The Unit as the server holds it (with the hash of the tracker's device id); Position, Dispatch and the published unit are in
// domain/unit.ts.
import type { Station } from '../../domain/unit.ts';

export interface Unit {
  id: string;
  callsign: string;
  /** Agency id as in server/site/routing.json (damkar, polisi, psc, bpbd, basarnas, pln, dinas_pu…). */
  agency: string;
  kind: string;
  /** Hash of the Traccar/OsmAnd device id (device-id.ts): the id is the device's credential, shown once, never kept. */
  deviceHash: string;
  /** Addresses / CIDRs the device may report from; null = anywhere. */
  allowFrom?: string[] | null;
  /** Home station (pos, markas): leaving its geofence after a dispatch is first movement. None = the rule never applies. */
  station?: Station | null;
}

export { NO_UNIT_EVENT, STAGE_SOURCES, type StageSource } from '../../domain/dispatch.ts';
export type { Dispatch, Position, PublicUnit, Station } from '../../domain/unit.ts';
