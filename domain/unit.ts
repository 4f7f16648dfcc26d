// A response unit as server and wall both know it: its position, its current dispatch and the published unit (never
// the tracker's device id). zod schemas are the single source; the types are inferred from them.
import { z } from 'zod';
import { STAGE_SOURCES } from './dispatch.ts';

const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);

export const stationSchema = z.strictObject({ name: z.string(), lat, lon });
export type Station = z.infer<typeof stationSchema>;

export const positionSchema = z.strictObject({
  unitId: z.string(),
  /** Fix time reported by the device (ISO). */
  at: z.string(),
  lat,
  lon,
  speedKmh: z.number().nullable(),
  bearingDeg: z.number().nullable(),
  altitudeM: z.number().nullable(),
  accuracyM: z.number().nullable(),
  /** Battery level, percent. */
  battery: z.number().nullable(),
});
export type Position = z.infer<typeof positionSchema>;

export const dispatchSchema = z.strictObject({
  id: z.number().int(),
  incidentId: z.string(),
  unitId: z.string(),
  dispatchedAt: z.string(),
  movingAt: z.string().nullable(),
  movingSource: z.enum(STAGE_SOURCES).nullable(),
  arrivedAt: z.string().nullable(),
  arrivedSource: z.enum(STAGE_SOURCES).nullable(),
  /** 'confirm': the incident point is too uncertain for a geofence, so only the crew or an operator can say "arrived". */
  arrivalCheck: z.enum(['geofence', 'confirm']),
  clearedAt: z.string().nullable(),
  by: z.string(),
});
export type Dispatch = z.infer<typeof dispatchSchema>;

/** What walls and the units API see: no deviceId. */
export const unitSchema = z.strictObject({
  id: z.string(),
  callsign: z.string(),
  /** Agency id as in the routing config (damkar, polisi, psc, bpbd, basarnas, pln, dinas_pu…). */
  agency: z.string(),
  kind: z.string(),
  station: stationSchema.nullable(),
  position: positionSchema.omit({ unitId: true }).nullable(),
  /** Server time the last position arrived (ISO), null if never heard from. */
  lastSeenAt: z.string().nullable(),
  stale: z.boolean(),
  dispatch: dispatchSchema.nullable(),
});
export type PublicUnit = z.infer<typeof unitSchema>;
export type UnitPosition = NonNullable<PublicUnit['position']>;
