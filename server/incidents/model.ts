// What the intake adapters hand the incident service, and the bounds of what they may hand it. The published Incident,
// its statuses and masking live in domain/incident.ts (re-exported here for the room).
import { z } from 'zod';

import type { Caller, Category, LocationMethod, Ring, Source } from '../../domain/incident.ts';
export {
  CATEGORIES, STATUSES, OPEN_STATUSES, SOURCES, LOCATION_METHODS, TRANSITIONS, canTransition, publicIncident,
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
