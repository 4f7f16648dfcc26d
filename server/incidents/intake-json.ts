// POST /api/incidents body (operator console, city app) → IncidentInput.
import { plausibleTime, TIME_RANGE_TEXT } from '../../domain/ranges.ts';
import { z } from 'zod';
import { DomainError, invalidField } from '../../domain/errors.ts';
import { CATEGORIES, latSchema, lonSchema, NEEDS_REASON, STATUSES, type IncidentInput, type IntakeMessage } from './model.ts';

export const phoneSchema = z.string().trim().regex(/^\+?[0-9][0-9 ()-]{2,24}$/, 'not a phone number');

export const locationSchema = z
  .object({
    text: z.string().trim().max(500).optional(),
    lat: latSchema.optional(),
    lon: lonSchema.optional(),
    uncertaintyM: z.number().min(0).max(100_000).optional(),
    method: z.enum(['gps', 'manual']).optional(),
    /** What the operator typed before placing the point by hand (console: map pick or a chosen suggestion); not
     *  stored on the incident, kept as a common-place candidate (server/places/service.ts). */
    query: z.string().trim().max(500).optional(),
  })
  .superRefine((l, ctx) => {
    if ((l.lat === undefined) !== (l.lon === undefined)) {
      ctx.addIssue({ code: 'custom', path: [l.lat === undefined ? 'lat' : 'lon'], message: 'lat and lon come together' });
    } else if (l.lat === undefined && !l.text) {
      ctx.addIssue({ code: 'custom', path: ['text'], message: 'give an address text or lat/lon' });
    }
  });

const incidentBody = z.object({
  source: z.enum(['form', 'api']).default('api'),
  category: z.enum(CATEGORIES).default('lainnya'),
  priority: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
  description: z.string().trim().min(1).max(4000),
  reportedAt: z.iso.datetime({ offset: true }).refine((s) => plausibleTime(Date.parse(s)), `must be ${TIME_RANGE_TEXT}`).optional(),
  caller: z.object({ name: z.string().trim().max(200).optional(), phone: phoneSchema.optional() }).optional(),
  location: locationSchema,
});

export function parseIncidentJson(body: unknown): IncidentInput {
  return parseIncidentBody(body).input;
}

/** The incident, and what the operator typed before placing its point by hand (location.query), kept apart. */
function parseIncidentBody(body: unknown): { input: IncidentInput; typedQuery?: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DomainError('expected_json_object', 'body', 'the body must be a JSON object');
  const r = incidentBody.safeParse(body);
  if (!r.success) throw invalidField(r.error.issues);
  const d = r.data;
  const { query, ...location } = d.location;
  const input: IncidentInput = {
    source: d.source,
    category: d.category,
    priority: d.priority,
    description: d.description,
    reportedAt: d.reportedAt ? new Date(d.reportedAt).toISOString() : undefined,
    caller: { name: d.caller?.name || null, phone: d.caller?.phone || null },
    location: { ...location, method: location.lat !== undefined ? (location.method ?? 'gps') : undefined },
  };
  return { input, typedQuery: query || undefined };
}

/** A JSON body (operator form or API) and its Idempotency-Key, if any → a create message. */
export function decodeIncidentJson(body: unknown, idempotencyKey?: string): IntakeMessage {
  if (idempotencyKey !== undefined && !/^[\x21-\x7e]{1,200}$/.test(idempotencyKey)) {
    throw new DomainError('invalid_field', 'Idempotency-Key', 'Idempotency-Key: 1-200 visible ASCII characters');
  }
  const { input, typedQuery } = parseIncidentBody(body);
  return { kind: 'create', input, dedupe: idempotencyKey, typedQuery };
}

/** PATCH /api/incidents/:id body. */
const patchBody = z
  .object({
    status: z.enum(STATUSES).optional(),
    note: z.string().trim().max(2000).optional(),
    category: z.enum(CATEGORIES).optional(),
    priority: z.union([z.literal(1), z.literal(2), z.literal(3)]).optional(),
    description: z.string().trim().min(1).max(4000).optional(),
    location: locationSchema.optional(),
  })
  .refine((p) => Object.values(p).some((v) => v !== undefined), { message: 'nothing to change', path: ['status'] })
  // a prank or a cancel is the operator's judgment: the reason goes into the history entry of the change
  .refine((p) => !p.status || !NEEDS_REASON.includes(p.status) || Boolean(p.note), {
    message: `a reason is required for ${NEEDS_REASON.join(' and ')}`,
    path: ['note'],
  });

export function parseIncidentPatch(body: unknown) {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DomainError('expected_json_object', 'body', 'the body must be a JSON object');
  const r = patchBody.safeParse(body);
  if (!r.success) throw invalidField(r.error.issues);
  const { location: given, ...rest } = r.data;
  const { query, ...location } = given ?? {};
  return {
    ...rest,
    location: given && { ...location, method: location.lat !== undefined ? (location.method ?? 'manual') : undefined },
    /** The operator's typed text for a hand-placed point (location.query), if sent. */
    typedQuery: query || undefined,
  };
}

