// Query-string numbers and times: one parser each, so every route answers a bad one the same way (400 naming the parameter)
// instead of silently falling back or clamping.
import { DomainError } from '../../domain/errors.ts';
import { plausibleTime, TIME_RANGE_TEXT } from '../../domain/ranges.ts';

/** An integer in min..max; missing or empty → fallback; anything else → DomainError invalid_field. */
export function intParam(raw: unknown, field: string, o: { min: number; max: number; fallback: number }): number {
  if (raw === undefined || raw === '') return o.fallback;
  const n = typeof raw === 'string' && /^\s*-?\d{1,16}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < o.min || n > o.max) throw new DomainError('invalid_field', field, `${field} must be an integer ${o.min}..${o.max}`);
  return n;
}

/**
 * An instant as ISO-8601 (with `epochMs`, all digits are epoch ms too) inside domain/ranges.ts, in ms; missing or
 * empty → fallback; anything else → DomainError invalid_field.
 */
export function timeParam(raw: unknown, field: string, o: { fallback: number; epochMs?: boolean; now?: number }): number;
export function timeParam(raw: unknown, field: string, o: { fallback?: undefined; epochMs?: boolean; now?: number }): number | undefined;
export function timeParam(raw: unknown, field: string, o: { fallback?: number; epochMs?: boolean; now?: number }): number | undefined {
  if (raw === undefined || raw === '') return o.fallback;
  const t = typeof raw !== 'string' ? NaN : o.epochMs && /^\d{1,16}$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!plausibleTime(t, o.now)) {
    throw new DomainError('invalid_field', field, `${field}: an ISO-8601 time${o.epochMs ? ' or epoch ms' : ''} ${TIME_RANGE_TEXT}`);
  }
  return t;
}
