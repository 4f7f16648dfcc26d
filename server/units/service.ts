// Units: registration, AVL ingest (positions → history → hub), staleness, dispatch with automatic
// "moving" and "on scene" detection. Incident changes go through the incidents service (the port below).
import type { Database } from 'better-sqlite3';
import { randomUUID } from 'node:crypto';
import type { EventBus } from '../events.ts';
import { logger } from '../log.ts';
import { transactorFor } from '../store/group-commit.ts';
import { createUnitsRepo } from '../store/units-repo.ts';
import type { Ring } from '../incidents/model.ts';
import { DomainError } from '../../domain/errors.ts';
import type { HistoryEvent } from '../../domain/incident.ts';
import { isClosedStatus, STATUS_FLOW } from '../../domain/incident.ts';
import {
  approachFrom, arrivalCheckFor, ArrivalRulesSchema, DEFAULT_ARRIVAL_RULES, impliedSpeedKmh, MAX_PLAUSIBLE_KMH, newApproach, stepApproach,
  type Approach, type ArrivalRules,
} from './arrival.ts';
import { BlockList } from 'node:net';
import { allowedFrom, deviceHash, newDeviceId, parseAllowList } from './device-id.ts';
import type { IngestOutcome, OsmandFix } from './osmand.ts';
import { NO_UNIT_EVENT, type Dispatch, type Position, type PublicUnit, type StageSource, type Unit } from './types.ts';

const log = logger('units');

/** The slice of the incidents service units need (contract with the incidents engineer). */
export interface IncidentsPort {
  get(id: string): {
    id: string; status: string; category?: string; agencies?: ReadonlyArray<{ id: string }>;
    location?: { text?: string; lat: number | null; lon: number | null; uncertaintyM?: number | null; polygons?: Ring[] | null } | null;
  } | null | undefined;
  transition(id: string, status: any, actor: string, note?: string): unknown;
  addEvent(id: string, e: { event: HistoryEvent; by: string; note?: string; at?: string }): unknown;
}


export const CREW_TAPS = ['berangkat', 'tiba', 'selesai'] as const;
export type CrewTapKind = (typeof CREW_TAPS)[number];


export interface RegisterUnit extends Omit<Unit, 'id' | 'deviceHash'> {
  id?: string;
  /** Only for a device id the caller already holds (tests, a fleet moved from another server); else one is issued. */
  deviceId?: string;
}

export interface UnitServiceOptions {
  db: Database;
  bus: EventBus;
  incidents: IncidentsPort;
  /** Arrival fence radius (fixes less accurate than this widen it to their accuracy). */
  arrivalRadiusM?: number;
  arrivalRules?: Partial<ArrivalRules>;
  staleAfterMs?: number;
  staleCheckMs?: number;
  now?: () => number;
}

export function createUnitService(opts: UnitServiceOptions) {
  const { db, bus, incidents } = opts;
  const rules: ArrivalRules = ArrivalRulesSchema.parse({
    ...DEFAULT_ARRIVAL_RULES, ...opts.arrivalRules, minRadiusM: opts.arrivalRadiusM ?? opts.arrivalRules?.minRadiusM ?? DEFAULT_ARRIVAL_RULES.minRadiusM,
  });
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
  const approaches = new Map<number, Approach>(); // dispatch id → what the fixes since dispatch showed
  const staleFlag = new Map<string, boolean>();
  /** Fixes refused as teleports since start (metrics; the log names each). */
  let implausibleFixes = 0;
  /** Parsed allow-lists by unit id (units without one report from anywhere). */
  const allowLists = new Map<string, BlockList>();
  for (const u of repo.listUnits()) remember(u);

  function remember(u: Unit): void {
    for (const [hash, x] of byDevice) if (x.id === u.id) byDevice.delete(hash);
    units.set(u.id, u);
    byDevice.set(u.deviceHash, u);
    // a stored list that no longer parses refuses everything (fail closed), never "anywhere"
    if (u.allowFrom) allowLists.set(u.id, parseAllowList(u.allowFrom) ?? new BlockList());
    else allowLists.delete(u.id);
  }

  /** The unit a device id speaks for, if it may speak from this address. Unknown and refused look the same. */
  function unitForDevice(deviceId: string, from: string | undefined): Unit | undefined {
    const unit = byDevice.get(deviceHash(deviceId));
    const list = unit && allowLists.get(unit.id);
    if (unit && list && from !== undefined && !allowedFrom(list, from)) return undefined;
    return unit;
  }
  for (const l of repo.lastPositions()) last.set(l.position.unitId, l);
  for (const d of repo.activeDispatches()) active.set(d.unitId, d);
  const guessable = repo.unitsWithoutIssuedId();
  if (guessable.length) {
    log.warn('units report with a device id the server did not issue (it may be guessable): rotate each (POST /api/units/<id>/device)', { units: guessable.slice(0, 20), count: guessable.length });
  }

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
      id: u.id, callsign: u.callsign, agency: u.agency, kind: u.kind, station: u.station ?? null,
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
    const cur = (STATUS_FLOW as readonly string[]).indexOf(inc.status);
    const want = (STATUS_FLOW as readonly string[]).indexOf(target);
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

  /**
   * A new unit and its device id: issued here (128 random bits) unless the caller brings one it already holds.
   * The id is returned once; only its hash is kept.
   */
  function register(input: RegisterUnit): { unit: Unit; deviceId: string } {
    const deviceId = input.deviceId ?? newDeviceId();
    if (input.allowFrom && !parseAllowList(input.allowFrom)) throw new DomainError('invalid_field', 'allowFrom', 'allowFrom entries must be IP addresses or CIDR blocks');
    if (byDevice.has(deviceHash(deviceId))) throw new DomainError('already_exists', 'deviceId', 'deviceId already registered');
    const unit: Unit = {
      id: input.id ?? `u-${randomUUID().slice(0, 8)}`, callsign: input.callsign, agency: input.agency, kind: input.kind,
      deviceHash: deviceHash(deviceId), allowFrom: input.allowFrom ?? null, station: input.station ?? null,
    };
    if (units.has(unit.id)) throw new DomainError('already_exists', 'id', 'unit id already exists');
    repo.insertUnit(unit, iso(), input.deviceId === undefined);
    remember(unit);
    publish(unit);
    return { unit, deviceId };
  }

  /** A new device id for a unit (a lost or shared phone): the old one stops working now. Returned once. */
  function rotateDevice(unitId: string): string {
    const unit = units.get(unitId);
    if (!unit) throw new DomainError('unit_not_found', 'id', 'unit not found');
    const deviceId = newDeviceId();
    const next = { ...unit, deviceHash: deviceHash(deviceId) };
    repo.setDevice(unitId, next.deviceHash);
    remember(next);
    log.info('device id rotated', { unit: unitId });
    return deviceId;
  }

  /** Bind a unit's device to addresses / CIDRs (null: anywhere). Entries are checked by the caller's schema. */
  function setAllowFrom(unitId: string, allowFrom: string[] | null): Unit {
    const unit = units.get(unitId);
    if (!unit) throw new DomainError('unit_not_found', 'id', 'unit not found');
    if (allowFrom && !parseAllowList(allowFrom)) throw new DomainError('invalid_field', 'allowFrom', 'allowFrom entries must be IP addresses or CIDR blocks');
    const next = { ...unit, allowFrom };
    repo.setAllowFrom(unitId, allowFrom);
    remember(next);
    return next;
  }

  /**
   * One AVL fix, inside a transaction the caller opens: stored (history), then moving / arrival checks for the
   * unit's current dispatch. The unit to announce is added to `touched` (published after the commit).
   */
  function ingestOne(unit: Unit | undefined, fix: Omit<OsmandFix, 'deviceId'> & { deviceId?: string }, touched: Set<Unit>): IngestOutcome {
    if (!unit) return { ok: false, error: new DomainError('unknown_device', 'id', 'unknown device') };
    const receivedAt = iso();
    const { deviceId: _d, ...rest } = fix;
    const position: Position = { unitId: unit.id, ...rest };
    const prev = last.get(unit.id);
    // A teleport (forged, or a GPS jump) is kept in the history but neither moves the unit nor counts for a dispatch.
    const kmh = prev ? impliedSpeedKmh(prev.position, position) : 0;
    if (kmh > MAX_PLAUSIBLE_KMH) {
      repo.insertPosition(position, receivedAt, false);
      implausibleFixes++;
      log.warn('implausible fix: not used', { unit: unit.id, impliedKmh: Math.round(kmh) });
      return { ok: true };
    }
    // Out-of-order fixes (a replay, a duplicate) go to history but neither move the unit back in time nor count for
    // the dispatch: an old fix at the scene is no evidence that the unit is there now.
    const inOrder = !prev || prev.position.at <= position.at;
    repo.insertPosition(position, receivedAt, inOrder);
    const dispatch = active.get(unit.id);
    if (dispatch && inOrder && progressDispatch(unit, dispatch, position, receivedAt)) refreshActive(unit.id, dispatch.id);
    last.set(unit.id, { position: inOrder ? position : prev.position, receivedAt });
    touched.add(unit);
    return { ok: true };
  }

  function refreshActive(unitId: string, dispatchId: number): void {
    const fresh = repo.dispatchById(dispatchId);
    if (fresh && !fresh.clearedAt) active.set(unitId, fresh);
  }

  /** Memory follows the store again after a failed commit. */
  function reloadState(): void {
    approaches.clear();
    last.clear();
    for (const l of repo.lastPositions()) last.set(l.position.unitId, l);
    active.clear();
    for (const d of repo.activeDispatches()) active.set(d.unitId, d);
  }

  /** One fix in its own transaction (synchronous: committed when this returns). `unitId` instead of a device id for
   * in-process callers that speak for a unit (the demo history). */
  function ingest(fix: OsmandFix | (Omit<OsmandFix, 'deviceId'> & { unitId: string })): IngestOutcome {
    const touched = new Set<Unit>();
    const unit = 'unitId' in fix ? units.get(fix.unitId) : unitForDevice(fix.deviceId, undefined);
    let out: IngestOutcome;
    try {
      out = tx.transaction(() => ingestOne(unit, fix, touched));
    } catch (err) {
      reloadState();
      throw err;
    }
    touched.forEach(publish);
    return out;
  }

  // Group commit for the HTTP endpoint: fixes arriving in the same event-loop turn share one transaction (one
  // fsync; each fix in its own savepoint), and each request is answered only after that commit.
  function ingestQueued(fix: OsmandFix, from?: string): Promise<IngestOutcome> {
    return queued(unitForDevice(fix.deviceId, from), fix);
  }

  function queued(unit: Unit | undefined, fix: Omit<OsmandFix, 'deviceId'>): Promise<IngestOutcome> {
    return tx
      .enqueue(() => {
        const touched = new Set<Unit>();
        const out = ingestOne(unit, fix, touched);
        tx.afterCommit(() => touched.forEach(publish));
        return out;
      })
      .catch((err: unknown) => {
        reloadState(); // memory follows the store again
        log.error('position not stored', { err: String(err) });
        throw err;
      });
  }

  /** A fix from the crew page: the same path as the unit's tracker, under the unit's own device identity. */
  function ingestForUnit(unitId: string, fix: Omit<OsmandFix, 'deviceId'>): Promise<IngestOutcome> {
    const unit = units.get(unitId);
    if (!unit) return Promise.resolve({ ok: false, error: new DomainError('unknown_unit', 'unit', 'unknown unit') });
    return queued(unit, fix);
  }

  /** The crew's current job: where and what (never who called). */
  function jobFor(unitId: string): { incidentId: string; category: string | null; place: string | null; lat: number | null; lon: number | null } | null {
    const d = active.get(unitId);
    const inc = d && incidents.get(d.incidentId);
    if (!d || !inc) return null;
    return { incidentId: d.incidentId, category: inc.category ?? null, place: inc.location?.text ?? null, lat: inc.location?.lat ?? null, lon: inc.location?.lon ?? null };
  }

  /** Inside the ingest transaction. Times are server receive times, comparable with dispatchedAt. */
  function progressDispatch(unit: Unit, d: Dispatch, p: Position, at: string): boolean {
    const inc = incidents.get(d.incidentId);
    if (!inc) return false;
    let changed = false;
    const check = arrivalCheckFor(inc.location, rules);
    if (check !== d.arrivalCheck && repo.setArrivalCheck(d.id, check)) changed = true; // the point was corrected
    let approach = approaches.get(d.id);
    if (!approach) approaches.set(d.id, (approach = newApproach()));
    const step = stepApproach(
      approach, { ms: Date.parse(p.at), stamp: at, lat: p.lat, lon: p.lon, speedKmh: p.speedKmh, accuracyM: p.accuracyM },
      inc.location, !!d.movingAt, rules, unit.station,
    );
    if ((step.closing || step.leftStation) && !d.movingAt) changed = markMoving(unit, d, at, step.closing ? 'distance' : 'station') || changed;
    if (step.arrivedFix && !d.arrivedAt) {
      changed = markArrived(unit, d, step.arrivedFix.stamp, 'geofence', `${Math.round(step.distM ?? 0)} m`) || changed;
    }
    return changed;
  }

  function markMoving(unit: Unit, d: Dispatch, at: string, source: StageSource): boolean {
    if (!repo.setMoving(d.id, at, source)) return false;
    incidents.addEvent(d.incidentId, { event: 'unit_moving', by: unit.callsign, note: `${unit.callsign} bergerak (${source})`, at });
    return true;
  }

  /** Arrival never precedes movement: a confirmation without a recorded movement records both at once. */
  function markArrived(unit: Unit, d: Dispatch, at: string, source: StageSource, detail?: string): boolean {
    if (!d.movingAt || d.movingAt > at) markMoving(unit, d, at, source);
    if (!repo.setArrived(d.id, at, source)) return false;
    incidents.addEvent(d.incidentId, {
      event: 'unit_on_scene', by: unit.callsign, note: `${unit.callsign} tiba di lokasi (${source}${detail ? `, ${detail}` : ''})`, at,
    });
    advance(d.incidentId, 'dalam_penanganan', unit.callsign, `${unit.callsign} tiba di lokasi`);
    return true;
  }

  function dispatch(incidentId: string, unitId: string, by: string): Dispatch {
    const inc = incidents.get(incidentId);
    if (!inc) throw new DomainError('incident_not_found', 'id', 'no such incident');
    if (isClosedStatus(inc.status)) throw new DomainError('incident_closed', 'status', `the incident is ${inc.status}`, { status: inc.status });
    const unit = units.get(unitId);
    if (!unit) throw new DomainError('unknown_unit', 'unitId', 'unknown unit');
    const current = active.get(unitId);
    if (current?.incidentId === incidentId) return current; // idempotent
    const at = iso();
    const d = tx.transaction(() => {
      if (current) repo.clearDispatch(current.id, at); // re-tasked: the old assignment ends now
      const created = repo.insertDispatch(incidentId, unitId, at, by, arrivalCheckFor(inc.location, rules));
      incidents.addEvent(incidentId, { event: 'unit_dispatched', by, note: `${unit.callsign} (${unit.agency}) didisposisikan`, at });
      advance(incidentId, 'didisposisikan', by, `${unit.callsign} didisposisikan`);
      return created;
    });
    active.set(unitId, d);
    // "closing on the scene", "at its station", "outside the area" are measured from where the unit was when it got the job
    const from = last.get(unitId)?.position;
    approaches.set(d.id, approachFrom(from ? { fix: from, fresh: !isStale(unitId) } : null, inc.location, unit.station, rules));
    publish(unit);
    return d;
  }

  /**
   * A tap on the crew page ("Berangkat", "Tiba di lokasi", "Selesai"), possibly queued offline: it carries its own
   * time and the incident it was made for, so a late tap lands on the dispatch it belongs to, never on a newer one.
   */
  function crewTap(unitId: string, tap: { kind: CrewTapKind; incidentId: string; at: string }): Dispatch {
    const unit = units.get(unitId);
    if (!unit) throw new DomainError('unit_not_found', 'unit', 'unit not found');
    const d = repo.latestDispatch(unitId, tap.incidentId);
    if (!d) throw new DomainError('not_dispatched', 'incidentId', 'this unit was not dispatched to that incident');
    if (tap.at < d.dispatchedAt) throw new DomainError('out_of_order', 'at', 'the tap is older than the dispatch');
    if (d.clearedAt && tap.at > d.clearedAt && tap.kind !== 'selesai') throw new DomainError('out_of_order', 'at', 'the dispatch had ended by then');
    tx.transaction(() => {
      if (tap.kind === 'berangkat') markMoving(unit, d, tap.at, 'crew');
      else if (tap.kind === 'tiba') markArrived(unit, d, tap.at, 'crew');
      else if (!d.clearedAt && repo.clearDispatch(d.id, tap.at)) {
        incidents.addEvent(d.incidentId, { event: 'unit_cleared', by: unit.callsign, note: `${unit.callsign} selesai di lokasi`, at: tap.at });
      }
    });
    const fresh = repo.dispatchById(d.id)!;
    if (fresh.clearedAt) approaches.delete(d.id);
    if (active.get(unitId)?.id === d.id) {
      if (fresh.clearedAt) active.delete(unitId);
      else active.set(unitId, fresh);
    }
    publish(unit);
    return fresh;
  }

  /** An operator confirms a unit is on scene (radio call): the arrival records the operator as its source. */
  function confirmArrival(incidentId: string, unitId: string, by: string): Dispatch {
    const unit = units.get(unitId);
    if (!unit) throw new DomainError('unknown_unit', 'unitId', 'unknown unit');
    const d = repo.latestDispatch(unitId, incidentId);
    if (!d || d.clearedAt) throw new DomainError('not_dispatched', 'unitId', 'the unit is not dispatched to this incident');
    if (!d.arrivedAt) tx.transaction(() => markArrived(unit, d, iso(), 'operator', by));
    refreshActive(unitId, d.id);
    publish(unit);
    return repo.dispatchById(d.id)!;
  }

  /** The operator found no free unit of the agency: the briefing counts the incident as "no free unit" for it. */
  function noFreeUnit(incidentId: string, agency: string, by: string): void {
    const inc = incidents.get(incidentId);
    if (!inc) throw new DomainError('incident_not_found', 'id', 'no such incident');
    incidents.addEvent(incidentId, { event: NO_UNIT_EVENT, by, note: agency });
  }

  // Closed incidents release their units.
  const offIncident = bus.subscribe('incident', (data) => {
    const inc = data as { id?: string; status?: string };
    if (!inc?.id || !inc.status || !isClosedStatus(inc.status)) return;
    for (const [unitId, d] of active) {
      if (d.incidentId !== inc.id) continue;
      repo.clearDispatch(d.id, iso());
      active.delete(unitId);
      approaches.delete(d.id);
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
    rotateDevice,
    setAllowFrom,
    ingest,
    ingestQueued,
    ingestForUnit,
    jobFor,
    dispatch,
    crewTap,
    confirmArrival,
    noFreeUnit,
    checkStale,
    /** Fixes that implied more than MAX_PLAUSIBLE_KMH since start. */
    implausibleFixes: () => implausibleFixes,
    list: (): PublicUnit[] => [...units.values()].map(view),
    get: (id: string): PublicUnit | undefined => {
      const u = units.get(id);
      return u && view(u);
    },
    track: (unitId: string, since: string, limit = 5000): Position[] => repo.track(unitId, since, limit),
    dispatchesForIncident: (incidentId: string): Dispatch[] => repo.dispatchesForIncident(incidentId),
    dispatchById: (id: number): Dispatch | undefined => repo.dispatchById(id),
    close(): void {
      clearInterval(timer);
      offIncident();
    },
  };
}
export type UnitService = ReturnType<typeof createUnitService>;
