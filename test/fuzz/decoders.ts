// Property-based fuzzing of every decoder of outside input (issue #12 "Trust nothing from the field"), shared by the
// short run in `npm test` (test/unit/decoders-fuzz.test.ts) and the long run (test/bench/fuzz.ts).
// Property: whatever comes in, a decoder returns a result inside the domain's ranges or refuses with a DomainError
// that names a field and maps to a 4xx; never any other exception.
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { DomainError, ERROR_CODES } from '../../domain/errors.ts';
import { CATEGORIES } from '../../domain/incident.ts';
import { boundedUncertainty, MAX_UNCERTAINTY_M, plausibleTime } from '../../domain/ranges.ts';
import { HTTP_STATUS } from '../../server/http/errors.ts';
import { intParam, timeParam } from '../../server/http/query.ts';
import { decodeAml, parseAml } from '../../server/incidents/intake-aml.ts';
import { CAP_AREA_MARGIN_M, decodeCap } from '../../server/incidents/intake-cap.ts';
import { decodeIncidentJson } from '../../server/incidents/intake-json.ts';
import { polygonsSchema, type IncidentInput, type IntakeMessage } from '../../server/incidents/model.ts';
import { createGeo, type Geo } from '../../geo/index.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { geocodeQuery, reverseQuery } from '../../server/geo/routes.ts';
import { parseClientMessage } from '../../server/realtime/hub.ts';
import { answerHls } from '../../server/streams/hls-answer.ts';
import type { CameraPipeline } from '../../server/streams/pipeline.ts';
import { CREW_CLOCK_SKEW_MS, CREW_TAP_MAX_AGE_MS, decodeCrewPositions, decodeCrewTaps } from '../../server/units/crew-routes.ts';
import { parseOsmandJson, parseOsmandParams, type ParseResult } from '../../server/units/osmand.ts';
import { CREW_TAPS } from '../../server/units/service.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const read = (rel: string) => fs.readFileSync(path.join(ROOT, rel), 'utf8');

export interface FuzzTarget {
  name: string;
  /** One property over this decoder's inputs (sync or async). */
  property: () => fc.IProperty<any> | fc.IAsyncProperty<any>;
}

// ---------------------------------------------------------------------------------------------------------------
// What counts as a violation

/** Thrown when a decoder breaks the property: never a DomainError, so it can't pass for a refusal. */
export class Violation extends Error {
  override name = 'Violation';
}
function must(ok: unknown, what: string, value?: unknown): asserts ok {
  if (!ok) throw new Violation(`${what}${value === undefined ? '' : `: ${String(JSON.stringify(value)).slice(0, 300)}`}`);
}

/** A refusal must be the project's decode error, naming a field, answered with a 4xx. */
export function checkRefusal(err: unknown): void {
  if (err instanceof Violation) throw err;
  if (!(err instanceof DomainError)) throw new Violation(`threw ${(err as Error)?.name ?? typeof err}: ${String((err as Error)?.message ?? err).slice(0, 300)}`);
  must((ERROR_CODES as readonly string[]).includes(err.code), 'unknown error code', err.code);
  must(HTTP_STATUS[err.code] >= 400 && HTTP_STATUS[err.code] < 500, 'refusal is not a 4xx', err.code);
  must(typeof err.field === 'string' && err.field.length > 0, `refusal ${err.code} names no field`, err.message);
}

/** How the inputs so far were answered (reset by the runner per decoder): a fuzzer that is refused everything tests little. */
export const tally = { accepted: 0, refused: 0 };

/** Runs `decode`; a refusal is checked, an accepted result goes to `accept`. */
function decoding<T>(decode: () => T, accept: (out: T) => void): void {
  let out: T;
  try {
    out = decode();
  } catch (err) {
    tally.refused += 1;
    return checkRefusal(err);
  }
  tally.accepted += 1;
  accept(out);
}

const isLat = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= -90 && v <= 90;
const isLon = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v >= -180 && v <= 180;
const inRange = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;
/** An ISO instant within 2000..now+5 min, written as the canonical toISOString(). */
const isPlausibleIso = (s: unknown) => typeof s === 'string' && plausibleTime(Date.parse(s)) && new Date(Date.parse(s)).toISOString() === s;

function checkInput(input: IncidentInput): void {
  must((CATEGORIES as readonly string[]).includes(input.category), 'category outside the taxonomy', input.category);
  must(input.priority === undefined || [1, 2, 3].includes(input.priority), 'priority outside 1..3', input.priority);
  must(typeof input.description === 'string' && input.description.trim().length > 0 && input.description.length <= 4000, 'description empty or over 4000', input.description?.length);
  must(input.reportedAt === undefined || isPlausibleIso(input.reportedAt), 'reportedAt outside 2000..now+5min', input.reportedAt);
  const l = input.location;
  must((l.lat === undefined) === (l.lon === undefined), 'lat without lon', l);
  if (l.lat !== undefined) must(isLat(l.lat) && isLon(l.lon), 'lat/lon outside WGS 84', [l.lat, l.lon]);
  if (l.uncertaintyM !== undefined) {
    must(Number.isFinite(l.uncertaintyM) && l.uncertaintyM >= 0, 'uncertainty not a finite length', l.uncertaintyM);
    must((boundedUncertainty(l.uncertaintyM).uncertaintyM ?? 0) <= MAX_UNCERTAINTY_M, 'uncertainty beyond the clamp', l.uncertaintyM);
  }
  if (l.polygons) must(polygonsSchema.safeParse(l.polygons).success, 'polygons out of bounds');
  const phone = input.caller?.phone;
  must(phone == null || /^\+?[0-9][0-9 ()-]{2,24}$/.test(phone), 'caller phone not a phone number', phone);
}

function checkMessage(m: IntakeMessage): void {
  if (m.kind === 'create' || m.kind === 'update') checkInput(m.input);
  if (m.kind === 'update' || m.kind === 'cancel') must(m.refs.every((r) => typeof r === 'string' && r.includes(',')), 'refs not sender,identifier', m.refs);
  if (m.kind === 'ignore') must(typeof m.summary === 'string' && typeof m.action === 'string', 'ignore without action or summary');
}

// ---------------------------------------------------------------------------------------------------------------
// Hostile values

const NOW = () => Date.now();
const iso = (ms: number) => new Date(ms).toISOString();
/** Dates around every edge of domain/ranges.ts, and past what Date can hold. */
function dates(): string[] {
  const n = NOW();
  return [
    '1900-01-01T00:00:00Z', '1999-12-31T23:59:59Z', '2000-01-01T00:00:00Z', '2999-12-31T23:59:59Z', '9999-12-31T23:59:59Z',
    '+275760-09-13T00:00:00.000Z', '+275760-09-13T00:00:00.001Z', '-271821-04-20T00:00:00Z', '0000-01-01T00:00:00Z',
    iso(n), iso(n - 60_000), iso(n + 4 * 60_000), iso(n + 6 * 60_000), iso(n - 11 * 3600_000), iso(n - 13 * 3600_000),
    '2019-02-30T00:00:00Z', '2019-13-01T00:00:00Z', '2019-01-01T24:00:00Z', '2020-01-01T00:00:00+14:00', '2020-01-01T00:00:00-25:00',
    '2020-01-01', '2020-01-01 10:00:00', 'yesterday', 'kemarin', '1e20', '99999999999999', '20191112112928', '20190230000000',
    '99999999999999999999', String(Math.floor(n / 1000)), String(n), String(n + 3600_000), '1442068686', '1442068686579',
    String(2 ** 31 - 1), String(2 ** 31), '0', '-1', '946684800', '946684799999', '8.64e15', '8640000000000001',
  ];
}
const NUMBERS = [
  '0', '-0', '1', '-1', '90', '90.0000001', '-90.0000001', '180', '180.0000001', '-180', '360', '361', '100', '100.1',
  '50000', '50001', '100000', '100001', '1e300', '-1e300', '1e306', '1e308', '1e309', '-1e309', '1.7976931348623157e308',
  '5e-324', '1e-320', '2147483647', '2147483648', '9007199254740993', '1e20', '1E3', '0x10', '0b101', '0o17', '1_000',
  '1,5', '1.5.5', '.5', '5.', '+5', '--5', '1e', 'e5', 'NaN', 'nan', 'Infinity', '-Infinity', 'inf', 'null', 'undefined',
  'true', 'false', '[]', '{}', '١٢٣', '１２３', '٣.٥', '1 2', ' 1 ', '\t1\n', '1\u00a0', '\u200b1',
];
const TEXT = [
  '', ' ', '\u0000', '\u0000abc', '\uffff', '\ud800', '\udfff\ud800', '\u202eabc', 'é', 'e\u0301', '👨‍👩‍👧‍👦', '🔥'.repeat(300),
  '<', '>', '&', '&amp;', '&lt;script&gt;', '&#0;', '&#x110000;', '&#xD800;', '&unknown;', '&lol9;', ']]>', '<![CDATA[x]]>',
  "'; DROP TABLE incidents;--", '" OR 1=1', '../../etc/passwd', '%00', '%2e%2e%2f', '${7*7}', '{{7*7}}', '__proto__', 'constructor',
  'a'.repeat(501), 'a'.repeat(4001), 'x'.repeat(70_000), ' '.repeat(5000), 'Jl. Jend. Sudirman', 'Kebakaran di Jl. Tuanku Tambusai',
];
export const hostileString = (): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 3, arbitrary: fc.constantFrom(...NUMBERS, ...TEXT) },
    { weight: 2, arbitrary: fc.constantFrom(...dates()) },
    { weight: 1, arbitrary: fc.double().map(String) },
    { weight: 1, arbitrary: fc.integer().map(String) },
    { weight: 1, arbitrary: fc.string() },
    { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  );
export const hostileJson = (): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 4, arbitrary: hostileString() },
    { weight: 2, arbitrary: fc.double() },
    { weight: 1, arbitrary: fc.constantFrom(null, true, false, 0, -0, 1e300, -1e300, 1e20, 91, -181, 2 ** 31, Number.MAX_VALUE, Number.MIN_VALUE, Number.MAX_SAFE_INTEGER + 2) },
    { weight: 1, arbitrary: fc.constantFrom([], {}, [1, 2], { lat: 1 }, ['a'], [[]], { __proto__: null }, { toString: 1 }, { valueOf: 'x' }) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
  );

// ---------------------------------------------------------------------------------------------------------------
// Structure-aware mutation of real requests

type Path = Array<string | number>;
function paths(v: unknown, at: Path = []): Path[] {
  if (v === null || typeof v !== 'object') return [at];
  const keys = Array.isArray(v) ? v.map((_, i) => i) : Object.keys(v);
  return [at, ...keys.flatMap((k) => paths((v as any)[k], [...at, k]))];
}
type JsonEdit = { kind: 'set' | 'delete' | 'add'; pick: number; value: unknown; key: string };
const jsonEdit = (): fc.Arbitrary<JsonEdit> =>
  fc.record({ kind: fc.constantFrom('set', 'set', 'set', 'delete', 'add'), pick: fc.nat(), value: hostileJson(), key: fc.oneof(fc.constantFrom('lat', 'lon', 'id', 'at', 'type', 'data', '__proto__', 'constructor'), fc.string({ maxLength: 8 })) });
function applyEdits(base: unknown, edits: JsonEdit[]): unknown {
  let doc = structuredClone(base);
  for (const e of edits) {
    const all = paths(doc);
    const p = all[e.pick % all.length];
    if (p.length === 0) {
      if (e.kind === 'set') doc = structuredClone(e.value);
      continue;
    }
    const parent = p.slice(0, -1).reduce((o: any, k) => o[k], doc) as any;
    const last = p[p.length - 1];
    if (e.kind === 'set') parent[last] = structuredClone(e.value);
    else if (e.kind === 'delete') Array.isArray(parent) ? parent.splice(Number(last), 1) : delete parent[last];
    else if (parent[last] && typeof parent[last] === 'object' && !Array.isArray(parent[last])) parent[last][e.key] = structuredClone(e.value);
    else if (Array.isArray(parent[last])) parent[last].push(structuredClone(e.value));
  }
  return doc;
}
/** A real body with a few of its fields replaced, deleted or added; sometimes something else entirely. */
export const mutatedJson = (bases: unknown[]): fc.Arbitrary<unknown> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...bases), fc.array(jsonEdit(), { minLength: 0, maxLength: 4 })).map(([b, e]) => applyEdits(b, e)) },
    { weight: 1, arbitrary: hostileJson() },
    { weight: 1, arbitrary: fc.anything({ maxDepth: 2 }) },
  );

/** Text edits that keep most of a real message: replace a value, drop or repeat a piece, insert, truncate. */
type TextEdit = { kind: 'value' | 'insert' | 'cut' | 'truncate' | 'repeat'; at: number; len: number; text: string };
const textEdit = (extra: string[]): fc.Arbitrary<TextEdit> =>
  fc.record({
    kind: fc.constantFrom('value', 'value', 'value', 'insert', 'cut', 'truncate', 'repeat'),
    at: fc.nat(),
    len: fc.nat({ max: 64 }),
    text: extra.length ? fc.oneof(hostileString(), fc.constantFrom(...extra)) : hostileString(),
  });
function applyText(base: string, edits: TextEdit[], values: (s: string) => Array<[number, number]>): string {
  let s = base;
  for (const e of edits) {
    const spans = values(s);
    if (e.kind === 'value' && spans.length) {
      const [a, b] = spans[e.at % spans.length];
      s = s.slice(0, a) + e.text + s.slice(b);
    } else if (e.kind === 'insert') {
      const i = e.at % (s.length + 1);
      s = s.slice(0, i) + e.text + s.slice(i);
    } else if (e.kind === 'cut') {
      const i = e.at % (s.length + 1);
      s = s.slice(0, i) + s.slice(i + e.len);
    } else if (e.kind === 'truncate') s = s.slice(0, e.at % (s.length + 1));
    else if (e.kind === 'repeat' && spans.length) {
      const [a, b] = spans[e.at % spans.length];
      s = s.slice(0, b) + s.slice(a, b).repeat(1 + (e.len % 4)) + s.slice(b);
    }
  }
  return s;
}
export const mutatedText = (bases: string[], values: (s: string) => Array<[number, number]>, extra: string[] = []): fc.Arbitrary<string> =>
  fc.oneof(
    { weight: 8, arbitrary: fc.tuple(fc.constantFrom(...bases), fc.array(textEdit(extra), { minLength: 0, maxLength: 4 })).map(([b, e]) => applyText(b, e, values)) },
    { weight: 1, arbitrary: hostileString() },
    { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 300 }) },
  );
const spansOf = (re: RegExp) => (s: string): Array<[number, number]> =>
  [...s.matchAll(re)].map((m) => {
    const start = m.index! + m[0].indexOf(m[1]);
    return [start, start + m[1].length];
  });

// ---------------------------------------------------------------------------------------------------------------
// Real requests to start from (test/fixtures), made current where a decoder would refuse them only for their age

export const capBases = (): string[] => {
  const current = (xml: string) =>
    xml.replace(/<sent>[^<]*<\/sent>/, `<sent>${iso(NOW() - 60_000)}</sent>`).replace(/<expires>[^<]*<\/expires>/g, `<expires>${iso(NOW() + 86_400_000)}</expires>`);
  const ex = ['oasis-example1.xml', 'oasis-example2.xml', 'oasis-example3-update.xml'].map((f) => current(read(`test/fixtures/incidents/cap/${f}`)));
  return [...ex, ex[2].replace(/<\/area>/, '<circle>0.5071,101.4478 2</circle></area>'), ex[1].replace(/<polygon>[^<]*<\/polygon>/, '<polygon>0.50,101.44 0.52,101.44 0.52,101.46 0.50,101.46 0.50,101.44</polygon>'), ex[0].replace(/<\/alert>/, '').replace(/<msgType>Alert/, '<msgType>Cancel') + '<references>hsas@dhs.gov,43b080713727,2003-04-02T14:39:01-05:00</references></alert>'];
};
const CAP_EXTRA = [
  '<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>', '<!ENTITY xxe SYSTEM "file:///etc/passwd">', '&xxe;', '&lol9;',
  '<circle>1e300,1e300 1e300</circle>', '<circle>, 1</circle>', '<circle>0.5,101.4 1e306</circle>', '<circle>0.5,101.4</circle>',
  '<polygon>0,0 0,1 1,1 0,0</polygon>', '<polygon>91,0 0,1 1,1 91,0</polygon>', '<polygon>,</polygon>', `<polygon>${'0.5,101.4 '.repeat(2100)}</polygon>`,
  '<info>', '</info>', '<area><areaDesc>x</areaDesc></area>', '<alert xmlns="urn:oasis:names:tc:emergency:cap:1.1">', 'xmlns:cap="urn:oasis:names:tc:emergency:cap:1.2"',
  '<cap:alert>', '<?xml-stylesheet href="x"?>', '<!-- -->', '<![CDATA[<sent>1900-01-01T00:00:00Z</sent>]]>', '<sent>1900-01-01T00:00:00Z</sent>',
  '<expires>2003-01-01T00:00:00Z</expires>', '<x a="1" a="2"/>', '<info><category>Fire</category></info>',
];
export const amlBases = (): string[] => [
  read('test/fixtures/incidents/aml/sms-v1.txt').trim(),
  read('test/fixtures/incidents/aml/sms-v2.txt').trim().replace(/et=\d+/, `et=${Math.floor(NOW() / 1000) - 60}`),
  read('test/fixtures/incidents/aml/https-form.txt').trim().replace(/location_time=\d+/, `location_time=${NOW() - 60_000}`),
];
const AML_EXTRA = ['A"ML=3;', 'AML=1;', ';;;', '&&&', '=', 'lo=,', 'lo=1e300,1e300', 'lo=0.5,101.4,1e300', 'et=99999999999999', 'rd=1e300', 'location_accuracy=1e300', 'location_time=1e20', 'top=99999999999999', 'lc=101', 'hmac=00'];
export const osmandQueryBases = (): Array<Record<string, unknown>> =>
  read('test/fixtures/osmand/query.txt').trim().split('\n').map((t) => {
    const out: Record<string, unknown> = {};
    for (const [k, v] of new URL(t, 'http://x').searchParams) out[k] = out[k] === undefined ? v : [out[k], v].flat();
    if ('timestamp' in out) out.timestamp = String(Math.floor(NOW() / 1000) - 60);
    return out;
  });
export const osmandJsonBases = (): unknown[] =>
  ['json-android.json', 'json-ios.json', 'json-moving.json'].map((f) => {
    const j = JSON.parse(read(`test/fixtures/osmand/${f}`));
    j.location.timestamp = iso(NOW() - 60_000);
    return j;
  });
export const incidentBases = (): unknown[] => [
  { category: 'kebakaran', description: 'Asap tebal dari ruko, api terlihat di lantai dua', caller: { name: 'Budi Santoso', phone: '081234565678' }, location: { text: 'Kelurahan Simpang Baru' } },
  { source: 'form', category: 'kecelakaan', priority: 1, description: 'Tabrakan motor', reportedAt: iso(NOW() - 60_000), caller: { phone: '+62 812-3456-5678' }, location: { lat: 0.5071, lon: 101.4478, uncertaintyM: 15, method: 'gps' } },
];

// ---------------------------------------------------------------------------------------------------------------
// The decoders

function checkOsmand(r: ParseResult): void {
  tally[r.ok ? 'accepted' : 'refused'] += 1;
  if (!r.ok) return checkRefusal(r.error);
  const f = r.fix;
  must(typeof f.deviceId === 'string' && f.deviceId.trim().length > 0, 'fix without device id');
  must(isLat(f.lat) && isLon(f.lon), 'fix outside WGS 84', [f.lat, f.lon]);
  must(isPlausibleIso(f.at), 'fix time outside 2000..now+5min', f.at);
  must(f.speedKmh === null || inRange(f.speedKmh, 0, 2000 * 1.852), 'speed out of range', f.speedKmh);
  must(f.bearingDeg === null || inRange(f.bearingDeg, 0, 360), 'bearing out of range', f.bearingDeg);
  must(f.altitudeM === null || inRange(f.altitudeM, -1000, 20000), 'altitude out of range', f.altitudeM);
  must(f.accuracyM === null || inRange(f.accuracyM, 0, 1e6), 'accuracy out of range', f.accuracyM);
  must(f.battery === null || inRange(f.battery, 0, 100), 'battery out of range', f.battery);
}

/** A pipeline with an idle live window: enough for answerHls's checks of id, file and query. */
const idlePipeline = {
  id: 'cam-1',
  timing: { partTargetS: 0.2 },
  segmenter: {
    lastMsn: 10, nextPartNumber: 1_000_000,
    initSegment: () => undefined, segment: () => undefined, part: () => undefined,
    waitFor: async () => true, waitForPart: async () => true, playlist: () => '#EXTM3U\n',
  },
} as unknown as CameraPipeline;
const pipelineOf = (id: string) => (id === 'cam-1' ? idlePipeline : undefined);

let loadedGeo: Geo | undefined;
const geo = () => (loadedGeo ??= createGeo(loadGeoData()));

export function targets(): FuzzTarget[] {
  const incident = incidentBases();
  const cap = capBases();
  const aml = amlBases();
  const osmandQuery = osmandQueryBases();
  const osmandJson = osmandJsonBases();
  const tap = (at: number) => ({ kind: 'tiba', incidentId: 'INC-261201-00001', at: iso(at) });
  const position = (at: number) => ({ lat: 0.5071, lon: 101.4478, accuracyM: 12, speedMps: 8, headingDeg: 90, at: iso(at) });

  return [
    {
      name: 'incident JSON (decodeIncidentJson)',
      property: () =>
        fc.property(mutatedJson(incident), fc.option(hostileString(), { freq: 4 }), (body, key) =>
          decoding(() => decodeIncidentJson(body, key ?? undefined), checkMessage),
        ),
    },
    {
      name: 'CAP 1.2 XML (decodeCap)',
      property: () =>
        fc.property(mutatedText(cap, spansOf(/>([^<]*)</g), CAP_EXTRA), fc.boolean(), (xml, inArea) => {
          const area = inArea ? { box: geo().extent(), marginM: CAP_AREA_MARGIN_M } : undefined;
          // untrusted XML never resolves entities: a DOCTYPE or ENTITY declaration is refused before parsing
          if (/<!DOCTYPE|<!ENTITY/i.test(xml)) {
            let err: unknown;
            try {
              decodeCap(xml, NOW(), area);
            } catch (e) {
              err = e;
            }
            tally.refused += 1;
            must(err instanceof DomainError && err.code === 'doctype_not_allowed', 'a DOCTYPE/ENTITY was not refused', xml.slice(0, 200));
            return;
          }
          decoding(() => decodeCap(xml, NOW(), area), checkMessage);
        }),
    },
    {
      name: 'AML SMS v1/v2 and HTTPS form (parseAml → decodeAml)',
      property: () =>
        fc.property(mutatedText(aml, spansOf(/=([^;&]*)/g), AML_EXTRA), fc.option(hostileString(), { freq: 3 }), (raw, from) =>
          decoding(() => decodeAml(parseAml(raw, from)), (m) => {
            checkMessage(m);
            must(m.input.location.method === 'aml', 'AML location method');
          }),
        ),
    },
    {
      name: 'AML message fields (parseAml)',
      property: () =>
        fc.property(mutatedText(aml, spansOf(/=([^;&]*)/g), AML_EXTRA), (raw) =>
          decoding(() => parseAml(raw), (m) => {
            must(isLat(m.lat) && isLon(m.lon), 'AML position outside WGS 84', [m.lat, m.lon]);
            must(m.uncertaintyM === null || (Number.isFinite(m.uncertaintyM) && m.uncertaintyM >= 0), 'AML uncertainty not a finite length', m.uncertaintyM);
            must(m.locationTime === null || isPlausibleIso(m.locationTime), 'AML position time outside 2000..now+5min', m.locationTime);
            must(m.confidencePct === null || inRange(m.confidencePct, 0, 100), 'AML confidence outside 0..100', m.confidencePct);
          }),
        ),
    },
    {
      name: 'OsmAnd query/form (parseOsmandParams)',
      property: () =>
        fc.property(mutatedJson(osmandQuery), (p) => {
          const params = p !== null && typeof p === 'object' && !Array.isArray(p) ? (p as Record<string, unknown>) : { id: p };
          let r: ParseResult;
          try {
            r = parseOsmandParams(params, NOW());
          } catch (err) {
            throw new Violation(`threw instead of returning: ${String(err)}`);
          }
          checkOsmand(r);
        }),
    },
    {
      name: 'OsmAnd JSON (parseOsmandJson)',
      property: () =>
        fc.property(mutatedJson(osmandJson), (body) => {
          let r: ParseResult;
          try {
            r = parseOsmandJson(body, NOW());
          } catch (err) {
            throw new Violation(`threw instead of returning: ${String(err)}`);
          }
          checkOsmand(r);
        }),
    },
    {
      name: 'query integers (intParam)',
      property: () =>
        fc.property(fc.oneof(hostileJson(), fc.constant(undefined)), fc.integer({ min: -1e6, max: 1e6 }), fc.nat({ max: 1e6 }), (raw, min, span) =>
          decoding(() => intParam(raw, 'limit', { min, max: min + span, fallback: min }), (n) =>
            must(Number.isSafeInteger(n) && n >= min && n <= min + span, 'integer outside min..max', n)),
        ),
    },
    {
      name: 'query times (timeParam: ?since=)',
      property: () =>
        fc.property(fc.oneof(hostileJson(), fc.constant(undefined)), fc.boolean(), (raw, epochMs) =>
          decoding(() => timeParam(raw, 'since', { epochMs }), (t) => must(t === undefined || plausibleTime(t), 'since outside 2000..now+5min', t)),
        ),
    },
    {
      name: 'geocode and reverse queries (geocodeQuery, reverseQuery)',
      property: () =>
        fc.property(mutatedJson([{ q: 'simp. sudirman - tambusai', limit: '2' }, { lat: '0.5071', lon: '101.4478' }]), (p) => {
          const query = p !== null && typeof p === 'object' ? (p as Record<string, unknown>) : { q: p };
          decoding(() => geocodeQuery(query), ({ q, limit }) => {
            must(typeof q === 'string' && q.trim().length > 0 && q.length <= 500, 'q empty or over 500', q.length);
            must(Number.isInteger(limit) && limit >= 1 && limit <= 20, 'limit outside 1..20', limit);
          });
          decoding(() => reverseQuery(query), ({ lat, lon }) => must(isLat(lat) && isLon(lon), 'reverse outside WGS 84', [lat, lon]));
        }),
    },
    {
      name: 'geocoder on every accepted query (geo.geocode, geo.reverse)',
      property: () =>
        fc.property(mutatedJson([{ q: 'simp. sudirman - tambusai', limit: '20' }, { q: 'Kelurahan Simpang Baru' }, { lat: '0.5071', lon: '101.4478' }, { lat: '-90', lon: '180' }]), (p) => {
          const query = p !== null && typeof p === 'object' ? (p as Record<string, unknown>) : { q: p };
          decoding(() => geocodeQuery(query), ({ q, limit }) => {
            const found = geo().geocode(q, { limit });
            must(found.length <= limit, 'more candidates than the limit', found.length);
            for (const c of found) must(isLat(c.lat) && isLon(c.lon) && Number.isFinite(c.uncertaintyM), 'candidate outside WGS 84', c);
          });
          decoding(() => reverseQuery(query), ({ lat, lon }) => void geo().reverse(lat, lon));
        }),
    },
    {
      name: 'crew taps and positions (decodeCrewTaps, decodeCrewPositions)',
      property: () =>
        fc.property(
          mutatedJson([{ taps: [tap(NOW() - 60_000)] }, { taps: [tap(NOW()), tap(NOW() - 3600_000)] }, { positions: [position(NOW() - 5000)] }]),
          (body) => {
            const now = NOW();
            const sane = (at: string) => Date.parse(at) >= now - CREW_TAP_MAX_AGE_MS && Date.parse(at) <= now + CREW_CLOCK_SKEW_MS && isPlausibleIso(at);
            decoding(() => decodeCrewTaps(body, now), (taps) => {
              for (const t of taps) {
                if (!t.ok) checkRefusal(t.error);
                else {
                  must((CREW_TAPS as readonly string[]).includes(t.tap.kind), 'unknown tap kind', t.tap.kind);
                  must(sane(t.tap.at), 'tap time outside the queue window', t.tap.at);
                }
              }
            });
            decoding(() => decodeCrewPositions(body, now), (fixes) => {
              for (const f of fixes) {
                must(isLat(f.lat) && isLon(f.lon), 'crew position outside WGS 84', [f.lat, f.lon]);
                must(sane(f.at), 'crew position time outside the queue window', f.at);
                must(f.accuracyM === null || inRange(f.accuracyM, 0, 100_000), 'crew accuracy out of range', f.accuracyM);
              }
            });
          },
        ),
    },
    {
      name: '/ws client messages (parseClientMessage)',
      property: () =>
        fc.property(
          fc.oneof(
            mutatedJson([{ type: 'resync' }, { type: 'select', data: { incidentId: 'INC-261201-00001' } }, { type: 'select', data: { incidentId: null } }]).map((v) => JSON.stringify(v) ?? ''),
            hostileString(),
            fc.uint8Array({ maxLength: 64 }).map((b) => Buffer.from(b)),
          ),
          (raw) => {
            let m: ReturnType<typeof parseClientMessage>;
            try {
              m = parseClientMessage(raw);
            } catch (err) {
              throw new Violation(`threw instead of ignoring: ${String(err)}`);
            }
            tally[m === null ? 'refused' : 'accepted'] += 1;
            must(
              m === null || m.type === 'resync' || (m.type === 'select' && (m.incidentId === null || (typeof m.incidentId === 'string' && m.incidentId.length <= 128))),
              'client message outside its shapes', m,
            );
          },
        ),
    },
    {
      name: 'LL-HLS request (answerHls: camera, file, _HLS_msn, _HLS_part)',
      property: () =>
        fc.asyncProperty(
          fc.oneof(fc.constant('cam-1'), hostileString()),
          fc.oneof(fc.constantFrom('index.m3u8', 'init-0.mp4', 'seg-3.m4s', 'part-12.m4s', 'seg-999999999999999.m4s', 'part-1e3.m4s', 'init-.mp4', '..%2findex.m3u8'), hostileString()),
          fc.record({ _HLS_msn: fc.oneof(fc.constant(undefined), hostileJson()), _HLS_part: fc.oneof(fc.constant(undefined), hostileJson()) }),
          async (id, file, query) => {
            let a: Awaited<ReturnType<typeof answerHls>>;
            try {
              a = await answerHls(pipelineOf, id, file, query);
            } catch (err) {
              throw new Violation(`threw instead of answering: ${String(err)}`);
            }
            tally[a.status === 200 ? 'accepted' : 'refused'] += 1;
            must([200, 400, 404].includes(a.status), 'HLS status', a.status);
            if (a.status !== 200) {
              const body = JSON.parse(String(a.body));
              must(typeof body.field === 'string' && body.field.length > 0, 'HLS refusal names no field', body);
            }
          },
        ),
    },
  ];
}
