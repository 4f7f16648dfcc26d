// A camera's health as pure functions of what its runs have delivered: the status walls show, when a run must be
// killed, how long to wait before the next one and the frame rate. No timers and no I/O, so each rule is tested
// on its own (test/unit/stream-health.test.ts); pipeline.ts applies them on its tick.
import type { CameraStatus } from '../../domain/camera.ts';

export interface HealthTiming {
  /** No new part for this long while running → stalled → kill and restart. */
  stallAfterS: number;
  /** No new part for this long → offline. */
  offlineAfterS: number;
  /** A fresh run with no part after this long is killed. */
  startTimeoutS: number;
  backoffMinS: number;
  backoffMaxS: number;
  /** A run that was online this long resets the backoff. */
  stableS: number;
}

/** online while parts arrive, stalled for a short gap, offline after a long one or before any part once a run failed. */
export function cameraStatus(lastPartAt: number | undefined, everFailed: boolean, now: number, t: HealthTiming): CameraStatus {
  if (lastPartAt === undefined) return everFailed ? 'offline' : 'starting';
  const age = now - lastPartAt;
  return age <= t.stallAfterS * 1000 ? 'online' : age <= t.offlineAfterS * 1000 ? 'stalled' : 'offline';
}

/** Why the running source must be killed now, or null: it stopped delivering, or never started to. */
export function killReason(run: { startedAt: number; firstPartAt: number | undefined }, lastPartAt: number | undefined, now: number, t: HealthTiming): string | null {
  if (run.firstPartAt !== undefined && lastPartAt !== undefined) {
    return now - lastPartAt > t.stallAfterS * 1000 ? `stalled: no new video for ${t.stallAfterS} s` : null;
  }
  return now - run.startedAt > t.startTimeoutS * 1000 ? `no video within ${t.startTimeoutS} s of start` : null;
}

/** Failures in a row after a run ends: a run that stayed up `stableS` counts as the first failure of a new series. */
export function failuresAfter(run: { firstPartAt: number | undefined }, failures: number, now: number, t: HealthTiming): number {
  const stable = run.firstPartAt !== undefined && now - run.firstPartAt >= t.stableS * 1000;
  return stable ? 1 : failures + 1;
}

/** Exponential backoff from backoffMinS, capped at backoffMaxS, with ±20 % jitter (`random` in [0, 1)). */
export function restartDelayMs(failures: number, t: HealthTiming, random: number): number {
  const base = Math.min(t.backoffMaxS, t.backoffMinS * 2 ** (failures - 1));
  return base * 1000 * (0.8 + random * 0.4);
}

/** Frames per second from ffmpeg's progress lines (time, frame count), over the samples kept. */
export function framesPerSecond(samples: ReadonlyArray<{ t: number; n: number }>): number | null {
  if (samples.length < 2) return null;
  const a = samples[0];
  const b = samples[samples.length - 1];
  return b.t > a.t ? Math.round(((b.n - a.n) * 10_000) / (b.t - a.t)) / 10 : null;
}
