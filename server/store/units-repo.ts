// Units repository: the only code that reads/writes the units, unit_positions and dispatches tables.
import type { Database } from 'better-sqlite3';
import type { Dispatch, Position, StageSource, Unit } from '../units/types.ts';

interface UnitRow {
  id: string; callsign: string; agency: string; kind: string; device_id: string; allow_from: string | null;
  station_name: string | null; station_lat: number | null; station_lon: number | null;
}
interface PositionRow {
  unit_id: string; at: string; received_at: string; lat: number; lon: number; speed_kmh: number | null;
  bearing_deg: number | null; altitude_m: number | null; accuracy_m: number | null; battery: number | null;
}
interface DispatchRow {
  id: number; incident_id: string; unit_id: string; dispatched_at: string; moving_at: string | null;
  arrived_at: string | null; cleared_at: string | null; by: string; moving_source: StageSource | null;
  arrived_source: StageSource | null; arrival_check: 'geofence' | 'confirm';
}

const toUnit = (r: UnitRow): Unit => ({
  id: r.id, callsign: r.callsign, agency: r.agency, kind: r.kind, deviceHash: r.device_id,
  allowFrom: r.allow_from === null ? null : (JSON.parse(r.allow_from) as string[]),
  station: r.station_name !== null && r.station_lat !== null && r.station_lon !== null ? { name: r.station_name, lat: r.station_lat, lon: r.station_lon } : null,
});
const UNIT_COLUMNS = 'id, callsign, agency, kind, device_id, allow_from, station_name, station_lat, station_lon';
const toPosition = (r: PositionRow): Position => ({
  unitId: r.unit_id, at: r.at, lat: r.lat, lon: r.lon, speedKmh: r.speed_kmh, bearingDeg: r.bearing_deg,
  altitudeM: r.altitude_m, accuracyM: r.accuracy_m, battery: r.battery,
});
const toDispatch = (r: DispatchRow): Dispatch => ({
  id: r.id, incidentId: r.incident_id, unitId: r.unit_id, dispatchedAt: r.dispatched_at, movingAt: r.moving_at,
  movingSource: r.moving_source, arrivedAt: r.arrived_at, arrivedSource: r.arrived_source, arrivalCheck: r.arrival_check,
  clearedAt: r.cleared_at, by: r.by,
});

export function createUnitsRepo(db: Database) {
  const s = {
    insertUnit: db.prepare(
      `INSERT INTO units (id, callsign, agency, kind, device_id, device_issued, allow_from, created_at, station_name, station_lat, station_lon)
       VALUES (@id, @callsign, @agency, @kind, @deviceHash, @deviceIssued, @allowFrom, @createdAt, @stationName, @stationLat, @stationLon)`),
    setDevice: db.prepare('UPDATE units SET device_id = ?, device_issued = 1 WHERE id = ?'),
    notIssued: db.prepare('SELECT id FROM units WHERE device_issued = 0 ORDER BY id').pluck(),
    setAllowFrom: db.prepare('UPDATE units SET allow_from = ? WHERE id = ?'),
    allUnits: db.prepare(`SELECT ${UNIT_COLUMNS} FROM units ORDER BY agency, callsign`),
    unitById: db.prepare(`SELECT ${UNIT_COLUMNS} FROM units WHERE id = ?`),
    insertPosition: db.prepare(
      `INSERT INTO unit_positions (unit_id, at, received_at, lat, lon, speed_kmh, bearing_deg, altitude_m, accuracy_m, battery, used)
       VALUES (@unitId, @at, @receivedAt, @lat, @lon, @speedKmh, @bearingDeg, @altitudeM, @accuracyM, @battery, @used)`),
    // Where each unit is: its latest fix that moved it (by arrival order), never a teleport or a replay kept for the record.
    lastPositions: db.prepare(
      `SELECT p.* FROM unit_positions p JOIN (SELECT unit_id, MAX(id) AS id FROM unit_positions WHERE used = 1 GROUP BY unit_id) l ON l.id = p.id`),
    track: db.prepare(
      'SELECT * FROM unit_positions WHERE unit_id = ? AND at >= ? ORDER BY at, id LIMIT ?'),
    insertDispatch: db.prepare(
      'INSERT INTO dispatches (incident_id, unit_id, dispatched_at, by, arrival_check) VALUES (?, ?, ?, ?, ?)'),
    latestDispatch: db.prepare('SELECT * FROM dispatches WHERE unit_id = ? AND incident_id = ? ORDER BY id DESC LIMIT 1'),
    setArrivalCheck: db.prepare('UPDATE dispatches SET arrival_check = ? WHERE id = ? AND arrival_check <> ?'),
    dispatchById: db.prepare('SELECT * FROM dispatches WHERE id = ?'),
    activeDispatches: db.prepare('SELECT * FROM dispatches WHERE cleared_at IS NULL ORDER BY id'),
    dispatchesForIncident: db.prepare('SELECT * FROM dispatches WHERE incident_id = ? ORDER BY id'),
    // a stage keeps its earliest time ("whichever comes first"): a queued crew tap may arrive after a later AVL stamp
    setMoving: db.prepare('UPDATE dispatches SET moving_at = ?, moving_source = ? WHERE id = ? AND (moving_at IS NULL OR moving_at > ?)'),
    setArrived: db.prepare('UPDATE dispatches SET arrived_at = ?, arrived_source = ? WHERE id = ? AND (arrived_at IS NULL OR arrived_at > ?)'),
    clear: db.prepare('UPDATE dispatches SET cleared_at = ? WHERE id = ? AND cleared_at IS NULL'),
  };
  return {
    transaction: <T>(fn: () => T): T => db.transaction(fn)(),
    /** `issued`: the server made its device id (false: the caller brought one). */
    insertUnit({ station, allowFrom, ...u }: Unit, createdAt: string, issued = true): void {
      s.insertUnit.run({
        ...u, deviceIssued: issued ? 1 : 0, allowFrom: allowFrom ? JSON.stringify(allowFrom) : null, createdAt,
        stationName: station?.name ?? null, stationLat: station?.lat ?? null, stationLon: station?.lon ?? null,
      });
    },
    setDevice: (unitId: string, hash: string): void => void s.setDevice.run(hash, unitId),
    /** Units still reporting with an id the server did not issue (registered before it did, or brought by a caller). */
    unitsWithoutIssuedId: (): string[] => s.notIssued.all() as string[],
    setAllowFrom: (unitId: string, allowFrom: string[] | null): void => void s.setAllowFrom.run(allowFrom ? JSON.stringify(allowFrom) : null, unitId),
    listUnits: (): Unit[] => (s.allUnits.all() as UnitRow[]).map(toUnit),
    unitById: (id: string): Unit | undefined => {
      const r = s.unitById.get(id) as UnitRow | undefined;
      return r && toUnit(r);
    },
    /** `used`: the fix moved the unit (false: kept for the record only, a teleport or a replay). */
    insertPosition(p: Position, receivedAt: string, used = true): void {
      s.insertPosition.run({ ...p, receivedAt, used: used ? 1 : 0 });
    },
    lastPositions: (): Array<{ position: Position; receivedAt: string }> =>
      (s.lastPositions.all() as PositionRow[]).map((r) => ({ position: toPosition(r), receivedAt: r.received_at })),
    track: (unitId: string, sinceIso: string, limit: number): Position[] =>
      (s.track.all(unitId, sinceIso, limit) as PositionRow[]).map(toPosition),
    insertDispatch(incidentId: string, unitId: string, at: string, by: string, arrivalCheck: Dispatch['arrivalCheck']): Dispatch {
      const id = Number(s.insertDispatch.run(incidentId, unitId, at, by, arrivalCheck).lastInsertRowid);
      return toDispatch(s.dispatchById.get(id) as DispatchRow);
    },
    dispatchById: (id: number): Dispatch | undefined => {
      const r = s.dispatchById.get(id) as DispatchRow | undefined;
      return r && toDispatch(r);
    },
    latestDispatch: (unitId: string, incidentId: string): Dispatch | undefined => {
      const r = s.latestDispatch.get(unitId, incidentId) as DispatchRow | undefined;
      return r && toDispatch(r);
    },
    setArrivalCheck: (id: number, check: Dispatch['arrivalCheck']) => s.setArrivalCheck.run(check, id, check).changes > 0,
    activeDispatches: (): Dispatch[] => (s.activeDispatches.all() as DispatchRow[]).map(toDispatch),
    dispatchesForIncident: (incidentId: string): Dispatch[] =>
      (s.dispatchesForIncident.all(incidentId) as DispatchRow[]).map(toDispatch),
    setMoving: (id: number, at: string, source: StageSource) => s.setMoving.run(at, source, id, at).changes > 0,
    setArrived: (id: number, at: string, source: StageSource) => s.setArrived.run(at, source, id, at).changes > 0,
    clearDispatch: (id: number, at: string) => s.clear.run(at, id).changes > 0,
  };
}
export type UnitsRepo = ReturnType<typeof createUnitsRepo>;
