// Units capability wiring (called from main.ts): service, HTTP routes, OsmAnd endpoint on /api/osmand and on
// its own device port (Traccar Client's default 5055, path /), and the dispatch desk when given the road graph.
import type { DomainError } from '../../domain/errors.ts';
import type http from 'node:http';
import type { Request, RequestHandler, Response } from 'express';
import type { RoadGraph } from '../../geo/routing.ts';
import type { CameraGeometry } from '../../geo/types.ts';
import type { Config } from '../config.ts';
import type { EventBus } from '../events.ts';
import type { RequireRole } from '../http/roles.ts';
import { logger } from '../log.ts';
import type { Db } from '../store/db.ts';
import { createCrewRouter } from './crew-routes.ts';
import { createDesk } from './desk.ts';
import { createOsmandRouter, startOsmandServer } from './osmand.ts';
import { createUnitsRouter } from './routes.ts';
import { createUnitService, type IncidentsPort } from './service.ts';

const log = logger('units');

export interface StartUnitsDeps {
  config: Pick<Config, 'osmandPort' | 'host' | 'arrivalRadiusM'> & Partial<Pick<Config, 'avlRatePerS'>>;
  db: Db;
  bus: EventBus;
  incidents: IncidentsPort;
  requireRole: RequireRole;
  /** Audit name of the caller (auth puts the principal on res.locals). */
  actorOf?: (req: Request, res: Response) => string;
  /** Below the free-disk watermark AVL fixes are refused (507) on the device port too (server/store/disk-guard.ts). */
  diskRefusal?: () => DomainError | null;
  /** Crew page credentials (server/http/auth.ts); without them the crew API is not mounted. */
  crew?: { requireUnit: RequestHandler; unitOf: (res: Response) => string | undefined; issueUnitToken: (unitId: string) => string };
  /** Recommendations by road time and dispatch routes (server/units/desk.ts); not mounted without it. */
  desk?: { roads: RoadGraph; cameras: () => CameraGeometry[] };
}

export async function startUnits(deps: StartUnitsDeps) {
  const service = createUnitService({
    db: deps.db,
    bus: deps.bus,
    incidents: deps.incidents,
    arrivalRadiusM: deps.config.arrivalRadiusM,
  });
  const osmand = createOsmandRouter({ ingest: service.ingestQueued, ratePerS: deps.config.avlRatePerS, refuse: deps.diskRefusal });
  const router = createUnitsRouter({
    units: service,
    requireRole: deps.requireRole,
    actorOf: (req) => (deps.actorOf ? deps.actorOf(req, req.res!) : 'operator'),
    desk: deps.desk && createDesk({ units: service, incidents: deps.incidents, ...deps.desk }),
  });
  router.use('/api/osmand', osmand);
  if (deps.crew) router.use(createCrewRouter({ units: service, requireRole: deps.requireRole, ...deps.crew }));
  let deviceServer: http.Server | undefined;
  try {
    deviceServer = await startOsmandServer(osmand, deps.config.osmandPort, deps.config.host);
    const port = (deviceServer.address() as { port: number }).port;
    log.info(`OsmAnd/Traccar device port on :${port}`);
  } catch (err) {
    // The main /api/osmand keeps working; a taken device port must not stop the command centre.
    log.warn('OsmAnd device port not available', { port: deps.config.osmandPort, err: String(err) });
  }
  return {
    service,
    router,
    osmandPort: () => (deviceServer?.address() as { port: number } | null)?.port,
    async close(): Promise<void> {
      service.close();
      if (deviceServer) {
        deviceServer.closeAllConnections?.();
        await new Promise<void>((resolve) => deviceServer!.close(() => resolve()));
      }
    },
  };
}
