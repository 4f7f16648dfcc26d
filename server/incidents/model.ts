// The one Incident shape every intake adapter produces, plus its status rules and the caller masking for walls.
import { z } from 'zod';

import { CATEGORIES, STATUSES, type Category, type Status } from '../../domain/incident.ts';
import { maskActor, maskDeviceId, maskName, maskPhone } from '../../domain/caller.ts';
export { CATEGORIES, STATUSES, OPEN_STATUSES, type Category, type Status } from '../../domain/incident.ts';
export { maskName, maskPhone } from '../../domain/caller.ts';

export const SOURCES = ['form', 'api', 'cap', 'aml'] as const;
export type Source = (typeof SOURCES)[number];

export const LOCATION_METHODS = ['aml', 'gps', 'geocoded', 'manual'] as const;
export type LocationMethod = (typeof LOCATION_METHODS)[number];

/** Allowed next statuses. selesai/iseng/batal are final. Dispatch may skip verification (a fire needs no paperwork). */
export const TRANSITIONS: Record<Status, readonly Status[]> = {
  baru: ['diverifikasi', 'didisposisikan', 'iseng', 'batal'],
  diverifikasi: ['didisposisikan', 'selesai', 'iseng', 'batal'],
  didisposisikan: ['dalam_penanganan', 'selesai', 'batal'],
  dalam_penanganan: ['selesai'],
  selesai: [],
  iseng: [],
  batal: [],
};

export function canTransition(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}

export interface AreaRef {
  code: string;
  name: string;
}

export interface Agency {
  id: string;
  name: string;
  phone: string | null;
}

export interface IncidentLocation {
  /** What the caller/sender said, or the reverse-geocoded label when only coordinates came in. */
  text: string;
  lat: number | null;
  lon: number | null;
  uncertaintyM: number | null;
  method: LocationMethod;
  kelurahan: AreaRef | null;
  kecamatan: AreaRef | null;
  street?: string | null;
  /** Geocoder confidence 0..1 when method is 'geocoded'. */
  confidence?: number;
  /** True when no coordinates could be found: the operator must place the incident by hand. */
  needsLocation: boolean;
  /** True when the point lies outside Kota Pekanbaru (reverse geocoder). */
  outsideCity?: boolean;
  /** The sender gave the incident as an area (CAP polygons): the point is its centre, arrival is judged on the area. */
  polygons?: Ring[];
}

/** A closed polygon ring of [lon, lat] (GeoJSON order), first vertex repeated last. */
export type Ring = Array<[lon: number, lat: number]>;

export interface HistoryEntry {
  at: string;
  /** Set for status transitions. */
  status?: Status;
  /** Set for other events: 'created', 'edited', 'unit_dispatched', 'unit_on_scene', 'cap_update', … */
  event?: string;
  by: string;
  note?: string;
}

export interface Caller {
  name: string | null;
  phone: string | null;
}

export interface Incident {
  id: string;
  source: Source;
  sourceRef: string | null;
  category: Category;
  agencies: Agency[];
  priority: 1 | 2 | 3;
  status: Status;
  reportedAt: string;
  updatedAt: string;
  caller: Caller;
  description: string;
  location: IncidentLocation;
  /** Intake warnings an operator should see (e.g. 'aml_length_mismatch'). */
  flags: string[];
  history: HistoryEntry[];
}

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

/** The incident as walls (viewer role) and the realtime hub see it: the caller, an AML handset reference and who
 * acted in its history masked by the rules in domain/caller.ts. */
export function publicIncident(incident: Incident): Incident {
  return {
    ...incident,
    caller: { name: maskName(incident.caller.name), phone: maskPhone(incident.caller.phone) },
    sourceRef: incident.source === 'aml' ? maskDeviceId(incident.sourceRef) : incident.sourceRef,
    history: incident.history.map((h) => ({ ...h, by: maskActor(h.by) })),
  };
}
