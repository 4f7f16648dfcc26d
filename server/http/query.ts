// Query-string numbers: one parser, so every route answers a bad one the same way (400 naming the parameter)
// instead of silently falling back or clamping.
import { DomainError } from '../../domain/errors.ts';

/** An integer in min..max; missing or empty → fallback; anything else → DomainError invalid_field. */
export function intParam(raw: unknown, field: string, o: { min: number; max: number; fallback: number }): number {
  if (raw === undefined || raw === '') return o.fallback;
  const n = typeof raw === 'string' && /^\s*-?\d{1,16}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < o.min || n > o.max) throw new DomainError('invalid_field', field, `${field} must be an integer ${o.min}..${o.max}`);
  return n;
}
