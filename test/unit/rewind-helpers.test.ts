// The wall's rewind arithmetic, pure: where a wall-clock instant is in a VOD playlist's fragments, the timeline's
// boxes and widths, and the sync group's rate rule.
import { describe, expect, it, vi } from 'vitest';
import type { FragTime } from '../../wall/video/rewind.ts';

// the modules' panels read the page's language at import: give them a page's two globals
vi.stubGlobal('location', { search: '' });
vi.stubGlobal('localStorage', { getItem: () => null, setItem: () => undefined });
const { mediaTimeAt, windowEndMs } = await import('../../wall/video/rewind.ts');
const { DEADBAND_MS, MAX_RATE_DELTA, rateFor, spreadMs } = await import('../../wall/video/sync.ts');
const { spanBoxes, timeAtFraction, windowChoices, WINDOWS_MS } = await import('../../wall/video/timeline.ts');

const T = Date.parse('2026-12-01T10:00:00Z');
// two runs: 0–3 s of media at T..T+3 s, then (after a 5 s gap) 3–5 s of media at T+8 s..T+10 s
const frags: FragTime[] = [
  { programDateTime: T, start: 0, duration: 1 },
  { programDateTime: T + 1000, start: 1, duration: 1 },
  { programDateTime: T + 2000, start: 2, duration: 1 },
  { programDateTime: T + 8000, start: 3, duration: 1 },
  { programDateTime: T + 9000, start: 4, duration: 1 },
];

describe('mediaTimeAt', () => {
  it('maps an instant inside a fragment to its media time', () => {
    expect(mediaTimeAt(frags, T + 1500)).toEqual({ time: 1.5, gap: false, ms: T + 1500 });
    expect(mediaTimeAt(frags, T + 9250)).toEqual({ time: 4.25, gap: false, ms: T + 9250 });
  });
  it('an instant in a gap (or before the first fragment) goes to the next recorded one, and says so', () => {
    expect(mediaTimeAt(frags, T + 5000)).toEqual({ time: 3, gap: true, ms: T + 8000 });
    expect(mediaTimeAt(frags, T - 10_000)).toEqual({ time: 0, gap: true, ms: T });
  });
  it('past the last fragment is outside this window', () => {
    expect(mediaTimeAt(frags, T + 10_000)).toBeNull();
    expect(windowEndMs(frags)).toBe(T + 10_000);
    expect(windowEndMs([])).toBeNull();
  });
});

describe('timeline', () => {
  it('spans become boxes clipped to the window; a span outside gives none', () => {
    const from = T;
    const to = T + 100_000;
    expect(spanBoxes([{ from: T - 50_000, to: T + 25_000 }, { from: T + 50_000, to: T + 60_000 }, { from: T + 200_000, to: T + 300_000 }], from, to))
      .toEqual([[0, 0.25], [0.5, 0.1]]);
    expect(timeAtFraction(0.5, from, to)).toBe(T + 50_000);
    expect(timeAtFraction(7, from, to)).toBe(to);
    expect(timeAtFraction(-1, from, to)).toBe(from);
  });
  it('offers widths only as far as there is recording, always at least the default hour', () => {
    expect(windowChoices(null, T)).toEqual(WINDOWS_MS.slice(0, 2));
    expect(windowChoices(T - 5 * 3_600_000, T)).toEqual(WINDOWS_MS.slice(0, 3)); // 5 h kept: up to 6 h
    expect(windowChoices(T - 100 * 3_600_000, T)).toEqual([...WINDOWS_MS]);
  });
});

describe('sync rate', () => {
  it('leaves a tile within the dead band alone and nudges the others towards the master, bounded', () => {
    expect(rateFor(DEADBAND_MS / 2)).toBe(1);
    expect(rateFor(200)).toBeCloseTo(0.9); // ahead: slower
    expect(rateFor(-200)).toBeCloseTo(1.1); // behind: faster
    expect(rateFor(5000)).toBe(1 - MAX_RATE_DELTA);
    expect(rateFor(Number.NaN)).toBe(1);
    expect(rateFor(100)).toBeGreaterThan(rateFor(200));
  });
  it('the spread is the distance between the furthest two tiles', () => {
    expect(spreadMs([30, -20, 5])).toBe(50);
    expect(spreadMs([30])).toBeNull();
  });
});
