// HTTP surface of the crew page (wall `?view=crew`): a unit's crew reports status taps and browser positions with a
// credential bound to that unit (a 'unit' token, see server/http/auth.ts). Taps may have waited in the phone's
// offline queue, so each carries its own time; the server bounds that time (not in the future, not far in the past)
// and answers every tap on its own, so one stale tap never blocks the rest of the queue.
import express, { type RequestHandler, type Response } from 'express';
import { z } from 'zod';
import { zodField } from '../http/errors.ts';
import type { RequireRole } from '../http/roles.ts';
import { CREW_TAPS, UnitsError, type UnitService } from './service.ts';

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

function bad(res: Response, status: number, error: string, field: string): void {
  res.status(status).json({ error, field });
}

/** A device-supplied time inside [now − max age, now + skew], as ISO; else the reason. */
export function checkDeviceTime(raw: string, now: number): { ok: true; iso: string } | { ok: false; error: string } {
  const t = Date.parse(raw);
  if (!Number.isFinite(t)) return { ok: false, error: 'at must be an ISO-8601 date-time' };
  if (t > now + CREW_CLOCK_SKEW_MS) return { ok: false, error: 'at is in the future' };
  if (t < now - CREW_TAP_MAX_AGE_MS) return { ok: false, error: 'at is too far in the past' };
  return { ok: true, iso: new Date(t).toISOString() };
}

export function createCrewRouter(deps: CrewRouterDeps): express.Router {
  const { units } = deps;
  const now = deps.now ?? Date.now;
  const router = express.Router();
  const json = express.json({ limit: '32kb' });

  // An admin hands a crew its credential (shown once, e.g. as a QR code of /?view=crew&token=…).
  router.post('/api/units/:id/crew-token', deps.requireRole('admin'), (req, res) => {
    const id = String(req.params.id);
    if (!units.get(id)) return bad(res, 404, 'unit not found', 'id');
    res.status(201).json({ unitId: id, token: deps.issueUnitToken(id) });
  });

  // What the crew page shows: its unit and the current job (place and category — never the caller).
  router.get('/api/crew/me', deps.requireUnit, (_req, res) => {
    const unit = units.get(deps.unitOf(res) ?? '');
    if (!unit) return bad(res, 404, 'unit not found', 'unit');
    res.json({ unit: { id: unit.id, callsign: unit.callsign, agency: unit.agency }, dispatch: unit.dispatch, job: units.jobFor(unit.id) });
  });

  router.post('/api/crew/taps', deps.requireUnit, json, (req, res) => {
    const parsed = Taps.safeParse(req.body ?? {});
    if (!parsed.success) return bad(res, 400, parsed.error.issues[0]?.message ?? 'invalid body', zodField(parsed.error.issues) ?? 'taps');
    const unitId = deps.unitOf(res)!;
    const t = now();
    const results = parsed.data.taps.map((tap) => {
      const at = checkDeviceTime(tap.at, t);
      if (!at.ok) return { ok: false, status: 400, error: at.error, field: 'at' };
      try {
        return { ok: true, dispatch: units.crewTap(unitId, { ...tap, at: at.iso }) };
      } catch (err) {
        if (err instanceof UnitsError) return { ok: false, status: err.status, error: err.message, field: err.field };
        throw err;
      }
    });
    // one tap: its own status; a batch: 200 with one result per tap (the page drops accepted and refused ones alike)
    const only = results.length === 1 ? results[0] : null;
    res.status(only && !only.ok ? (only.status as number) : 200).json(only && !only.ok ? { error: only.error, field: only.field } : { results });
  });

  router.post('/api/crew/positions', deps.requireUnit, json, async (req, res) => {
    const parsed = Positions.safeParse(req.body ?? {});
    if (!parsed.success) return bad(res, 400, parsed.error.issues[0]?.message ?? 'invalid body', zodField(parsed.error.issues) ?? 'positions');
    const t = now();
    const fixes = [];
    for (const p of parsed.data.positions) {
      const at = checkDeviceTime(p.at, t);
      if (!at.ok) return bad(res, 400, at.error, 'at');
      fixes.push({
        at: at.iso, lat: p.lat, lon: p.lon, accuracyM: p.accuracyM ?? null, speedKmh: p.speedMps == null ? null : p.speedMps * 3.6,
        bearingDeg: p.headingDeg ?? null, altitudeM: null, battery: null,
      });
    }
    const unitId = deps.unitOf(res)!;
    for (const f of fixes) {
      const out = await units.ingestForUnit(unitId, f);
      if (!out.ok) return bad(res, 400, out.error, out.field);
    }
    res.status(204).end();
  });

  return router;
}
