// Unit trails for deck's TripsLayer, kept in step with the store's trails without re-mapping them every update.

/** Trail timestamps are seconds since this base, so float32 keeps sub-second precision for weeks. */
export const TIME_BASE = Date.now();

/** How unit trails look on the live wall and in the briefing's replay: faded tails, rounded, not pickable. */
export const TRAIL_STYLE = { fadeTrail: true, widthUnits: 'pixels', capRounded: true, jointRounded: true, pickable: false } as const;

export interface TripDatum {
  id: string;
  path: [number, number][];
  timestamps: number[];
  colour: [number, number, number];
}

/** Bring a unit's trip up to its store trail in place: drop what aged out, append what is new. Each 1 Hz update adds
 * a point or two per unit; re-mapping every trail cost ~3 ms per update with 200 units. */
export function followTrail(trip: TripDatum, trail: ReadonlyArray<{ lon: number; lat: number; t: number }>): TripDatum {
  const secs = (t: number) => (t - TIME_BASE) / 1000;
  const first = secs(trail[0].t);
  let drop = 0;
  while (drop < trip.timestamps.length && trip.timestamps[drop] < first) drop++;
  if (drop === trip.timestamps.length || trip.timestamps[drop] !== first) drop = trip.timestamps.length; // not a suffix: rebuild
  trip.timestamps.splice(0, drop);
  trip.path.splice(0, drop);
  const last = trip.timestamps.length ? trip.timestamps[trip.timestamps.length - 1] : -Infinity;
  for (const p of trail) {
    if (secs(p.t) <= last) continue;
    trip.path.push([p.lon, p.lat]);
    trip.timestamps.push(secs(p.t));
  }
  return trip;
}

/** How often the settled part of the trails is re-uploaded. The TripsLayer fades points by their timestamps in the
 * shader, so a settled buffer stays correct as time passes; only new points need uploading. With n units moving at
 * 1 Hz and full trails of N points, an update tessellates N·n/S settled points (amortised) plus n·S/2 head points:
 * least near S = √(2N) ≈ 15 s for N = 120, about an eighth of re-uploading every trail. */
export const SETTLE_MS = 15_000;

/**
 * The trails as two TripsLayer inputs: `settled` (every trail up to its last settle point; the same array between
 * settles, so deck keeps its tessellation) and `head` (each trail from its settle point on; a few points per unit, new
 * every update). Re-tessellating all 220 full trails on every 1 Hz update was most of the wall's per-update JS.
 */
export class SettledTrails {
  settled: TripDatum[] = [];
  head: TripDatum[] = [];
  private settledAt = -Infinity;
  /** Per unit: the timestamp the settled part ends at, and the colour it was drawn in. */
  private cut = new Map<string, { t: number; colour: string }>();

  update(trips: readonly TripDatum[], now: number): void {
    const head: TripDatum[] = [];
    let settle = now - this.settledAt >= SETTLE_MS || trips.length !== this.cut.size;
    for (let i = 0; i < trips.length && !settle; i++) {
      const d = trips[i];
      const cut = this.cut.get(d.id);
      if (!cut || cut.colour !== d.colour.join()) settle = true;
      else {
        let k = d.timestamps.length - 1;
        while (k > 0 && d.timestamps[k] > cut.t) k--;
        if (d.timestamps[k] !== cut.t) settle = true; // the settle point aged out or the trail was rebuilt
        else if (d.timestamps.length - k >= 2) head.push({ id: d.id, path: d.path.slice(k), timestamps: d.timestamps.slice(k), colour: d.colour });
      }
    }
    if (settle) {
      this.settled = trips.map((d) => ({ id: d.id, path: d.path.slice(), timestamps: d.timestamps.slice(), colour: d.colour }));
      this.cut = new Map(trips.map((d) => [d.id, { t: d.timestamps[d.timestamps.length - 1], colour: d.colour.join() }]));
      this.settledAt = now;
      this.head = [];
      return;
    }
    this.head = head;
  }
}
