// Small readers over the server's shapes: the one place that knows which field names may vary.
import type { Camera, HealthState, Incident, IncidentLocation, Unit, UnitPosition } from './types.ts';
import { isClosedStatus } from '../../domain/incident.ts';
import { maskName, maskPhone } from '../../domain/caller.ts';

export function areaName(v: IncidentLocation['kelurahan']): string {
  if (!v) return '—';
  return typeof v === 'string' ? v : (v.name ?? '—');
}

/** Agency ids (the wall names them in its own language). */
export function agenciesOf(i: Incident): string[] {
  return (i.agencies ?? []).map((a) => (typeof a === 'string' ? a : a.id));
}

export function reportedMs(i: Incident): number {
  const t = Date.parse(i.reportedAt ?? i.createdAt ?? '');
  return Number.isFinite(t) ? t : Date.now();
}

/** Priority 1 = most urgent. Accepts 1..5, "P1", "tinggi/high"… → 1..4. */
export function priorityRank(p: Incident['priority']): number {
  if (typeof p === 'number') return Math.min(4, Math.max(1, Math.round(p)));
  const s = String(p ?? '').toLowerCase();
  const m = /(\d)/.exec(s);
  if (m) return Math.min(4, Math.max(1, Number(m[1])));
  if (/kritis|critical|darurat|tinggi|high|urgent/.test(s)) return 1;
  if (/sedang|medium/.test(s)) return 2;
  if (/rendah|low/.test(s)) return 3;
  return 3;
}

export function isClosed(i: Incident): boolean {
  return isClosedStatus(i.status);
}

export function hasPoint(i: Incident): boolean {
  return typeof i.location?.lat === 'number' && typeof i.location?.lon === 'number';
}

export function positionOf(u: Unit): UnitPosition | null {
  return u.position ?? null;
}
/** Parsed once per position: layer accessors ask for every unit on every update. */
const parsedAt = new WeakMap<UnitPosition, number>();
export function positionMs(p: UnitPosition): number {
  let t = parsedAt.get(p);
  if (t === undefined) {
    t = Date.parse(p.at ?? '');
    if (!Number.isFinite(t)) return Date.now();
    parsedAt.set(p, t);
  }
  return t;
}
export function headingOf(p: UnitPosition): number {
  return p.bearingDeg ?? 0;
}
/** The server flags stale units; a wall that lost the server also greys units it has not heard from in 2 min. */
export function isStale(u: Unit, now = Date.now()): boolean {
  const p = positionOf(u);
  return Boolean(u.stale) || !p || now - positionMs(p) > 120_000;
}

/** A caller on a wall, by the same rule the server masks with for viewers: "Bu** Sa***** (0812****5678)". */
export function maskCaller(c: Incident['caller']): string {
  if (!c) return '—';
  const name = maskName(c.name?.trim() || null);
  const phone = maskPhone(c.phone?.replace(/[^\d*+]/g, '') || null);
  return [name, phone && `(${phone})`].filter(Boolean).join(' ') || '—';
}

export function healthState(c: Camera): HealthState {
  return c.health?.status ?? c.health?.state ?? 'offline';
}
