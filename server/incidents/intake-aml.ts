// AML (Advanced Mobile Location, ETSI TS 103 625): SMS text v1/v2 and the HTTPS form → IncidentInput.
// The handset's position becomes the incident location (method 'aml', radius → uncertaintyM); the category is
// unknown ('lainnya') until an operator verifies the call.
import { decimal, plausibleTime, TIME_RANGE_TEXT } from '../../domain/ranges.ts';
import crypto from 'node:crypto';
import { z } from 'zod';
import { DomainError, invalidField } from '../../domain/errors.ts';
import { hashBody, latSchema, lonSchema, type Dedupe, type IncidentInput, type IntakeMessage } from './model.ts';


export interface AmlMessage {
  format: 'sms-v1' | 'sms-v2' | 'https-form';
  lat: number;
  lon: number;
  uncertaintyM: number | null;
  /** Position time (ISO) when the handset gave one. */
  locationTime: string | null;
  positioning: string | null;
  confidencePct: number | null;
  phone: string | null;
  imei: string | null;
  imsi: string | null;
  flags: string[];
}

const HMAC_TAIL = /(^|[&;])hmac=([0-9a-fA-F]{40})\s*$/;

/**
 * "hmac = HMAC-SHA1 over the preceding payload with a shared key": the payload is everything before the
 * separator that introduces hmac. Missing or wrong → 401 (nothing is stored).
 */
export function verifyAmlHmac(raw: string, key: string): string {
  const m = HMAC_TAIL.exec(raw);
  if (!m) throw new DomainError('hmac_missing', 'hmac', 'the AML message carries no hmac');
  const payload = raw.slice(0, m.index);
  const expected = crypto.createHmac('sha1', key).update(payload).digest();
  const given = Buffer.from(m[2], 'hex');
  if (!crypto.timingSafeEqual(expected, given)) throw new DomainError('hmac_invalid', 'hmac', 'the AML hmac does not match');
  return payload;
}

const num = (field: string) =>
  z.string({ error: `${field} missing` }).trim().min(1).transform(Number).pipe(z.number());
const optNum = z
  .string()
  .optional()
  .transform((s) => (s === undefined || s.trim() === '' ? undefined : Number(s)))
  .pipe(z.number().optional());

const percent = optNum.pipe(z.number().min(0).max(100).optional());
const unixMs = optNum.refine((v) => v === undefined || plausibleTime(v), `must be unix ms ${TIME_RANGE_TEXT}`);

/** "yyyyMMddHHmmss" (UTC) as ISO, when it is a real instant in range; else undefined. */
function topTime(t: string): string | undefined {
  const [y, mo, d, h, mi, s] = [0, 4, 6, 8, 10, 12].map((i) => Number(t.slice(i, i === 0 ? 4 : i + 2)));
  const ms = Date.UTC(y, mo - 1, d, h, mi, s);
  const stamp = `${t.slice(0, 4)}-${t.slice(4, 6)}-${t.slice(6, 8)}T${t.slice(8, 10)}:${t.slice(10, 12)}:${t.slice(12, 14)}.000Z`;
  return plausibleTime(ms) && new Date(ms).toISOString() === stamp ? stamp : undefined;
}

function fields(pairs: Iterable<[string, string]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of pairs) out[k.trim().toLowerCase()] = v;
  return out;
}

function fail(issues: z.core.$ZodIssue[]): never {
  throw invalidField(issues);
}

const smsV1 = z.object({
  lt: num('lt').pipe(latSchema),
  lg: num('lg').pipe(lonSchema),
  rd: optNum.pipe(z.number().min(0).max(100_000).optional()),
  top: z.string().regex(/^\d{14}$/).refine((t) => topTime(t) !== undefined, `must be yyyyMMddHHmmss UTC ${TIME_RANGE_TEXT}`).optional(),
  lc: percent,
  pm: z.string().optional(),
  si: z.string().optional(),
  ei: z.string().optional(),
  ml: optNum,
});
const smsV2 = z.object({
  lo: z
    .string({ error: 'lo missing' })
    .transform((s) => s.split(',').map(decimal))
    .pipe(z.tuple([latSchema, lonSchema]).rest(z.number())),
  et: optNum.refine((v) => v === undefined || plausibleTime(v * 1000), `must be unix seconds ${TIME_RANGE_TEXT}`),
  lc: percent,
  ls: z.string().optional(),
  ei: z.string().optional(),
  en: z.string().optional(),
});
const httpsForm = z.object({
  location_latitude: num('location_latitude').pipe(latSchema),
  location_longitude: num('location_longitude').pipe(lonSchema),
  location_accuracy: optNum.pipe(z.number().min(0).max(100_000).optional()),
  location_time: unixMs,
  location_source: z.string().optional(),
  location_certainty: percent,
  location_confidence: percent,
  device_number: z.string().optional(),
  device_imei: z.string().optional(),
  device_imsi: z.string().optional(),
});

const POSITIONING: Record<string, string> = { G: 'GNSS', W: 'WiFi', C: 'Cell', U: 'unknown', F: 'fused' };
const iso = (ms: number | undefined) => (ms !== undefined && Number.isFinite(ms) && ms > 0 ? new Date(ms).toISOString() : null);
/** Free text from the handset (positioning method, IMEI, IMSI): a few characters in practice, kept short whatever comes. */
const clip = (s: string | undefined | null) => (s ? s.slice(0, 32) : null);
const phoneOrNull = (s: string | undefined | null) => (s && /^\+?[0-9]{3,20}$/.test(s.trim()) ? s.trim() : null);

/**
 * Decision on v1's `ml` (declared total length): a mismatch is ACCEPTED AND FLAGGED ('aml_length_mismatch').
 * ml is the last field, so a message that still ends in a parseable ml was not truncated; the count differs between
 * handsets/gateways (quotes, CR/LF). Refusing it would drop a real 112 caller's position over a counting quirk.
 * A message missing its position fields is refused (400).
 */
export function parseAml(raw: string, senderPhone?: string | null): AmlMessage {
  const body = raw.replace(/\r?\n$/, '');
  const sms = /^A"?ML=(\d+);/i.exec(body.trim());
  if (sms) {
    const version = sms[1];
    const f = fields(body.trim().slice(sms[0].length).split(';').filter(Boolean).map((kv) => {
      const i = kv.indexOf('=');
      return [i < 0 ? kv : kv.slice(0, i), i < 0 ? '' : kv.slice(i + 1)] as [string, string];
    }));
    if (version === '1') {
      const r = smsV1.safeParse(f);
      if (!r.success) fail(r.error.issues);
      const d = r.data;
      const flags = d.ml !== undefined && d.ml !== body.trim().length ? ['aml_length_mismatch'] : [];
      return {
        format: 'sms-v1', lat: d.lt, lon: d.lg, uncertaintyM: d.rd ?? null,
        locationTime: d.top ? topTime(d.top)! : null,
        positioning: d.pm ? (POSITIONING[d.pm] ?? clip(d.pm)) : null, confidencePct: d.lc ?? null,
        phone: phoneOrNull(senderPhone), imei: clip(d.ei), imsi: clip(d.si), flags,
      };
    }
    if (version === '2') {
      const r = smsV2.safeParse(f);
      if (!r.success) fail(r.error.issues);
      const d = r.data;
      const acc = d.lo[2];
      return {
        format: 'sms-v2', lat: d.lo[0], lon: d.lo[1], uncertaintyM: acc !== undefined && acc >= 0 ? acc : null,
        locationTime: iso(d.et !== undefined ? d.et * 1000 : undefined),
        positioning: d.ls ? (POSITIONING[d.ls] ?? clip(d.ls)) : null, confidencePct: d.lc ?? null,
        // `en` is the number dialled, not the caller: the caller's number comes from the SMS gateway
        phone: phoneOrNull(senderPhone), imei: clip(d.ei), imsi: null, flags: [],
      };
    }
    throw new DomainError('unsupported_aml_version', 'AML', `AML version ${String(version).slice(0, 16)} is not supported`);
  }
  const f = fields(new URLSearchParams(body.trim()));
  if (!('location_latitude' in f) && !('location_longitude' in f) && !('v' in f)) {
    throw new DomainError('not_an_aml_message', 'body', 'the body is not an AML SMS or HTTPS message');
  }
  const r = httpsForm.safeParse(f);
  if (!r.success) fail(r.error.issues);
  const d = r.data;
  return {
    format: 'https-form', lat: d.location_latitude, lon: d.location_longitude, uncertaintyM: d.location_accuracy ?? null,
    locationTime: iso(d.location_time), positioning: clip(d.location_source),
    confidencePct: d.location_certainty ?? d.location_confidence ?? null,
    phone: phoneOrNull(d.device_number) ?? phoneOrNull(senderPhone), imei: clip(d.device_imei), imsi: clip(d.device_imsi),
    flags: [],
  };
}

/** An AML message → a new incident, keyed so a gateway's retry of the same report is a duplicate. */
export function decodeAml(m: AmlMessage): IntakeMessage & { kind: 'create'; dedupe: Dedupe } {
  const details = [m.positioning && `posisi ${m.positioning}`, m.confidencePct !== null && `keyakinan ${m.confidencePct}%`, m.locationTime && `waktu posisi ${m.locationTime}`]
    .filter(Boolean)
    .join(', ');
  const input: IncidentInput = {
    source: 'aml',
    sourceRef: m.imei ?? m.imsi ?? m.phone ?? null,
    category: 'lainnya',
    description: `Panggilan 112 dengan lokasi otomatis AML (${m.format}${details ? '; ' + details : ''}). Kategori belum diverifikasi.`,
    caller: { name: null, phone: m.phone },
    location: { lat: m.lat, lon: m.lon, uncertaintyM: m.uncertaintyM ?? undefined, method: 'aml' },
    flags: m.flags,
  };
  // one incident per handset position report; a gateway retry of the same message is a duplicate, not a 422. A second
  // message from the same handset (another call, or a better fix in the same call) is a new report: within the
  // repeat-call window of an open incident from that handset it is flagged possibleDuplicateOf it (sourceRef is the
  // handset: server/incidents/duplicates.ts) and the operator merges it; never merged on arrival, because a new
  // emergency from the same phone must not disappear into the old one.
  const ref = `${m.imei ?? m.imsi ?? m.phone ?? 'unknown'}|${m.locationTime ?? ''}|${m.lat},${m.lon}`;
  return { kind: 'create', input, dedupe: { kind: 'aml', ref, bodyHash: hashBody(ref) } };
}
