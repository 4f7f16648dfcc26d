// OsmAnd / Traccar Client protocol adapter. Mirrors Traccar's OsmAndProtocolDecoder:
//  - query string (GET or POST) or form body: id|deviceid, lat, lon | location=lat,lon, timestamp (unix s, ms or
//    ISO / "yyyy-MM-dd HH:mm:ss"), speed in KNOTS, bearing|heading, altitude, accuracy, batt (percent);
//  - JSON body (newer Traccar Client, Content-Type application/json): {device_id, location: {timestamp (ISO),
//    coords: {latitude, longitude, speed (m/s, -1 = unknown), heading, accuracy, altitude}, battery: {level 0..1}}}.
// An unknown device id is a 400, as in Traccar.
import { decimal, plausibleTime, TIME_RANGE_TEXT } from '../../domain/ranges.ts';
import http from 'node:http';
import express from 'express';
import { ipKeyGenerator, rateLimit } from 'express-rate-limit';
import { maskDeviceId } from '../../domain/caller.ts';
import { DomainError } from '../../domain/errors.ts';
import { logger } from '../log.ts';
import { declareAccess } from '../http/access.ts';
import { httpErrors } from '../http/errors.ts';
import { deviceHash } from './device-id.ts';
import type { Position } from './types.ts';

export interface OsmandFix extends Omit<Position, 'unitId'> {
  deviceId: string;
}
export type ParseResult = { ok: true; fix: OsmandFix } | { ok: false; error: DomainError };

const KNOT_KMH = 1.852;
const MPS_KMH = 3.6;

function fail(field: string, message: string): ParseResult {
  return { ok: false, error: new DomainError('invalid_field', field, message) };
}

/** Optional finite number; undefined when absent (or blank), NaN when present but not a number. */
function num(v: unknown): number | undefined {
  if (v === undefined || v === null || (typeof v === 'string' && v.trim() === '')) return undefined;
  const n = typeof v === 'number' ? v : typeof v === 'string' ? decimal(v) : NaN;
  return Number.isFinite(n) ? n : NaN;
}

/** Traccar's rule: an integer below 2^31 is seconds, else ms; otherwise ISO or "yyyy-MM-dd HH:mm:ss" (UTC here). */
export function parseTimestamp(raw: unknown, nowMs: number): number | undefined {
  if (raw === undefined || raw === null || raw === '') return nowMs;
  if (typeof raw !== 'string' && typeof raw !== 'number') return undefined;
  const s = String(raw).trim();
  if (/^\d+(\.\d+)?$/.test(s)) {
    const n = Number(s);
    const t = n < 2 ** 31 - 1 ? Math.round(n * 1000) : Math.round(n);
    return plausibleTime(t, nowMs) ? t : undefined;
  }
  const iso = s.includes('T') ? s : /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$/.test(s) ? s.replace(' ', 'T') + 'Z' : '';
  const t = iso ? Date.parse(iso) : NaN;
  return plausibleTime(t, nowMs) ? t : undefined;
}

function checkRanges(fix: OsmandFix): ParseResult {
  if (!Number.isFinite(fix.lat) || fix.lat < -90 || fix.lat > 90) return fail('lat', 'lat must be a number in -90..90');
  if (!Number.isFinite(fix.lon) || fix.lon < -180 || fix.lon > 180) return fail('lon', 'lon must be a number in -180..180');
  const optional: Array<[keyof OsmandFix, string, number, number]> = [
    ['speedKmh', 'speed', 0, 2000],
    ['bearingDeg', 'bearing', 0, 360],
    ['altitudeM', 'altitude', -1000, 20000],
    ['accuracyM', 'accuracy', 0, 1e6],
    ['battery', 'batt', 0, 100],
  ];
  for (const [key, field, min, max] of optional) {
    const v = fix[key] as number | null;
    if (v !== null && (Number.isNaN(v) || v < min || v > max)) return fail(field, `${field} must be a number in ${min}..${max}`);
  }
  return { ok: true, fix };
}

/** Query-string / form parameters (already decoded; first value of each). */
export function parseOsmandParams(p: Record<string, unknown>, nowMs: number): ParseResult {
  const first = (k: string): unknown => (Array.isArray(p[k]) ? (p[k] as unknown[])[0] : p[k]);
  const id = first('id') ?? first('deviceid');
  const deviceId = typeof id === 'string' || typeof id === 'number' ? String(id).trim() : '';
  if (!deviceId) return fail('id', 'id (device identifier) is required');
  let lat = num(first('lat'));
  let lon = num(first('lon'));
  const location = first('location');
  if ((lat === undefined || lon === undefined) && typeof location === 'string') {
    const [a, b] = location.split(',');
    lat = num(a);
    lon = num(b);
  }
  if (lat === undefined) return fail('lat', 'lat is required');
  if (lon === undefined) return fail('lon', 'lon is required');
  const at = parseTimestamp(first('timestamp'), nowMs);
  if (at === undefined) return fail('timestamp', `timestamp must be unix seconds, ms or ISO-8601, ${TIME_RANGE_TEXT}`);
  const speedKn = num(first('speed'));
  return checkRanges({
    deviceId,
    at: new Date(at).toISOString(),
    lat,
    lon,
    speedKmh: speedKn === undefined ? null : speedKn * KNOT_KMH,
    bearingDeg: num(first('bearing') ?? first('heading')) ?? null,
    altitudeM: num(first('altitude')) ?? null,
    accuracyM: num(first('accuracy')) ?? null,
    battery: num(first('batt')) ?? null,
  });
}

/** JSON body of Traccar Client 9+ (transistorsoft background-geolocation location object). */
export function parseOsmandJson(body: unknown, nowMs: number): ParseResult {
  if (!body || typeof body !== 'object') return fail('body', 'JSON object expected');
  const root = body as Record<string, any>;
  const deviceId = typeof root.device_id === 'string' || typeof root.device_id === 'number' ? String(root.device_id).trim() : '';
  if (!deviceId) return fail('device_id', 'device_id is required');
  const loc = root.location;
  if (!loc || typeof loc !== 'object' || Array.isArray(loc)) return fail('location', 'location object expected');
  const coords = loc.coords;
  if (!coords || typeof coords !== 'object') return fail('location.coords', 'location.coords is required');
  const at = parseTimestamp(loc.timestamp, nowMs);
  if (at === undefined) return fail('location.timestamp', `location.timestamp must be ISO-8601, ${TIME_RANGE_TEXT}`);
  const lat = num(coords.latitude);
  const lon = num(coords.longitude);
  if (lat === undefined) return fail('lat', 'location.coords.latitude is required');
  if (lon === undefined) return fail('lon', 'location.coords.longitude is required');
  const speed = num(coords.speed);
  const heading = num(coords.heading);
  const level = num(loc.battery?.level);
  // -1 means "unknown" in this format.
  return checkRanges({
    deviceId,
    at: new Date(at).toISOString(),
    lat,
    lon,
    speedKmh: speed === undefined || speed < 0 ? null : speed * MPS_KMH,
    bearingDeg: heading === undefined || heading < 0 ? null : heading,
    altitudeM: num(coords.altitude) ?? null,
    accuracyM: num(coords.accuracy) ?? null,
    battery: level === undefined || level < 0 ? null : Math.round(level * 100),
  });
}

export type IngestOutcome = { ok: true } | { ok: false; error: DomainError };
/** `from`: the sender's address, checked against the device's allow-list. */
export type Ingest = (fix: OsmandFix, from?: string) => IngestOutcome | Promise<IngestOutcome>;

const log = logger('osmand');
const unknownLoggedAt = new Map<string, number>();
function noteUnknown(deviceId: string): void {
  const t = Date.now();
  if (t - (unknownLoggedAt.get(deviceId) ?? 0) < 60_000) return;
  if (unknownLoggedAt.size > 1000) unknownLoggedAt.clear();
  unknownLoggedAt.set(deviceId, t);
  log.warn('position from an unknown device: not stored', { device: maskDeviceId(deviceId) });
}

/** Router handling `/` (mounted at /api/osmand on the main app and at / on the device port). */
/** Fixes per second per device id when the address limit is on (see createOsmandRouter). */
export const DEVICE_RATE_PER_S = 10;

/** At most `limit` takes per key per window; keys of past windows are forgotten, so hostile keys cannot pile up. */
class FixedWindow {
  private window = -1;
  private counts = new Map<string, number>();
  constructor(
    private limit: number,
    private windowMs: number,
    private now: () => number,
  ) {}
  take(key: string): boolean {
    const w = Math.floor(this.now() / this.windowMs);
    if (w !== this.window) {
      this.window = w;
      this.counts.clear();
    }
    const n = (this.counts.get(key) ?? 0) + 1;
    this.counts.set(key, n);
    return n <= this.limit;
  }
}

export function createOsmandRouter(deps: {
  ingest: Ingest; now?: () => number; ratePerS?: number; devicePerS?: number; refuse?: () => DomainError | null;
}): express.Router {
  const now = deps.now ?? Date.now;
  const router = express.Router();
  // Per sender address: a phone reports every few seconds, a forwarding gateway a few hundred a second at most.
  const ratePerS = deps.ratePerS ?? 200;
  if (ratePerS > 0) router.use(
    rateLimit({
      windowMs: 1000,
      limit: ratePerS,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      keyGenerator: (req) => ipKeyGenerator(req.ip ?? ''),
      handler: (_req, _res, next) => next(new DomainError('rate_limited', null, 'too many positions from this address: slow down')),
    }),
  );
  router.use(express.urlencoded({ extended: false, limit: '16kb' }));
  router.use(express.json({ limit: '64kb' }));
  // Per device id, known or not (so the limit tells a guesser nothing), counted on the id the decoder read: a phone
  // reports about once a second, and flushes what it buffered offline one request at a time.
  const devicePerS = deps.devicePerS ?? DEVICE_RATE_PER_S;
  const perDevice = ratePerS > 0 && devicePerS > 0 ? new FixedWindow(devicePerS, 1000, now) : undefined;
  router.all('/', async (req, res) => {
    if (req.method !== 'GET' && req.method !== 'POST') throw new DomainError('method_not_allowed', null, 'GET or POST');
    const refused = deps.refuse?.();
    if (refused) throw refused; // Traccar Client keeps the fix and sends it again
    const isJson = req.is('application/json') && req.body && typeof req.body === 'object';
    const query = req.query as Record<string, unknown>;
    const parsed = isJson && !query.id
      ? parseOsmandJson(req.body, now())
      : parseOsmandParams({ ...(typeof req.body === 'object' && !isJson ? req.body : {}), ...query }, now());
    if (!parsed.ok) throw parsed.error;
    if (perDevice && !perDevice.take(deviceHash(parsed.fix.deviceId))) {
      throw new DomainError('rate_limited', null, 'too many positions for this device: slow down');
    }
    const out = await deps.ingest(parsed.fix, req.ip); // resolves after the commit
    // An unknown id is answered like a known one: a device id is the credential, so the answer must not tell a
    // guesser which ids exist. Nothing is stored; the log says so (masked, at most once a minute per id).
    if (!out.ok && out.error.code === 'unknown_device') noteUnknown(parsed.fix.deviceId);
    else if (!out.ok) throw out.error;
    res.status(200).end();
  });
  // Traccar Client sends no credential but the device id; an unknown id is answered like a known one (above).
  return declareAccess(router, { kind: 'device', why: 'OsmAnd/Traccar: the registered device id is the credential' });
}

/** The device port Traccar Client expects (default 5055, path `/`): a second tiny HTTP server. */
export async function startOsmandServer(router: express.Router, port: number, host: string): Promise<http.Server> {
  const app = express();
  app.disable('x-powered-by');
  app.use('/', router);
  app.use(() => {
    throw new DomainError('not_found', null, 'Traccar Client posts to /');
  });
  // Malformed/oversized bodies from body-parser, and the decoders' errors: the one 4xx shape.
  app.use(httpErrors);
  const server = http.createServer(app);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => resolve());
  });
  return server;
}
