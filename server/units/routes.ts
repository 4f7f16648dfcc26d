// HTTP surface of units: list, register, track, dispatch, the dispatch desk. Auth is injected (requireRole), never
// hard-coded.
import express, { type Request } from 'express';
import { z } from 'zod';
import type { UnitRecommendation } from '../../domain/dispatch.ts';
import { DomainError, invalidField } from '../../domain/errors.ts';
import type { ListOf } from '../../domain/messages.ts';
import { timeParam } from '../http/query.ts';
import type { RequireRole } from '../http/roles.ts';
import type { Desk } from './desk.ts';
import type { UnitService } from './service.ts';

const RegisterUnit = z.object({
  id: z.string().regex(/^[A-Za-z0-9._-]{1,64}$/).optional(),
  callsign: z.string().trim().min(1).max(64),
  agency: z.string().trim().min(1).max(64),
  kind: z.string().trim().min(1).max(64),
  // no deviceId: the server issues it (128 bits) and answers it once
  allowFrom: z.array(z.string().trim().min(2).max(64)).min(1).max(32).nullable().optional(),
  /** Home station: leaving its geofence after a dispatch counts as first movement. */
  station: z.strictObject({ name: z.string().trim().min(1).max(128), lat: z.number().min(-90).max(90), lon: z.number().min(-180).max(180) }).optional(),
});
const RegisterUnitStrict = RegisterUnit.strict();
const AllowFromBody = z.strictObject({ allowFrom: z.array(z.string().trim().min(2).max(64)).min(1).max(32).nullable() });
const DispatchBody = z.object({ unitId: z.string().min(1).max(64) });
const NoUnitBody = z.object({ agency: z.string().regex(/^[a-z0-9_]{1,32}$/, 'agency must be an agency id such as damkar') });

export interface UnitsRouterDeps {
  units: UnitService;
  requireRole: RequireRole;
  /** Who is acting (for the dispatch record); provided by auth. */
  actorOf?: (req: Request) => string;
  /** Recommendations and routes; without a road graph these routes are not mounted. */
  desk?: Desk;
}

export function createUnitsRouter(deps: UnitsRouterDeps): express.Router {
  const { units, requireRole } = deps;
  const actorOf = deps.actorOf ?? (() => 'operator');
  const router = express.Router();
  const json = express.json({ limit: '16kb' });

  router.get('/api/units', requireRole('viewer'), (_req, res) => {
    res.json({ items: units.list() });
  });

  router.post('/api/units', requireRole('admin'), json, (req, res) => {
    const parsed = RegisterUnitStrict.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidField(parsed.error.issues);
    const { unit, deviceId } = units.register(parsed.data);
    // the device id is shown this once (only its hash is kept): Traccar Client's "Device identifier"
    res.status(201).json({ unit: units.get(unit.id), deviceId });
  });

  // A lost or shared phone: a new device id, the old one refused from now on. Shown once.
  router.post('/api/units/:id/device', requireRole('admin'), (req, res) => {
    const unitId = String(req.params.id);
    res.status(201).json({ unitId, deviceId: units.rotateDevice(unitId) });
  });

  // Optionally bind a device to the addresses it reports from (a fleet gateway, the agency's APN): others are refused
  // exactly like an unknown id.
  router.put('/api/units/:id/allow-from', requireRole('admin'), json, (req, res) => {
    const parsed = AllowFromBody.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidField(parsed.error.issues);
    const unit = units.setAllowFrom(String(req.params.id), parsed.data.allowFrom);
    res.json({ unitId: unit.id, allowFrom: unit.allowFrom ?? null });
  });

  router.get('/api/units/:id/track', requireRole('viewer'), (req, res) => {
    const id = String(req.params.id);
    if (!units.get(id)) throw new DomainError('unit_not_found', 'id', 'unit not found');
    const sinceMs = timeParam(req.query.since, 'since', { epochMs: true, fallback: Date.now() - 30 * 60_000 });
    const points = units.track(id, new Date(sinceMs).toISOString());
    res.json({ unitId: id, since: new Date(sinceMs).toISOString(), items: points });
  });

  router.get('/api/incidents/:id/dispatches', requireRole('viewer'), (req, res) => {
    res.json({ items: units.dispatchesForIncident(String(req.params.id)) });
  });

  router.post('/api/incidents/:id/dispatch', requireRole('operator'), json, (req, res) => {
    const parsed = DispatchBody.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidField(parsed.error.issues);
    // Committed (better-sqlite3 is synchronous) before the response goes out.
    const dispatch = units.dispatch(String(req.params.id), parsed.data.unitId, actorOf(req));
    res.status(201).json({ dispatch });
  });

  // The operator heard it on the radio: arrival with the operator as its source (needed where no geofence can tell).
  router.post('/api/incidents/:id/arrival', requireRole('operator'), json, (req, res) => {
    const parsed = DispatchBody.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidField(parsed.error.issues);
    res.status(200).json({ dispatch: units.confirmArrival(String(req.params.id), parsed.data.unitId, actorOf(req)) });
  });

  // No unit of the agency was free: recorded so the briefing can count it, instead of the incident vanishing.
  router.post('/api/incidents/:id/no-unit', requireRole('operator'), json, (req, res) => {
    const parsed = NoUnitBody.safeParse(req.body ?? {});
    if (!parsed.success) throw invalidField(parsed.error.issues);
    units.noFreeUnit(String(req.params.id), parsed.data.agency, actorOf(req));
    res.status(204).end();
  });

  const desk = deps.desk;
  if (desk) {
    // Operators dispatch, so the ranking is theirs (and it is the costliest read here: a road search per call).
    router.get('/api/incidents/:id/recommendations', requireRole('operator'), (req, res) => {
      const incidentId = String(req.params.id);
      const body: ListOf<UnitRecommendation> & { incidentId: string } = { incidentId, items: desk.recommend(incidentId) };
      res.json(body);
    });
    // Walls draw the unit's remaining drive and follow it through the cameras it passes.
    router.get('/api/dispatches/:id/route', requireRole('viewer'), (req, res) => {
      res.json(desk.route(String(req.params.id)));
    });
  }

  return router;
}
