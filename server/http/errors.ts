// Errors mapped once: a DomainError code → its HTTP status, and one body shape for every 4xx of the API:
// `{error: <code>, field?, message, ...detail}`. Body-parser failures and malformed URLs take the same shape;
// nothing else is a 4xx.
import type { ErrorRequestHandler, Response } from 'express';
import { DomainError, type ErrorBody, type ErrorCode } from '../../domain/errors.ts';
import { redact } from '../../camera-config/redact.ts';

export const HTTP_STATUS: Record<ErrorCode, number> = {
  invalid_field: 400, invalid_json: 400, expected_json_object: 400, empty_body: 400, doctype_not_allowed: 400,
  malformed_xml: 400, not_a_cap_alert: 400, not_an_aml_message: 400, unsupported_aml_version: 400, unknown_device: 400,
  unknown_unit: 400,
  unauthenticated: 401, invalid_credentials: 401, hmac_missing: 401, hmac_invalid: 401,
  forbidden: 403,
  not_found: 404, incident_not_found: 404, unit_not_found: 404, camera_not_found: 404, unknown_reference: 404, no_snapshot: 404, no_recording: 404,
  method_not_allowed: 405,
  invalid_transition: 409, incident_closed: 409, not_dispatched: 409, out_of_order: 409, already_exists: 409, location_unknown: 409,
  merge_into_self: 409, already_merged: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  idempotency_key_reused: 422,
  rate_limited: 429,
  insufficient_storage: 507,
};

export function errorBody(err: DomainError): ErrorBody {
  return { ...err.detail, error: err.code, ...(err.field ? { field: err.field } : {}), message: err.message };
}

export function sendError(res: Response, err: DomainError): void {
  res.status(HTTP_STATUS[err.code]).json(errorBody(err));
}

/** Body-parser failures (bad JSON, too large, wrong charset) as DomainErrors on the field 'body'. */
function fromBodyParser(err: { type?: unknown; status?: unknown; message?: unknown }): DomainError | null {
  if (err?.type === 'entity.too.large') return new DomainError('payload_too_large', 'body', 'the body is larger than this route accepts');
  if (err?.type === 'entity.parse.failed') return new DomainError('invalid_json', 'body', 'the body is not valid JSON');
  if (typeof err?.type === 'string' && typeof err?.status === 'number' && err.status >= 400 && err.status < 500) {
    return new DomainError('invalid_field', 'body', String(err.message ?? err.type));
  }
  return null;
}

/**
 * SQLite could not grow the file (the transaction rolled back whole), or a file could not be written (a clip being
 * cut, an export): the client is told to retry, not 500.
 */
function fromDiskFull(err: unknown): DomainError | null {
  const code = (err as { code?: unknown })?.code;
  return code === 'SQLITE_FULL' || code === 'ENOSPC' || code === 'EDQUOT'
    ? new DomainError('insufficient_storage', null, 'the data disk is full: nothing was stored, retry later')
    : null;
}

/** The router's own 400: a route parameter that is not valid percent-encoding (/api/cameras/%E0). */
function fromBadUrl(err: unknown): DomainError | null {
  const bad = err instanceof URIError && (err as { status?: unknown }).status === 400;
  return bad ? new DomainError('invalid_field', 'path', 'the URL is not valid percent-encoding') : null;
}

/** The app's last error handler: DomainErrors, body-parser and URL-decoding failures as their 4xx, anything else a
 * 500 with no detail to the client (the stack goes to the log). */
export const httpErrors: ErrorRequestHandler = (err, _req, res, _next) => {
  const known = err instanceof DomainError ? err : (fromBadUrl(err) ?? fromDiskFull(err) ?? fromBodyParser(err));
  if (known) return sendError(res, known);
  process.stderr.write(`[http] ${redact(String(err?.stack ?? err))}\n`);
  res.status(500).json({ error: 'internal_error', message: 'internal error' });
};
