// Client state: cameras, incidents, units, unit trails and heatmap points. Everything is bounded so a wall can
// run for weeks: incidents (newest first, closed ones evicted first), trails (points and minutes), heat points.
import type { HeatSettings } from '../map/heat.ts';
import { HeatBuffer } from '../map/heat-buffer.ts';
import { loadHeatSettings, saveHeatSettings } from './heat-settings.ts';
import { hasPoint, isClosed, positionMs, reportedMs } from './model.ts';
import type { CameraView as Camera } from '../../domain/camera.ts';
import type { Incident } from '../../domain/incident.ts';
import type { PublicUnit as Unit } from '../../domain/unit.ts';
import type { UnitRoute } from './model.ts';

export const LIMITS = {
  incidents: 1500,
  units: 500,
  trailPoints: 120,
  trailMinutes: 10,
  heatPoints: 50_000,
  /** History the wall loads for the heatmap: the longest window, and the 30 days its colour domain comes from. */
  heatHistoryDays: 31,
};

export interface TrailPoint {
  lon: number;
  lat: number;
  t: number;
}

type Listener = (what: 'cameras' | 'incidents' | 'units' | 'select' | 'heat' | 'routes') => void;

export class Store {
  cameras = new Map<string, Camera>();
  incidents = new Map<string, Incident>();
  units = new Map<string, Unit>();
  trails = new Map<string, TrailPoint[]>();
  /** Drives of units on their way, by dispatch id (routes.ts). */
  routes = new Map<number, UnitRoute>();
  heat = new HeatBuffer(LIMITS.heatPoints);
  /** When an incident was first seen by this screen (for the "new" pulse). */
  firstSeen = new Map<string, number>();
  selectedId: string | null = null;
  heatSettings: HeatSettings = loadHeatSettings();
  /** The 30+ days of history for the heatmap have arrived (main.ts). */
  heatHistoryLoaded = false;
  private listeners = new Set<Listener>();

  on(fn: Listener): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }
  emit(what: Parameters<Listener>[0]): void {
    for (const fn of this.listeners) fn(what);
  }

  reset(data: { cameras?: Camera[]; incidents?: Incident[]; units?: Unit[] }): void {
    this.cameras.clear();
    for (const c of data.cameras ?? []) this.cameras.set(c.id, c);
    this.units.clear();
    for (const u of data.units ?? []) this.upsertUnit(u, false);
    for (const i of data.incidents ?? []) this.upsertIncident(i, false, true);
    this.emit('cameras');
    this.emit('units');
    this.emit('incidents');
  }

  upsertCamera(c: Camera): void {
    const prev = this.cameras.get(c.id);
    this.cameras.set(c.id, prev ? { ...prev, ...c } : c);
    this.emit('cameras');
  }

  upsertIncident(i: Incident, notify = true, initial = false): void {
    if (!this.incidents.has(i.id)) this.firstSeen.set(i.id, initial ? 0 : Date.now());
    this.incidents.set(i.id, i);
    if (hasPoint(i)) this.heat.put(i.id, i.location.lon!, i.location.lat!, i.category, reportedMs(i));
    this.evictIncidents();
    if (notify) this.emit('incidents');
  }

  /** History for the heatmap only: does not enter the incident list (keeps the list and its sorting small). */
  addHeat(i: Incident): void {
    if (hasPoint(i)) this.heat.put(i.id, i.location.lon!, i.location.lat!, i.category, reportedMs(i));
  }

  private evictIncidents(): void {
    // Evict in batches (down to 90 % of the cap) so the sort runs rarely, not on every insert.
    if (this.incidents.size <= LIMITS.incidents) return;
    const over = this.incidents.size - Math.floor(LIMITS.incidents * 0.9);
    // Closed ones go first, oldest first; then oldest open ones.
    const sorted = [...this.incidents.values()].sort(
      (a, b) => Number(isClosed(b)) - Number(isClosed(a)) || reportedMs(a) - reportedMs(b),
    );
    for (const i of sorted.slice(0, over)) {
      if (i.id === this.selectedId) continue;
      this.incidents.delete(i.id);
      this.firstSeen.delete(i.id);
    }
  }

  upsertUnit(u: Unit, notify = true): void {
    const prev = this.units.get(u.id);
    const merged: Unit = prev ? { ...prev, ...u } : u;
    if (!prev && this.units.size >= LIMITS.units) return;
    this.units.set(u.id, merged);
    const p = merged.position;
    if (p) {
      const trail = this.trails.get(u.id) ?? [];
      const t = positionMs(p);
      const last = trail[trail.length - 1];
      if (!last || last.t < t) trail.push({ lon: p.lon, lat: p.lat, t });
      const minT = Date.now() - LIMITS.trailMinutes * 60_000;
      let drop = Math.max(0, trail.length - LIMITS.trailPoints);
      while (drop < trail.length && trail[drop].t < minT) drop++;
      if (drop > 0) trail.splice(0, drop);
      this.trails.set(u.id, trail);
    }
    if (notify) this.emit('units');
  }

  setHeatSettings(next: Partial<HeatSettings>): void {
    this.heatSettings = { ...this.heatSettings, ...next };
    saveHeatSettings(this.heatSettings);
    this.emit('heat');
  }

  select(id: string | null): void {
    if (this.selectedId === id) return;
    this.selectedId = id;
    this.emit('select');
  }

  /** Newest first, open before closed. */
  incidentList(limit: number): Incident[] {
    return [...this.incidents.values()]
      .sort((a, b) => Number(isClosed(a)) - Number(isClosed(b)) || reportedMs(b) - reportedMs(a))
      .slice(0, limit);
  }
}
