// GET /api/geocode?q=&limit= and GET /api/reverse?lat=&lon= (role viewer). Bad input → DomainError invalid_field.
import { Router } from 'express';
import type { Geo } from '../../geo/index.ts';
import { DomainError } from '../../domain/errors.ts';
import { intParam } from '../http/query.ts';
import type { RequireRole } from '../http/roles.ts';

const MAX_Q = 500;

function one(v: unknown): string | undefined {
  return typeof v === 'string' ? v : Array.isArray(v) && typeof v[0] === 'string' ? v[0] : undefined;
}

/** ?q=&limit= of /api/geocode. */
export function geocodeQuery(query: Record<string, unknown>): { q: string; limit: number } {
  const q = one(query.q);
  if (q === undefined || !q.trim()) throw new DomainError('invalid_field', 'q', 'q: the text to look up is missing');
  if (q.length > MAX_Q) throw new DomainError('invalid_field', 'q', `q: longer than ${MAX_Q} characters`);
  return { q, limit: intParam(one(query.limit), 'limit', { min: 1, max: 20, fallback: 5 }) };
}

/** ?lat=&lon= of /api/reverse. */
export function reverseQuery(query: Record<string, unknown>): { lat: number; lon: number } {
  const [lat, lon] = ([['lat', -90, 90], ['lon', -180, 180]] as const).map(([field, min, max]) => {
    const raw = one(query[field]);
    const v = raw === undefined || raw.trim() === '' ? NaN : Number(raw);
    if (!Number.isFinite(v) || v < min || v > max) throw new DomainError('invalid_field', field, `${field} must be a number in ${min}..${max}`);
    return v;
  });
  return { lat, lon };
}

export function geoRouter({ geo, requireRole }: { geo: Geo; requireRole: RequireRole }): Router {
  const router = Router();
  router.get('/api/geocode', requireRole('viewer'), (req, res) => {
    const { q, limit } = geocodeQuery(req.query);
    res.json({ query: q, items: geo.geocode(q, { limit }) });
  });
  router.get('/api/reverse', requireRole('viewer'), (req, res) => {
    const { lat, lon } = reverseQuery(req.query);
    res.json(geo.reverse(lat, lon));
  });
  return router;
}
