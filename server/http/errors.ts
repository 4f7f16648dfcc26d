// The one `{error, field}` shape for bad input that never reached a handler (body-parser) or failed a zod schema.
import type { ErrorRequestHandler } from 'express';

/** zod issues → the first offending field as a dotted path (e.g. "location.lat"); null for the body as a whole. */
export function zodField(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey> }>): string | null {
  const path = issues[0]?.path ?? [];
  return path.length ? path.map(String).join('.') : null;
}

/** Body-parser failures (bad JSON, too large, wrong charset) as `{error, field: 'body'}`; anything else passes on. */
export const bodyErrors: ErrorRequestHandler = (err, _req, res, next) => {
  if (err?.type === 'entity.too.large') return void res.status(413).json({ error: 'payload_too_large', field: 'body' });
  if (err?.type === 'entity.parse.failed') return void res.status(400).json({ error: 'invalid_json', field: 'body' });
  if (typeof err?.type === 'string' && typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    return void res.status(err.status).json({ error: err.type, field: 'body' });
  }
  next(err);
};
