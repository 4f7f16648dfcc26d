// Period parsing and WIB (UTC+7) calendar helpers. Pure: used by the API and by the briefing view in the browser.
import { WIB_OFFSET_MS } from './kpis.ts';

const DAY = 86_400_000;
export const MAX_PERIOD_DAYS = 400;
/** Command-centre shift starts, hour of day in WIB (three 8-hour shifts; change here if the centre differs). */
export const SHIFT_START_HOURS_WIB = [7, 15, 23];

export interface Period {
  from: number;
  to: number;
}
export type PeriodResult = { ok: true; period: Period } | { ok: false; field: 'from' | 'to'; error: string };

const DATE_ONLY = /^(\d{4})-(\d{2})-(\d{2})$/;
const LOCAL_DATETIME = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,3}))?)?$/;
const ZONED = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

function wibMs(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, ms = 0): number | null {
  const t = Date.UTC(y, mo - 1, d, h, mi, s, ms);
  const back = new Date(t);
  // Reject rolled-over dates such as 2026-02-31 or 25:00.
  if (back.getUTCFullYear() !== y || back.getUTCMonth() !== mo - 1 || back.getUTCDate() !== d || back.getUTCHours() !== h || back.getUTCMinutes() !== mi) return null;
  return t - WIB_OFFSET_MS;
}

/**
 * One bound: `YYYY-MM-DD` (a WIB calendar day: its start for `from`, the next midnight for `to`, so `to` is
 * inclusive of that day), `YYYY-MM-DDTHH:mm[:ss]` without a zone (WIB wall-clock), or full ISO with `Z`/offset.
 */
export function parseBound(raw: string, end: boolean): number | null {
  const s = raw.trim();
  let m = DATE_ONLY.exec(s);
  if (m) {
    const t = wibMs(+m[1], +m[2], +m[3]);
    return t === null ? null : end ? t + DAY : t;
  }
  m = LOCAL_DATETIME.exec(s);
  if (m) return wibMs(+m[1], +m[2], +m[3], +m[4], +m[5], +(m[6] ?? 0), +(m[7] ?? '0').padEnd(3, '0'));
  if (ZONED.test(s)) {
    const t = Date.parse(s);
    return Number.isFinite(t) ? t : null;
  }
  return null;
}

export function startOfDayWib(t: number): number {
  return Math.floor((t + WIB_OFFSET_MS) / DAY) * DAY - WIB_OFFSET_MS;
}

/** Start of the shift containing t. */
export function startOfShiftWib(t: number): number {
  const day = startOfDayWib(t);
  const hour = (t - day) / 3_600_000;
  const starts = [...SHIFT_START_HOURS_WIB].sort((a, b) => a - b);
  let best = day + (starts[starts.length - 1] - 24) * 3_600_000; // previous day's last shift
  for (const h of starts) if (h <= hour) best = day + h * 3_600_000;
  return best;
}

export type PresetPeriod = 'today' | 'shift' | '7d' | '30d';
export function presetPeriod(preset: PresetPeriod, now: number): Period {
  switch (preset) {
    case 'today':
      return { from: startOfDayWib(now), to: now };
    case 'shift':
      return { from: startOfShiftWib(now), to: now };
    case '7d':
      return { from: now - 7 * DAY, to: now };
    case '30d':
      return { from: now - 30 * DAY, to: now };
  }
}

/** Query params → period. Missing `to` = now; missing `from` = start of the WIB day containing `to`. */
export function parsePeriod(q: { from?: unknown; to?: unknown }, now: number): PeriodResult {
  let to = now;
  if (q.to !== undefined && q.to !== '') {
    const t = typeof q.to === 'string' ? parseBound(q.to, true) : null;
    if (t === null) return { ok: false, field: 'to', error: 'to must be a date (YYYY-MM-DD, WIB) or an ISO date-time' };
    to = t;
  }
  let from: number;
  if (q.from !== undefined && q.from !== '') {
    const f = typeof q.from === 'string' ? parseBound(q.from, false) : null;
    if (f === null) return { ok: false, field: 'from', error: 'from must be a date (YYYY-MM-DD, WIB) or an ISO date-time' };
    from = f;
  } else {
    from = startOfDayWib(to - 1);
  }
  if (from >= to) return { ok: false, field: 'to', error: 'to must be after from' };
  if (to - from > MAX_PERIOD_DAYS * DAY) return { ok: false, field: 'from', error: `period longer than ${MAX_PERIOD_DAYS} days` };
  return { ok: true, period: { from, to } };
}
