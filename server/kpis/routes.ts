// GET /api/kpis (briefing figures) and GET /api/kpis/replay (incidents + unit trails for the time cursor). Viewer role.
import express, { type Request, type Response } from 'express';
import type { RequireRole } from '../http/roles.ts';
import { parsePeriod } from '../../domain/period.ts';
import type { KpiFilter, KpiQuery } from './query.ts';

const AGENCY = /^[a-z0-9_]{1,32}$/;
const KECAMATAN = /^[\p{L}\p{N} .'-]{1,64}$/u;
const KNOWN = new Set(['from', 'to', 'agency', 'kecamatan', 'token', 'lang']);

export interface KpisRouterDeps {
  query: KpiQuery;
  requireRole: RequireRole;
  now?: () => number;
}

function bad(res: Response, field: string, error: string): void {
  res.status(400).json({ error, field });
}

/** Query string → filter, or a 400 naming the first bad parameter. */
function parseFilter(req: Request, res: Response, now: number): KpiFilter | null {
  const q = req.query as Record<string, unknown>;
  for (const [k, v] of Object.entries(q)) {
    if (!KNOWN.has(k)) return bad(res, k, `unknown parameter ${k}`), null;
    if (typeof v !== 'string') return bad(res, k, `${k} must be given once`), null;
  }
  const p = parsePeriod(q, now);
  if (!p.ok) return bad(res, p.field, p.error), null;
  const agency = (q.agency as string | undefined)?.trim() || undefined;
  if (agency !== undefined && !AGENCY.test(agency)) return bad(res, 'agency', 'agency must be an agency id such as damkar'), null;
  const kecamatan = (q.kecamatan as string | undefined)?.trim() || undefined;
  if (kecamatan !== undefined && !KECAMATAN.test(kecamatan)) return bad(res, 'kecamatan', 'kecamatan must be a kecamatan name or code'), null;
  return { ...p.period, agency, kecamatan };
}

export function createKpisRouter(deps: KpisRouterDeps): express.Router {
  const now = deps.now ?? Date.now;
  const router = express.Router();
  router.get('/api/kpis', deps.requireRole('viewer'), (req, res) => {
    const f = parseFilter(req, res, now());
    if (f) res.json(deps.query.kpis(f));
  });
  router.get('/api/kpis/replay', deps.requireRole('viewer'), (req, res) => {
    const f = parseFilter(req, res, now());
    if (f) res.json(deps.query.replay(f));
  });
  return router;
}
