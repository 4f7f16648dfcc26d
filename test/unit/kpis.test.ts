import { describe, expect, it } from 'vitest';
import { computeKpis, hourOfDayWib, percentile, type SlaTable, type TimelineIncident } from '../../domain/kpis.ts';
import { parseBound, parsePeriod, presetPeriod, startOfShiftWib } from '../../domain/period.ts';

const FIRE_RULE = { id: 'damkar-fire', agency: 'damkar', categories: ['kebakaran'], stage: 'arrival', minutes: 7, label: 'Damkar tiba ≤ 7 menit', source: 'test' } as const;
const OTHER_RULE = { id: 'other', agency: '*', categories: '*', stage: 'arrival', minutes: 10, label: 'tiba ≤ 10 menit', source: 'test' } as const;
const SLA: SlaTable = { rules: [FIRE_RULE, OTHER_RULE] };
// 2026-11-20 08:00 WIB = 01:00 UTC
const T0 = Date.parse('2026-11-20T01:00:00Z');
const MIN = 60_000;

function incident(id: string, over: Partial<TimelineIncident> = {}): TimelineIncident {
  return {
    id, category: 'kebakaran', source: 'form', status: 'selesai', reportedAt: T0, closedAt: T0 + 60 * MIN,
    kecamatan: 'Sukajadi', kelurahan: 'Jadirejo', dispatches: [], ...over,
  };
}
/** A Damkar response: dispatch, move and arrive after the given minutes from the report (null = never). */
function damkar(id: string, disp: number, move: number | null, arr: number | null, over: Partial<TimelineIncident> = {}) {
  return incident(id, {
    ...over,
    dispatches: [{
      unitId: `u-${id}`, agency: 'damkar', dispatchedAt: T0 + disp * MIN,
      movingAt: move === null ? null : T0 + move * MIN, arrivedAt: arr === null ? null : T0 + arr * MIN,
    }],
  });
}

describe('percentile', () => {
  it('interpolates linearly between closest ranks (type 7)', () => {
    expect(percentile([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(percentile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1, 10);
    expect(percentile([5], 0.9)).toBe(5);
    expect(percentile([], 0.5)).toBeNull();
    expect(percentile([1, Infinity], 0.5)).toBe(Infinity);
    expect(percentile([1, 2, Infinity], 0.5)).toBe(2);
  });
});

describe('computeKpis on a hand-built timeline', () => {
  // Five Damkar fires: arrivals at 4, 6, 8, 12 min and one unit that never arrived (incident closed).
  const timeline: TimelineIncident[] = [
    damkar('a', 1, 2, 4),
    damkar('b', 1, 3, 6),
    damkar('c', 2, 4, 8),
    damkar('d', 3, 6, 12),
    damkar('e', 2, 5, null),
    // prank: counted in volume and prank share, not in response figures even though a unit went
    damkar('p', 1, 2, 3, { status: 'iseng', category: 'lainnya', source: 'aml' }),
    // a police job at 23:30 WIB
    incident('q', {
      category: 'kriminalitas', source: 'cap', reportedAt: T0 + 15.5 * 60 * MIN, closedAt: null, status: 'dalam_penanganan',
      kecamatan: 'Tampan', kelurahan: null,
      dispatches: [{ unitId: 'p1', agency: 'polisi', dispatchedAt: T0 + 15.5 * 60 * MIN + 2 * MIN, movingAt: T0 + 15.5 * 60 * MIN + 3 * MIN, arrivedAt: T0 + 15.5 * 60 * MIN + 9 * MIN }],
    }),
  ];
  const asOf = T0 + 24 * 60 * MIN;
  const k = computeKpis(timeline, { asOf, sla: SLA });
  const d = k.byAgency.find((a) => a.agency === 'damkar')!;

  it('counts volumes by category, source and WIB hour', () => {
    expect(k.total).toBe(7);
    expect(k.byCategory).toEqual({ kebakaran: 5, lainnya: 1, kriminalitas: 1 });
    expect(k.bySource).toEqual({ form: 5, aml: 1, cap: 1 });
    expect(k.byHourWib[8]).toBe(6);
    expect(k.byHourWib[23]).toBe(1);
    expect(k.byHourWib.reduce((a, b) => a + b, 0)).toBe(7);
  });

  it('gives median and p90 per stage; a never-arrived unit enters as +∞', () => {
    expect(d).toMatchObject({ routed: 5, dispatched: 5, measured: 5 });
    // dispatch minutes [1,1,2,2,3] → median 2 min, p90 = 2.6 min
    expect(d.stages.dispatch).toEqual({ n: 5, missed: 0, medianS: 120, p90S: 156 });
    // moving [2,3,4,5,6] → median 4, p90 5.6 min
    expect(d.stages.moving).toEqual({ n: 5, missed: 0, medianS: 240, p90S: 336 });
    // arrival [4,6,8,12,∞] → median 8 min; p90 lies between 12 and ∞ → null (reported as missed, not a number)
    expect(d.stages.arrival).toEqual({ n: 5, missed: 1, medianS: 480, p90S: null });
  });

  it('SLA share: Damkar 7 min on arrival for fires; the unit that never arrived is a breach', () => {
    expect(d.slas).toEqual([{ rule: FIRE_RULE, n: 5, within: 2, share: 0.4 }]); // 4 and 6 min
    const p = k.byAgency.find((a) => a.agency === 'polisi')!;
    expect(p.slas).toEqual([{ rule: OTHER_RULE, n: 1, within: 1, share: 1 }]);
  });

  it('a Damkar job that is not a fire is held to the general rule, named beside its own share', () => {
    const tree = damkar('t', 1, 2, 9, { category: 'pohon_tumbang' }); // 9 min: late for a fire, fine for a tree
    const r = computeKpis([...timeline, tree], { asOf, sla: SLA }).byAgency.find((a) => a.agency === 'damkar')!;
    expect(r.slas).toEqual([{ rule: FIRE_RULE, n: 5, within: 2, share: 0.4 }, { rule: OTHER_RULE, n: 1, within: 1, share: 1 }]);
  });

  it('honest denominators: routed = measured + no free unit + untracked + not confirmable + pending', () => {
    const routed = [
      ...timeline,
      incident('nu', { leadAgency: 'damkar', noUnitAgencies: ['damkar'] }), // no free unit, closed
      incident('ut', { leadAgency: 'damkar' }), // closed, nobody dispatched: handled without a tracked unit
      incident('op', { leadAgency: 'damkar', status: 'baru', closedAt: null }), // open, nobody yet
      // the point was 5 km uncertain and nobody confirmed arrival: not a miss, not fast — not measured
      // (it left its station: movement by station exit)
      incident('uc', { leadAgency: 'damkar', dispatches: [{ unitId: 'u', agency: 'damkar', dispatchedAt: T0 + MIN, movingAt: T0 + 2 * MIN, movingSource: 'station', arrivedAt: null, arrivalCheck: 'confirm' }] }),
      // the same, confirmed by the crew: measured, and its source is counted
      incident('cc', { leadAgency: 'damkar', dispatches: [{ unitId: 'u', agency: 'damkar', dispatchedAt: T0 + MIN, movingAt: T0 + 2 * MIN, arrivedAt: T0 + 5 * MIN, arrivedSource: 'crew', arrivalCheck: 'confirm' }] }),
      incident('pr', { leadAgency: 'damkar', status: 'iseng' }), // pranks are never routed responses
    ];
    const r = computeKpis(routed, { asOf, sla: SLA }).byAgency.find((a) => a.agency === 'damkar')!;
    expect(r.routed).toBe(10);
    expect(r.notMeasured).toEqual({ noUnit: 1, untracked: 1, unconfirmable: 1, pending: 1 });
    expect(r.measured).toBe(6);
    expect(r.routed).toBe(r.measured + Object.values(r.notMeasured).reduce((a, b) => a + b, 0));
    expect(r.dispatched).toBe(7);
    expect(r.arrivalsBySource).toEqual({ crew: 1 });
    expect(r.movementsBySource).toEqual({ station: 1 }); // the others' movements have no recorded source
    expect(r.stages.arrival.n).toBe(6); // the unconfirmable one is not in the arrival times
  });

  it('prank share, areas and open backlog', () => {
    expect(k.prank).toEqual({ count: 1, share: 0.1429 });
    expect(k.cancelled).toBe(0);
    // the prank in Sukajadi is not a hotspot
    expect(k.byKecamatan).toEqual([{ name: 'Sukajadi', count: 5 }, { name: 'Tampan', count: 1 }]);
    expect(k.byKelurahan).toEqual([{ name: 'Jadirejo', count: 5 }]);
    expect(k.openBacklog).toBe(1);
  });

  it('rates per 10,000 only where a population is configured', () => {
    const r = computeKpis(timeline, { asOf, sla: SLA, population: { kecamatan: { Tampan: 20_000 }, kelurahan: {} } });
    expect(r.byKecamatan).toEqual([{ name: 'Sukajadi', count: 5 }, { name: 'Tampan', count: 1, ratePer10k: 0.5 }]);
  });

  it('agency filter keeps only that agency', () => {
    const r = computeKpis(timeline, { asOf, sla: SLA, agency: 'polisi' });
    expect(r.byAgency.map((a) => a.agency)).toEqual(['polisi']);
  });

  it('an open incident without arrival is pending inside its SLA and a miss after it', () => {
    const open = [damkar('x', 1, 2, null, { status: 'dalam_penanganan', closedAt: null })];
    const early = computeKpis(open, { asOf: T0 + 5 * MIN, sla: SLA }).byAgency[0];
    expect(early.stages.arrival).toEqual({ n: 0, missed: 0, medianS: null, p90S: null });
    expect(early.slas).toEqual([]);
    expect(early.notMeasured.pending).toBe(1);
    const late = computeKpis(open, { asOf: T0 + 8 * MIN, sla: SLA }).byAgency[0];
    expect(late.stages.arrival).toEqual({ n: 1, missed: 1, medianS: null, p90S: null });
    expect(late.slas).toEqual([{ rule: FIRE_RULE, n: 1, within: 0, share: 0 }]);
  });

  it('an empty period is all zeros, not NaN', () => {
    const e = computeKpis([], { asOf, sla: SLA });
    expect(e.total).toBe(0);
    expect(e.prank.share).toBeNull();
    expect(e.byAgency).toEqual([]);
    expect(JSON.stringify(e)).not.toMatch(/NaN|null,null,null/);
  });
});

describe('WIB periods', () => {
  it('hour of day is WIB (UTC+7)', () => {
    expect(hourOfDayWib(Date.parse('2026-11-20T17:00:00Z'))).toBe(0);
    expect(hourOfDayWib(Date.parse('2026-11-20T16:59:59Z'))).toBe(23);
  });

  it('date-only bounds are WIB calendar days; to is inclusive of its day', () => {
    expect(parseBound('2026-11-20', false)).toBe(Date.parse('2026-11-19T17:00:00Z'));
    expect(parseBound('2026-11-20', true)).toBe(Date.parse('2026-11-20T17:00:00Z'));
    expect(parseBound('2026-11-20T08:30', false)).toBe(Date.parse('2026-11-20T01:30:00Z'));
    expect(parseBound('2026-11-20T08:30:00+07:00', false)).toBe(Date.parse('2026-11-20T01:30:00Z'));
    expect(parseBound('2026-11-20T01:30:00Z', false)).toBe(Date.parse('2026-11-20T01:30:00Z'));
    expect(parseBound('2026-02-31', false)).toBeNull();
    expect(parseBound('yesterday', false)).toBeNull();
  });

  it('parsePeriod names the bad field', () => {
    const now = Date.parse('2026-11-20T05:00:00Z');
    expect(parsePeriod({ from: 'nope' }, now)).toMatchObject({ ok: false, field: 'from' });
    expect(parsePeriod({ to: '2026-13-01' }, now)).toMatchObject({ ok: false, field: 'to' });
    expect(parsePeriod({ from: '2026-11-21', to: '2026-11-20' }, now)).toMatchObject({ ok: false, field: 'to' });
    expect(parsePeriod({ from: '2020-01-01', to: '2026-11-20' }, now)).toMatchObject({ ok: false, field: 'from' });
    // default: today in WIB (12:00 WIB now → from 00:00 WIB)
    expect(parsePeriod({}, now)).toEqual({ ok: true, period: { from: Date.parse('2026-11-19T17:00:00Z'), to: now } });
  });

  it('an incident at 23:30 WIB belongs to that WIB day, not the UTC one', () => {
    const at = Date.parse('2026-11-20T16:30:00Z'); // 23:30 WIB on the 20th
    const p = parsePeriod({ from: '2026-11-20', to: '2026-11-20' }, Date.now());
    expect(p.ok && at >= p.period.from && at < p.period.to).toBe(true);
    const next = parsePeriod({ from: '2026-11-21', to: '2026-11-21' }, Date.now());
    expect(next.ok && at >= next.period.from).toBe(false);
  });

  it('shift and presets', () => {
    const at = Date.parse('2026-11-20T17:30:00Z'); // 00:30 WIB on the 21st → shift began 23:00 WIB on the 20th
    expect(startOfShiftWib(at)).toBe(Date.parse('2026-11-20T16:00:00Z'));
    expect(startOfShiftWib(Date.parse('2026-11-21T01:00:00Z'))).toBe(Date.parse('2026-11-21T00:00:00Z')); // 08:00 → 07:00
    expect(presetPeriod('today', at).from).toBe(Date.parse('2026-11-20T17:00:00Z'));
    expect(presetPeriod('30d', at).to - presetPeriod('30d', at).from).toBe(30 * 86_400_000);
  });
});
