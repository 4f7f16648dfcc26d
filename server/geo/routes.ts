// GET /api/geocode?q=&limit= and GET /api/reverse?lat=&lon= (role viewer). Bad input → 400 {error, field}.
import { Router } from 'express';
import type { Geo } from '../../geo/index.ts';
import { intParam } from '../http/query.ts';
import type { RequireRole } from '../http/roles.ts';

const MAX_Q = 500;

function one(v: unknown): string | undefined {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

export function geoRouter({ geo, requireRole }: { geo: Geo; requireRole: RequireRole }): Router {
  const router = Router();
  router.get('/api/geocode', requireRole('viewer'), (req, res) => {
    const q = one(req.query.q);
    if (q === undefined || !q.trim()) return void res.status(400).json({ error: 'missing query text', field: 'q' });
    if (q.length > MAX_Q) return void res.status(400).json({ error: `q longer than ${MAX_Q} characters`, field: 'q' });
    const limit = intParam(one(req.query.limit), 'limit', { min: 1, max: 20, fallback: 5 });
    if (!limit.ok) return void res.status(400).json({ error: limit.error, field: limit.field });
    const candidates = geo.geocode(q, { limit: limit.value });
    res.json({ query: q, candidates });
  });
  router.get('/api/reverse', requireRole('viewer'), (req, res) => {
    for (const [field, min, max] of [['lat', -90, 90], ['lon', -180, 180]] as const) {
      const raw = one(req.query[field]);
      const v = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
      if (!Number.isFinite(v) || v < min || v > max) return void res.status(400).json({ error: `${field} must be a number in ${min}..${max}`, field });
    }
    res.json(geo.reverse(Number(req.query.lat), Number(req.query.lon)));
  });
  return router;
}
