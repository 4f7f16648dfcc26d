// Keeps a live tile at its target latency. hls.js speeds playback up only while more than 1 s is buffered ahead
// (latency-controller: forwardBufferLength > 1), which a sub-second target never has: a tile kept the latency it
// started with (+0.3 s of start-up) for good. Here the tile plays slightly faster while it is behind its target and
// still has a safe margin buffered, and returns to 1× before that margin is spent. hls.js's own rate control is
// off (maxLiveSyncPlaybackRate: 1) so the two never fight. hls.js also raises its target by up to a segment after
// every stall and never lowers it again (hls.js#6350); after a quiet spell the tile takes its own target back.
import type Hls from 'hls.js';

/** Never spend the buffer below this (s): three parts in hand. 0.4 s stalled 46× in a minute on 16 tiles under load (bench:latency), which raised the target and the latency. */
export const MIN_AHEAD_S = 0.6;
/** Within this of the target (s) nothing is done: rate changes cost a little smoothness. */
export const DEADBAND_S = 0.05;
export const MAX_RATE = 1.25;
/** Playing this long without a stall earns the configured target latency back. */
export const QUIET_S = 30;

/** Playback rate for a tile `behindS` seconds behind its target latency with `aheadS` seconds buffered. Pure. */
export function catchUpRate(behindS: number, aheadS: number): number {
  if (!(behindS > DEADBAND_S) || !(aheadS > MIN_AHEAD_S)) return 1;
  return Math.round(Math.min(MAX_RATE, 1 + behindS * 0.5) * 20) / 20;
}

/** Seconds buffered ahead of the play position. */
export function bufferedAhead(video: HTMLVideoElement): number {
  const t = video.currentTime;
  for (let i = 0; i < video.buffered.length; i++) {
    if (video.buffered.start(i) <= t + 0.1 && t < video.buffered.end(i)) return video.buffered.end(i) - t;
  }
  return 0;
}

/** Follows hls's latency on every timeupdate toward `targetS`; returns the detach function. */
export function keepLiveEdge(hls: Hls, video: HTMLVideoElement, targetS: number): () => void {
  let lastStall = performance.now();
  const onStall = () => (lastStall = performance.now());
  const onTime = () => {
    const latency = hls.latency;
    const target = hls.targetLatency;
    if (!Number.isFinite(latency) || target === null || video.paused) return;
    if (target > targetS + 0.01 && performance.now() - lastStall > QUIET_S * 1000) hls.targetLatency = targetS;
    const rate = catchUpRate(latency - target, bufferedAhead(video));
    if (video.playbackRate !== rate) video.playbackRate = rate;
  };
  video.addEventListener('timeupdate', onTime);
  video.addEventListener('waiting', onStall);
  return () => {
    video.removeEventListener('timeupdate', onTime);
    video.removeEventListener('waiting', onStall);
    video.playbackRate = 1;
  };
}
