// The wall's incident points for the heatmap: a bounded ring of typed arrays, filled by the store, read by heat.ts.
import { CATEGORIES } from '../ui/categories.ts';

const UNKNOWN_CATEGORY = 255;

/** Heat points in a ring buffer of typed arrays (no per-point objects). */
export class HeatBuffer {
  readonly lon: Float64Array;
  readonly lat: Float64Array;
  /** Index into CATEGORIES (UNKNOWN_CATEGORY otherwise), for the heatmap's category filter. */
  readonly category: Uint8Array;
  readonly time: Float64Array;
  private next = 0;
  size = 0;
  /** Incident id → slot, so an updated incident moves its point rather than adding another. */
  private slotOf = new Map<string, number>();
  private idAt: Array<string | undefined>;
  version = 0;
  constructor(readonly capacity: number) {
    this.lon = new Float64Array(capacity);
    this.lat = new Float64Array(capacity);
    this.category = new Uint8Array(capacity);
    this.time = new Float64Array(capacity);
    this.idAt = new Array(capacity);
  }
  categoryIndex(category: string): number {
    const i = (CATEGORIES as readonly string[]).indexOf(category);
    return i < 0 ? UNKNOWN_CATEGORY : i;
  }
  put(id: string, lon: number, lat: number, category: string, time: number): void {
    let slot = this.slotOf.get(id);
    if (slot === undefined) {
      slot = this.next;
      this.next = (this.next + 1) % this.capacity;
      const old = this.idAt[slot];
      if (old !== undefined) this.slotOf.delete(old);
      this.idAt[slot] = id;
      this.slotOf.set(id, slot);
      this.size = Math.min(this.capacity, this.size + 1);
    }
    this.lon[slot] = lon;
    this.lat[slot] = lat;
    this.category[slot] = this.categoryIndex(category);
    this.time[slot] = time;
    this.version++;
  }
}
