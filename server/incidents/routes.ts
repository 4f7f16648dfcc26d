// HTTP surface of the incidents room. Auth comes in as middleware (requireRole / requireIntake), never hard-coded.
import express, { type RequestHandler, type Response } from 'express';
import type { CameraCoverage, CameraGeometry } from '../../geo/types.ts';
import type { Principal } from '../http/auth.ts';
import { intParam, timeParam } from '../http/query.ts';
import type { RequireRole } from '../http/roles.ts';
import { z } from 'zod';
import { DomainError, invalidField } from '../../domain/errors.ts';
import { decodeAml, parseAml, verifyAmlHmac } from './intake-aml.ts';
import { CAP_AREA_MARGIN_M, decodeCap } from './intake-cap.ts';
import type { Box } from '../../geo/extent.ts';
import { decodeIncidentJson, parseIncidentPatch } from './intake-json.ts';
import { logger } from '../log.ts';
import { publicIncident, STATUSES, type Incident, type IntakeAction, type Status } from './model.ts';
import type { IncidentService } from './service.ts';

export const BODY_LIMIT = '64kb';

/** Every intake answers by what happened: made (201), taken note of but not for the queue (202), else 200. */
const STATUS_OF: Record<IntakeAction, 200 | 201 | 202> = { created: 201, ignored: 202, duplicate: 200, updated: 200, cancelled: 200, cancel_noted: 200 };

export interface IncidentRoutesDeps {
  service: IncidentService;
  requireRole: RequireRole;
  /** CAP/AML feeds: integration tokens (and operators). */
  requireIntake: RequestHandler;
  /** Per-token/IP limit on every intake route. */
  rateLimitIntake: RequestHandler;
  amlHmacKey?: string;
  /** Public camera views with geometry (no credentials), e.g. the streams supervisor's views(); returned as is. */
  cameras: () => CameraGeometry[];
  camerasFor: (point: { lat: number; lon: number }, uncertaintyM: number, cameras: CameraGeometry[], opts?: { limit?: number }) => CameraCoverage[];
  /** The city's extent: a new CAP alert that does not come near it goes to the intake log, not the queue. */
  serviceBox: Box;
  /** An operator placed an incident by hand (a point with the text it stands for): the common-place table keeps it as
   *  a candidate (server/places/service.ts). Called after the write; its failure never fails the request. */
  onHandPlaced?: (p: { text: string; lat: number; lon: number; incidentId: string; by: string }) => void;
}

const log = logger('incidents');
const principal = (res: Response) => res.locals.principal as Principal;
const actorOf = (res: Response) => principal(res).id;
/** The incident as the caller's role may see it (domain/roles.ts: callers' identities in full only to operators). */
const viewFor = (res: Response) => (i: Incident) => publicIncident(i, principal(res).role);

const mergeBody = z.strictObject({ into: z.string().trim().min(1).max(64) });
/** POST /api/incidents/:id/merge body: {"into": "<incident id>"}. */
function parseMerge(body: unknown): { into: string } {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) throw new DomainError('expected_json_object', 'body', 'the body must be a JSON object');
  const r = mergeBody.safeParse(body);
  if (!r.success) throw invalidField(r.error.issues);
  return r.data;
}

function handPlaced(d: IncidentRoutesDeps, p: Parameters<NonNullable<IncidentRoutesDeps['onHandPlaced']>>[0]): void {
  try {
    d.onHandPlaced?.(p);
  } catch (err) {
    log.warn('common-place candidate not kept', { incidentId: p.incidentId, error: String((err as Error)?.message ?? err) });
  }
}

function requireType(types: string[]): RequestHandler {
  return (req, res, next) => {
    if (!req.is(types)) throw new DomainError('unsupported_media_type', 'content-type', `send ${types.join(' or ')}`, { accepted: types });
    next();
  };
}

export function incidentsRouter(d: IncidentRoutesDeps): express.Router {
  const r = express.Router();
  const JSON_TYPES = ['application/json'];
  const CAP_TYPES = ['application/xml', 'text/xml', 'application/cap+xml'];
  const AML_TYPES = ['application/x-www-form-urlencoded', 'text/plain'];

  r.post(
    '/api/incidents',
    d.requireRole('operator'),
    d.rateLimitIntake,
    requireType(JSON_TYPES),
    express.json({ limit: BODY_LIMIT, strict: false }),
    // async: the answer waits for the group commit that holds this incident (server/store/group-commit.ts)
    async (req, res) => {
      const msg = decodeIncidentJson(req.body, req.get('Idempotency-Key'));
      const { action, incident } = await d.service.applyQueued(msg, actorOf(res));
      const loc = msg.kind === 'create' ? msg.input.location : null;
      const typed = msg.kind === 'create' ? msg.typedQuery : undefined;
      if (action === 'created' && typed && loc?.method === 'manual' && loc.lat !== undefined && loc.lon !== undefined) {
        handPlaced(d, { text: typed, lat: loc.lat, lon: loc.lon, incidentId: incident!.id, by: actorOf(res) });
      }
      res.status(STATUS_OF[action]).location(`/api/incidents/${incident!.id}`).json(viewFor(res)(incident!));
    },
  );

  r.get('/api/incidents', d.requireRole('viewer'), (req, res) => {
    const q = req.query;
    const status = typeof q.status === 'string' && q.status ? q.status.split(',') : undefined;
    const bad = status?.find((s) => !(STATUSES as readonly string[]).includes(s) && s !== 'open');
    if (bad) throw new DomainError('invalid_field', 'status', `status: one of ${STATUSES.join(', ')} or open`);
    const sinceMs = timeParam(q.since, 'since', {});
    const since = sinceMs === undefined ? undefined : new Date(sinceMs).toISOString();
    const limit = intParam(q.limit, 'limit', { min: 1, max: 5000, fallback: 500 });
    const open = status?.includes('open');
    const list = d.service.list({ status: open ? undefined : (status as Status[] | undefined), open, since, limit });
    res.json({ items: list.map(viewFor(res)) });
  });

  // The "informasi" log: valid messages kept out of the live queue (expired or test CAP alerts), newest first.
  r.get('/api/intake/log', d.requireRole('operator'), (req, res) => {
    res.json({ items: d.service.intakeLog(intParam(req.query.limit, 'limit', { min: 1, max: 1000, fallback: 200 })) });
  });

  r.get('/api/incidents/:id', d.requireRole('viewer'), (req, res) => {
    res.json(viewFor(res)(d.service.mustGet(String(req.params.id))));
  });

  r.patch(
    '/api/incidents/:id',
    d.requireRole('operator'),
    requireType(JSON_TYPES),
    express.json({ limit: BODY_LIMIT, strict: false }),
    async (req, res) => {
      const { note, typedQuery, ...patch } = parseIncidentPatch(req.body);
      const id = String(req.params.id);
      // moving an incident the geocoder placed (or could not place) corrects it: its text is what the point stands for
      const before = patch.location?.lat !== undefined ? d.service.get(id) : null;
      const incident = await d.service.updateQueued(id, patch, actorOf(res), { note });
      const loc = patch.location;
      const text = typedQuery ?? (before && (before.location.method === 'geocoded' || before.location.needsLocation) ? before.location.text : undefined);
      if (text && loc?.method === 'manual' && loc.lat !== undefined && loc.lon !== undefined) {
        handPlaced(d, { text, lat: loc.lat, lon: loc.lon, incidentId: id, by: actorOf(res) });
      }
      res.json(incident);
    },
  );

  // Repeat calls (issue #17): the call :id is attached to the incident `into` (call count, callers, both histories) and
  // closed as digabung, in one transaction. 200 with `into` as the caller's role may see it; 404 an unknown id (field
  // id or into); 409 merge_into_self, already_merged or incident_closed, naming the field.
  r.post(
    '/api/incidents/:id/merge',
    d.requireRole('operator'),
    requireType(JSON_TYPES),
    express.json({ limit: BODY_LIMIT, strict: false }),
    async (req, res) => {
      const { into } = parseMerge(req.body);
      res.json(viewFor(res)(await d.service.mergeQueued(String(req.params.id), into, actorOf(res))));
    },
  );

  r.get('/api/incidents/:id/cameras', d.requireRole('viewer'), (req, res) => {
    const limit = intParam(req.query.limit, 'limit', { min: 1, max: 12, fallback: 4 });
    const incident = d.service.mustGet(String(req.params.id));
    const { lat, lon, uncertaintyM } = incident.location;
    if (lat === null || lon === null) return void res.json({ items: [] });
    const views = d.cameras();
    const byId = new Map(views.map((v) => [v.id, v]));
    const ranked = d.camerasFor({ lat, lon }, uncertaintyM ?? 0, views, { limit });
    res.json({ items: ranked.map((c) => ({ ...c, camera: byId.get(c.cameraId) })) });
  });

  r.post(
    '/api/intake/cap',
    d.requireIntake,
    d.rateLimitIntake,
    requireType(CAP_TYPES),
    express.text({ type: CAP_TYPES, limit: BODY_LIMIT }),
    async (req, res) => {
      if (typeof req.body !== 'string' || !req.body.trim()) throw new DomainError('empty_body', 'body', 'the body is empty');
      const out = await d.service.applyQueued(decodeCap(req.body, Date.now(), { box: d.serviceBox, marginM: CAP_AREA_MARGIN_M }), actorOf(res));
      res.status(STATUS_OF[out.action]).json({ action: out.detail ?? out.action, incident: out.incident && viewFor(res)(out.incident) });
    },
  );

  r.post(
    '/api/intake/aml',
    d.requireIntake,
    d.rateLimitIntake,
    requireType(AML_TYPES),
    express.text({ type: AML_TYPES, limit: BODY_LIMIT }),
    async (req, res) => {
      if (typeof req.body !== 'string' || !req.body.trim()) throw new DomainError('empty_body', 'body', 'the body is empty');
      const payload = d.amlHmacKey ? verifyAmlHmac(req.body.trim(), d.amlHmacKey) : req.body.replace(/[&;]hmac=[0-9a-fA-F]*\s*$/, '');
      // SMS gateways pass the sender's number beside the text (the SMS body does not carry it)
      const from = typeof req.query.from === 'string' ? req.query.from : (req.get('X-Sms-From') ?? null);
      const out = await d.service.applyQueued(decodeAml(parseAml(payload, from)), actorOf(res));
      res.status(STATUS_OF[out.action]).json({ action: out.action, incident: out.incident && viewFor(res)(out.incident) });
    },
  );

  return r;
}
