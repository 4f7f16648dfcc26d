// The Incident as server and wall both know it: categories, statuses and their machine, and the zod schemas of the
// published shape (the single source: the types below are inferred from them). One list for the server, its SQL and
// the wall.
import { z } from 'zod';
import { maskActor, maskDeviceId, maskName, maskPhone } from './caller.ts';
import { seesCaller } from './roles.ts';

export const CATEGORIES = [
  'kebakaran', 'pohon_tumbang', 'hewan_liar', 'banjir', 'pju_padam', 'bencana_alam', 'longsor', 'gempa',
  'kecelakaan', 'narkoba', 'kesehatan', 'kdrt', 'kekerasan_anak', 'kriminalitas', 'lainnya',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = ['baru', 'diverifikasi', 'didisposisikan', 'dalam_penanganan', 'selesai', 'iseng', 'batal', 'digabung'] as const;
export type Status = (typeof STATUSES)[number];

export const OPEN_STATUSES: readonly Status[] = ['baru', 'diverifikasi', 'didisposisikan', 'dalam_penanganan'];
/** The forward path of a handled incident: a unit's progress only ever moves an incident along it. */
export const STATUS_FLOW: readonly Status[] = [...OPEN_STATUSES, 'selesai'];
/** Final: handled (selesai), a prank call (iseng), cancelled (batal) or merged into another incident (digabung: a repeat
 * call about the same event, `mergedInto` names where it went). */
export const CLOSED_STATUSES = STATUSES.filter((s) => !OPEN_STATUSES.includes(s));

export function isClosedStatus(status: string): boolean {
  return (CLOSED_STATUSES as readonly string[]).includes(status);
}

/** The closed statuses as an SQL list, `('selesai', 'iseng', 'batal', 'digabung')`, for queries and triggers. Migrations
 * applied before `digabung` existed keep their own frozen text (server/store/schema/kpis.ts). */
export const CLOSED_STATUSES_SQL = `(${CLOSED_STATUSES.map((s) => `'${s}'`).join(', ')})`;

/** Allowed next statuses. selesai/iseng/batal/digabung are final. Dispatch may skip verification (a fire needs no
 * paperwork). `digabung` is no one's next status here: only a merge (IncidentService.merge, POST /api/incidents/:id/merge)
 * sets it, from any open status, because it also moves the call onto another incident. */
export const TRANSITIONS: Record<Status, readonly Status[]> = {
  baru: ['diverifikasi', 'didisposisikan', 'iseng', 'batal'],
  diverifikasi: ['didisposisikan', 'selesai', 'iseng', 'batal'],
  didisposisikan: ['dalam_penanganan', 'selesai', 'batal'],
  dalam_penanganan: ['selesai'],
  selesai: [],
  iseng: [],
  batal: [],
  digabung: [],
};

export function canTransition(from: Status, to: Status): boolean {
  return TRANSITIONS[from].includes(to);
}

/** Final statuses that are a judgment, not an outcome: an operator must say why (the PATCH `note`, kept in the
 * history entry of the change). */
export const NEEDS_REASON: readonly Status[] = ['iseng', 'batal'];

/** Statuses a sender's cancel (CAP Cancel, an operator's batal) may still end. */
export const CANCELLABLE_STATUSES = STATUSES.filter((s) => canTransition(s, 'batal'));

export const SOURCES = ['form', 'api', 'cap', 'aml'] as const;
export type Source = (typeof SOURCES)[number];

export const LOCATION_METHODS = ['aml', 'gps', 'geocoded', 'manual'] as const;
export type LocationMethod = (typeof LOCATION_METHODS)[number];

export const PRIORITIES = [1, 2, 3] as const;
export type Priority = (typeof PRIORITIES)[number];

const lat = z.number().min(-90).max(90);
const lon = z.number().min(-180).max(180);
const isoTime = z.string();

export const areaRefSchema = z.strictObject({ code: z.string(), name: z.string() });
export type AreaRef = z.infer<typeof areaRefSchema>;

export const agencySchema = z.strictObject({ id: z.string(), name: z.string(), phone: z.string().nullable() });
export type Agency = z.infer<typeof agencySchema>;

/** A closed polygon ring of [lon, lat] (GeoJSON order), first vertex repeated last. */
export const ringSchema = z.array(z.tuple([lon, lat]));
export type Ring = Array<[lon: number, lat: number]>;

export const incidentLocationSchema = z.strictObject({
  /** What the caller/sender said, or the reverse-geocoded label when only coordinates came in. */
  text: z.string(),
  lat: lat.nullable(),
  lon: lon.nullable(),
  uncertaintyM: z.number().nonnegative().nullable(),
  method: z.enum(LOCATION_METHODS),
  kelurahan: areaRefSchema.nullable(),
  kecamatan: areaRefSchema.nullable(),
  street: z.string().nullable().optional(),
  /** Geocoder confidence 0..1 when method is 'geocoded'. */
  confidence: z.number().min(0).max(1).optional(),
  /** True when no coordinates could be found: the operator must place the incident by hand. */
  needsLocation: z.boolean(),
  /** True when the point lies outside Kota Pekanbaru (reverse geocoder). */
  outsideCity: z.boolean().optional(),
  /** The sender gave the incident as an area (CAP polygons): the point is its centre, arrival is judged on the area. */
  polygons: z.array(ringSchema).optional(),
});
export type IncidentLocation = z.infer<typeof incidentLocationSchema>;

/** Every non-status event an incident's history records (each has a label in both languages: test/unit/labels.test.ts). */
export const HISTORY_EVENTS = [
  'created', 'edited', 'note', 'unit_dispatched', 'unit_moving', 'unit_on_scene', 'unit_cleared', 'no_unit_available',
  'cap_update', 'cap_cancel',
  // a repeat call merged: `merged_into` on the call that was merged (with its status digabung), `call_merged` on the
  // incident that took it; the note names the other incident, never the caller
  'merged_into', 'call_merged',
  // recorded video of the incident exported as an evidence package (server/recordings/exports.ts); the note names it
  'video_exported',
] as const;
export type HistoryEvent = (typeof HISTORY_EVENTS)[number];

export const historyEntrySchema = z.strictObject({
  at: isoTime,
  /** Set for status transitions. */
  status: z.enum(STATUSES).optional(),
  /** Set for other events. */
  event: z.enum(HISTORY_EVENTS).optional(),
  by: z.string(),
  note: z.string().optional(),
});
export type HistoryEntry = z.infer<typeof historyEntrySchema>;

export const callerSchema = z.strictObject({ name: z.string().nullable(), phone: z.string().nullable() });
export type Caller = z.infer<typeof callerSchema>;

/** A call merged into an incident (a repeat report of the same event): who called, when, how. Personal data: masked
 * for viewers by the same rule as `caller` (publicIncident). */
export const mergedCallSchema = z.strictObject({
  /** The incident the call first became (now status digabung, `mergedInto` this one). */
  incidentId: z.string(),
  source: z.enum(SOURCES),
  reportedAt: isoTime,
  caller: callerSchema,
});
export type MergedCall = z.infer<typeof mergedCallSchema>;

export const incidentSchema = z.strictObject({
  id: z.string(),
  source: z.enum(SOURCES),
  sourceRef: z.string().nullable(),
  category: z.enum(CATEGORIES),
  agencies: z.array(agencySchema),
  priority: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  status: z.enum(STATUSES),
  reportedAt: isoTime,
  updatedAt: isoTime,
  caller: callerSchema,
  description: z.string(),
  location: incidentLocationSchema,
  /** Intake warnings an operator should see (e.g. 'aml_length_mismatch', 'needs_location', 'uncertainty_clamped'). */
  flags: z.array(z.string()),
  /** Set at intake when the report looks like a repeat call about an open incident (same category within the site's
   * radius and window, or the same AML handset): that incident's id. The operator merges it or leaves it. */
  possibleDuplicateOf: z.string().nullable(),
  /** Set when this call was merged into another incident (status digabung): that incident's id. */
  mergedInto: z.string().nullable(),
  /** Calls this incident stands for: 1 + every call merged into it (transitively). */
  callCount: z.number().int().min(1),
  /** The callers of the calls merged into it, in merge order (its own caller is `caller`). */
  callers: z.array(mergedCallSchema),
  history: z.array(historyEntrySchema),
});
export type Incident = z.infer<typeof incidentSchema>;

/** The incident as `role` may see it (roles.ts): in full for operators and admins; for walls, feeds and the realtime
 * hub (no role) the caller and every merged caller, an AML handset reference and who acted in its history masked by the
 * rules in caller.ts. */
export function publicIncident(incident: Incident, role?: string | null): Incident {
  if (seesCaller(role)) return incident;
  const mask = (c: Caller): Caller => ({ name: maskName(c.name), phone: maskPhone(c.phone) });
  return {
    ...incident,
    caller: mask(incident.caller),
    callers: incident.callers.map((c) => ({ ...c, caller: mask(c.caller) })),
    sourceRef: incident.source === 'aml' ? maskDeviceId(incident.sourceRef) : incident.sourceRef,
    history: incident.history.map((h) => ({ ...h, by: maskActor(h.by) })),
  };
}
