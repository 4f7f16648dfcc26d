// The tile's catch-up rule (wall/video/live-edge.ts): faster only while behind the target AND with a safe margin
// buffered; never faster than MAX_RATE; 1× inside the dead band.
import { describe, expect, it } from 'vitest';
import { catchUpRate, DEADBAND_S, MAX_RATE, MIN_AHEAD_S } from '../../wall/video/live-edge.ts';

describe('catchUpRate', () => {
  it('plays at 1× on target, ahead of it, inside the dead band, or on unknown figures', () => {
    expect(catchUpRate(0, 2)).toBe(1);
    expect(catchUpRate(-0.5, 2)).toBe(1);
    expect(catchUpRate(DEADBAND_S, 2)).toBe(1);
    expect(catchUpRate(NaN, 2)).toBe(1);
    expect(catchUpRate(0.5, NaN)).toBe(1);
  });

  it('never spends the buffer below its margin, however far behind', () => {
    expect(catchUpRate(2, MIN_AHEAD_S)).toBe(1);
    expect(catchUpRate(2, 0)).toBe(1);
    expect(catchUpRate(2, MIN_AHEAD_S + 0.05)).toBeGreaterThan(1);
  });

  it('speeds up with the distance behind, in 0.05 steps, up to MAX_RATE', () => {
    const rates = [0.1, 0.2, 0.3, 0.4, 1, 5].map((behind) => catchUpRate(behind, 1));
    for (let i = 1; i < rates.length; i++) expect(rates[i]).toBeGreaterThanOrEqual(rates[i - 1]);
    expect(rates[0]).toBeGreaterThan(1);
    expect(rates.at(-1)).toBe(MAX_RATE);
    for (const r of rates) expect(Math.round(r * 20)).toBeCloseTo(r * 20, 9);
  });
});
