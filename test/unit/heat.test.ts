// The heat density (wall/map/heat.ts) is a real kernel density in incidents per km², and its colours rise with it.
import { describe, expect, it } from 'vitest';
import { density, gridOver, HEAT_SIGMA_M, heatColour, heatOpacity, percentileOfPositive, wibDayStart } from '../../wall/map/heat.ts';

const grid = gridOver([[101.40, 0.50], [101.50, 0.60]]);

describe('heat density', () => {
  it('integrates to the number of incidents (per km² × cell area)', () => {
    const lon = [101.45, 101.45, 101.42];
    const lat = [0.55, 0.55, 0.52];
    const d = density(grid, lon, lat, [0, 1, 2]);
    const cellKm2 = (grid.cellM / 1000) ** 2;
    const total = d.reduce((s, v) => s + v * cellKm2, 0);
    expect(total).toBeCloseTo(3, 1);
  });

  it('peaks at 1/(2πσ²) per incident, as a Gaussian kernel of σ = HEAT_SIGMA_M', () => {
    const d = density(grid, [101.45], [0.55], [0]);
    const sigmaKm = HEAT_SIGMA_M / 1000;
    const peak = Math.max(...d);
    // Binning to 100 m cells smooths the peak a little.
    expect(peak).toBeGreaterThan(0.85 / (2 * Math.PI * sigmaKm ** 2));
    expect(peak).toBeLessThan(1.05 / (2 * Math.PI * sigmaKm ** 2));
  });

  it('only counts the indices it is given', () => {
    const d = density(grid, [101.45, 101.42], [0.55, 0.52], [1]);
    const c = Math.floor((101.45 - grid.west) / ((grid.east - grid.west) / grid.cols));
    const r = Math.floor((grid.north - 0.55) / ((grid.north - grid.south) / grid.rows));
    expect(d[r * grid.cols + c]).toBe(0);
  });

  it('percentiles ignore empty cells', () => {
    expect(percentileOfPositive(new Float32Array([0, 0, 0, 1, 2, 3, 4]), 0.5)).toBe(3);
    expect(percentileOfPositive(new Float32Array([0, 0]), 0.95)).toBe(0);
  });

  it('colours: transparent at zero, opaque and lighter towards the top of the domain', () => {
    const domain: [number, number] = [1, 10];
    expect(heatColour(0, domain)[3]).toBe(0);
    const light = (c: number[]) => 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
    const steps = [1, 3, 5, 7, 10].map((v) => heatColour(v, domain));
    for (let i = 1; i < steps.length; i++) {
      expect(light(steps[i])).toBeGreaterThan(light(steps[i - 1]));
      expect(steps[i][3]).toBeGreaterThanOrEqual(steps[i - 1][3]);
    }
    expect(heatColour(0.5, domain)[3]).toBeLessThan(heatColour(1, domain)[3]);
    expect(heatColour(50, domain)).toEqual(heatColour(10, domain));
  });

  it('days start at midnight WIB (UTC+7)', () => {
    const at = Date.parse('2026-03-10T16:59:00Z'); // 23:59 WIB
    expect(new Date(wibDayStart(at)).toISOString()).toBe('2026-03-09T17:00:00.000Z');
    expect(new Date(wibDayStart(at + 120_000)).toISOString()).toBe('2026-03-10T17:00:00.000Z');
  });
});

describe('heatOpacity', () => {
  it("is full at city zoom, fades to a quarter at street zoom and is gone by 17, never rising with zoom", () => {
    expect(heatOpacity(11)).toBe(1);
    expect(heatOpacity(13)).toBe(1);
    expect(heatOpacity(16)).toBe(0.25);
    expect(heatOpacity(16.5)).toBe(0.125);
    expect(heatOpacity(17)).toBe(0);
    expect(heatOpacity(19)).toBe(0);
    for (let z = 10; z < 19; z += 0.25) expect(heatOpacity(z + 0.25)).toBeLessThanOrEqual(heatOpacity(z));
  });
});
