// What a value from outside (intake, AVL, query strings) may be here, physically and operationally. Decoders reject
// or clamp by these, so nothing impossible is stored and no out-of-range value reaches Date or the maths.

/** Nothing this system handles predates it: a date before 2000 is a broken clock or a forged field. */
export const EARLIEST_MS = Date.UTC(2000, 0, 1);
/** How far a sender's clock may run ahead of the server's. A fix dated later would freeze a unit in the future. */
export const FUTURE_SLACK_MS = 5 * 60_000;
export const TIME_RANGE_TEXT = 'between 2000-01-01 and 5 minutes after the server clock';

export function plausibleTime(ms: number, nowMs = Date.now()): boolean {
  return Number.isFinite(ms) && ms >= EARLIEST_MS && ms <= nowMs + FUTURE_SLACK_MS;
}

/** Wider than the city (~30 km across): a larger stated uncertainty says nothing about where the incident is, and
 * arrival is judged within it, so an unbounded one would let a unit 950 km away "arrive". */
export const MAX_UNCERTAINTY_M = 50_000;

/** A stated uncertainty in metres, clamped to MAX_UNCERTAINTY_M; `clamped` tells the caller to flag it. */
export function boundedUncertainty(m: number | null | undefined): { uncertaintyM: number | null; clamped: boolean } {
  if (m === null || m === undefined || !(m >= 0)) return { uncertaintyM: null, clamped: m !== null && m !== undefined };
  return m > MAX_UNCERTAINTY_M ? { uncertaintyM: MAX_UNCERTAINTY_M, clamped: true } : { uncertaintyM: m, clamped: false };
}

/** A decimal number as text ("-6.5", "1e3"): the empty string, hex, "Infinity" and the like are NaN, never 0 or a number. */
export function decimal(s: string): number {
  return /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d{1,3})?\s*$/.test(s) ? Number(s) : NaN;
}
