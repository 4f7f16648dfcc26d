// What the server records about a dispatch's stages and the briefing reads back: one list for both. And the dispatch
// desk's answers: units recommended for an incident by road time, and a dispatch's route with the cameras along it.
import { z } from 'zod';

/**
 * Who established a stage: AVL rules ('distance' = closing on the scene, 'station' = left its home station's geofence,
 * 'geofence' = stopped at the scene), the crew page, an operator; 'speed' only on rows recorded before the rules
 * existed (first fix above 5 km/h). Append only: the KPI projection stores a source as its position here (3 bits).
 */
export const STAGE_SOURCES = ['distance', 'geofence', 'crew', 'operator', 'speed', 'station'] as const;
export type StageSource = (typeof STAGE_SOURCES)[number];

/** Incident history event (note = agency id): no unit of that agency was free. The briefing counts it as such. */
export const NO_UNIT_EVENT = 'no_unit_available' as const;

const seconds = z.number().int().nonnegative();
const metres = z.number().int().nonnegative();
const lonLat = z.tuple([z.number().min(-180).max(180), z.number().min(-90).max(90)]);

/** `GET /api/incidents/:id/recommendations`: an available unit of an agency the incident was routed to. */
export const unitRecommendationSchema = z.strictObject({
  unitId: z.string(),
  callsign: z.string(),
  agency: z.string(),
  /** Seconds by road from the unit's last fix to the incident (geo/routing.ts). */
  etaS: seconds,
  /** Road metres, the off-road legs at both ends included. */
  distanceM: metres,
  /** Seconds since the server received the unit's last fix. */
  lastFixAgeS: seconds,
});
export type UnitRecommendation = z.infer<typeof unitRecommendationSchema>;

/** A camera whose view the drive passes through. */
export const routeCameraSchema = z.strictObject({
  cameraId: z.string(),
  /** Road metres from the start of the drive to where it enters the camera's view. */
  alongM: metres,
  /** Seconds from the start of the drive until then. */
  etaS: seconds,
});
export type RouteCamera = z.infer<typeof routeCameraSchema>;

/** `GET /api/dispatches/:id/route`: the dispatched unit's drive from where it is now to the incident. */
export const dispatchRouteSchema = z.strictObject({
  dispatchId: z.number().int(),
  unitId: z.string(),
  incidentId: z.string(),
  /** Where the drive starts: the unit's last fix, or its station when it has sent none. */
  from: z.enum(['fix', 'station']),
  etaS: seconds,
  distanceM: metres,
  path: z.strictObject({ type: z.literal('LineString'), coordinates: z.array(lonLat) }),
  /** In the order the unit enters their views. */
  cameras: z.array(routeCameraSchema),
});
export type DispatchRoute = z.infer<typeof dispatchRouteSchema>;

/**
 * sla.json `dispatch`: how long an incident may wait for its first unit, from its report. The console's queue shows a
 * waiting incident amber past `amberS` and red past `redS` (`GET /api/sla`). The centre's own figures.
 */
export const dispatchTargetsSchema = z
  .strictObject({
    amberS: z.number().int().positive().max(3600).describe('seconds from the report after which an incident still without a unit shows amber in the queue'),
    redS: z.number().int().positive().max(3600).describe('seconds from the report after which it shows red; more than amberS'),
    source: z.string().min(10).describe('where the figures come from (a standard, the centre own decision)'),
  })
  .refine((d) => d.redS > d.amberS, { message: 'redS must be more than amberS', path: ['redS'] });
export type DispatchTargets = z.infer<typeof dispatchTargetsSchema>;
