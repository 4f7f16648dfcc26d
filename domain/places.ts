// The centre's common places (issue #14): candidates kept from operator placements, approved common places and their
// import/export. zod schemas are the single source; the types are inferred. Only WGS84 and size bounds here: "near
// the city" needs the city's extent, which the server checks (server/places/service.ts). A CSV import is read into
// the GeoJSON import's shape (server/places/csv.ts), so placesImportSchema checks both formats.
import { z } from 'zod';

export const PLACE_LIMITS = { name: 120, aliases: 20, source: 200, minRadiusM: 10, maxRadiusM: 5000, importFeatures: 5000, candidateKey: 300 } as const;

const lat = z.number().finite().min(-90).max(90);
const lon = z.number().finite().min(-180).max(180);
const name = z.string().trim().min(1).max(PLACE_LIMITS.name);
/** '|' separates aliases in a CSV cell, so an alias cannot hold one (a name can: it has a column of its own). */
const aliases = z.array(name.refine((a) => !a.includes('|'), 'an alias cannot contain "|" (it separates aliases in CSV)')).max(PLACE_LIMITS.aliases);
const radiusM = z.number().finite().min(PLACE_LIMITS.minRadiusM).max(PLACE_LIMITS.maxRadiusM);
const source = z.string().trim().min(1).max(PLACE_LIMITS.source);

/** An approved common place as the API answers it. */
export const commonPlaceSchema = z.strictObject({
  id: z.string(),
  name: z.string(),
  aliases: z.array(z.string()),
  lat,
  lon,
  radiusM: z.number(),
  source: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});
export type CommonPlaceRow = z.infer<typeof commonPlaceSchema>;

/** POST /api/places: a new common place; with `candidate` (a candidate group's normal text) its point and radius
 *  default to the group's centroid and spread, and the group's candidates are marked approved. */
export const newPlaceSchema = z
  .strictObject({
    name,
    aliases: aliases.default([]),
    lat: lat.optional(),
    lon: lon.optional(),
    radiusM: radiusM.optional(),
    source: source.optional(),
    candidate: z.string().trim().min(1).max(PLACE_LIMITS.candidateKey).optional(),
  })
  .superRefine((p, ctx) => {
    if ((p.lat === undefined) !== (p.lon === undefined)) ctx.addIssue({ code: 'custom', path: [p.lat === undefined ? 'lat' : 'lon'], message: 'lat and lon come together' });
    else if (p.lat === undefined && !p.candidate) ctx.addIssue({ code: 'custom', path: ['lat'], message: 'give lat/lon or a candidate' });
  });
export type NewPlace = z.infer<typeof newPlaceSchema>;

/** A candidate group: what operators typed (one normal form), how often, and how far apart their points lie. */
export const candidateGroupSchema = z.strictObject({
  norm: z.string(),
  count: z.number().int(),
  /** The texts as typed (distinct, at most 5). */
  texts: z.array(z.string()),
  centroid: z.strictObject({ lat, lon }),
  /** Largest distance (m) of a pick from the centroid. */
  spreadM: z.number(),
  incidentIds: z.array(z.string()),
  firstAt: z.string(),
  lastAt: z.string(),
});
export type CandidateGroup = z.infer<typeof candidateGroupSchema>;

/** POST /api/places/import: a GeoJSON FeatureCollection of Points ([lon, lat], WGS84). Each feature's properties give
 *  the name (name | nama), aliases, radiusM and its source (else the collection's `source`, else 'import'). */
const position = z.tuple([lon, lat]).rest(z.number().finite());
const featureSchema = z.object({
  type: z.literal('Feature'),
  geometry: z.object({ type: z.literal('Point'), coordinates: position }),
  properties: z
    .object({
      name: name.optional(),
      nama: name.optional(),
      aliases: aliases.optional(),
      radiusM: radiusM.optional(),
      source: source.optional(),
    })
    .refine((p) => Boolean(p.name ?? p.nama), { message: 'a place needs a name', path: ['name'] }),
});
export const placesImportSchema = z.object({
  type: z.literal('FeatureCollection'),
  source: source.optional(),
  features: z.array(featureSchema).min(1).max(PLACE_LIMITS.importFeatures),
});
export type PlacesImport = z.infer<typeof placesImportSchema>;

/** What changed a common place (places_audit.action). */
export const PLACE_AUDIT_ACTIONS = ['approve', 'create', 'delete', 'import'] as const;
export type PlaceAuditAction = (typeof PLACE_AUDIT_ACTIONS)[number];
/** GET /api/places/audit: one change, newest first; `detail` is the place as added or removed (name, aliases, …). */
export const placeAuditEntrySchema = z.strictObject({
  id: z.number().int(),
  at: z.string(),
  by: z.string(),
  action: z.enum(PLACE_AUDIT_ACTIONS),
  placeId: z.string().nullable(),
  detail: z.record(z.string(), z.unknown()),
});
export type PlaceAuditEntry = z.infer<typeof placeAuditEntrySchema>;
