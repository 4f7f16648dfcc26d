// A camera's health rules (server/streams/health.ts), each on its own: what the wall shows, when a run is killed,
// how the restarts back off, and the frame rate from ffmpeg's progress lines.
import { describe, expect, it } from 'vitest';
import { cameraStatus, failuresAfter, framesPerSecond, killReason, restartDelayMs } from '../../server/streams/health.ts';
import { DEFAULT_TIMING as T } from '../../server/streams/pipeline.ts';

const NOW = 1_000_000;
const S = 1000;

describe('camera status', () => {
  it('starting before any part, offline instead once a run has failed', () => {
    expect(cameraStatus(undefined, false, NOW, T)).toBe('starting');
    expect(cameraStatus(undefined, true, NOW, T)).toBe('offline');
  });
  it('online while parts arrive, stalled after stallAfterS, offline after offlineAfterS', () => {
    expect(cameraStatus(NOW - T.stallAfterS * S, true, NOW, T)).toBe('online');
    expect(cameraStatus(NOW - T.stallAfterS * S - 1, true, NOW, T)).toBe('stalled');
    expect(cameraStatus(NOW - T.offlineAfterS * S, true, NOW, T)).toBe('stalled');
    expect(cameraStatus(NOW - T.offlineAfterS * S - 1, true, NOW, T)).toBe('offline');
  });
});

describe('kill rule', () => {
  it('a run that delivered, then went quiet past stallAfterS, is killed as stalled', () => {
    const run = { startedAt: NOW - 60 * S, firstPartAt: NOW - 50 * S };
    expect(killReason(run, NOW - T.stallAfterS * S, NOW, T)).toBeNull();
    expect(killReason(run, NOW - T.stallAfterS * S - 1, NOW, T)).toMatch(/^stalled/);
  });
  it('a run with no part is killed after startTimeoutS, not before', () => {
    expect(killReason({ startedAt: NOW - T.startTimeoutS * S, firstPartAt: undefined }, undefined, NOW, T)).toBeNull();
    expect(killReason({ startedAt: NOW - T.startTimeoutS * S - 1, firstPartAt: undefined }, undefined, NOW, T)).toMatch(/no video within 12 s/);
  });
  it('a new run judges by its own start, not by a part the previous run left in the window', () => {
    expect(killReason({ startedAt: NOW - S, firstPartAt: undefined }, NOW - 100 * S, NOW, T)).toBeNull();
  });
});

describe('restart backoff', () => {
  it('doubles from backoffMinS up to backoffMaxS, ±20 % jitter', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map((f) => restartDelayMs(f, T, 0.5))).toEqual([1, 2, 4, 8, 16, 30, 30].map((s) => s * S));
    expect(restartDelayMs(1, T, 0)).toBe(0.8 * S);
    expect(restartDelayMs(1, T, 0.999999)).toBeCloseTo(1.2 * S, 0);
  });
  it('a run that stayed up stableS starts a new series; a short one adds to it', () => {
    expect(failuresAfter({ firstPartAt: NOW - T.stableS * S }, 5, NOW, T)).toBe(1);
    expect(failuresAfter({ firstPartAt: NOW - 10 * S }, 5, NOW, T)).toBe(6);
    expect(failuresAfter({ firstPartAt: undefined }, 0, NOW, T)).toBe(1);
  });
});

describe('frame rate', () => {
  it('from the first and last progress sample; unknown with fewer than two', () => {
    expect(framesPerSecond([{ t: 0, n: 0 }, { t: 2000, n: 50 }, { t: 4000, n: 100 }])).toBe(25);
    expect(framesPerSecond([{ t: 0, n: 0 }, { t: 3000, n: 44 }])).toBe(14.7);
    expect(framesPerSecond([{ t: 0, n: 0 }])).toBeNull();
  });
});
