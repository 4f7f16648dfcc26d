// GET /api/kpis (briefing figures), GET /api/kpis/replay (incidents + unit trails for the time cursor) and GET /api/sla (the
// site's targets: the briefing's, and the console queue's dispatch colours). Viewer role.
import express, { type Request, type Response } from 'express';
import { DomainError } from '../../domain/errors.ts';
import type { RequireRole } from '../http/roles.ts';
import { logger } from '../log.ts';
import { parsePeriod } from '../../domain/period.ts';
import type { SiteSla } from '../../domain/kpis.ts';
import type { KpiFilter, KpiQuery } from './query.ts';

const AGENCY = /^[a-z0-9_]{1,32}$/;
const KECAMATAN = /^[\p{L}\p{N} .'-]{1,64}$/u;
const KNOWN = new Set(['from', 'to', 'agency', 'kecamatan', 'token', 'lang']);
const log = logger('kpis');

export interface KpisRouterDeps {
  query: KpiQuery;
  requireRole: RequireRole;
  /** sla.json as validated at start (server/site/tables.ts); without it there is no /api/sla. */
  sla?: SiteSla;
  now?: () => number;
}

function bad(field: string, message: string): never {
  throw new DomainError('invalid_field', field, message);
}

/** Query string → filter, or DomainError invalid_field naming the first bad parameter. */
function parseFilter(req: Request, now: number): KpiFilter {
  const q = req.query as Record<string, unknown>;
  for (const [k, v] of Object.entries(q)) {
    if (!KNOWN.has(k)) bad(k, `unknown parameter ${k}`);
    if (typeof v !== 'string') bad(k, `${k} must be given once`);
  }
  const p = parsePeriod(q, now);
  if (!p.ok) bad(p.field, p.error);
  const agency = (q.agency as string | undefined)?.trim() || undefined;
  if (agency !== undefined && !AGENCY.test(agency)) bad('agency', 'agency must be an agency id such as damkar');
  const kecamatan = (q.kecamatan as string | undefined)?.trim() || undefined;
  if (kecamatan !== undefined && !KECAMATAN.test(kecamatan)) bad('kecamatan', 'kecamatan must be a kecamatan name or code');
  return { ...p.period, agency, kecamatan };
}

/**
 * Writes JSON produced in pieces, waiting for the socket to drain (a slow wall never makes the server buffer the whole
 * answer). A failure after the first byte cannot become an error body: the connection is cut, so the client sees a
 * broken answer, never a well-formed partial one.
 */
async function streamJson(res: Response, pieces: AsyncGenerator<string>): Promise<void> {
  let next = await pieces.next(); // a failure before anything is written is an ordinary error answer
  res.status(200).type('json');
  try {
    for (; !next.done; next = await pieces.next()) {
      if (res.destroyed) return; // the client left: stop reading
      if (!res.write(next.value)) await drained(res);
    }
    res.end();
  } catch (err) {
    log.error('replay failed mid-answer', { err: String(err) });
    res.destroy();
  } finally {
    await pieces.return(undefined);
  }
}

const drained = (res: Response) =>
  new Promise<void>((resolve) => {
    const done = () => {
      res.off('drain', done);
      res.off('close', done);
      resolve();
    };
    res.on('drain', done);
    res.on('close', done);
  });

export function createKpisRouter(deps: KpisRouterDeps): express.Router {
  const now = deps.now ?? Date.now;
  const router = express.Router();
  router.get('/api/kpis', deps.requireRole('viewer'), (req, res) => {
    res.json(deps.query.kpis(parseFilter(req, now())));
  });
  router.get('/api/kpis/replay', deps.requireRole('viewer'), async (req, res) => {
    await streamJson(res, deps.query.replayJson(parseFilter(req, now())));
  });
  const sla = deps.sla;
  if (sla) router.get('/api/sla', deps.requireRole('viewer'), (_req, res) => void res.json(sla));
  return router;
}
