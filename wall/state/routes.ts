// The drive of every unit on its way to an incident (GET /api/dispatches/:id/route: road path, ETA, the cameras it
// will pass), kept in the store for the map. Fetched when a unit is dispatched, again when it has moved on, dropped
// once it arrives or is cleared. A few requests a minute at most: walls run for weeks.
import type { DispatchRoute } from '../../domain/dispatch.ts';
import { distanceM } from '../../geo/spatial.ts';
import { api } from './api.ts';
import { enRoute } from './model.ts';
import type { Store } from './store.ts';

/** Refetch once the unit is this far from where its route started… */
const MOVED_M = 150;
/** …but not more often than this; a failed fetch (no point yet, gone) waits this long too. */
const MIN_REFETCH_MS = 15_000;


export function watchDispatchRoutes(store: Pick<Store, 'units' | 'routes' | 'on' | 'emit'>): () => void {
  const fetchedAt = new Map<number, number>();
  const inFlight = new Set<number>();

  function sync(): void {
    const live = new Set<number>();
    for (const u of store.units.values()) {
      if (!enRoute(u)) continue;
      const id = u.dispatch!.id;
      live.add(id);
      const route = store.routes.get(id);
      const start = route?.path.coordinates[0];
      const moved = !route || !u.position || !start || distanceM(start[0], start[1], u.position.lon, u.position.lat) > MOVED_M;
      if (moved && !inFlight.has(id) && Date.now() - (fetchedAt.get(id) ?? 0) >= MIN_REFETCH_MS) void load(id, u.agency);
    }
    let dropped = false;
    for (const id of store.routes.keys()) if (!live.has(id)) dropped = store.routes.delete(id) || dropped;
    for (const id of fetchedAt.keys()) if (!live.has(id)) fetchedAt.delete(id);
    if (dropped) store.emit('routes');
  }

  async function load(id: number, agency: string): Promise<void> {
    inFlight.add(id);
    fetchedAt.set(id, Date.now());
    try {
      const route = await api<DispatchRoute>(`/api/dispatches/${id}/route`);
      const unit = store.units.get(route.unitId);
      if (unit && enRoute(unit) && unit.dispatch!.id === id) {
        store.routes.set(id, { ...route, agency });
        store.emit('routes');
      }
    } catch {
      // no point to route to yet, or the dispatch just ended: the next sync decides again
    } finally {
      inFlight.delete(id);
    }
  }

  const off = store.on((what) => what === 'units' && sync());
  sync();
  return off;
}
