import { describe, expect, it } from 'vitest';
import { percentile, percentileUnsorted } from '../../domain/kpis.ts';

describe('percentileUnsorted (quickselect) = percentile over the sorted values + misses', () => {
  let seed = 7;
  const rnd = () => ((seed = (seed * 1664525 + 1013904223) >>> 0) / 2 ** 32);
  it.each([0, 1, 2, 3, 10, 11, 101, 1000])('n = %i', (n) => {
    for (const missed of [0, 1, 3, Math.ceil(n / 5)]) {
      for (const dup of [false, true]) {
        const values = Array.from({ length: n }, () => (dup ? Math.floor(rnd() * 5) * 60 : Math.round(rnd() * 36_000) / 10));
        const sorted = [...values, ...Array(missed).fill(Infinity)].sort((a, b) => a - b);
        for (const p of [0, 0.1, 0.5, 0.9, 0.95, 1]) {
          expect(percentileUnsorted(Float64Array.from(values), missed, p)).toBe(percentile(sorted, p));
        }
      }
    }
  });
});
