// Query-string numbers: one parser, so every route answers a bad one the same way (400 naming the parameter)
// instead of silently falling back or clamping.
export type ParamResult<T> = { ok: true; value: T } | { ok: false; error: string; field: string };

/** An integer in min..max; missing or empty → fallback. */
export function intParam(raw: unknown, field: string, o: { min: number; max: number; fallback: number }): ParamResult<number> {
  if (raw === undefined || raw === '') return { ok: true, value: o.fallback };
  const n = typeof raw === 'string' && /^\s*-?\d{1,16}\s*$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < o.min || n > o.max) return { ok: false, error: `${field} must be an integer ${o.min}..${o.max}`, field };
  return { ok: true, value: n };
}
