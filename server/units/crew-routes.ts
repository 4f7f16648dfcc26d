// HTTP surface of the crew page (wall `?view=crew`): a unit's crew reports status taps and browser positions with a
// credential bound to that unit (a 'unit' token, see server/http/auth.ts). Taps may have waited in the phone's
// offline queue, so each carries its own time; the server bounds that time (not in the future, not far in the past)
// and answers every tap on its own, so one stale tap never blocks the rest of the queue.
import express, { type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { DomainError, invalidField } from '../../domain/errors.ts';
import { errorBody, HTTP_STATUS } from '../http/errors.ts';
import type { RequireRole } from '../http/roles.ts';
import { CREW_TAPS, type UnitService } from './service.ts';
import type { Position } from './types.ts';

/** Queued taps older than this are refused: a shift is 8 h; older taps are not evidence of a response time. */
export const CREW_TAP_MAX_AGE_MS = 12 * 3600_000;
/** Phone clocks drift; a tap more than this far in the future is refused. */
export const CREW_CLOCK_SKEW_MS = 2 * 60_000;
export const CREW_QUEUE_MAX = 50;

const Tap = z.object({
  kind: z.enum(CREW_TAPS),
  incidentId: z.string().min(1).max(64),
  at: z.string().datetime({ offset: true }),
});
const Taps = z.object({ taps: z.array(Tap).min(1).max(CREW_QUEUE_MAX) });
/** The browser's GeolocationPosition, flattened. */
const CrewPosition = z.object({
  lat: z.number().min(-90).max(90),
  lon: z.number().min(-180).max(180),
  accuracyM: z.number().min(0).max(100_000).nullable().optional(),
  speedMps: z.number().min(0).max(150).nullable().optional(),
  headingDeg: z.number().min(0).max(360).nullable().optional(),
  at: z.string().datetime({ offset: true }),
});
const Positions = z.object({ positions: z.array(CrewPosition).min(1).max(CREW_QUEUE_MAX) });

export interface CrewRouterDeps {
  units: UnitService;
  requireRole: RequireRole;
  /** Gate for crew credentials, and the unit the authenticated credential is bound to. */
  requireUnit: RequestHandler;
  unitOf: (res: Response) => string | undefined;
  issueUnitToken: (unitId: string) => string;
  now?: () => number;
}

/** A device-supplied time inside [now − max age, now + skew], as ISO; else the reason. */
export function checkDeviceTime(raw: string, now: number): { ok: true; iso: string } | { ok: false; error: string } {
  const t = Date.parse(raw);
  if (!Number.isFinite(t)) return { ok: false, error: 'at must be an ISO-8601 date-time' };
  if (t > now + CREW_CLOCK_SKEW_MS) return { ok: false, error: 'at is in the future' };
  if (t < now - CREW_TAP_MAX_AGE_MS) return { ok: false, error: 'at is too far in the past' };
  return { ok: true, iso: new Date(t).toISOString() };
}

export type CrewTap = z.infer<typeof Tap>;
/** POST /api/crew/taps body → each tap with its time checked, or the reason it is refused (one stale tap never blocks the rest). */
export function decodeCrewTaps(body: unknown, now: number): Array<{ ok: true; tap: CrewTap } | { ok: false; error: DomainError }> {
  const parsed = Taps.safeParse(body ?? {});
  if (!parsed.success) throw invalidField(parsed.error.issues, undefined, 'taps');
  return parsed.data.taps.map((tap) => {
    const at = checkDeviceTime(tap.at, now);
    return at.ok ? { ok: true as const, tap: { ...tap, at: at.iso } } : { ok: false as const, error: new DomainError('invalid_field', 'at', at.error) };
  });
}

/** POST /api/crew/positions body → fixes in the one Position shape (without the unit). */
export function decodeCrewPositions(body: unknown, now: number): Array<Omit<Position, 'unitId'>> {
  const parsed = Positions.safeParse(body ?? {});
  if (!parsed.success) throw invalidField(parsed.error.issues, undefined, 'positions');
  return parsed.data.positions.map((p) => {
    const at = checkDeviceTime(p.at, now);
    if (!at.ok) throw new DomainError('invalid_field', 'at', at.error);
    return {
      at: at.iso, lat: p.lat, lon: p.lon, accuracyM: p.accuracyM ?? null, speedKmh: p.speedMps == null ? null : p.speedMps * 3.6,
      bearingDeg: p.headingDeg ?? null, altitudeM: null, battery: null,
    };
  });
}

export function createCrewRouter(deps: CrewRouterDeps): express.Router {
  const { units } = deps;
  const now = deps.now ?? Date.now;
  const router = express.Router();
  const json = express.json({ limit: '32kb' });

  // An admin hands a crew its credential (shown once, e.g. as a QR code of /?view=crew&token=…).
  router.post('/api/units/:id/crew-token', deps.requireRole('admin'), (req, res) => {
    const id = String(req.params.id);
    if (!units.get(id)) throw new DomainError('unit_not_found', 'id', 'unit not found');
    res.status(201).json({ unitId: id, token: deps.issueUnitToken(id) });
  });

  // What the crew page shows: its unit and the current job (place and category — never the caller).
  router.get('/api/crew/me', deps.requireUnit, (_req, res) => {
    const unit = units.get(deps.unitOf(res) ?? '');
    if (!unit) throw new DomainError('unit_not_found', 'unit', 'unit not found');
    res.json({ unit: { id: unit.id, callsign: unit.callsign, agency: unit.agency }, dispatch: unit.dispatch, job: units.jobFor(unit.id) });
  });

  router.post('/api/crew/taps', deps.requireUnit, json, (req, res) => {
    const unitId = deps.unitOf(res)!;
    const results = decodeCrewTaps(req.body, now()).map((d) => {
      if (!d.ok) return d;
      try {
        return { ok: true as const, dispatch: units.crewTap(unitId, d.tap) };
      } catch (err) {
        if (err instanceof DomainError) return { ok: false as const, error: err };
        throw err;
      }
    });
    // one tap: its own status; a batch: 200 with one result per tap (the page drops accepted and refused ones alike)
    const only = results.length === 1 ? results[0] : null;
    if (only && !only.ok) throw only.error;
    res.json({ results: results.map((r) => (r.ok ? r : { ok: false, status: HTTP_STATUS[r.error.code], ...errorBody(r.error) })) });
  });

  router.post('/api/crew/positions', deps.requireUnit, json, async (req, res) => {
    const fixes = decodeCrewPositions(req.body, now());
    const unitId = deps.unitOf(res)!;
    for (const f of fixes) {
      const out = await units.ingestForUnit(unitId, f);
      if (!out.ok) throw out.error;
    }
    res.status(204).end();
  });

  return router;
}
