// POST /api/intake/cap over real HTTP and SQLite with the OASIS CAP 1.2 samples: creation, lat-first geometry,
// (sender, identifier) de-duplication, Update/Cancel through references, malformed and hostile XML.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeCap } from '../../server/incidents/intake-cap.ts';
import { fixture, gazetteer, startIncidents, type IncidentsStack } from './incidents-harness.ts';

/** A real point of the city (a kelurahan centroid from the shipped gazetteer), as CAP writes it: "lat,lon". */
const [PKU_LON, PKU_LAT] = gazetteer.kelurahan[0].centroid as [number, number];

/** The OASIS examples expired in 2003: the same alert with its expiry a day from now. */
const unexpired = (xml: string) => xml.replace(/<expires>[^<]*<\/expires>/g, `<expires>${new Date(Date.now() + 86_400_000).toISOString()}</expires>`);

let s: IncidentsStack;
beforeAll(async () => {
  s = await startIncidents();
});
afterAll(() => s?.close());

const XML = { 'content-type': 'application/cap+xml' };
const cap = (xml: string, who: 'integration' | 'operator' | 'viewer' | null = 'integration', headers = XML) =>
  s.call('POST', '/api/intake/cap', who, xml, headers);

describe('CAP samples', () => {
  it('example 1 (no geometry) is stored, mapped to our taxonomy, and a resend is the same incident', async () => {
    const n = s.count();
    const xml = fixture('cap/oasis-example1.xml');
    const a = await cap(xml);
    expect(a.status).toBe(201);
    expect(a.body.action).toBe('created');
    expect(a.body.incident).toMatchObject({ source: 'cap', sourceRef: 'hsas@dhs.gov,43b080713727', category: 'kriminalitas', priority: 1 });
    expect(a.body.incident.reportedAt).toBe('2003-04-02T19:39:01.000Z');
    expect(a.body.incident.location.lat).toBeNull(); // "U.S. nationwide" is not a place in Pekanbaru
    const b = await cap(xml, 'integration', { 'content-type': 'text/xml' });
    expect(b.status).toBe(200);
    expect(b.body).toMatchObject({ action: 'duplicate', incident: { id: a.body.incident.id } });
    expect(s.count()).toBe(n + 1);
  });

  it('example 2 as sent in 2003 has expired: kept in the operator\'s intake log, not in the live queue', async () => {
    const n = s.count();
    const r = await cap(fixture('cap/oasis-example2.xml'), 'integration', { 'content-type': 'application/xml' });
    expect(r).toMatchObject({ status: 202, body: { action: 'ignored_expired', incident: null } });
    expect(s.count()).toBe(n);
    const log = await s.call('GET', '/api/intake/log', 'operator');
    expect(log.body.items[0]).toMatchObject({ source: 'cap', action: 'ignored_expired', ref: 'KSTO@NWS.NOAA.GOV,KSTO1055887203' });
    expect(log.body.items[0].summary).toContain('SEVERE THUNDERSTORM');
    expect((await s.call('GET', '/api/intake/log', 'viewer')).status).toBe(403);
  });

  it('a CAP document outside the CAP 1.2 namespace is refused, naming the alert', async () => {
    const wrong = fixture('cap/oasis-example1.xml').replace('urn:oasis:names:tc:emergency:cap:1.2', 'urn:oasis:names:tc:emergency:cap:1.1');
    expect(await cap(wrong, 'integration', { 'content-type': 'application/xml' })).toMatchObject({ status: 400, body: { field: 'alert' } });
    const prefixed = fixture('cap/oasis-example1.xml').replace('<alert xmlns=', '<cap:alert xmlns:cap=').replace('</alert>', '</cap:alert>');
    expect((await cap(prefixed, 'integration', { 'content-type': 'application/xml' })).status).not.toBe(400);
  });

  it('example 2, unexpired, is for California: the intake log, not the queue', async () => {
    const n = s.count();
    const r = await cap(unexpired(fixture('cap/oasis-example2.xml')), 'integration', { 'content-type': 'application/xml' });
    expect(r).toMatchObject({ status: 202, body: { action: 'ignored_out_of_area', incident: null } });
    expect(s.count()).toBe(n);
    const log = await s.call('GET', '/api/intake/log', 'operator');
    expect(log.body.items.some((e: any) => e.action === 'ignored_out_of_area' && e.source === 'cap')).toBe(true);
  });

  it('example 2: the lat-first polygon becomes a lon/lat centre with a radius covering every vertex', () => {
    const decoded = decodeCap(unexpired(fixture('cap/oasis-example2.xml'))); // the decoder alone: no service area
    expect(decoded.kind).toBe('create');
    const input = (decoded as Extract<typeof decoded, { kind: 'create' }>).input;
    const loc = input.location as any;
    // vertices 38.34..38.62 N, -120.14..-119.74 E: a swapped order would give lat -120 (invalid) or lon 38
    expect(loc.lat).toBeGreaterThan(38.34);
    expect(loc.lat).toBeLessThan(38.62);
    expect(loc.lon).toBeGreaterThan(-120.14);
    expect(loc.lon).toBeLessThan(-119.74);
    // farthest vertex from a centre inside that box is ~15-25 km away
    expect(loc.uncertaintyM).toBeGreaterThan(10_000);
    expect(loc.uncertaintyM).toBeLessThan(30_000);
    expect(input.category).toBe('bencana_alam');
    // the area itself is kept (closed ring, [lon, lat]): arrival is judged on it (server/units/arrival.ts)
    expect(loc.polygons).toEqual([[[-120.14, 38.47], [-119.95, 38.34], [-119.74, 38.52], [-119.89, 38.62], [-120.14, 38.47]]]);
  });

  it('example 3 (an Update of an alert never received) is kept as a new incident, circle → point + radius', async () => {
    const r = await cap(fixture('cap/oasis-example3-update.xml'));
    expect(r.status).toBe(201);
    expect(r.body.incident.flags).toContain('cap_update_of_unknown_alert');
    expect(r.body.incident.location).toMatchObject({ lat: 32.9525, lon: -115.5527, uncertaintyM: 0 });
    expect(r.body.incident.category).toBe('gempa');
  });
});

describe('CAP Update / Cancel through references', () => {
  const original = fixture('cap/oasis-example3-update.xml')
    .replace('TRI13970876.2', 'TRI-ORIG.1')
    .replace('<msgType>Update</msgType>', '<msgType>Alert</msgType>')
    .replace(/\s*<references>.*<\/references>/, '')
    .replace('<circle>32.9525,-115.5527 0</circle>', `<circle>${PKU_LAT},${PKU_LON} 2.5</circle>`);
  const update = fixture('cap/oasis-example3-update.xml')
    .replace('<circle>32.9525,-115.5527 0</circle>', `<circle>${PKU_LAT},${PKU_LON} 2.5</circle>`)
    .replace('TRI13970876.2', 'TRI-ORIG.2')
    .replace('TRI13970876.1', 'TRI-ORIG.1')
    .replace('<severity>Minor</severity>', '<severity>Severe</severity>');

  it('a circle of 1e300 km is kept at 50 km and flagged, so no unit "arrives" from 950 km away', async () => {
    const r = await cap(original.replace('TRI-ORIG.1', 'TRI-HUGE.1').replace(`${PKU_LAT},${PKU_LON} 2.5`, '32.9525,-115.5527 1e300'));
    expect(r.status).toBe(201);
    expect(r.body.incident.location.uncertaintyM).toBe(50_000);
    expect(r.body.incident.flags).toContain('uncertainty_clamped');
  });

  it('an Update changes the referenced incident (once), a Cancel cancels it', async () => {
    const a = await cap(original);
    expect(a.status).toBe(201);
    expect(a.body.incident.location.uncertaintyM).toBe(2500); // circle radius is in km
    expect(a.body.incident.priority).toBe(3);
    const n = s.count();
    const u = await cap(update);
    expect(u.status).toBe(200);
    expect(u.body).toMatchObject({ action: 'updated', incident: { id: a.body.incident.id, priority: 1 } });
    expect(u.body.incident.history.some((h: any) => h.event === 'cap_update' && h.note === 'TRI-ORIG.2')).toBe(true);
    expect((await cap(update)).body.action).toBe('duplicate');
    const cancel = update
      .replace('TRI-ORIG.2', 'TRI-ORIG.3')
      .replace('<msgType>Update</msgType>', '<msgType>Cancel</msgType>')
      .replace(/<references>.*<\/references>/, '<references>trinet@caltech.edu,TRI-ORIG.1,2003-06-11T20:30:00-07:00 trinet@caltech.edu,TRI-ORIG.2,2003-06-11T20:56:00-07:00</references>');
    const c = await cap(cancel);
    expect(c.status).toBe(200);
    expect(c.body).toMatchObject({ action: 'cancelled', incident: { id: a.body.incident.id, status: 'batal' } });
    expect(s.count()).toBe(n);
    const unknown = cancel.replace('TRI-ORIG.3', 'TRI-ORIG.9').replaceAll('TRI-ORIG.1', 'NOPE.1').replaceAll('TRI-ORIG.2', 'NOPE.2');
    expect((await cap(unknown)).body).toMatchObject({ error: 'unknown_reference', field: 'alert.references' });
  });
});

describe('bad CAP → 4xx naming the field, nothing stored', () => {
  const good = fixture('cap/oasis-example1.xml').replace('43b080713727', 'BAD-1');
  it.each([
    ['missing identifier', good.replace(/<identifier>.*<\/identifier>/, ''), 400, 'alert.identifier'],
    ['missing sender', good.replace(/<sender>.*<\/sender>/, ''), 400, 'alert.sender'],
    ['bad sent', good.replace(/<sent>.*<\/sent>/, '<sent>yesterday</sent>'), 400, 'alert.sent'],
    ['bad status', good.replace('<status>Actual</status>', '<status>Maybe</status>'), 400, 'alert.status'],
    ['missing msgType', good.replace(/<msgType>.*<\/msgType>/, ''), 400, 'alert.msgType'],
    ['missing scope', good.replace(/<scope>.*<\/scope>/, ''), 400, 'alert.scope'],
    ['missing info.event', good.replace(/<event>.*<\/event>/, ''), 400, 'alert.info.0.event'],
    ['missing info.category', good.replace(/<category>.*<\/category>/, ''), 400, 'alert.info.0.category'],
    ['bad urgency', good.replace('<urgency>Immediate</urgency>', '<urgency>Now</urgency>'), 400, 'alert.info.0.urgency'],
    ['missing severity', good.replace(/<severity>.*<\/severity>/, ''), 400, 'alert.info.0.severity'],
    ['missing certainty', good.replace(/<certainty>.*<\/certainty>/, ''), 400, 'alert.info.0.certainty'],
    ['no info', good.replace(/<info>[\s\S]*<\/info>/, ''), 400, 'alert.info'],
    ['polygon lat out of range', fixture('cap/oasis-example2.xml').replace('38.47,-120.14 38.34', '98.47,-120.14 38.34'), 400, 'alert.info.area.polygon'],
    ['polygon lon absurd', fixture('cap/oasis-example2.xml').replace('38.52,-119.74', '38.52,-1119.74'), 400, 'alert.info.area.polygon'],
    [
      'polygon with more points than an incident is kept with (2000)',
      fixture('cap/oasis-example2.xml').replace(/<polygon>.*<\/polygon>/, `<polygon>${Array.from({ length: 2001 }, (_, k) => `38.${String(k % 90 + 10)},-120.${String(k % 90 + 10)}`).join(' ')}</polygon>`),
      400,
      'alert.info.area.polygon',
    ],
    [
      'more polygons than an incident is kept with (16)',
      fixture('cap/oasis-example2.xml').replace(/<polygon>.*<\/polygon>/, (p) => p.repeat(17)),
      400,
      'alert.info.area.polygon',
    ],
    ['sent in 1900', good.replace(/<sent>[^<]*<\/sent>/, '<sent>1900-01-01T00:00:00+07:00</sent>'), 400, 'alert.sent'],
    ['circle without radius', fixture('cap/oasis-example3-update.xml').replace('32.9525,-115.5527 0', '32.9525,-115.5527 km'), 400, 'alert.info.area.circle'],
    ['not well-formed', good.replace('</sender>', '</sendr>'), 400, 'body'],
    ['not an alert', '<?xml version="1.0"?><feed><x>1</x></feed>', 400, 'alert'],
    [
      'XXE (DOCTYPE with an external entity)',
      good.replace('<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?><!DOCTYPE alert [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>').replace('<event>Homeland Security Advisory System Update</event>', '<event>&xxe;</event>'),
      400,
      'body',
    ],
    ['billion laughs', `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;">]>${good.slice(good.indexOf('<alert'))}`, 400, 'body'],
  ])('%s', async (_name, xml, status, field) => {
    const n = s.count();
    const r = await cap(xml);
    expect(r.status).toBe(status);
    expect(r.body.field).toBe(field);
    expect(s.count()).toBe(n);
  });

  it('refuses the wrong media type, oversize bodies and callers without an intake role', async () => {
    const n = s.count();
    expect((await cap(good, 'integration', { 'content-type': 'application/json' })).status).toBe(415);
    expect((await cap(good.replace('</alert>', `<note>${'x'.repeat(70_000)}</note></alert>`))).status).toBe(413);
    expect((await cap(good, null)).status).toBe(401);
    expect((await cap(good, 'viewer')).status).toBe(403);
    expect(s.count()).toBe(n);
    expect((await cap(good, 'operator')).status).toBe(201); // operators may paste a CAP message too
  });

  it('Test/Draft messages are acknowledged (202) but not stored', async () => {
    const n = s.count();
    const r = await cap(good.replace('BAD-1', 'TEST-1').replace('<status>Actual</status>', '<status>Test</status>'));
    expect(r.status).toBe(202);
    expect(r.body.incident).toBeNull();
    expect(s.count()).toBe(n);
  });
});
