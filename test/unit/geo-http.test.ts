import http from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeo } from '../../geo/index.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { geoRouter } from '../../server/geo/routes.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import type { RequireRole } from '../../server/http/roles.ts';

let server: http.Server;
let base = '';
const seenRoles: string[] = [];
beforeAll(async () => {
  const requireRole: RequireRole = (role) => (req, res, next) => {
    seenRoles.push(role);
    if (req.headers.authorization !== 'Bearer ok') return void res.status(401).json({ error: 'unauthorized' });
    next();
  };
  const app = createApp();
  app.use(geoRouter({ geo: createGeo(loadGeoData()), requireRole }));
  finishApp(app);
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});
afterAll(() => new Promise<void>((r) => server.close(() => r())));
const get = async (p: string, auth = true) => {
  const res = await fetch(base + p, { headers: auth ? { authorization: 'Bearer ok' } : {} });
  return { status: res.status, body: (await res.json()) as any };
};

describe('GET /api/geocode and /api/reverse', () => {
  it('geocodes a real query', async () => {
    const { status, body } = await get(`/api/geocode?q=${encodeURIComponent('simp. sudirman - tambusai')}&limit=2`);
    expect(status).toBe(200);
    expect(body.items[0].kind).toBe('intersection');
    expect(body.items.length).toBeLessThanOrEqual(2);
  });
  it('requires the viewer role', async () => {
    expect((await get('/api/geocode?q=sudirman', false)).status).toBe(401);
    expect(seenRoles).toContain('viewer');
  });
  it('400 naming the bad or missing parameter', async () => {
    expect(await get('/api/geocode')).toMatchObject({ status: 400, body: { field: 'q' } });
    expect(await get('/api/geocode?q=%20')).toMatchObject({ status: 400, body: { field: 'q' } });
    expect(await get(`/api/geocode?q=${'x'.repeat(10_000)}`)).toMatchObject({ status: 400, body: { field: 'q' } });
    expect(await get('/api/geocode?q=sudirman&limit=abc')).toMatchObject({ status: 400, body: { field: 'limit' } });
    expect(await get('/api/reverse?lon=101.45')).toMatchObject({ status: 400, body: { field: 'lat' } });
    expect(await get('/api/reverse?lat=0.5&lon=NaN')).toMatchObject({ status: 400, body: { field: 'lon' } });
    expect(await get('/api/reverse?lat=95&lon=101')).toMatchObject({ status: 400, body: { field: 'lat' } });
  });
  it('reverse inside and outside the city', async () => {
    const inside = await get('/api/reverse?lat=0.514001&lon=101.444994');
    expect(inside.body).toMatchObject({ inside: true, kelurahan: { name: 'Jadirejo' } });
    const jakarta = await get('/api/reverse?lat=-6.2&lon=106.8167');
    expect(jakarta.body).toMatchObject({ inside: false, kelurahan: null });
  });
});
