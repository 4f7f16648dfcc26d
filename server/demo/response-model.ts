// One response model for the demo, shared by the seeded history (history.ts) and the live operator (traffic.ts), so
// a day of live demo and a day of history have the same shape. Demo shapes, not statistics; minutes.
import { between, type Rng } from './rng.ts';

/** Calls per day: tens to a few hundred for a city (the seeds); 70 sits inside that range. */
export const DEMO_CALLS_PER_DAY = 70;
/** Calls per hour of day (WIB), relative: quiet before dawn, busy mornings and evenings. */
export const HOURLY = [3, 2, 1.5, 1.2, 1.2, 1.8, 3, 4.5, 5, 5, 5, 5.2, 5.2, 5, 5, 5.3, 5.8, 6, 6, 5.5, 5, 4.5, 4, 3.5];

/** Report → the operator dispatches (Damkar fastest: a fire needs no verification). */
export const dispatchDelayMin = (rng: Rng, agency: string) => between(rng, agency === 'damkar' ? 0.5 : 1, agency === 'damkar' ? 3 : 8);
/** Dispatch → wheels rolling. */
const TURNOUT_MIN: Record<string, [number, number]> = { damkar: [0.5, 2.5], psc: [1, 4], polisi: [1, 5] };
export const turnoutMin = (rng: Rng, agency: string) => between(rng, ...(TURNOUT_MIN[agency] ?? [1, 6]));
/** Road speed, km/h. */
const SPEED_KMH: Record<string, [number, number]> = { damkar: [35, 55], psc: [35, 55], polisi: [30, 50] };
export const roadSpeedKmh = (rng: Rng, agency: string) => between(rng, ...(SPEED_KMH[agency] ?? [25, 45]));
/** Time on scene before the incident is closed. */
export const onSceneMin = (rng: Rng) => between(rng, 15, 60);

/** Mean gap between calls at this WIB hour for `perDay` calls a day (the live rate follows the HOURLY shape). */
export function meanGapMs(perDay: number, hourWib: number): number {
  const sum = HOURLY.reduce((a, b) => a + b, 0);
  const perHour = (perDay * HOURLY[hourWib]) / sum;
  return 3_600_000 / Math.max(perHour, 1e-6);
}
