// Pure per-frame state of the briefing replay: what the time cursor shows. No DOM, no deck.gl — so the cost of one
// frame's update can be measured in Node (test/bench/kpis.ts) and the view only hands the result to its layers.

import type { Replay, ReplayIncident, ReplayTrail } from '../../domain/kpis.ts';

export type { ReplayIncident, ReplayTrail };
export type ReplayData = Pick<Replay, 'from' | 'to' | 'incidents' | 'trails'>;

/** Trails with times in seconds from the period start: TripsLayer works in float32, epoch ms would lose precision. */
export interface PreparedTrail extends ReplayTrail {
  ts: number[];
}
export interface Prepared {
  from: number;
  to: number;
  /** Sorted by report time. */
  incidents: ReplayIncident[];
  times: Float64Array;
  trails: PreparedTrail[];
}

export function prepareReplay(d: ReplayData): Prepared {
  const incidents = [...d.incidents].sort((a, b) => a.t - b.t);
  return {
    from: d.from,
    to: d.to,
    incidents,
    times: Float64Array.from(incidents, (i) => i.t),
    trails: d.trails.map((tr) => ({ ...tr, ts: tr.t.map((x) => (x - d.from) / 1000) })),
  };
}

/** First index with times[i] > t (times ascending). */
export function upperBound(times: Float64Array, t: number): number {
  let lo = 0;
  let hi = times.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (times[mid] <= t) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

export interface Frame {
  cursor: number;
  /** Incidents reported in (cursor − heatWindow, cursor]: the heatmap. */
  heat: ReplayIncident[];
  /** Incidents reported by the cursor and not yet closed at it: the dots. */
  open: ReplayIncident[];
  /** TripsLayer currentTime (s from the period start). */
  trailTime: number;
}

/**
 * The frame at `cursor`. Cost O(log n + k): a binary search for the window, then a scan of the window and of the
 * incidents that may still be open (bounded by `openLookbackMs`).
 */
export function frameAt(p: Prepared, cursor: number, heatWindowMs: number, openLookbackMs = 3 * 86_400_000): Frame {
  const end = upperBound(p.times, cursor);
  const heatStart = upperBound(p.times, cursor - heatWindowMs);
  const openStart = upperBound(p.times, cursor - openLookbackMs);
  const heat = p.incidents.slice(heatStart, end);
  const open: ReplayIncident[] = [];
  for (let i = openStart; i < end; i++) {
    const inc = p.incidents[i];
    if (inc.closedT === null || inc.closedT > cursor) open.push(inc);
  }
  return { cursor, heat, open, trailTime: (cursor - p.from) / 1000 };
}

/** Hotspots: kecamatan with most incidents in the period (by count). */
export function topHotspots(incidents: ReplayIncident[], n = 5): Array<{ name: string; count: number }> {
  const m = new Map<string, number>();
  for (const i of incidents) if (i.kecamatan) m.set(i.kecamatan, (m.get(i.kecamatan) ?? 0) + 1);
  return [...m.entries()].map(([name, count]) => ({ name, count })).sort((a, b) => b.count - a.count || a.name.localeCompare(b.name)).slice(0, n);
}
