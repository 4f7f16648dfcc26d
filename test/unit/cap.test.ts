// CAP 1.2 parsing and mapping, without HTTP: hostile XML, required elements, lat-first geometry, references.
import fs from 'node:fs';
import path from 'node:path';
import * as turf from '@turf/turf';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors.ts';
import { capAreaLocation, capCategory, capPriority, capReferenceKeys, capToInput, parseCapXml } from '../../server/incidents/intake-cap.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const sample = (f: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures/incidents/cap', f), 'utf8');
const errorOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    if (e instanceof DomainError) return e;
    throw e;
  }
  throw new Error('expected an DomainError');
};

describe('parseCapXml', () => {
  it('reads the required alert and info elements of the OASIS samples', () => {
    const a = parseCapXml(sample('oasis-example2.xml'));
    expect(a).toMatchObject({ identifier: 'KSTO1055887203', sender: 'KSTO@NWS.NOAA.GOV', status: 'Actual', msgType: 'Alert', scope: 'Public' });
    expect(a.info![0]).toMatchObject({ category: ['Met'], event: 'SEVERE THUNDERSTORM', urgency: 'Immediate', severity: 'Severe', certainty: 'Observed' });
    expect(parseCapXml(sample('oasis-example3-update.xml')).references).toBe('trinet@caltech.edu,TRI13970876.1,2003-06-11T20:30:00-07:00');
  });

  it('refuses any DOCTYPE or ENTITY declaration, whatever its case, before parsing', () => {
    const body = sample('oasis-example1.xml').slice(sample('oasis-example1.xml').indexOf('<alert'));
    for (const prolog of ['<!DOCTYPE alert>', '<!doctype alert SYSTEM "http://evil/x.dtd">', '<!ENTITY x "y">']) {
      expect(errorOf(() => parseCapXml(prolog + body))).toMatchObject({ code: 'doctype_not_allowed', field: 'body' });
    }
  });

  it('decodes only the predefined XML entities, once; anything else stays literal text', () => {
    const a = parseCapXml(sample('oasis-example1.xml').replace('<headline>Homeland Security Sets Code ORANGE</headline>', '<headline>A &amp; B &lt;c&gt; &amp;lt; &#65;&#x42; &xxe;</headline>'));
    expect(a.info![0].headline).toBe('A & B <c> &lt; AB &xxe;');
  });

  it('names the missing element', () => {
    expect(errorOf(() => parseCapXml(sample('oasis-example1.xml').replace(/<sent>.*<\/sent>/, ''))).field).toBe('alert.sent');
    expect(errorOf(() => parseCapXml(sample('oasis-example3-update.xml').replace(/<references>.*<\/references>/, ''))).field).toBe('alert.references');
  });
});

describe('geometry: CAP is lat-first, we store lat and lon separately', () => {
  it('polygon → centroid with a radius that covers every vertex', () => {
    const ring = '38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14';
    const loc = capAreaLocation([{ areaDesc: 'x', polygon: [ring] }]);
    const vertices = ring.split(' ').map((p) => p.split(',').map(Number)).map(([lat, lon]) => [lon, lat]);
    const expected = turf.centroid(turf.polygon([vertices])).geometry.coordinates;
    expect(loc.lon).toBeCloseTo(expected[0], 6);
    expect(loc.lat).toBeCloseTo(expected[1], 6);
    for (const v of vertices) expect(turf.distance([loc.lon!, loc.lat!], v, { units: 'meters' })).toBeLessThanOrEqual(loc.uncertaintyM! + 1);
  });

  it('circle "lat,lon radiusKm" → the point and a radius in metres', () => {
    expect(capAreaLocation([{ areaDesc: 'x', circle: ['32.9525,-115.5527 0'] }])).toMatchObject({ lat: 32.9525, lon: -115.5527, uncertaintyM: 0 });
    expect(capAreaLocation([{ areaDesc: 'x', circle: ['0.5,101.45 1.5'] }])).toMatchObject({ lat: 0.5, lon: 101.45, uncertaintyM: 1500 });
  });

  it('several shapes → one circle that contains them all', () => {
    const loc = capAreaLocation([{ areaDesc: 'a', circle: ['0.5,101.4 1'] }, { areaDesc: 'b', circle: ['0.5,101.5 1'] }]);
    expect(loc.lat).toBeCloseTo(0.5, 5);
    expect(loc.lon).toBeCloseTo(101.45, 5);
    expect(loc.uncertaintyM).toBeGreaterThan(turf.distance([101.45, 0.5], [101.5, 0.5], { units: 'meters' }) + 999);
    expect(loc.text).toBe('a; b');
  });

  it('no geometry → the area description, to be geocoded', () => {
    expect(capAreaLocation([{ areaDesc: 'Kel. Jadirejo' }])).toEqual({ text: 'Kel. Jadirejo' });
  });
});

describe('mapping', () => {
  it('event keywords win over the CAP category', () => {
    expect(capCategory({ event: 'Earthquake', category: ['Geo'] })).toBe('gempa');
    expect(capCategory({ event: 'Banjir Sungai Siak', category: ['Met'] })).toBe('banjir');
    expect(capCategory({ event: 'Tanah longsor', category: ['Geo'] })).toBe('longsor');
    expect(capCategory({ event: 'SEVERE THUNDERSTORM', category: ['Met'] })).toBe('bencana_alam');
    expect(capCategory({ event: 'Outbreak', category: ['Health'] })).toBe('kesehatan');
    expect(capCategory({ event: 'Something', category: ['Other'] })).toBe('lainnya');
  });
  it('priority from severity, raised one step for Immediate', () => {
    expect(capPriority({ severity: 'Minor', urgency: 'Past' })).toBe(3);
    expect(capPriority({ severity: 'Moderate', urgency: 'Immediate' })).toBe(1);
    expect(capPriority({ severity: 'Extreme', urgency: 'Future' })).toBe(1);
  });
  it('references → sender,identifier keys, newest first', () => {
    expect(capReferenceKeys('a@x,ID1,2003-01-01T00:00:00-00:00 a@x,ID2,2003-01-02T00:00:00-00:00')).toEqual(['a@x,ID2', 'a@x,ID1']);
  });
  it('the input keeps sender/identifier as sourceRef and sent as reportedAt (UTC)', () => {
    const input = capToInput(parseCapXml(sample('oasis-example2.xml')));
    expect(input).toMatchObject({ source: 'cap', sourceRef: 'KSTO@NWS.NOAA.GOV,KSTO1055887203', reportedAt: '2003-06-17T21:57:00.000Z', priority: 1 });
  });
});
