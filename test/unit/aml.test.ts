// AML parsing without HTTP: SMS v1/v2 and HTTPS form fields, the `ml` rule, HMAC-SHA1.
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DomainError } from '../../domain/errors.ts';
import { decodeAml, parseAml, verifyAmlHmac } from '../../server/incidents/intake-aml.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const sample = (f: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures/incidents/aml', f), 'utf8').trim();

describe('parseAml', () => {
  it('SMS v1: fields, top as UTC, positioning method, and ml mismatch → accepted with a flag', () => {
    const m = parseAml(sample('sms-v1.txt'), '+6281234565678');
    expect(m).toMatchObject({
      format: 'sms-v1', lat: 48.82639, lon: -2.36619, uncertaintyM: 52, locationTime: '2019-11-12T11:29:28.000Z',
      positioning: 'GNSS', confidencePct: 68, imei: '353472104343540', imsi: '208201771948415', phone: '+6281234565678',
    });
    expect(m.flags).toEqual(['aml_length_mismatch']);
    expect(parseAml(sample('sms-v1.txt').replace('ml=128', 'ml=126')).flags).toEqual([]);
  });

  it('SMS v2: lo=lat,lon,accuracy and et (epoch s); en is the number dialled, not the caller', () => {
    const m = parseAml(sample('sms-v2.txt'));
    expect(m).toMatchObject({ format: 'sms-v2', lat: -37.42175, lon: -122.08461, uncertaintyM: 2000.1, locationTime: '2020-06-26T15:59:49.000Z', phone: null });
  });

  it('HTTPS form: ms time, accuracy, device number; unknown fields are ignored', () => {
    const m = parseAml(sample('https-form.txt') + '&some_future_field=1');
    expect(m).toMatchObject({ format: 'https-form', lat: 55.85732, lon: -4.26325, uncertaintyM: 10.4, phone: '+447477593102', confidencePct: 83 });
    expect(m.locationTime).toBe(new Date(1476189444435).toISOString());
  });

  it('missing or out-of-range position → 400 naming the field', () => {
    const field = (raw: string) => {
      try {
        parseAml(raw);
      } catch (e) {
        return (e as DomainError).field;
      }
      return 'accepted';
    };
    expect(field(sample('sms-v1.txt').replace('lg=-2.36619;', ''))).toBe('lg');
    expect(field(sample('sms-v2.txt').replace('lo=-37.42175', 'lo=-97.42175'))).toBe('lo.0');
    expect(field(sample('https-form.txt').replace('location_longitude=-4.26325', 'location_longitude=200'))).toBe('location_longitude');
  });

  it('AML → incident input: category lainnya, method aml, one de-duplication key per report', () => {
    const { input, dedupe } = decodeAml(parseAml(sample('https-form.txt')));
    expect(input).toMatchObject({ source: 'aml', category: 'lainnya', location: { method: 'aml', uncertaintyM: 10.4 }, caller: { phone: '+447477593102' } });
    expect(decodeAml(parseAml(sample('https-form.txt'))).dedupe).toEqual(dedupe);
  });
});

describe('verifyAmlHmac', () => {
  const key = 'k3y';
  const payload = sample('https-form.txt');
  const mac = crypto.createHmac('sha1', key).update(payload).digest('hex');
  it('returns the payload before &hmac= when the HMAC-SHA1 matches (any hex case)', () => {
    expect(verifyAmlHmac(`${payload}&hmac=${mac}`, key)).toBe(payload);
    expect(verifyAmlHmac(`${payload}&hmac=${mac.toUpperCase()}`, key)).toBe(payload);
  });
  it('missing, wrong key or tampered payload → 401', () => {
    expect(() => verifyAmlHmac(payload, key)).toThrowError(expect.objectContaining({ code: 'hmac_missing', field: 'hmac' }));
    expect(() => verifyAmlHmac(`${payload}&hmac=${mac}`, 'other')).toThrowError(expect.objectContaining({ code: 'hmac_invalid', field: 'hmac' }));
    expect(() => verifyAmlHmac(`${payload.replace('55.85732', '55.85733')}&hmac=${mac}`, key)).toThrowError(expect.objectContaining({ code: 'hmac_invalid' }));
  });
});
