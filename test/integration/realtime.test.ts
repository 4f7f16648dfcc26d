// Realtime hub over real ws clients: snapshot then ordered deltas, gap → resync, select relay, auth on upgrade,
// and a slow client cut loose while another keeps receiving.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import path from 'node:path';
import { z } from 'zod';
import { loadCameras } from '../../camera-config/load.ts';
import { wsMessageSchema } from '../../domain/messages.ts';
import { unitSchema } from '../../domain/unit.ts';
import { cameraView } from '../../server/streams/supervisor.ts';
import { ROOT, roadLine, startStack, type Stack } from './units-harness.ts';

const [LON, LAT] = roadLine('Sudirman')[0];
let s: Stack;

/** A ws client that queues every message and lets a test await the next one matching a predicate. */
const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

function client(stack: Stack, token = stack.tokens.viewer) {
  const ws = new WebSocket(`ws://127.0.0.1:${stack.port}/ws`, { headers: bearer(token) });
  const queue: any[] = [];
  const waiters: Array<{ pred: (m: any) => boolean; resolve: (m: any) => void }> = [];
  ws.on('message', (raw) => {
    const m = JSON.parse(String(raw));
    const w = waiters.findIndex((x) => x.pred(m));
    if (w >= 0) waiters.splice(w, 1)[0].resolve(m);
    else queue.push(m);
  });
  return {
    ws,
    next(pred: (m: any) => boolean = () => true, timeoutMs = 10_000): Promise<any> {
      const i = queue.findIndex(pred);
      if (i >= 0) return Promise.resolve(queue.splice(i, 1)[0]);
      return new Promise((resolve, reject) => {
        const t = setTimeout(() => reject(new Error('timed out waiting for a message')), timeoutMs);
        waiters.push({ pred, resolve: (m) => (clearTimeout(t), resolve(m)) });
      });
    },
    send: (m: unknown) => ws.send(JSON.stringify(m)),
    close: () => ws.close(),
  };
}
const newIncident = (description: string) =>
  s.incidents.create({ source: 'form', category: 'kecelakaan', description, location: { lat: LAT, lon: LON, method: 'gps' } }, 'test').incident;

beforeAll(async () => {
  s = await startStack();
  s.units.service.register({ id: 'amb-01', callsign: 'AMBULANS PSC 119-01', agency: 'psc', kind: 'ambulans', deviceId: 'dev-amb1' });
});
afterAll(() => s?.close());

describe('realtime hub', () => {
  it('refuses an upgrade without a token, and an intake-only token', async () => {
    const status = (token?: string, query = '') =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws${query}`, { headers: token ? bearer(token) : {} });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => (ws.close(), resolve(101)));
        ws.on('error', () => {});
      });
    expect(await status()).toBe(401);
    expect(await status('wrong')).toBe(401);
    expect(await status(s.tokens.integration)).toBe(403);
    expect(await status(undefined, `?token=${s.tokens.viewer}`)).toBe(401); // never a token in a URL
  });

  it("refuses a page of another site even with a valid credential (Origin), and serves the wall's own", async () => {
    const status = (origin: string) =>
      new Promise<number>((resolve) => {
        const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { origin, ...bearer(s.tokens.viewer) } });
        ws.on('unexpected-response', (_req, res) => resolve(res.statusCode ?? 0));
        ws.on('open', () => (ws.close(), resolve(101)));
        ws.on('error', () => {});
      });
    expect(await status('https://evil.example')).toBe(403);
    expect(await status(`http://127.0.0.1:${s.port}.evil.example`)).toBe(403);
    expect(await status('null')).toBe(403);
    expect(await status(`http://127.0.0.1:${s.port}`)).toBe(101);
  });

  it('a state-changing request from another site\'s page is refused, even with a valid credential', async () => {
    const post = (origin?: string) =>
      fetch(`${s.base}/api/incidents/INC-NONE/no-unit`, {
        method: 'POST',
        headers: { authorization: `Bearer ${s.tokens.operator}`, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: JSON.stringify({ agency: 'damkar' }),
      }).then(async (r) => ({ status: r.status, body: await r.json() }));
    expect(await post('https://evil.example')).toMatchObject({ status: 403, body: { error: 'forbidden', field: 'origin' } });
    // the wall's own pages and non-browser clients (no Origin) get through to the route (here: no such incident)
    expect((await post(s.base)).status).toBe(404);
    expect((await post()).status).toBe(404);
  });

  it('every HTTP answer forbids framing, sniffing and referrers', async () => {
    for (const url of ['/api/units', '/api/nothing']) {
      const res = await fetch(`${s.base}${url}`, { headers: { authorization: `Bearer ${s.tokens.viewer}` } });
      expect(res.headers.get('x-frame-options')).toBe('DENY');
      expect(res.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('referrer-policy')).toBe('no-referrer');
    }
  });

  it('accepts a Bearer header too and sends a snapshot first', async () => {
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: { authorization: `Bearer ${s.tokens.viewer}` } });
    const first = await new Promise<any>((r) => ws.once('message', (m) => r(JSON.parse(String(m)))));
    expect(first.type).toBe('snapshot');
    expect(first.data.units.map((u: any) => u.id)).toContain('amb-01');
    ws.close();
  });

  it('snapshot, then deltas in seq order; a client that misses one resyncs and has everything again', async () => {
    const c = client(s);
    const snap = await c.next();
    expect(snap).toMatchObject({ type: 'snapshot', data: { cameras: [], incidents: [], units: [expect.objectContaining({ id: 'amb-01' })] } });
    let seq = snap.seq as number;
    const ids: string[] = [];
    for (let i = 0; i < 5; i++) ids.push(newIncident(`tabrakan ${i}`).id);
    for (const id of ids) {
      const d = await c.next();
      expect(d).toMatchObject({ type: 'incident', seq: seq + 1, data: { id } });
      expect(d.data.caller).toBeDefined();
      seq = d.seq;
    }
    // Forced gap: the client "loses" the next delta (drops it on the floor), notices at the following one.
    const lost = newIncident('hilang di jalan');
    const dropped = await c.next();
    expect(dropped.data.id).toBe(lost.id);
    const after = newIncident('sesudah celah');
    const d2 = await c.next();
    expect(d2.seq).toBe(dropped.seq + 1);
    expect(d2.seq).not.toBe(seq + 1); // the gap the client detects
    c.send({ type: 'resync' });
    const fresh = await c.next((m) => m.type === 'snapshot');
    expect(fresh.seq).toBeGreaterThanOrEqual(d2.seq);
    const openIds = fresh.data.incidents.map((i: any) => i.id);
    expect(openIds).toEqual(expect.arrayContaining([...ids, lost.id, after.id]));
    // …and continues from the snapshot's seq.
    const later = newIncident('lanjut');
    expect(await c.next((m) => m.type === 'incident')).toMatchObject({ seq: fresh.seq + 1, data: { id: later.id } });
    c.close();
  });

  it('unit positions arrive as unit deltas', async () => {
    const c = client(s);
    await c.next();
    const res = await fetch(`http://127.0.0.1:${s.osmandPort}/?id=dev-amb1&lat=${LAT}&lon=${LON}&timestamp=${Math.floor(Date.now() / 1000)}&speed=0`);
    expect(res.status).toBe(200);
    const d = await c.next((m) => m.type === 'unit');
    expect(d.data).toMatchObject({ id: 'amb-01', position: { lat: LAT, lon: LON }, stale: false });
    expect(d.data.deviceId).toBeUndefined();
    c.close();
  });

  it('everything a wall receives, over /ws and from the list endpoints, is exactly the domain\'s shape', async () => {
    const seen: unknown[] = [];
    // an operator's screen: it may also lead follow mode (select)
    const ws = new WebSocket(`ws://127.0.0.1:${s.port}/ws`, { headers: bearer(s.tokens.operator) });
    ws.on('message', (raw) => seen.push(JSON.parse(String(raw))));
    await new Promise((r) => ws.once('open', r));
    const inc = newIncident('kontrak bentuk');
    expect((await s.call('POST', `/api/incidents/${inc.id}/dispatch`, 'operator', { unitId: 'amb-01' })).status).toBe(201);
    await fetch(`http://127.0.0.1:${s.osmandPort}/?id=dev-amb1&lat=${LAT}&lon=${LON}&timestamp=${Math.floor(Date.now() / 1000)}&speed=20`);
    await new Promise((r) => setTimeout(r, 250));
    ws.send(JSON.stringify({ type: 'select', data: { incidentId: inc.id } }));
    await expect.poll(() => seen.map((m: any) => m.type)).toEqual(expect.arrayContaining(['snapshot', 'incident', 'unit', 'select']));
    ws.close();
    for (const m of seen) {
      const r = wsMessageSchema.safeParse(m);
      expect(r.success ? null : { type: (m as any).type, issues: r.error.issues.slice(0, 3) }).toBeNull();
    }
    // A unit mid-dispatch and a masked caller are part of what was checked, not an empty case.
    expect(seen.some((m: any) => m.type === 'unit' && m.data.dispatch?.incidentId === inc.id)).toBe(true);
    expect(seen.some((m: any) => m.type === 'incident' && m.data.id === inc.id)).toBe(true);
    const list = <T extends z.ZodType>(item: T) => z.strictObject({ items: z.array(item) });
    expect(list(unitSchema).safeParse((await s.call('GET', '/api/units', 'viewer')).body).success).toBe(true);
    // and the schema does refuse what a wall must never get: a unit carrying its tracker's device id
    const unit = (await s.call('GET', '/api/units', 'viewer')).body.items[0];
    expect(unitSchema.safeParse({ ...unit, deviceId: 'dev-amb1' }).success).toBe(false);
  });

  it('a client asking for resync in a loop gets one snapshot per window, and the last ask is still answered', async () => {
    const c = client(s);
    await c.next((m) => m.type === 'snapshot'); // on connect
    for (let k = 0; k < 50; k++) c.send({ type: 'resync' });
    const answered = await c.next((m) => m.type === 'snapshot', 5000); // the one deferred answer
    expect(answered.type).toBe('snapshot');
    await expect(c.next((m) => m.type === 'snapshot', 2500)).rejects.toThrow(/timed out/);
    c.close();
  });

  it("relays an operator's select (follow mode) to every wall, without a seq gap; a wall's own select leads nobody", async () => {
    const a = client(s, s.tokens.operator);
    const b = client(s);
    const [sa, sb] = [await a.next(), await b.next()];
    const inc = newIncident('ikuti ini');
    await a.next((m) => m.type === 'incident');
    await b.next((m) => m.type === 'incident');
    a.send({ type: 'select', data: { incidentId: inc.id } });
    const gotB = await b.next((m) => m.type === 'select');
    const gotA = await a.next((m) => m.type === 'select');
    expect(gotB).toMatchObject({ data: { incidentId: inc.id, from: sa.clientId } });
    expect(gotA.seq).toBe(gotB.seq);
    expect(sb.clientId).not.toBe(sa.clientId);
    a.send({ type: 'select', data: { incidentId: 42 } }); // not a valid id: ignored
    a.send({ type: 'select', data: { incidentId: 'spam' } }); // within 200 ms of the last select: dropped
    await new Promise((r) => setTimeout(r, 250));
    a.send({ type: 'select', data: { incidentId: null } }); // unfollow
    expect(await b.next((m) => m.type === 'select')).toMatchObject({ seq: gotB.seq + 1, data: { incidentId: null } });
    b.send({ type: 'select', data: { incidentId: inc.id } }); // a viewer (wall display): not relayed
    await expect(b.next((m) => m.type === 'select', 600)).rejects.toThrow(/timed out/);
    a.close();
    b.close();
  });
});

describe('slow clients', () => {
  let t: Stack;
  beforeAll(async () => {
    t = await startStack({ hub: { maxBufferedBytes: 256 * 1024 } });
  });
  afterAll(() => t?.close());

  it('a client that stops reading is terminated; the others receive every delta', async () => {
    const fast = client(t);
    const slow = client(t);
    await fast.next();
    await slow.next();
    const slowClosed = new Promise<number>((r) => slow.ws.on('close', (code) => r(code)));
    (slow.ws as any)._socket.pause(); // stops reading: its TCP window fills, then the server's send buffer
    const big = 'x'.repeat(100 * 1024);
    const N = 300; // 30 MB: far more than loopback socket buffers hold
    let received = 0;
    let lastSeq = 0;
    const gotAll = new Promise<void>((resolve) => {
      fast.ws.on('message', (raw) => {
        const m = JSON.parse(String(raw));
        if (m.type !== 'camera') return;
        if (lastSeq) expect(m.seq).toBe(lastSeq + 1);
        lastSeq = m.seq;
        if (++received === N) resolve();
      });
    });
    // A real camera view (no credentials: the demo's cameras.json), made heavy by its provenance text.
    const cam = loadCameras(path.join(ROOT, 'camera-config/cameras.json'), { SIAGA_CCTV_USER: 'u', SIAGA_CCTV_PASSWORD: 'p', SIAGA_CCTV_HOST: '127.0.0.1' })[0];
    const health = { status: 'online' as const, since: new Date().toISOString(), fps: 25, kbps: 800, lastSegmentAgeS: 0, lastSegmentAt: null, restarts: 0, lastError: null, lastErrorAt: null, snapshotAt: null, codec: 'avc1.42c01e' };
    for (let i = 0; i < N; i++) {
      t.bus.publish('camera', { ...cameraView(cam, health), id: `cam-${i}`, provenance: big });
      if (i % 10 === 9) await new Promise((r) => setImmediate(r)); // let the fast client drain
    }
    await gotAll;
    expect(received).toBe(N);
    expect(t.hub.stats().slowClientsDropped).toBe(1);
    (slow.ws as any)._socket.resume();
    expect(await slowClosed).toBe(1006); // terminated, no close handshake
    fast.close();
  });
});
