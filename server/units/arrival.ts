// The rules that turn a dispatched unit's AVL fixes into "moving" and "on scene" (DESIGN flow 4). Pure: no store, no
// clock. The briefing's response times are only as honest as these rules, so each one is strict on purpose:
//  * moving  = heading to the scene: the distance to the point has dropped by ≥ closingM since dispatch, or the unit
//    was inside its home station's geofence (stationRadiusM) when the job came and a fix is now clearly outside it
//    (a crew may leave the station the "wrong" way round a one-way street). A unit on patrol that merely has speed is
//    not responding yet, and the station rule never applies to a unit that was not at its station.
//  * on scene = within max(minRadiusM, the fix's own accuracy) of the point — or, for an incident given as an area
//    (CAP polygons), inside a polygon or within that distance of its edge, after having been outside it — after
//    moving, and dwelling there: two consecutive fixes inside, both below walking speed (one slow fix can be a red
//    light; a drive-by is never slow). The incident's location uncertainty never widens the fence: above
//    maxUncertaintyM nothing is inferred at all for a point (arrival then needs the crew page or an operator), and
//    fixes less accurate than that are not evidence.
import * as turf from '@turf/turf';
import { z } from 'zod';
import { distanceM } from '../../geo/spatial.ts';
import type { Ring } from '../incidents/model.ts';
import type { Station } from './types.ts';

const metres = z.number().positive().max(50_000);
export const ArrivalRulesSchema = z.strictObject({
  minRadiusM: metres,
  maxUncertaintyM: metres,
  walkingKmh: z.number().positive().max(30),
  closingM: metres,
  stationRadiusM: metres,
});
export type ArrivalRules = z.infer<typeof ArrivalRulesSchema>;
export const DEFAULT_ARRIVAL_RULES: ArrivalRules = { minRadiusM: 100, maxUncertaintyM: 300, walkingKmh: 6, closingM: 100, stationRadiusM: 150 };

export interface Scene {
  lat: number | null;
  lon: number | null;
  uncertaintyM?: number | null;
  /** CAP area polygons; the point is their centre. */
  polygons?: Ring[] | null;
}
const hasPoint = (scene: Scene | null | undefined): scene is Scene & { lat: number; lon: number } =>
  !!scene && typeof scene.lat === 'number' && typeof scene.lon === 'number';
export interface Fix {
  /** Epoch ms of the fix (device time) — for speeds between fixes. */
  ms: number;
  /** The time a stage reached at this fix is recorded with (server receive time, comparable with dispatchedAt). */
  stamp: string;
  lat: number;
  lon: number;
  speedKmh: number | null;
  accuracyM: number | null;
}

/**
 * Can arrival at this scene be inferred from positions at all? A point: only when it is certain to maxUncertaintyM,
 * since a fence around a guess proves nothing. An area (CAP polygons): yes, whatever its size. Its "uncertainty" (the
 * radius that covers it) is not doubt about where the incident is but how big it is; the sender says the incident IS
 * that area, so being inside it is evidence. What a large area cannot tell is that a unit already inside it when the
 * job came has gone anywhere; so the area fence counts only after the unit has been seen outside it (stepApproach).
 * A unit that never was needs the crew or an operator to say it arrived; until one does, the briefing counts its
 * arrival as not reached (a miss), never as fast.
 */
export function arrivalCheckFor(scene: Scene | null | undefined, rules: ArrivalRules): 'geofence' | 'confirm' {
  if (!hasPoint(scene)) return 'confirm';
  if (scene.polygons?.length) return 'geofence';
  return (scene.uncertaintyM ?? 0) > rules.maxUncertaintyM ? 'confirm' : 'geofence';
}

/** Per-dispatch memory between fixes (lost on restart: the next fixes rebuild it, they never invent an arrival). */
export interface Approach {
  /** Distance to the scene when the dispatch started (last fix before it, else the first fix after). */
  startDistM: number | null;
  /** Inside its station's geofence when the dispatch started (same fixes); null = not known (yet), or no station. */
  atStation: boolean | null;
  /** Seen outside the scene's area fence since the dispatch started (areas only: see arrivalCheckFor). */
  wasOutsideArea: boolean;
  prev: Fix | null;
  /** The first of the current run of slow fixes inside the fence. */
  stoppedSince: Fix | null;
}
export const newApproach = (): Approach => ({ startDistM: null, atStation: null, wasOutsideArea: false, prev: null, stoppedSince: null });

/**
 * The memory of a new dispatch, from the unit's last fix before it (null if none). Distance is measured from it in
 * any case; where the unit was (at its station, outside the area) only from a fresh one: an old fix cannot say where
 * the unit was when the job came, the first fix after the dispatch will.
 */
export function approachFrom(
  last: { fix: Pick<Fix, 'lat' | 'lon' | 'accuracyM'>; fresh: boolean } | null, scene: Scene | null | undefined, station: Station | null | undefined,
  rules: ArrivalRules,
): Approach {
  const a = newApproach();
  if (!last) return a;
  if (hasPoint(scene)) a.startDistM = distanceM(last.fix.lon, last.fix.lat, scene.lon, scene.lat);
  if (last.fresh) observe(a, last.fix, scene, station, rules);
  return a;
}

/** Where the unit is, for the rules that depend on where it was when the job came. */
function observe(a: Approach, fix: Pick<Fix, 'lat' | 'lon' | 'accuracyM'>, scene: Scene | null | undefined, station: Station | null | undefined, rules: ArrivalRules) {
  const atStation = stationPresence(fix, station, rules);
  if (a.atStation === null && atStation) a.atStation = atStation === 'inside';
  if (accurate(fix, rules) && scene?.polygons?.length && !inArea(fix, scene.polygons, rules)) a.wasOutsideArea = true;
  return atStation;
}
const accurate = (fix: Pick<Fix, 'accuracyM'>, rules: ArrivalRules) => fix.accuracyM === null || fix.accuracyM <= rules.maxUncertaintyM;

/** Inside one of the polygons, or within max(minRadiusM, the fix's accuracy) of its edge. */
function inArea(fix: Pick<Fix, 'lat' | 'lon' | 'accuracyM'>, polygons: Ring[], rules: ArrivalRules): boolean {
  const p = turf.point([fix.lon, fix.lat]);
  const fenceM = Math.max(rules.minRadiusM, fix.accuracyM ?? 0);
  return polygons.some((ring) =>
    turf.booleanPointInPolygon(p, turf.polygon([ring])) || turf.pointToLineDistance(p, turf.lineString(ring), { units: 'meters' }) <= fenceM);
}

/** Where a fix puts the unit relative to its station: null when the fix cannot tell (inaccurate, or on the edge). */
function stationPresence(fix: Pick<Fix, 'lat' | 'lon' | 'accuracyM'>, station: Station | null | undefined, rules: ArrivalRules): 'inside' | 'outside' | null {
  if (!station || (fix.accuracyM ?? 0) > rules.maxUncertaintyM) return null;
  const dist = distanceM(fix.lon, fix.lat, station.lon, station.lat);
  if (dist <= Math.max(rules.stationRadiusM, fix.accuracyM ?? 0)) return 'inside';
  return dist - (fix.accuracyM ?? 0) > rules.stationRadiusM ? 'outside' : null;
}

export interface StepResult {
  /** This fix shows the unit heading to the scene. */
  closing: boolean;
  /** This fix shows the unit out of the station geofence it was in when the job came. */
  leftStation: boolean;
  /** The unit has dwelt at the scene since this fix (time of arrival), or null. */
  arrivedFix: Fix | null;
  distM: number | null;
}

/** One fix of a dispatched unit. `moved` = movement already recorded for the dispatch. Mutates `a`. */
export function stepApproach(
  a: Approach, fix: Fix, scene: Scene | null | undefined, moved: boolean, rules: ArrivalRules, station?: Station | null,
): StepResult {
  const out: StepResult = { closing: false, leftStation: false, arrivedFix: null, distM: null };
  const prev = a.prev;
  a.prev = fix;
  const atStation = observe(a, fix, scene, station, rules);
  out.leftStation = a.atStation === true && atStation === 'outside';
  if (!hasPoint(scene)) return out;
  const dist = distanceM(fix.lon, fix.lat, scene.lon, scene.lat);
  out.distM = dist;
  if (a.startDistM === null) a.startDistM = dist;
  out.closing = a.startDistM - dist >= rules.closingM;
  if (arrivalCheckFor(scene, rules) !== 'geofence') return out;
  const inside = accurate(fix, rules) &&
    (scene.polygons?.length ? a.wasOutsideArea && inArea(fix, scene.polygons, rules) : dist <= Math.max(rules.minRadiusM, fix.accuracyM ?? 0));
  const slow = speedOf(fix, prev) < rules.walkingKmh;
  if (!inside || !slow || !(moved || out.closing || out.leftStation)) {
    a.stoppedSince = null;
    return out;
  }
  if (a.stoppedSince) out.arrivedFix = a.stoppedSince;
  else a.stoppedSince = fix;
  return out;
}

/** Reported speed, else the speed implied by the previous fix; unknown counts as fast (no evidence of a stop). */
function speedOf(fix: Fix, prev: Fix | null): number {
  if (fix.speedKmh !== null) return fix.speedKmh;
  if (!prev || fix.ms <= prev.ms) return Infinity;
  return (distanceM(prev.lon, prev.lat, fix.lon, fix.lat) / ((fix.ms - prev.ms) / 1000)) * 3.6;
}

/** Faster than any response vehicle on Pekanbaru's roads: a fix implying more is a forgery or a GPS jump. */
export const MAX_PLAUSIBLE_KMH = 200;
/** After this long without a fix a unit may have been moved (a truck on a trailer, a phone switched off): no check. */
const PLAUSIBILITY_WINDOW_MS = 10 * 60_000;

/** The speed (km/h) a fix implies from the unit's last accepted one, or 0 when the two are too far apart in time. */
export function impliedSpeedKmh(prev: { lat: number; lon: number; at: string }, next: { lat: number; lon: number; at: string }): number {
  const dtMs = Math.abs(Date.parse(next.at) - Date.parse(prev.at));
  if (dtMs > PLAUSIBILITY_WINDOW_MS) return 0;
  const d = distanceM(prev.lon, prev.lat, next.lon, next.lat);
  // same second, a few metres apart: GPS noise, not speed
  return d < 50 ? 0 : (d / Math.max(dtMs, 1000)) * 3600;
}
