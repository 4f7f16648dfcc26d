// Units: registration, AVL ingest (positions → history → hub), staleness, dispatch with automatic
// "moving" and "on scene" detection. Incident changes go through the incidents service (the port below).
import type { Database } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import { distanceM } from '../../geo/spatial.ts';
import type { EventBus } from '../events.ts';
import { logger } from '../log.ts';
import { transactorFor } from '../store/group-commit.ts';
import { createUnitsRepo } from '../store/units-repo.ts';
import type { IngestOutcome, OsmandFix } from './osmand.ts';
import type { Dispatch, Position, PublicUnit, Unit } from './types.ts';

const log = logger('units');

/** The slice of the incidents service units need (contract with the incidents engineer). */
export interface IncidentsPort {
  get(id: string): { id: string; status: string; location?: { lat: number | null; lon: number | null; uncertaintyM?: number | null } | null } | null | undefined;
  transition(id: string, status: any, actor: string, note?: string): unknown;
  addEvent(id: string, e: { event: string; by: string; note?: string; at?: string }): unknown;
}

const FLOW = ['baru', 'diverifikasi', 'didisposisikan', 'dalam_penanganan', 'selesai'];
const CLOSED = new Set(['selesai', 'iseng', 'batal']);

export class UnitsError extends Error {
  constructor(public status: number, message: string, public field?: string) {
    super(message);
  }
}

export interface UnitServiceOptions {
  db: Database;
  bus: EventBus;
  incidents: IncidentsPort;
  /** Base arrival radius; the incident's uncertaintyM is added. */
  arrivalRadiusM?: number;
  movingSpeedKmh?: number;
  staleAfterMs?: number;
  staleCheckMs?: number;
  now?: () => number;
}

export function createUnitService(opts: UnitServiceOptions) {
  const { db, bus, incidents } = opts;
  const arrivalRadiusM = opts.arrivalRadiusM ?? 100;
  const movingSpeedKmh = opts.movingSpeedKmh ?? 5;
  const staleAfterMs = opts.staleAfterMs ?? 120_000;
  const now = opts.now ?? Date.now;
  const iso = () => new Date(now()).toISOString();
  const repo = createUnitsRepo(db);
  // Shared with the incidents service (same db): nested incident events publish after OUR commit, and queued
  // fixes share one group commit with incident intake (server/store/group-commit.ts).
  const tx = transactorFor(db);

  // In-memory view, rebuilt from the store at start (the store stays the truth).
  const units = new Map<string, Unit>();
  const byDevice = new Map<string, Unit>();
  const last = new Map<string, { position: Position; receivedAt: string }>();
  const active = new Map<string, Dispatch>(); // unitId → current dispatch
  const staleFlag = new Map<string, boolean>();
  for (const u of repo.listUnits()) {
    units.set(u.id, u);
    byDevice.set(u.deviceId, u);
  }
  for (const l of repo.lastPositions()) last.set(l.position.unitId, l);
  for (const d of repo.activeDispatches()) active.set(d.unitId, d);

  function isStale(unitId: string, t = now()): boolean {
    const l = last.get(unitId);
    return !l || t - Date.parse(l.receivedAt) > staleAfterMs;
  }

  function view(u: Unit): PublicUnit {
    const l = last.get(u.id);
    let position: PublicUnit['position'] = null;
    if (l) {
      const { unitId: _omit, ...rest } = l.position;
      position = rest;
    }
    return {
      id: u.id, callsign: u.callsign, agency: u.agency, kind: u.kind,
      position, lastSeenAt: l?.receivedAt ?? null, stale: isStale(u.id), dispatch: active.get(u.id) ?? null,
    };
  }
  const publish = (u: Unit) => {
    const v = view(u);
    staleFlag.set(u.id, v.stale);
    bus.publish('unit', v);
  };

  /** Move an incident forward to `target` unless it is already there or past it. */
  function advance(incidentId: string, target: string, actor: string, note: string): void {
    const inc = incidents.get(incidentId);
    if (!inc) return;
    const cur = FLOW.indexOf(inc.status);
    const want = FLOW.indexOf(target);
    if (cur < 0 || cur >= want) return;
    try {
      incidents.transition(incidentId, target, actor, note);
    } catch (err) {
      // A strict state machine may refuse skipping 'diverifikasi': walk through it.
      if (inc.status === 'baru') {
        incidents.transition(incidentId, 'diverifikasi', actor, note);
        incidents.transition(incidentId, target, actor, note);
      } else throw err;
    }
  }

  function register(input: Omit<Unit, 'id'> & { id?: string }): Unit {
    if (byDevice.has(input.deviceId)) throw new UnitsError(409, 'deviceId already registered', 'deviceId');
    const unit: Unit = {
      id: input.id ?? `u-${randomUUID().slice(0, 8)}`, callsign: input.callsign, agency: input.agency, kind: input.kind, deviceId: input.deviceId,
    };
    if (units.has(unit.id)) throw new UnitsError(409, 'unit id already exists', 'id');
    repo.insertUnit(unit, iso());
    units.set(unit.id, unit);
    byDevice.set(unit.deviceId, unit);
    publish(unit);
    return unit;
  }

  /**
   * One AVL fix, inside a transaction the caller opens: stored (history), then moving / arrival checks for the
   * unit's current dispatch. The unit to announce is added to `touched` (published after the commit).
   */
  function ingestOne(fix: OsmandFix, touched: Set<Unit>): IngestOutcome {
    const unit = byDevice.get(fix.deviceId);
    if (!unit) return { ok: false, error: 'unknown device', field: 'id' };
    const receivedAt = iso();
    const { deviceId: _d, ...rest } = fix;
    const position: Position = { unitId: unit.id, ...rest };
    repo.insertPosition(position, receivedAt);
    const dispatch = active.get(unit.id);
    if (dispatch && progressDispatch(unit, dispatch, position, receivedAt)) {
      const fresh = repo.dispatchesForIncident(dispatch.incidentId).find((d) => d.id === dispatch.id);
      if (fresh) active.set(unit.id, fresh);
    }
    const prev = last.get(unit.id);
    // Out-of-order (buffered) fixes go to history but never move the unit backwards in time.
    if (!prev || prev.position.at <= position.at) last.set(unit.id, { position, receivedAt });
    else last.set(unit.id, { position: prev.position, receivedAt });
    touched.add(unit);
    return { ok: true };
  }

  /** Memory follows the store again after a failed commit. */
  function reloadState(): void {
    last.clear();
    for (const l of repo.lastPositions()) last.set(l.position.unitId, l);
    active.clear();
    for (const d of repo.activeDispatches()) active.set(d.unitId, d);
  }

  /** One fix in its own transaction (synchronous: committed when this returns). */
  function ingest(fix: OsmandFix): IngestOutcome {
    const touched = new Set<Unit>();
    let out: IngestOutcome;
    try {
      out = tx.transaction(() => ingestOne(fix, touched));
    } catch (err) {
      reloadState();
      throw err;
    }
    touched.forEach(publish);
    return out;
  }

  // Group commit for the HTTP endpoint: fixes arriving in the same event-loop turn share one transaction (one
  // fsync; each fix in its own savepoint), and each request is answered only after that commit.
  function ingestQueued(fix: OsmandFix): Promise<IngestOutcome> {
    return tx
      .enqueue(() => {
        const touched = new Set<Unit>();
        const out = ingestOne(fix, touched);
        tx.afterCommit(() => touched.forEach(publish));
        return out;
      })
      .catch((err: unknown) => {
        reloadState(); // memory follows the store again
        log.error('position not stored', { err: String(err) });
        throw err;
      });
  }

  /** Inside the ingest transaction. Times are server receive times, comparable with dispatchedAt. */
  function progressDispatch(unit: Unit, d: Dispatch, p: Position, at: string): boolean {
    let changed = false;
    if (!d.movingAt && p.speedKmh !== null && p.speedKmh > movingSpeedKmh) {
      if (repo.setMoving(d.id, at)) {
        incidents.addEvent(d.incidentId, { event: 'unit_moving', by: unit.callsign, note: `${unit.callsign} bergerak`, at });
        changed = true;
      }
    }
    if (!d.arrivedAt) {
      const inc = incidents.get(d.incidentId);
      const lat = inc?.location?.lat;
      const lon = inc?.location?.lon;
      if (inc && typeof lat === 'number' && typeof lon === 'number') {
        const radius = arrivalRadiusM + (inc.location?.uncertaintyM ?? 0);
        const dist = distanceM(p.lon, p.lat, lon, lat);
        if (dist <= radius && repo.setArrived(d.id, at)) {
          incidents.addEvent(d.incidentId, {
            event: 'unit_on_scene', by: unit.callsign, note: `${unit.callsign} tiba di lokasi (${Math.round(dist)} m)`, at,
          });
          advance(d.incidentId, 'dalam_penanganan', unit.callsign, `${unit.callsign} tiba di lokasi`);
          changed = true;
        }
      }
    }
    return changed;
  }

  function dispatch(incidentId: string, unitId: string, by: string): Dispatch {
    const inc = incidents.get(incidentId);
    if (!inc) throw new UnitsError(404, 'incident not found', 'id');
    if (CLOSED.has(inc.status)) throw new UnitsError(409, `incident is ${inc.status}`, 'status');
    const unit = units.get(unitId);
    if (!unit) throw new UnitsError(400, 'unknown unit', 'unitId');
    const current = active.get(unitId);
    if (current?.incidentId === incidentId) return current; // idempotent
    const at = iso();
    const d = tx.transaction(() => {
      if (current) repo.clearDispatch(current.id, at); // re-tasked: the old assignment ends now
      const created = repo.insertDispatch(incidentId, unitId, at, by);
      incidents.addEvent(incidentId, { event: 'unit_dispatched', by, note: `${unit.callsign} (${unit.agency}) didisposisikan`, at });
      advance(incidentId, 'didisposisikan', by, `${unit.callsign} didisposisikan`);
      return created;
    });
    active.set(unitId, d);
    publish(unit);
    return d;
  }

  // Closed incidents release their units.
  const offIncident = bus.subscribe('incident', (data) => {
    const inc = data as { id?: string; status?: string };
    if (!inc?.id || !inc.status || !CLOSED.has(inc.status)) return;
    for (const [unitId, d] of active) {
      if (d.incidentId !== inc.id) continue;
      repo.clearDispatch(d.id, iso());
      active.delete(unitId);
      const u = units.get(unitId);
      if (u) publish(u);
    }
  });

  // Staleness: a delta when a unit turns stale (a fresh position turns it back).
  const checkStale = () => {
    const t = now();
    for (const u of units.values()) {
      const s = isStale(u.id, t);
      if (s && staleFlag.get(u.id) === false) publish(u);
      else staleFlag.set(u.id, s);
    }
  };
  for (const u of units.values()) staleFlag.set(u.id, isStale(u.id));
  const timer = setInterval(checkStale, opts.staleCheckMs ?? 5_000);
  timer.unref();

  log.info('units ready', { units: units.size, activeDispatches: active.size });
  return {
    register,
    ingest,
    ingestQueued,
    dispatch,
    checkStale,
    list: (): PublicUnit[] => [...units.values()].map(view),
    get: (id: string): PublicUnit | undefined => {
      const u = units.get(id);
      return u && view(u);
    },
    track: (unitId: string, since: string, limit = 5000): Position[] => repo.track(unitId, since, limit),
    dispatchesForIncident: (incidentId: string): Dispatch[] => repo.dispatchesForIncident(incidentId),
    close(): void {
      clearInterval(timer);
      offIncident();
    },
  };
}
export type UnitService = ReturnType<typeof createUnitService>;
