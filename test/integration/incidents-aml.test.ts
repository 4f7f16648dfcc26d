// POST /api/intake/aml over real HTTP and SQLite with the aml-lib samples: SMS v1/v2, HTTPS form, the `ml` rule,
// HMAC-SHA1, de-duplication and malformed input.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixture, startIncidents, type IncidentsStack } from './incidents-harness.ts';

const TEXT = { 'content-type': 'text/plain' };
const FORM = { 'content-type': 'application/x-www-form-urlencoded' };
const smsV1 = fixture('aml/sms-v1.txt').trim();
const smsV2 = fixture('aml/sms-v2.txt').trim();
const form = fixture('aml/https-form.txt').trim();

describe('AML without HMAC key', () => {
  let s: IncidentsStack;
  beforeAll(async () => {
    s = await startIncidents();
  });
  afterAll(() => s?.close());
  const aml = (body: string, headers = TEXT, url = '/api/intake/aml') => s.call('POST', url, 'integration', body, headers);

  it('SMS v1 sample: position, radius → uncertaintyM, method aml; its ml mismatch (128 vs 126) is accepted and flagged', async () => {
    expect(smsV1.length).toBe(126);
    const r = await aml(smsV1, TEXT, '/api/intake/aml?from=%2B6281234565678');
    expect(r.status).toBe(201);
    expect(r.body.incident).toMatchObject({
      source: 'aml', category: 'lainnya', status: 'baru',
      location: { lat: 48.82639, lon: -2.36619, uncertaintyM: 52, method: 'aml', outsideCity: true },
      caller: { phone: '+628******5678' },
    });
    expect(r.body.incident.flags).toContain('aml_length_mismatch');
    expect(r.body.incident.agencies[0].id).toBe('command_centre');
    const full = await s.call('GET', `/api/incidents/${r.body.incident.id}`, 'operator');
    expect(full.body.caller.phone).toBe('+6281234565678');
  });

  it('SMS v1 with a correct ml is not flagged', async () => {
    const fixed = smsV1.replace('ml=128', 'ml=126').replace('top=20191112112928', 'top=20191112112929');
    const r = await aml(fixed);
    expect(r.status).toBe(201);
    expect(r.body.incident.flags).not.toContain('aml_length_mismatch');
  });

  it('an impossible accuracy (1e300 m) is clamped to 50 km and flagged, never trusted for arrival', async () => {
    const r = await aml(smsV2.replace('-122.08461,2000.1', '-122.08461,1e300').replace('et=1593187189', 'et=1593187199'));
    expect(r.status).toBe(201);
    expect(r.body.incident.location.uncertaintyM).toBe(50_000);
    expect(r.body.incident.flags).toContain('uncertainty_clamped');
  });

  it('SMS v2 sample: lo=lat,lon,accuracy', async () => {
    const r = await aml(smsV2);
    expect(r.status).toBe(201);
    expect(r.body.incident.location).toMatchObject({ lat: -37.42175, lon: -122.08461, uncertaintyM: 2000.1, method: 'aml' });
    // the handset's IMEI is the reference: operators see it, viewers (walls) its last four digits only
    expect((await s.call('GET', `/api/incidents/${r.body.incident.id}`, 'operator')).body.sourceRef).toBe('358239059042542');
    expect((await s.call('GET', `/api/incidents/${r.body.incident.id}`, 'viewer')).body.sourceRef).toBe('***********2542');
  });

  it('HTTPS form sample: caller number from device_number, accuracy → uncertaintyM; a resend is a duplicate', async () => {
    const n = s.count();
    const r = await aml(form, FORM);
    expect(r.status).toBe(201);
    expect(r.body.incident.location).toMatchObject({ lat: 55.85732, lon: -4.26325, uncertaintyM: 10.4, method: 'aml' });
    expect(r.body.incident.caller.phone).toBe('+447*****3102'); // intake responses are masked
    const again = await aml(form, FORM);
    expect(again.status).toBe(200);
    expect(again.body).toMatchObject({ action: 'duplicate', incident: { id: r.body.incident.id } });
    expect(s.count()).toBe(n + 1);
  });

  it.each([
    ['v1 without lt', smsV1.replace('lt=48.82639;', ''), 'lt'],
    ['v1 latitude out of range', smsV1.replace('lt=48.82639', 'lt=148.82639'), 'lt'],
    ['v1 longitude not a number', smsV1.replace('lg=-2.36619', 'lg=west'), 'lg'],
    ['v2 without lo', smsV2.replace(/lo=[^;]*;/, ''), 'lo'],
    ['v2 lon out of range', smsV2.replace('-122.08461', '-222.08461'), 'lo.1'],
    ['unknown version', smsV1.replace('A"ML=1', 'A"ML=7'), 'AML'],
    ['form latitude out of range', form.replace('location_latitude=55.85732', 'location_latitude=95.5'), 'location_latitude'],
    ['form without longitude', form.replace('location_longitude=-4.26325&', ''), 'location_longitude'],
    ['not AML at all', 'hello=world', 'body'],
    ['v2 location time in year 5138', smsV2.replace('et=1593187189', 'et=99999999999999'), 'et'],
    ['v2 location time before 2000', smsV2.replace('et=1593187189', 'et=86400'), 'et'],
  ])('%s → 400 naming the field, nothing stored', async (_n, body, field) => {
    const n = s.count();
    const r = await aml(body, body.startsWith('A"ML') ? TEXT : FORM);
    expect(r.status).toBe(400);
    expect(r.body.field).toBe(field);
    expect(s.count()).toBe(n);
  });

  it('refuses JSON and callers without an intake role', async () => {
    expect((await aml(smsV2, { 'content-type': 'application/json' })).status).toBe(415);
    expect((await s.call('POST', '/api/intake/aml', 'viewer', smsV2, TEXT)).status).toBe(403);
    expect((await s.call('POST', '/api/intake/aml', null, smsV2, TEXT)).status).toBe(401);
  });
});

describe('AML with SIAGA_AML_HMAC_KEY', () => {
  const key = 'shared-aml-secret';
  let s: IncidentsStack;
  beforeAll(async () => {
    s = await startIncidents({ amlHmacKey: key });
  });
  afterAll(() => s?.close());
  const sign = (payload: string, sep: string, k = key) => `${payload}${sep}hmac=${crypto.createHmac('sha1', k).update(payload).digest('hex')}`;

  it('accepts a correctly signed form and SMS', async () => {
    expect((await s.call('POST', '/api/intake/aml', 'integration', sign(form, '&'), FORM)).status).toBe(201);
    expect((await s.call('POST', '/api/intake/aml', 'integration', sign(smsV2, ';'), TEXT)).status).toBe(201);
  });

  it('a wrong, tampered or missing HMAC → 401, nothing stored', async () => {
    const n = s.count();
    const signed = sign(form.replace('device_number=%2B447477593102', 'device_number=%2B447477593103'), '&');
    for (const body of [
      sign(form, '&', 'wrong-key'),
      signed.replace('location_latitude=55.85732', 'location_latitude=55.85733'),
      form,
    ]) {
      const r = await s.call('POST', '/api/intake/aml', 'integration', body, FORM);
      expect(r.status).toBe(401);
      expect(r.body.field).toBe('hmac');
    }
    expect(s.count()).toBe(n);
  });
});
