// The one error the domain and its decoders throw: a code a client can branch on, the field at fault (a dotted
// path, a header or a query parameter) and a sentence for people. HTTP statuses are not known here; the server's
// http/errors.ts alone maps codes to them.

export const ERROR_CODES = [
  // The request itself is wrong: the field (or 'body') says where.
  'invalid_field', 'invalid_json', 'expected_json_object', 'empty_body', 'doctype_not_allowed', 'malformed_xml',
  'not_a_cap_alert', 'not_an_aml_message', 'unsupported_aml_version', 'unknown_device', 'unknown_unit',
  // Who is asking.
  'unauthenticated', 'invalid_credentials', 'hmac_missing', 'hmac_invalid', 'forbidden',
  // What it names does not exist.
  'not_found', 'incident_not_found', 'unit_not_found', 'camera_not_found', 'unknown_reference', 'no_snapshot', 'no_recording',
  // The state does not allow it.
  'invalid_transition', 'incident_closed', 'not_dispatched', 'out_of_order', 'already_exists', 'idempotency_key_reused',
  // A merge of repeat calls the state does not allow: an incident into itself, or a call already merged (either side).
  'merge_into_self', 'already_merged',
  // No point to route to or from: the incident has no coordinates yet, the unit no fix and no station.
  'location_unknown',
  // How it was sent.
  'method_not_allowed', 'payload_too_large', 'unsupported_media_type', 'rate_limited',
  // The server cannot keep it: the data disk is (nearly) full. Nothing was stored; retry later.
  'insufficient_storage',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** What a client receives for any refusal (the wall reads it too). */
export interface ErrorBody {
  error: ErrorCode;
  field?: string;
  message: string;
  [detail: string]: unknown;
}

export class DomainError extends Error {
  constructor(
    readonly code: ErrorCode,
    /** Dotted path of the offending field ('location.lat', 'alert.info.area.circle'), a header or a parameter. */
    readonly field: string | null,
    message: string,
    /** Facts a client may act on, e.g. {from, to} of a refused transition or the incident a key already made. */
    readonly detail: Record<string, unknown> = {},
  ) {
    super(message);
    this.name = 'DomainError';
  }
}

/** zod issues → the first offending field as a dotted path (e.g. "location.lat"); null for the value as a whole. */
export function zodField(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; keys?: ReadonlyArray<PropertyKey> }>): string | null {
  // an unknown key is named itself (a strict schema's unrecognized_keys issue sits on the parent)
  const path = [...(issues[0]?.path ?? []), ...(issues[0]?.keys?.slice(0, 1) ?? [])];
  return path.length ? path.map(String).join('.') : null;
}

/** A failed zod parse as the one `invalid_field` error; `prefix` places it in a larger document ('alert'). */
export function invalidField(issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }>, prefix?: string, whole = 'body'): DomainError {
  const inner = zodField(issues);
  const field = prefix ? (inner ? `${prefix}.${inner}` : prefix) : (inner ?? whole);
  return new DomainError('invalid_field', field, `${field}: ${issues[0]?.message ?? 'invalid'}`);
}
