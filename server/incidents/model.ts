// What the intake adapters hand the incident service, and the bounds of what they may hand it. The published Incident,
// its statuses and masking live in domain/incident.ts (re-exported here for the room).
import type { IntakeLogAction } from '../../domain/intake-log.ts';
import crypto from 'node:crypto';
import { z } from 'zod';

import type { Caller, Category, Incident, LocationMethod, Ring, Source } from '../../domain/incident.ts';
export {
  CATEGORIES, STATUSES, OPEN_STATUSES, SOURCES, LOCATION_METHODS, TRANSITIONS, NEEDS_REASON, canTransition, publicIncident,
  type AreaRef, type Agency, type Caller, type Category, type HistoryEntry, type HistoryEvent, type Incident, type IncidentLocation,
  type LocationMethod, type Ring, type Source, type Status,
} from '../../domain/incident.ts';
export { maskName, maskPhone } from '../../domain/caller.ts';

/** What every intake adapter hands the service: already validated, location not yet resolved. */
export interface IncidentInput {
  source: Source;
  sourceRef?: string | null;
  category: Category;
  priority?: 1 | 2 | 3;
  reportedAt?: string;
  caller?: Partial<Caller>;
  description: string;
  location: LocationInput;
  flags?: string[];
}

export interface LocationInput {
  text?: string;
  lat?: number;
  lon?: number;
  uncertaintyM?: number;
  /** Kept with the coordinates (never alone): see IncidentLocation.polygons. */
  polygons?: Ring[];
  /** How the coordinates were obtained (ignored when only text is given: then 'geocoded' or 'manual'). */
  method?: LocationMethod;
}

/** De-duplication key: same (kind, ref) → the same incident; same ref with another body → idempotency_key_reused. */
export interface Dedupe {
  kind: string;
  ref: string;
  bodyHash: string;
}

/**
 * What every intake decoder (intake-json, intake-cap, intake-aml) hands the incident service: one message, decoded
 * at the edge without touching the store, decided in one place (IncidentService.apply).
 */
export type IntakeMessage =
  /** A new incident. `dedupe` as a string is the caller's Idempotency-Key (scoped to the caller by the service). */
  /** typedQuery: the operator's own words for a point placed by hand (a common-place candidate; not stored). */
  | { kind: 'create'; input: IncidentInput; dedupe?: Dedupe | string; typedQuery?: string }
  /** A sender's update of an incident one of its earlier messages made (`refs`: newest first); if none is known,
   * the full `input` is kept as a new incident rather than lost. */
  | { kind: 'update'; refKind: string; refs: string[]; input: IncidentInput; origin: string; note: string; dedupe: Dedupe }
  /** A sender's cancel: ends the incident if the status machine still allows `batal`, else only notes it. */
  | { kind: 'cancel'; refKind: string; refs: string[]; refField: string; origin: string; note: string; dedupe: Dedupe }
  /** Valid but not for the live queue (CAP Test/System/Draft, Ack, Error, an expired alert): `action` says which;
   * it goes to the operator's intake log with its one-line summary. */
  | { kind: 'ignore'; action: IntakeLogAction; source: Source; ref: string | null; summary: string };

export type IntakeAction = 'created' | 'duplicate' | 'updated' | 'cancelled' | 'cancel_noted' | 'ignored';
export interface IntakeOutcome {
  action: IntakeAction;
  /** For 'ignored': which kind of message it was (e.g. ignored_test). */
  detail?: string;
  incident: Incident | null;
}

/** sha256 of a canonical JSON form (keys sorted), so the same body with its keys reordered is the same body. */
export function hashBody(value: unknown): string {
  const canonical = (v: unknown): unknown =>
    Array.isArray(v)
      ? v.map(canonical)
      : v && typeof v === 'object'
        ? Object.fromEntries(Object.entries(v).filter(([, x]) => x !== undefined).sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, x]) => [k, canonical(x)]))
        : v;
  return crypto.createHash('sha256').update(JSON.stringify(canonical(value))).digest('hex');
}

export const latSchema = z.number().min(-90).max(90);
export const lonSchema = z.number().min(-180).max(180);

// Area polygons are stored on the incident, sent to every wall and tested against every fix of its units: bounded.
export const MAX_AREA_POLYGONS = 16;
export const MAX_AREA_VERTICES = 2000;
const ringSchema = z
  .array(z.tuple([lonSchema, latSchema]))
  .min(4, 'a polygon needs at least 4 points')
  .refine((r) => r[0][0] === r[r.length - 1][0] && r[0][1] === r[r.length - 1][1], 'a polygon must be closed (last point = first)');
export const polygonsSchema = z
  .array(ringSchema)
  .max(MAX_AREA_POLYGONS, `at most ${MAX_AREA_POLYGONS} polygons`)
  .refine((rings) => rings.reduce((n, r) => n + r.length, 0) <= MAX_AREA_VERTICES, `at most ${MAX_AREA_VERTICES} points over all polygons`);
