// The bad-input corpus (test/fixtures/bad-input/cases.json, sources in SOURCES.md) against a real server: the
// incidents, units (with the OsmAnd device port), geo and streams routers, the /ws hub and /hls-ws on real HTTP,
// real WebSockets and a real SQLite file, wired as server/main.ts wires them (no ffmpeg: the one camera's live
// window is idle). Each case: its status, the field its JSON error names, nothing stored that should not be, never
// a 5xx; and the server still answers and stores good requests afterwards.
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket from 'ws';
import { createGeo } from '../../geo/index.ts';
import { EventBus } from '../../server/events.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { geoRouter } from '../../server/geo/routes.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { createAuth, principalOf } from '../../server/http/auth.ts';
import { incidentsRouter } from '../../server/incidents/routes.ts';
import { createIncidentService } from '../../server/incidents/service.ts';
import { createHub } from '../../server/realtime/hub.ts';
import { migrate, openDb } from '../../server/store/db.ts';
import { attachHlsSocket } from '../../server/streams/hls-socket.ts';
import { DEFAULT_TIMING, type CameraPipeline } from '../../server/streams/pipeline.ts';
import { streamsRouter } from '../../server/streams/routes.ts';
import { LiveSegmenter } from '../../server/streams/segmenter.ts';
import type { StreamSupervisor } from '../../server/streams/supervisor.ts';
import { startUnits } from '../../server/units/index.ts';
import { freePort } from './free-port.ts';

const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const fixture = (rel: string) => fs.readFileSync(path.join(ROOT, 'test/fixtures', rel), 'utf8');
const ADMIN = 'test-admin-token-bad-input-0123456789';
const UNIT = 'bad-1';
/** Issued by the server when the unit is registered. */
let DEVICE = '';

type Who = 'admin' | 'operator' | 'viewer' | 'integration' | null;
interface Case {
  id: string;
  channel: 'json' | 'cap' | 'aml' | 'osmand' | 'track' | 'geocode' | 'hls' | 'ws';
  description: string;
  source: string;
  request: {
    method?: string; path?: string; port?: 'osmand'; as?: Who; headers?: Record<string, string>; gzip?: boolean;
    json?: unknown; body?: string; fixture?: { file: string; fresh?: boolean; replace?: Array<[string, string]> };
    ws?: string; send?: string[]; sendBinaryBase64?: string[];
  };
  expect: {
    status?: number; field?: string; error?: string; stored?: number; logged?: number; json?: Record<string, unknown>; flags?: string[];
    upgrade?: number; close?: number | null; broadcast?: boolean; answers?: Array<{ id: number; status: number; field: string }>;
  };
}
const { cases } = JSON.parse(fixture('bad-input/cases.json')) as { cases: Case[] };
const DEFAULT_WHO: Record<Case['channel'], Who> = { json: 'operator', cap: 'integration', aml: 'integration', osmand: null, track: 'viewer', geocode: 'viewer', hls: 'viewer', ws: 'operator' };
const STORE: Partial<Record<Case['channel'], 'incidents' | 'unit_positions'>> = { json: 'incidents', cap: 'incidents', aml: 'incidents', osmand: 'unit_positions' };

/** A case's placeholders: times relative to now, the registered unit and device, and long or nested text. */
function expand(s: string, now: number): string {
  return s.replace(/\{\{([^}]+)\}\}/g, (_m, key: string) => {
    const [name, a, b] = key.split(':');
    switch (name) {
      case 'recent': return new Date(now - 60_000).toISOString();
      case 'future': return new Date(now + 86_400_000).toISOString();
      case 'nowS': return String(Math.floor(now / 1000));
      case 'nowMs': return String(now);
      case 'device': return DEVICE;
      case 'unit': return UNIT;
      case 'pad': return 'x'.repeat(Number(a));
      case 'repeat': return a.repeat(Number(b));
      case 'nest': return '['.repeat(Number(a)) + ']'.repeat(Number(a));
      default: throw new Error(`unknown placeholder {{${key}}}`);
    }
  });
}

/** The request body as sent: a fixture made current (sent a minute ago, expires tomorrow, its own identifier) and edited, JSON, or text. */
function bodyOf(c: Case, now: number): { text?: string; type?: string } {
  const r = c.request;
  if (r.fixture) {
    let text = fixture(r.fixture.file);
    if (r.fixture.fresh) {
      text = text
        .replace(/<identifier>[^<]*<\/identifier>/, `<identifier>bad-${c.id}</identifier>`)
        .replace(/<sent>[^<]*<\/sent>/, '<sent>{{recent}}</sent>')
        .replace(/<expires>[^<]*<\/expires>/g, '<expires>{{future}}</expires>');
    }
    for (const [from, to] of r.fixture.replace ?? []) {
      if (!text.includes(from)) throw new Error(`${c.id}: "${from.slice(0, 60)}" is not in ${r.fixture.file}`);
      text = text.split(from).join(to);
    }
    return { text: expand(text, now), type: 'application/xml' };
  }
  if (r.json !== undefined) return { text: expand(JSON.stringify(r.json), now), type: 'application/json' };
  return { text: r.body === undefined ? undefined : expand(r.body, now) };
}

let dir: string;
let server: http.Server;
let base = '';
let wsBase = '';
let osmandBase = '';
let db: ReturnType<typeof openDb>;
let tokens: Record<Exclude<Who, null>, string>;
let closeAll: () => Promise<void>;
const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

beforeAll(async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-bad-input-'));
  db = openDb(dir);
  migrate(db);
  const bus = new EventBus();
  const auth = createAuth({ db, config: { adminToken: ADMIN, demo: false, intakeRatePerS: 0 } });
  const geo = createGeo(loadGeoData());
  const incidents = createIncidentService({ db, bus, geo });
  const units = await startUnits({
    config: { osmandPort: await freePort(), host: '127.0.0.1', arrivalRadiusM: 100, avlRatePerS: 0 },
    db, bus, incidents, requireRole: auth.requireRole,
    actorOf: (_req, res) => principalOf(res).id,
    crew: { requireUnit: auth.requireUnit, unitOf: (res) => principalOf(res).unit, issueUnitToken: auth.issueUnitToken },
  });
  // One camera whose live window exists but is idle: the HLS checks run, no ffmpeg is needed.
  const camera = { id: 'cam-1', timing: DEFAULT_TIMING, segmenter: new LiveSegmenter({ partTargetS: DEFAULT_TIMING.partTargetS, listSize: DEFAULT_TIMING.listSize }) } as unknown as CameraPipeline;
  const pipelineOf = (id: string) => (id === camera.id ? camera : undefined);
  const app = createApp();
  app.use(auth.router);
  app.use(incidentsRouter({
    service: incidents, requireRole: auth.requireRole, requireIntake: auth.requireIntake, rateLimitIntake: auth.rateLimitIntake,
    cameras: () => [], camerasFor: geo.camerasFor, serviceBox: geo.extent(),
  }));
  app.use(units.router);
  app.use(geoRouter({ geo, requireRole: auth.requireRole }));
  app.use(streamsRouter({ supervisor: { pipeline: pipelineOf } as unknown as StreamSupervisor, requireRole: auth.requireRole }));
  finishApp(app);
  server = http.createServer(app);
  const hub = createHub({ server, bus, authenticate: auth.authenticate, snapshot: () => ({ cameras: [], incidents: incidents.listOpen(), units: units.service.list() }) });
  const hls = attachHlsSocket({ server, pipelineOf, authenticate: auth.authenticate });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as net.AddressInfo).port;
  base = `http://127.0.0.1:${port}`;
  wsBase = `ws://127.0.0.1:${port}`;
  osmandBase = `http://127.0.0.1:${units.osmandPort()}`;
  tokens = {
    admin: ADMIN,
    operator: auth.issueToken('operator', 'bad-input-console'),
    viewer: auth.issueToken('viewer', 'bad-input-wall'),
    integration: auth.issueToken('integration', 'bad-input-feed'),
  };
  const reg = await call({ method: 'POST', path: '/api/units', as: 'admin' }, JSON.stringify({ id: UNIT, callsign: 'DAMKAR 01', agency: 'damkar', kind: 'pemadam' }), 'application/json');
  expect(reg.status).toBe(201);
  DEVICE = reg.body.deviceId;
  closeAll = async () => {
    await hls.close();
    await hub.close();
    await units.close();
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
    db.close();
    fs.rmSync(dir, { recursive: true, force: true });
  };
});
afterAll(() => closeAll?.());

async function call(r: { method?: string; path?: string; port?: 'osmand'; as?: Who; headers?: Record<string, string>; gzip?: boolean }, body?: string, type?: string) {
  const headers: Record<string, string> = { ...(type ? { 'content-type': type } : {}), ...(r.as ? { authorization: `Bearer ${tokens[r.as]}` } : {}), ...r.headers };
  let payload: BodyInit | undefined = body;
  if (r.gzip && body !== undefined) {
    payload = new Blob([new Uint8Array(zlib.gzipSync(body))]);
    headers['content-encoding'] = 'gzip';
  }
  const res = await fetch((r.port === 'osmand' ? osmandBase : base) + r.path, { method: r.method ?? 'GET', headers, body: payload });
  const text = await res.text();
  let json: any = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = text;
  }
  return { status: res.status, body: json };
}

/** Opens a socket; resolves with it once open, or with the HTTP status the upgrade was refused with. */
function openSocket(url: string, who: Who, headers: Record<string, string> = {}): Promise<{ ws?: WebSocket; status: number; frames: Array<{ data: Buffer; binary: boolean }>; closed: { code: number | null } }> {
  return new Promise((resolve, reject) => {
    const ws = new WebSocket(wsBase + url, { headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...headers } });
    const frames: Array<{ data: Buffer; binary: boolean }> = [];
    const closed = { code: null as number | null };
    ws.on('message', (data, binary) => frames.push({ data: data as Buffer, binary }));
    ws.on('close', (code) => (closed.code = code));
    ws.on('unexpected-response', (_req, res) => {
      resolve({ status: res.statusCode ?? 0, frames, closed });
      res.resume();
      ws.terminate();
    });
    ws.on('open', () => resolve({ ws, status: 101, frames, closed }));
    ws.on('error', (err) => (ws.readyState === ws.CONNECTING ? reject(err) : undefined));
  });
}
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, ok: () => boolean, ms = 3000) {
  const end = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}
const selects = (frames: Array<{ data: Buffer; binary: boolean }>) => frames.filter((f) => !f.binary && JSON.parse(String(f.data)).type === 'select');

async function runSocketCase(c: Case, now: number) {
  const r = c.request;
  const who = r.as === undefined ? DEFAULT_WHO[c.channel] : r.as;
  const watcher = c.channel === 'ws' ? await openSocket('/ws', 'operator') : undefined;
  const s = await openSocket(expand(r.ws!, now), who, r.headers);
  expect(s.status, 'upgrade status').toBe(c.expect.upgrade);
  if (!s.ws) return;
  for (const m of r.send ?? []) s.ws.send(expand(m, now));
  for (const b of r.sendBinaryBase64 ?? []) s.ws.send(Buffer.from(b, 'base64'), { binary: true });
  if (c.expect.answers) {
    await until('answers', () => s.frames.length >= c.expect.answers!.length);
    const got = s.frames.map((f) => ({ id: f.data.readUInt32BE(0), status: f.data.readUInt16BE(4), field: JSON.parse(String(f.data.subarray(8))).field }));
    expect(got).toEqual(c.expect.answers);
  }
  if (c.expect.close) await until(`close ${c.expect.close}`, () => s.closed.code !== null);
  else await sleep(300);
  expect(s.closed.code, 'close code').toBe(c.expect.close ?? null);
  if (c.expect.broadcast === false) {
    expect(selects(watcher!.frames), 'nothing relayed to other walls').toEqual([]);
    if (who === 'operator' || who === 'admin') {
      // the same socket is still served: a valid select from it reaches the watcher
      s.ws.send(JSON.stringify({ type: 'select', data: { incidentId: `after-${c.id}` } }));
      await until('the valid select', () => selects(watcher!.frames).length === 1);
    }
  }
  s.ws.terminate();
  watcher?.ws?.terminate();
}

describe('bad-input corpus (test/fixtures/bad-input/cases.json)', () => {
  it('has at least 60 cases, each with a description, a source and an expectation; every channel covered', () => {
    expect(cases.length).toBeGreaterThanOrEqual(60);
    for (const c of cases) expect([c.id, c.description, c.source, c.expect].every(Boolean), c.id).toBe(true);
    expect(new Set(cases.map((c) => c.channel))).toEqual(new Set(['json', 'cap', 'aml', 'osmand', 'track', 'geocode', 'hls', 'ws']));
    expect(new Set(cases.map((c) => c.id)).size).toBe(cases.length);
  });

  for (const c of cases) {
    it(`${c.channel} · ${c.id}: ${c.description}`, async () => {
      const now = Date.now();
      if (c.request.ws) return runSocketCase(c, now);
      const before = { incidents: count('incidents'), unit_positions: count('unit_positions'), intake_log: count('intake_log') };
      const { text, type } = bodyOf(c, now);
      const who = c.request.as === undefined ? DEFAULT_WHO[c.channel] : c.request.as;
      const res = await call({ ...c.request, path: expand(c.request.path!, now), as: who }, text, type);
      expect(res.status, `status (body ${JSON.stringify(res.body)?.slice(0, 300)})`).toBe(c.expect.status);
      expect(res.status).toBeLessThan(500);
      if (res.status >= 400) {
        expect(res.body, 'a JSON error body').toMatchObject({ error: expect.any(String), message: expect.any(String) });
        expect(res.body.field, 'the field the error names').toBe(c.expect.field);
        if (c.expect.error) expect(res.body.error).toBe(c.expect.error);
      }
      if (c.expect.json) expect(res.body).toMatchObject(c.expect.json);
      if (c.expect.flags) expect(res.body.incident.flags).toEqual(expect.arrayContaining(c.expect.flags));
      const table = STORE[c.channel];
      expect(count('incidents') - before.incidents, 'incidents stored').toBe(table === 'incidents' ? (c.expect.stored ?? 0) : 0);
      expect(count('unit_positions') - before.unit_positions, 'positions stored').toBe(table === 'unit_positions' ? (c.expect.stored ?? 0) : 0);
      expect(count('intake_log') - before.intake_log, 'intake log entries').toBe(c.expect.logged ?? 0);
      // still serving
      expect((await call({ path: '/api/incidents?limit=1', as: 'viewer' })).status).toBe(200);
    });
  }
});

describe('afterwards the server still takes good input on every channel', () => {
  it('JSON, CAP and AML intake store an incident each', async () => {
    const n = count('incidents');
    const now = Date.now();
    const json = await call({ method: 'POST', path: '/api/incidents', as: 'operator' }, JSON.stringify({ category: 'kebakaran', description: 'Asap tebal dari ruko', location: { lat: 0.5071, lon: 101.4478 } }), 'application/json');
    expect(json.status).toBe(201);
    const cap = bodyOf({ id: 'good', channel: 'cap', request: { fixture: { file: 'incidents/cap/oasis-example3-update.xml', fresh: true } } } as Case, now);
    expect((await call({ method: 'POST', path: '/api/intake/cap', as: 'integration' }, cap.text, cap.type)).status).toBe(201);
    const aml = fixture('incidents/aml/sms-v2.txt').trim().replace(/et=\d+/, `et=${Math.floor(now / 1000) - 30}`);
    expect((await call({ method: 'POST', path: '/api/intake/aml', as: 'integration' }, aml, 'text/plain')).status).toBe(201);
    expect(count('incidents')).toBe(n + 3);
  });

  it('a real Traccar Client fix is stored and its track read back', async () => {
    const n = count('unit_positions');
    const now = Date.now();
    const r = await call({ method: 'GET', port: 'osmand', path: `/?id=${DEVICE}&lat=0.5071&lon=101.4478&timestamp=${Math.floor(now / 1000)}&speed=0.0` });
    expect(r.status).toBe(200);
    expect(count('unit_positions')).toBe(n + 1);
    const track = await call({ path: `/api/units/${UNIT}/track?since=${now - 60_000}`, as: 'viewer' });
    expect(track.status).toBe(200);
    expect(track.body.items.length).toBeGreaterThanOrEqual(1);
  });

  it('geocode, HLS and both sockets answer', async () => {
    expect((await call({ path: '/api/geocode?q=sudirman&limit=2', as: 'viewer' })).status).toBe(200);
    expect(await call({ path: '/hls/cam-1/init-0.mp4', as: 'viewer' })).toMatchObject({ status: 404, body: { field: 'file' } });
    const hls = await openSocket('/hls-ws', 'viewer');
    hls.ws!.send(JSON.stringify({ id: 7, get: '/hls/cam-1/init-0.mp4' }));
    await until('the /hls-ws answer', () => hls.frames.length === 1);
    expect([hls.frames[0].data.readUInt32BE(0), hls.frames[0].data.readUInt16BE(4)]).toEqual([7, 404]);
    hls.ws!.terminate();
    const watcher = await openSocket('/ws', 'viewer');
    const lead = await openSocket('/ws', 'operator');
    await until('snapshots', () => watcher.frames.length >= 1 && lead.frames.length >= 1);
    lead.ws!.send(JSON.stringify({ type: 'select', data: { incidentId: null } }));
    await until('the select relayed', () => selects(watcher.frames).length === 1);
    watcher.ws!.terminate();
    lead.ws!.terminate();
  });
});
