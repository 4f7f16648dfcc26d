// The rules that turn a dispatched unit's AVL fixes into "moving" and "on scene" (DESIGN flow 4). Pure: no store, no
// clock. The briefing's response times are only as honest as these rules, so each one is strict on purpose:
//  * moving  = heading to the scene: the distance to the point has dropped by ≥ closingM since dispatch, or the unit
//    was inside its home station's geofence (stationRadiusM) when the job came and a fix is now clearly outside it
//    (a crew may leave the station the "wrong" way round a one-way street). A unit on patrol that merely has speed is
//    not responding yet, and the station rule never applies to a unit that was not at its station.
//  * on scene = within max(minRadiusM, the fix's own accuracy) of the point, after moving, and dwelling there: two
//    consecutive fixes inside, both below walking speed (one slow fix can be a red light; a drive-by is never slow).
//    The incident's location uncertainty never widens the fence: above maxUncertaintyM nothing is inferred at all
//    (arrival then needs the crew page or an operator), and fixes less accurate than that are not evidence.
import { z } from 'zod';
import { distanceM } from '../../geo/spatial.ts';
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
}
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

/** Can arrival at this scene be inferred from positions at all? */
export function arrivalCheckFor(scene: Scene | null | undefined, rules: ArrivalRules): 'geofence' | 'confirm' {
  if (!scene || typeof scene.lat !== 'number' || typeof scene.lon !== 'number') return 'confirm';
  return (scene.uncertaintyM ?? 0) > rules.maxUncertaintyM ? 'confirm' : 'geofence';
}

/** Per-dispatch memory between fixes (lost on restart: the next fixes rebuild it, they never invent an arrival). */
export interface Approach {
  /** Distance to the scene when the dispatch started (last fix before it, else the first fix after). */
  startDistM: number | null;
  /** Inside its station's geofence when the dispatch started (same fixes); null = not known (yet), or no station. */
  atStation: boolean | null;
  prev: Fix | null;
  /** The first of the current run of slow fixes inside the fence. */
  stoppedSince: Fix | null;
}
export const newApproach = (startDistM: number | null = null, atStation: boolean | null = null): Approach =>
  ({ startDistM, atStation, prev: null, stoppedSince: null });

/** Where a fix puts the unit relative to its station: null when the fix cannot tell (inaccurate, or on the edge). */
export function stationPresence(fix: Pick<Fix, 'lat' | 'lon' | 'accuracyM'>, station: Station | null | undefined, rules: ArrivalRules): 'inside' | 'outside' | null {
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
  const presence = stationPresence(fix, station, rules);
  if (a.atStation === null && presence) a.atStation = presence === 'inside';
  out.leftStation = a.atStation === true && presence === 'outside';
  if (!scene || typeof scene.lat !== 'number' || typeof scene.lon !== 'number') return out;
  const dist = distanceM(fix.lon, fix.lat, scene.lon, scene.lat);
  out.distM = dist;
  if (a.startDistM === null) a.startDistM = dist;
  out.closing = a.startDistM - dist >= rules.closingM;
  if (arrivalCheckFor(scene, rules) !== 'geofence') return out;
  const accurate = fix.accuracyM === null || fix.accuracyM <= rules.maxUncertaintyM;
  const inside = accurate && dist <= Math.max(rules.minRadiusM, fix.accuracyM ?? 0);
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
