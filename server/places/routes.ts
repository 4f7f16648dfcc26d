// HTTP surface of the common places (role admin; the candidates are what operators typed, so admin too):
// GET /api/places/candidates, GET/POST /api/places, DELETE /api/places/:id, GET /api/places.geojson, GET /api/places.csv,
// POST /api/places/import (a GeoJSON FeatureCollection, or CSV as text/csv: the Content-Type says which), GET /api/places/audit.
import express, { type RequestHandler, type Response } from 'express';
import { DomainError } from '../../domain/errors.ts';
import type { Principal } from '../http/auth.ts';
import { intParam } from '../http/query.ts';
import type { RequireRole } from '../http/roles.ts';
import type { PlacesService } from './service.ts';

const BODY_LIMIT = '64kb';
/** A centre's whole list (5,000 features with a few aliases each). */
const IMPORT_LIMIT = '4mb';
const JSON_TYPES = ['application/json', 'application/geo+json'];
const CSV_TYPE = 'text/csv';

const actorOf = (res: Response) => (res.locals.principal as Principal).id;

function requireType(accepted: string[]): RequestHandler {
  return (req, _res, next) => {
    if (!req.is(accepted)) throw new DomainError('unsupported_media_type', 'content-type', `send ${accepted.join(' or ')}`, { accepted });
    next();
  };
}

export function placesRouter({ places, requireRole }: { places: PlacesService; requireRole: RequireRole }): express.Router {
  const r = express.Router();
  const admin = requireRole('admin');
  const json = (limit: string) => express.json({ limit, strict: false, type: ['application/json', 'application/geo+json'] });

  r.get('/api/places/candidates', admin, (_req, res) => void res.json({ items: places.candidates() }));
  r.get('/api/places/audit', admin, (req, res) => {
    res.json({ items: places.audit(intParam(req.query.limit, 'limit', { min: 1, max: 5000, fallback: 200 })) });
  });
  r.get('/api/places', admin, (_req, res) => void res.json({ items: places.list() }));
  r.get('/api/places.geojson', admin, (_req, res) => {
    res.type('application/geo+json').attachment('common-places.geojson').send(JSON.stringify(places.exportGeoJson()));
  });
  r.get('/api/places.csv', admin, (_req, res) => {
    res.type('text/csv; charset=utf-8; header=present').attachment('common-places.csv').send(places.exportCsv());
  });
  r.post('/api/places', admin, requireType(JSON_TYPES), json(BODY_LIMIT), (req, res) => {
    const p = places.create(req.body, actorOf(res));
    res.status(201).location(`/api/places/${p.id}`).json(p);
  });
  r.post(
    '/api/places/import', admin, requireType([...JSON_TYPES, CSV_TYPE]), json(IMPORT_LIMIT), express.text({ type: CSV_TYPE, limit: IMPORT_LIMIT }),
    (req, res) => {
      const by = actorOf(res);
      if (!req.is(CSV_TYPE)) return void res.status(201).json({ items: places.importGeoJson(req.body, by) });
      if (typeof req.body !== 'string' || !req.body.trim()) throw new DomainError('empty_body', 'body', 'the body is empty');
      res.status(201).json({ items: places.importCsv(req.body, by) });
    },
  );
  r.delete('/api/places/:id', admin, (req, res) => {
    places.remove(String(req.params.id), actorOf(res));
    res.status(204).end();
  });
  return r;
}
