// fetch wrappers for /api (the session cookie rides along). Errors carry the status so callers can show login.
import type { ErrorBody } from '../../domain/errors.ts';

export class ApiError extends Error {
  constructor(
    public status: number,
    public body: ErrorBody | null,
  ) {
    super(body?.message ?? body?.error ?? `HTTP ${status}`);
  }
}

/** Set while requests fail at the network level, cleared by the first success: drives the "unreachable" banner. */
export const reachability = { ok: true, listeners: new Set<(ok: boolean) => void>() };
function markReachable(ok: boolean): void {
  if (reachability.ok === ok) return;
  reachability.ok = ok;
  for (const fn of reachability.listeners) fn(ok);
}

export async function api<T>(path: string, init: RequestInit & { json?: unknown } = {}): Promise<T> {
  const headers = new Headers(init.headers);
  let body = init.body;
  if (init.json !== undefined) {
    headers.set('content-type', 'application/json');
    body = JSON.stringify(init.json);
  }
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers, body, credentials: 'same-origin' });
  } catch (err) {
    markReachable(false);
    throw err;
  }
  markReachable(true);
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = text ? JSON.parse(text) : null;
  } catch {
    parsed = null;
  }
  if (!res.ok) throw new ApiError(res.status, parsed as ErrorBody | null);
  return parsed as T;
}
