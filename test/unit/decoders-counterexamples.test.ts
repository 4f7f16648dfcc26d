// Minimal counterexamples the decoder fuzzing (test/fuzz/decoders.ts) and the bad-input corpus found, each kept as
// a plain test: before the fix each one crashed with a TypeError/RangeError (a 500) or was accepted out of range.
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors.ts';
import { decimal } from '../../domain/ranges.ts';
import { reverseQuery } from '../../server/geo/routes.ts';
import { decodeAml, parseAml } from '../../server/incidents/intake-aml.ts';
import { decodeCap } from '../../server/incidents/intake-cap.ts';
import { parseOsmandJson, parseOsmandParams } from '../../server/units/osmand.ts';

const FIX = path.resolve(import.meta.dirname, '../fixtures');
const now = Date.now();

/** The DomainError `fn` throws (fails the test on any other outcome). */
function refusal(fn: () => unknown): DomainError {
  try {
    fn();
  } catch (err) {
    if (err instanceof DomainError) return err;
    throw new Error(`expected a DomainError, got ${String(err)}`);
  }
  throw new Error('expected a refusal, got a result');
}

const capAlert = (area: string, extra = '') => `<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>T1</identifier><sender>s@x</sender><sent>${new Date(now - 60_000).toISOString()}</sent>
  <status>Actual</status><msgType>Alert</msgType><scope>Public</scope>
  <info><category>Geo</category><event>Banjir${extra}</event><urgency>Immediate</urgency><severity>Severe</severity><certainty>Observed</certainty>
  <area><areaDesc>Rumbai</areaDesc>${area}</area></info></alert>`;

describe('CAP', () => {
  it('a circle written ", 1" is refused, not placed at 0,0 (Number("") is 0)', () => {
    expect(refusal(() => decodeCap(capAlert('<circle>, 1</circle>'), now)).field).toBe('alert.info.area.circle');
    expect(refusal(() => decodeCap(capAlert('<polygon>, 0.5,101.4 0.6,101.4 ,</polygon>'), now)).field).toBe('alert.info.area.polygon');
  });

  it('hex or extra coordinates are refused', () => {
    expect(refusal(() => decodeCap(capAlert('<circle>0x10,0x20 0x5</circle>'), now)).field).toBe('alert.info.area.circle');
    expect(refusal(() => decodeCap(capAlert('<circle>0.5,101.4,3 1</circle>'), now)).field).toBe('alert.info.area.circle');
  });

  it('a radius of 1e306 km stays a finite length (was Infinity), left to the service to clamp', () => {
    const m = decodeCap(capAlert('<circle>0.5,101.4 1e306</circle>'), now);
    expect(m.kind === 'create' && m.input.location.uncertaintyM).toBe(20_038_000);
  });

  it('what the XML validator lets through but the parser throws on is malformed_xml, not an Error', () => {
    const err = refusal(() => decodeCap('<?xml versi1.0" encoding="UTF-8"?><alert xmlns="urn:oasis:names:tc:emergency:cap:1.2"/>', now));
    expect([err.code, err.field]).toEqual(['malformed_xml', 'body']);
  });

  it('an event of 70,000 characters (no headline or description) makes a description of at most 4,000', () => {
    const m = decodeCap(capAlert('', 'x'.repeat(70_000)), now);
    expect(m.kind === 'create' && m.input.description.length).toBe(4000);
  });
});

describe('AML', () => {
  const form = (extra: string) => `v=1&location_latitude=0.5&location_longitude=101.4&${extra}`;

  it('HTTPS form location_time=1e20 is a 400 on the field (was a RangeError from toISOString)', () => {
    expect(refusal(() => parseAml(form('location_time=1e20'))).field).toBe('location_time');
    expect(refusal(() => parseAml(form('location_time=1'))).field).toBe('location_time');
  });

  it('SMS v1 top must be a real instant in range (was stored as "9999-99-99T99:99:99.000Z")', () => {
    expect(refusal(() => parseAml('A"ML=1;lt=0.5;lg=101.4;top=99999999999999')).field).toBe('top');
    expect(refusal(() => parseAml('A"ML=1;lt=0.5;lg=101.4;top=20190230000000')).field).toBe('top');
    expect(refusal(() => parseAml('A"ML=1;lt=0.5;lg=101.4;top=19000101000000')).field).toBe('top');
    expect(parseAml(fs.readFileSync(path.join(FIX, 'incidents/aml/sms-v1.txt'), 'utf8')).locationTime).toBe('2019-11-12T11:29:28.000Z');
  });

  it('confidence is a percentage', () => {
    expect(refusal(() => parseAml('A"ML=1;lt=0.5;lg=101.4;lc=1e300')).field).toBe('lc');
    expect(refusal(() => parseAml(form('location_certainty=-1'))).field).toBe('location_certainty');
  });

  it('SMS v2 lo=, is refused, not placed at 0,0', () => {
    expect(refusal(() => parseAml('A"ML=2;lo=,')).field).toBe('lo.0');
    expect(refusal(() => parseAml('A"ML=2;lo=0.5,')).field).toBe('lo.1');
  });

  it('a 70,000-character positioning method keeps the description short', () => {
    const m = decodeAml(parseAml(`A"ML=2;lo=0.5,101.4;ls=${'G'.repeat(70_000)}`));
    expect(m.input.description.length).toBeLessThan(300);
  });
});

describe('OsmAnd', () => {
  const json = JSON.parse(fs.readFileSync(path.join(FIX, 'osmand/json-android.json'), 'utf8'));

  it('an object where a timestamp or id belongs is a 400 (was TypeError: Cannot convert object to primitive value)', () => {
    const body = { ...json, location: { ...json.location, timestamp: { toString: 1 } } };
    const r = parseOsmandJson(JSON.parse(JSON.stringify(body)), now);
    expect(r.ok || r.error.field).toBe('location.timestamp');
    const p = parseOsmandParams({ id: { toString: 1 }, lat: '0.5', lon: '101.4' }, now);
    expect(p.ok || p.error.field).toBe('id');
  });

  it('a blank lat is missing, not 0', () => {
    const p = parseOsmandParams({ id: 'x', lat: ' ', lon: '101.4' }, now);
    expect(p.ok || p.error.message).toBe('lat is required');
    const hex = parseOsmandParams({ id: 'x', lat: '0x1', lon: '101.4' }, now);
    expect(hex.ok || hex.error.field).toBe('lat');
  });
});

describe('queries and numbers', () => {
  it('/api/reverse uses the value it checked (?lat=1&lat=2 was checked as 1, then looked up as NaN)', () => {
    expect(reverseQuery({ lat: ['0.5', '2'], lon: '101.4' })).toEqual({ lat: 0.5, lon: 101.4 });
  });

  it('decimal(): only decimal text is a number', () => {
    expect(['', ' ', '0x10', 'Infinity', '1,5', '١٢', '1e', '.'].map(decimal)).toEqual(Array(8).fill(NaN));
    expect(['-6.5', ' 101.45 ', '+1', '.5', '5.', '1e300'].map(decimal)).toEqual([-6.5, 101.45, 1, 0.5, 5, 1e300]);
  });
});
