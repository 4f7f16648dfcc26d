// CAP 1.2 (OASIS) alert XML → one IntakeMessage: a new incident, or an Update/Cancel of one a previous alert created.
// A pure decoder: the decision (dedupe, which incident, whether it may still be cancelled) is IncidentService.apply's.
// Untrusted XML: a DOCTYPE is refused outright and the parser never expands entities (no XXE, no billion laughs).
import { decimal, plausibleTime, TIME_RANGE_TEXT } from '../../domain/ranges.ts';
import { circleReachesBox, coveringCircle, type AreaShape, type Box } from '../../geo/extent.ts';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { z } from 'zod';
import { DomainError, invalidField } from '../../domain/errors.ts';
import type { IntakeLogAction } from '../../domain/intake-log.ts';
import { hashBody, MAX_AREA_VERTICES, polygonsSchema, type Category, type Dedupe, type IncidentInput, type IntakeMessage, type LocationInput, type Ring } from './model.ts';

/**
 * The five predefined XML entities and character references, decoded once, in one pass (so "&amp;lt;" stays "&lt;").
 * Nothing else is expanded: with DOCTYPE refused there are no declared entities, and an unknown "&x;" stays as text.
 */
const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
export function decodeXmlText(s: string): string {
  return s.replace(/&(lt|gt|amp|quot|apos|#\d{1,7}|#x[0-9a-fA-F]{1,6});/g, (m, e: string) => {
    if (e[0] !== '#') return PREDEFINED[e];
    const cp = e[1] === 'x' ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
    return cp > 0 && cp <= 0x10ffff ? String.fromCodePoint(cp) : m;
  });
}

const REPEATED = new Set(['info', 'area', 'polygon', 'circle', 'category', 'parameter', 'geocode', 'resource', 'eventCode', 'responseType']);
const parser = new XMLParser({
  processEntities: false,
  htmlEntities: false,
  ignoreAttributes: true,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: true,
  isArray: (name) => REPEATED.has(name),
  tagValueProcessor: (_name, value) => decodeXmlText(value),
});

const text = z.string().trim().min(1);
const infoSchema = z.object({
  language: z.string().optional(),
  category: z.array(z.enum(['Geo', 'Met', 'Safety', 'Security', 'Rescue', 'Fire', 'Health', 'Env', 'Transport', 'Infra', 'CBRNE', 'Other'])).min(1),
  event: text,
  urgency: z.enum(['Immediate', 'Expected', 'Future', 'Past', 'Unknown']),
  severity: z.enum(['Extreme', 'Severe', 'Moderate', 'Minor', 'Unknown']),
  certainty: z.enum(['Observed', 'Likely', 'Possible', 'Unlikely', 'Unknown', 'Very Likely']),
  headline: z.string().optional(),
  description: z.string().optional(),
  instruction: z.string().optional(),
  expires: text.refine((s) => !Number.isNaN(Date.parse(s)), 'not a date-time').optional(),
  area: z
    .array(z.object({ areaDesc: text, polygon: z.array(z.string()).optional(), circle: z.array(z.string()).optional() }))
    .optional(),
});
const alertSchema = z.object({
  identifier: text.refine((s) => !/[\s,<&]/.test(s), 'no spaces, commas, < or &'),
  sender: text.refine((s) => !/[\s,<&]/.test(s), 'no spaces, commas, < or &'),
  sent: text.refine((s) => !Number.isNaN(Date.parse(s)), 'not a date-time').refine((s) => plausibleTime(Date.parse(s)), `must be ${TIME_RANGE_TEXT}`),
  status: z.enum(['Actual', 'Exercise', 'System', 'Test', 'Draft']),
  msgType: z.enum(['Alert', 'Update', 'Cancel', 'Ack', 'Error']),
  scope: z.enum(['Public', 'Restricted', 'Private']),
  references: z.string().optional(),
  info: z.array(infoSchema).optional(),
});
type CapAlert = z.infer<typeof alertSchema>;
type CapInfo = z.infer<typeof infoSchema>;

const CAP_NS = 'urn:oasis:names:tc:emergency:cap:1.2';
/** The root element is <alert> (any prefix) and binds that prefix (or the default) to the CAP 1.2 namespace. */
function capNamespace(xml: string): boolean {
  const root = /<([A-Za-z_][\w.-]*:)?alert\b([^>]*)>/.exec(xml.replace(/<\?[^?]*\?>/g, '').replace(/<!--[\s\S]*?-->/g, ''));
  if (!root) return false;
  const attrs = new Map([...root[2].matchAll(/([\w.:-]+)\s*=\s*(?:"([^"]*)"|'([^']*)')/g)].map((m) => [m[1], m[2] ?? m[3]]));
  return attrs.get(root[1] ? `xmlns:${root[1].slice(0, -1)}` : 'xmlns') === CAP_NS;
}

export function parseCapXml(xml: string): CapAlert {
  if (/<!DOCTYPE|<!ENTITY/i.test(xml)) throw new DomainError('doctype_not_allowed', 'body', 'CAP must not carry a DOCTYPE or entities');
  if (XMLValidator.validate(xml) !== true) throw new DomainError('malformed_xml', 'body', 'the body is not well-formed XML');
  if (!capNamespace(xml)) throw new DomainError('invalid_field', 'alert', `alert: must be in the CAP 1.2 namespace (${CAP_NS})`);
  let doc: { alert?: unknown };
  try {
    doc = parser.parse(xml);
  } catch {
    throw new DomainError('malformed_xml', 'body', 'the body is not well-formed XML'); // what the validator let through
  }
  if (!doc.alert || typeof doc.alert !== 'object') throw new DomainError('not_a_cap_alert', 'alert', 'the XML root must be a CAP 1.2 <alert>');
  const r = alertSchema.safeParse(doc.alert);
  if (!r.success) throw invalidField(r.error.issues, 'alert');
  const alert = r.data;
  if ((alert.msgType === 'Alert' || alert.msgType === 'Update') && !alert.info?.length) {
    throw new DomainError('invalid_field', 'alert.info', 'alert.info: an Alert/Update needs an info block');
  }
  if ((alert.msgType === 'Update' || alert.msgType === 'Cancel') && !alert.references) {
    throw new DomainError('invalid_field', 'alert.references', 'alert.references: Update/Cancel must reference an alert');
  }
  return alert;
}

/** Event keywords (id/en) first, then the CAP category: our taxonomy from what the sender said. */
const EVENT_KEYWORDS: Array<[RegExp, Category]> = [
  [/gempa|earthquake|seismic/i, 'gempa'],
  [/longsor|landslide|mudslide/i, 'longsor'],
  [/banjir|flood/i, 'banjir'],
  [/kebakaran|fire|api\b/i, 'kebakaran'],
  [/pohon|tree/i, 'pohon_tumbang'],
  [/kecelakaan|accident|crash|collision/i, 'kecelakaan'],
  [/hewan|animal|ular|snake|buaya|crocodile|harimau|tiger|beruang|bear/i, 'hewan_liar'],
  [/pju|street ?light|lampu jalan/i, 'pju_padam'],
  [/narkoba|drug/i, 'narkoba'],
];
const CAP_CATEGORY: Record<string, Category> = {
  Geo: 'bencana_alam', Met: 'bencana_alam', Env: 'bencana_alam', Rescue: 'bencana_alam', Fire: 'kebakaran',
  Health: 'kesehatan', Security: 'kriminalitas', Transport: 'kecelakaan',
};
export function capCategory(info: Pick<CapInfo, 'event' | 'category'>): Category {
  for (const [re, cat] of EVENT_KEYWORDS) if (re.test(info.event)) return cat;
  for (const c of info.category) if (CAP_CATEGORY[c]) return CAP_CATEGORY[c];
  return 'lainnya';
}

export function capPriority(info: Pick<CapInfo, 'severity' | 'urgency'>): 1 | 2 | 3 {
  const base = info.severity === 'Extreme' || info.severity === 'Severe' ? 1 : info.severity === 'Moderate' ? 2 : 3;
  return (info.urgency === 'Immediate' ? Math.max(1, base - 1) : base) as 1 | 2 | 3;
}

/** Half the Earth's circumference. */
const MAX_RADIUS_KM = 20_038;

function pair(s: string, field: string): [lon: number, lat: number] {
  // CAP writes "lat,lon" (WGS 84); GeoJSON/turf want [lon, lat]
  const parts = s.split(',');
  const [lat, lon] = parts.map(decimal);
  if (parts.length !== 2 || !Number.isFinite(lat) || !Number.isFinite(lon) || Math.abs(lat) > 90 || Math.abs(lon) > 180) {
    throw new DomainError('invalid_field', field, `${field}: "lat,lon" in WGS 84 degrees expected`, { value: s.slice(0, 80) });
  }
  return [lon, lat];
}

/**
 * All polygons and circles of all areas → one point and a radius that covers them (geo/extent.ts). The polygons
 * themselves are kept too (bounded: polygonsSchema), so arrival can be judged on the area itself.
 */
export function capAreaLocation(areas: NonNullable<CapInfo['area']>): LocationInput {
  const field = 'alert.info.area.polygon';
  const invalid = (message: string) => new DomainError('invalid_field', field, `${field}: ${message}`);
  const shapes: AreaShape[] = [];
  const polygons: Ring[] = [];
  let vertices = 0;
  for (const area of areas) {
    for (const poly of area.polygon ?? []) {
      const points = poly.trim().split(/\s+/);
      vertices += points.length;
      if (vertices > MAX_AREA_VERTICES) throw invalid(`at most ${MAX_AREA_VERTICES} points over all polygons`); // before parsing them all
      const ring = points.map((p) => pair(p, field));
      if (ring.length < 4) throw invalid('needs at least 4 points');
      const first = ring[0], last = ring[ring.length - 1];
      if (first[0] !== last[0] || first[1] !== last[1]) ring.push(first); // be lenient: close an open ring
      shapes.push({ ring });
      polygons.push(ring);
    }
    for (const circle of area.circle ?? []) {
      const [c, r, extra] = circle.trim().split(/\s+/);
      const center = pair(c ?? '', 'alert.info.area.circle');
      const radiusKm = decimal(r ?? '');
      if (extra !== undefined || !Number.isFinite(radiusKm) || radiusKm < 0) throw new DomainError('invalid_field', 'alert.info.area.circle', 'alert.info.area.circle: "lat,lon radius-km" expected', { value: circle.slice(0, 80) });
      // a larger radius covers no more of the Earth (and 1e306 km would overflow to Infinity); the service clamps and flags it
      shapes.push({ center, radiusM: Math.min(radiusKm, MAX_RADIUS_KM) * 1000 });
    }
  }
  const textOfAreas = areas.map((a) => a.areaDesc).join('; ');
  const covering = coveringCircle(shapes);
  if (!covering) return { text: textOfAreas };
  const checked = polygonsSchema.safeParse(polygons);
  if (!checked.success) throw invalid(checked.error.issues[0]?.message ?? 'invalid polygon');
  return {
    text: textOfAreas, lon: covering.center[0], lat: covering.center[1], uncertaintyM: Math.round(covering.radiusM), method: 'manual',
    ...(polygons.length ? { polygons } : {}),
  };
}

/** The centre's area: the city's extent, and how far beyond it an alert still concerns us (upstream floods, smoke). */
export interface ServiceArea {
  box: Box;
  marginM: number;
}
export const CAP_AREA_MARGIN_M = 25_000;

/** An alert without geometry is kept (an operator places it); one with geometry must come near the area. */
function reaches(loc: LocationInput | undefined, area: ServiceArea): boolean {
  if (!loc || typeof loc.lat !== 'number' || typeof loc.lon !== 'number') return true;
  return circleReachesBox(area.box, [loc.lon, loc.lat], loc.uncertaintyM ?? 0, area.marginM);
}

/** One line for the operator's log: what, where, from whom. */
function capSummary(alert: CapAlert): string {
  const info = pickInfo(alert);
  return [info?.headline ?? info?.event, info?.area?.map((a) => a.areaDesc).join('; '), alert.sender].filter(Boolean).join(' · ');
}

/** Indonesian first when several languages are sent. */
function pickInfo(alert: CapAlert): CapInfo | undefined {
  return alert.info?.find((i) => /^id\b/i.test(i.language ?? '')) ?? alert.info?.[0];
}

export function capToInput(alert: CapAlert): IncidentInput {
  const info = pickInfo(alert)!;
  const description = ([info.headline, info.description, info.instruction].filter(Boolean).join('\n\n') || info.event).slice(0, 4000);
  return {
    source: 'cap',
    sourceRef: `${alert.sender},${alert.identifier}`,
    category: capCategory(info),
    priority: capPriority(info),
    reportedAt: new Date(alert.sent).toISOString(),
    caller: { name: alert.sender, phone: null },
    description,
    location: info.area?.length ? capAreaLocation(info.area) : { text: '' },
    flags: alert.status === 'Exercise' ? ['cap_exercise'] : [],
  };
}

/** "sender,identifier,sent sender,identifier,sent …" → "sender,identifier" keys, newest (last) first. */
export function capReferenceKeys(references: string): string[] {
  return references
    .trim()
    .split(/\s+/)
    .map((triple) => triple.split(','))
    .filter((t) => t.length >= 2 && t[0] && t[1])
    .map(([sender, identifier]) => `${sender},${identifier}`)
    .reverse();
}

/**
 * CAP XML → one intake message, without touching the store: Test/System/Draft, Ack and Error are ignored; Cancel
 * and Update name the alerts they follow (references, newest first); an Alert is a new incident. Geometry is checked
 * here, so an invalid message is a 400 even when its identifier is already known.
 */
export function decodeCap(xml: string, now = Date.now(), area?: ServiceArea): IntakeMessage {
  const alert = parseCapXml(xml);
  const ignore = (action: IntakeLogAction): IntakeMessage => ({ kind: 'ignore', action, source: 'cap', ref: `${alert.sender},${alert.identifier}`, summary: capSummary(alert) });
  if (alert.status === 'Test' || alert.status === 'System' || alert.status === 'Draft' || alert.msgType === 'Ack' || alert.msgType === 'Error') {
    return ignore(`ignored_${alert.status === 'Actual' || alert.status === 'Exercise' ? alert.msgType : alert.status}`.toLowerCase() as IntakeLogAction);
  }
  const dedupe: Dedupe = { kind: 'cap', ref: `${alert.sender},${alert.identifier}`, bodyHash: hashBody(alert) };
  const refs = alert.references ? capReferenceKeys(alert.references) : [];
  const origin = `CAP ${alert.sender}`;
  if (alert.msgType === 'Cancel') return { kind: 'cancel', refKind: 'cap', refs, refField: 'alert.references', origin, note: `CAP Cancel ${alert.identifier}`, dedupe };
  const input = capToInput(alert); // geometry is checked even for an alert that will only be logged
  // An alert whose every info block has expired describes the past: the log, not the live queue.
  if (alert.info!.every((i) => i.expires !== undefined && Date.parse(i.expires) < now)) return ignore('ignored_expired');
  // A new alert for somewhere else (a BMKG alert for Banten reaches every subscriber): the log, not our queue.
  if (area && alert.msgType === 'Alert' && !reaches(input.location, area)) return ignore('ignored_out_of_area');
  if (alert.msgType === 'Update') return { kind: 'update', refKind: 'cap', refs, input, origin, note: alert.identifier, dedupe };
  return { kind: 'create', input, dedupe };
}
