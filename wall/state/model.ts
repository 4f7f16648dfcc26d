// Small readers over the domain's shapes (domain/*.ts): what the wall derives from an incident, unit or camera.
import type { AreaRef, Incident } from '../../domain/incident.ts';
import type { CameraStatus, CameraView } from '../../domain/camera.ts';
import type { PublicUnit, UnitPosition } from '../../domain/unit.ts';
import type { DispatchRoute } from '../../domain/dispatch.ts';
import { isClosedStatus } from '../../domain/incident.ts';
import { maskName, maskPhone } from '../../domain/caller.ts';

export function areaName(v: AreaRef | null): string {
  return v?.name ?? '—';
}

/** Parsed once per incident object: sorting and the heatmap ask for it often. */
const reportedAtMs = new WeakMap<Incident, number>();
export function reportedMs(i: Incident): number {
  let t = reportedAtMs.get(i);
  if (t === undefined) reportedAtMs.set(i, (t = Date.parse(i.reportedAt)));
  return t;
}

export function isClosed(i: Incident): boolean {
  return isClosedStatus(i.status);
}

export function hasPoint(i: Incident): boolean {
  return i.location.lat !== null && i.location.lon !== null;
}

/** Parsed once per position: layer accessors ask for every unit on every update. */
const parsedAt = new WeakMap<UnitPosition, number>();
export function positionMs(p: UnitPosition): number {
  let t = parsedAt.get(p);
  if (t === undefined) parsedAt.set(p, (t = Date.parse(p.at)));
  return t;
}
/** The server flags stale units; a wall that lost the server also greys units it has not heard from in 2 min. */
export function isStale(u: PublicUnit, now = Date.now()): boolean {
  return u.stale || !u.position || now - positionMs(u.position) > 120_000;
}

/** A caller on a wall, by the same rule the server masks with for viewers: "Bu** Sa***** (0812****5678)". */
export function maskCaller(c: Incident['caller'] | null): string {
  if (!c) return '—';
  const name = maskName(c.name?.trim() || null);
  const phone = maskPhone(c.phone?.replace(/[^\d*+]/g, '') || null);
  return [name, phone && `(${phone})`].filter(Boolean).join(' ') || '—';
}

export function healthState(c: CameraView): CameraStatus {
  return c.health.status;
}


/** A responding unit's drive (GET /api/dispatches/:id/route), with its agency for the colour. */
export interface UnitRoute extends DispatchRoute {
  agency: string;
}

/** The units on their way: dispatched, not arrived, not cleared. */
export const enRoute = (u: PublicUnit) => !!u.dispatch && !u.dispatch.arrivedAt && !u.dispatch.clearedAt;

/** The units sent to each incident now (a dispatch not cleared), by incident id: one pass over the units. */
export function unitsByIncident(units: Iterable<PublicUnit>): Map<string, PublicUnit[]> {
  const out = new Map<string, PublicUnit[]>();
  for (const u of units) {
    const d = u.dispatch;
    if (!d || d.clearedAt) continue;
    const list = out.get(d.incidentId);
    if (list) list.push(u);
    else out.set(d.incidentId, [u]);
  }
  return out;
}

/** When the incident's wait for a unit ended (its first dispatch, or an operator moving it on by hand), from its
 * history; null while it still waits. */
export function waitEndMs(i: Incident): number | null {
  for (const e of i.history) {
    if (e.event === 'unit_dispatched' || e.status === 'didisposisikan' || e.status === 'dalam_penanganan') return Date.parse(e.at);
  }
  return null;
}
