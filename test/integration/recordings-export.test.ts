// Recorded video out of the building: a span as one MP4 (GET …/recordings/clip.mp4), an incident's evidence package
// (POST /api/incidents/:id/clips) checked by `npm run verify`, the video audit and who may do what. All real: fMP4 made
// by ffmpeg the way the camera pipelines make it (server/streams/args.ts), split by mp4frag and fed through the real
// LiveSegmenter into the real Recorder on disk; the recordings room as main.ts starts it, with real auth and the real
// incident service on a real SQLite file, over real HTTP; ffmpeg remuxes, ffprobe (which decodes) counts the frames.
// Expectations come from the fragments fed in (their durations at 15 fps and the clock they were fed on), not from
// the recording index or the code under test.
import { execFile, spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import http from 'node:http';
import type net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCameras } from '../../camera-config/load.ts';
import { EventBus } from '../../server/events.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { createAuth } from '../../server/http/auth.ts';
import { incidentsRouter } from '../../server/incidents/routes.ts';
import { createIncidentService } from '../../server/incidents/service.ts';
import { logger } from '../../server/log.ts';
import { createVideoAudit } from '../../server/recordings/audit.ts';
import { createExports } from '../../server/recordings/exports.ts';
import { startRecordings, type Recordings } from '../../server/recordings/index.ts';
import { migrate, openDb, type Db } from '../../server/store/db.ts';
import { DEFAULT_RETENTION, runRetention } from '../../server/store/retention.ts';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import { LiveSegmenter } from '../../server/streams/segmenter.ts';
import { geoStub, kelurahanNamed } from './geo-stub.ts';
import { splitFmp4, type SplitFmp4 } from '../fmp4-split.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ADMIN = 'recordings-export-admin-token-0123456789';
const FPS = 15;
const FRAME_MS = 1000 / FPS;
const CAMS = ['cam-01', 'cam-02'];

/** A part as fed: its wall-clock start (the segmenter's program date on a clock advanced by media time) and frames. */
interface Fed { startMs: number; durationMs: number; frames: number; keyframe: boolean }

let tmp: string;
let dataDir: string;
let db: Db;
let ffmpegPath: string;
let ffprobePath: string;
let recordings: Recordings;
let server: http.Server;
let base: string;
let incidentId: string;
const tokens = { admin: ADMIN, operator: '', viewer: '' };
/** Per camera: the runs fed, each a list of parts. */
const fed: Record<string, Fed[][]> = {};

/** The ffprobe beside FFMPEG_PATH (never a bare name: CI's PATH has a tripwire first). */
function ffprobeBeside(ffmpeg: string): string {
  const dirs = path.isAbsolute(ffmpeg) ? [path.dirname(ffmpeg)] : (process.env.PATH ?? '').split(path.delimiter);
  const found = dirs.map((d) => path.join(d, 'ffprobe')).find((p) => fs.existsSync(p));
  if (!found) throw new Error(`no ffprobe beside ${ffmpeg}: set FFMPEG_PATH to an ffmpeg with its ffprobe (Debian: /usr/bin/ffmpeg)`);
  return found;
}

/** Fragmented MP4 as a camera pipeline writes it: a keyframe every 8 frames, a fragment at each and every 200 ms. */
async function source(seconds: number, size: string): Promise<SplitFmp4> {
  const file = path.join(tmp, `src-${seconds}-${size}.mp4`);
  await run(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${FPS}`, '-t', String(seconds),
    '-c:v', 'libx264', '-preset', 'ultrafast', '-tune', 'zerolatency', '-g', '8', '-keyint_min', '8', '-sc_threshold', '0', '-pix_fmt', 'yuv420p',
    '-profile:v', 'baseline', '-f', 'mp4', '-movflags', '+frag_keyframe+empty_moov+default_base_moof', '-frag_duration', '200000', file]);
  return splitFmp4(fs.readFileSync(file));
}

/** One ffmpeg run of a camera, arriving in real time on the segmenter's clock. */
function feedRun(seg: LiveSegmenter, clock: { t: number }, src: Awaited<ReturnType<typeof source>>, camera: string) {
  const parts: Fed[] = [];
  const start = clock.t;
  let media = 0;
  seg.startRun(src.init, src.codec);
  for (const f of src.fragments) {
    clock.t += f.duration * 1000;
    seg.addPart(f.segment, f.duration, f.keyframe);
    parts.push({ startMs: start + media, durationMs: f.duration * 1000, frames: Math.round(f.duration * FPS), keyframe: f.keyframe });
    media += f.duration * 1000;
  }
  seg.endRun();
  (fed[camera] ??= []).push(parts);
}

/** What a clip of [from, to] must hold: per run, from the keyframe part at or before `from` to the part holding `to`. */
function expectedClip(camera: string, from: number, to: number) {
  const pieces = fed[camera].flatMap((parts) => {
    const end = parts.at(-1)!.startMs + parts.at(-1)!.durationMs;
    if (end <= from || parts[0].startMs >= to) return [];
    let first = parts.findLastIndex((p) => p.keyframe && p.startMs <= from);
    if (first < 0) first = 0;
    const included = parts.slice(first).filter((p, i) => i === 0 || p.startMs < to);
    const last = included.at(-1)!;
    return [{
      start: included[0].startMs,
      lastFrame: last.startMs + last.durationMs - FRAME_MS,
      frames: included.reduce((n, p) => n + p.frames, 0),
      durationMs: included.reduce((n, p) => n + p.durationMs, 0),
    }];
  });
  return {
    pieces,
    start: pieces[0].start,
    lastFrame: pieces.at(-1)!.lastFrame,
    frames: pieces.reduce((n, p) => n + p.frames, 0),
    durationMs: pieces.reduce((n, p) => n + p.durationMs, 0),
  };
}

async function call(method: string, url: string, who: keyof typeof tokens | null, body?: unknown) {
  const res = await fetch(base + url, {
    method,
    headers: { ...(who ? { authorization: `Bearer ${tokens[who]}` } : {}), ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const bytes = Buffer.from(await res.arrayBuffer());
  let json: any = null;
  try {
    json = JSON.parse(bytes.toString('utf8'));
  } catch {
    /* media */
  }
  return { status: res.status, headers: res.headers, bytes, body: json };
}

async function probe(file: string) {
  const { stdout } = await run(ffprobePath, ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries',
    'stream=codec_name,nb_read_frames:format=format_name,duration', '-of', 'json', file]);
  const j = JSON.parse(stdout);
  return { codec: j.streams[0].codec_name as string, frames: Number(j.streams[0].nb_read_frames), durationS: Number(j.format.duration), format: j.format.format_name as string };
}

/** Top-level box types of an MP4, read here without the code under test. */
function topBoxes(buf: Buffer): string[] {
  const out: string[] = [];
  for (let at = 0; at + 8 <= buf.length;) {
    const size = buf.readUInt32BE(at);
    out.push(buf.toString('latin1', at + 4, at + 8));
    if (size < 8) break;
    at += size;
  }
  return out;
}

const sha256 = (b: Buffer) => crypto.createHash('sha256').update(b).digest('hex');
const iso = (ms: number) => new Date(ms).toISOString();
const count = (table: string) => db.prepare(`SELECT COUNT(*) FROM ${table}`).pluck().get() as number;

/** `npm run verify -- <dir>` as an operator runs it (tsx, the script's own process). */
function verify(dir: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/verify-export.ts', dir], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.once('error', reject);
    child.once('exit', (code) => resolve({ code, out }));
  });
}

// The recorded timeline, per camera: run A (70 s, files rolled every 20 s), 10 s offline, run B (20 s).
let T0: number;
let runB: number;
let runC: number;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-rec-export-'));
  dataDir = path.join(tmp, 'data');
  ffmpegPath = (await resolveFfmpeg(process.env.FFMPEG_PATH)).path;
  ffprobePath = ffprobeBeside(ffmpegPath);
  const [long, short, larger] = await Promise.all([source(70, '160x90'), source(20, '160x90'), source(4, '320x180')]);

  db = openDb(dataDir);
  migrate(db);
  const auth = createAuth({ db, config: { adminToken: ADMIN, demo: false, intakeRatePerS: 300 } });
  const incidents = createIncidentService({ db, bus: new EventBus(), geo: geoStub(kelurahanNamed('Jadirejo')) });
  const cameras = loadCameras(path.join(ROOT, 'camera-config/cameras.json'), { SIAGA_CCTV_HOST: '127.0.0.1', SIAGA_CCTV_USER: 'u', SIAGA_CCTV_PASSWORD: 'p' })
    .filter((c) => CAMS.includes(c.id));
  // 40 minutes ago, on whole seconds: every window asked for below (up to 31 min long) lies in the past
  T0 = Math.floor((Date.now() - 40 * 60_000) / 1000) * 1000;
  const clocks = Object.fromEntries(CAMS.map((c) => [c, { t: T0 }]));
  const segs = Object.fromEntries(CAMS.map((c) => [c, new LiveSegmenter({ partTargetS: 0.2, listSize: 6, now: () => clocks[c].t })]));
  recordings = startRecordings({
    config: { enabled: true, dir: path.join(dataDir, 'recordings'), keepHours: 72, budgetBytes: 0, minFreeMB: 0, fileS: 20 },
    cameras, segmenterOf: (id) => segs[id], db, requireRole: auth.requireRole, ffmpegPath, dataDir,
    incidents: { get: (id) => incidents.get(id), addEvent: (id, e) => incidents.addEvent(id, e) }, // as main.ts hands it over
  });
  for (const c of CAMS) {
    feedRun(segs[c], clocks[c], long, c);
    clocks[c].t += 10_000; // the camera offline
    runB = Math.round(clocks[c].t);
    feedRun(segs[c], clocks[c], short, c);
  }
  // cam-02 comes back once more after 5 s, in another picture size (its configuration was changed)
  clocks['cam-02'].t += 5_000;
  runC = Math.round(clocks['cam-02'].t);
  feedRun(segs['cam-02'], clocks['cam-02'], larger, 'cam-02');

  const app = createApp();
  app.use(auth.router);
  app.use(recordings.router);
  app.use(incidentsRouter({
    service: incidents, requireRole: auth.requireRole, requireIntake: auth.requireIntake, rateLimitIntake: auth.rateLimitIntake,
    cameras: () => [], camerasFor: () => [], serviceBox: [101.3, 0.4, 101.6, 0.7],
  }));
  finishApp(app);
  server = http.createServer(app);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  tokens.operator = auth.issueToken('operator', 'test-console');
  tokens.viewer = auth.issueToken('viewer', 'test-wall');
  incidentId = incidents.create({ source: 'form', category: 'kebakaran', description: 'uji ekspor rekaman', location: { lat: 0.46, lon: 101.4 } }, 'test').incident.id;
}, 120_000);

afterAll(async () => {
  recordings?.close();
  server?.closeAllConnections();
  await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
  db?.close();
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe('GET /api/cameras/:id/recordings/clip.mp4', () => {
  it('a 60 s span across file rolls is one regular MP4 (moov first, no fragments) with every frame, timed from the index', async () => {
    const from = T0 + 3_300; // mid-GOP: the clip starts at the keyframe before it
    const to = from + 60_000;
    const want = expectedClip('cam-01', from, to);
    expect(want.start).toBeLessThan(from);
    const files = fs.readdirSync(path.join(dataDir, 'recordings', 'cam-01')).filter((n) => n.endsWith('.mp4'));
    expect(files.length, 'run A rolled into several files').toBeGreaterThanOrEqual(4);

    const t0 = performance.now();
    const r = await call('GET', `/api/cameras/cam-01/recordings/clip.mp4?from=${iso(from)}&to=${iso(to)}`, 'operator');
    const ms = performance.now() - t0;
    expect(r.status, r.bytes.toString().slice(0, 200)).toBe(200);
    console.info(`clip.mp4: 60 s at 160x90 (${(r.bytes.length / 1e6).toFixed(2)} MB) cut and remuxed in ${ms.toFixed(0)} ms`);
    expect(r.headers.get('content-type')).toBe('video/mp4');
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="cam-01_\d{8}T\d{6}Z\.mp4"$/);
    const boxes = topBoxes(r.bytes);
    expect(boxes[0]).toBe('ftyp');
    expect(boxes.indexOf('moov')).toBeGreaterThan(0);
    expect(boxes.indexOf('moov')).toBeLessThan(boxes.indexOf('mdat'));
    expect(boxes).not.toContain('moof');

    const file = path.join(tmp, 'clip-60s.mp4');
    fs.writeFileSync(file, r.bytes);
    const p = await probe(file);
    expect(p.format).toContain('mp4');
    expect(p.codec).toBe('h264');
    expect(p.frames).toBe(want.frames);
    expect(p.frames).toBeGreaterThanOrEqual(60 * FPS);
    expect(Math.abs(p.durationS * 1000 - want.durationMs)).toBeLessThan(FRAME_MS);
    expect(Number(r.headers.get('x-clip-frames'))).toBe(want.frames);
    expect(Math.abs(Date.parse(r.headers.get('x-clip-start')!) - want.start)).toBeLessThanOrEqual(1);
    expect(Math.abs(Date.parse(r.headers.get('x-clip-end')!) - want.lastFrame)).toBeLessThanOrEqual(1);
    expect(r.headers.get('x-clip-sha256')).toBe(sha256(r.bytes));
  });

  it('a span across a gap joins the two runs back to back: every frame of both, the gap left out', async () => {
    const from = runB - 10_000 - 3_000; // the last 3 s of run A
    const to = runB + 2_050; // the first 2 s of run B (not on a part boundary: the index keeps whole ms)
    const want = expectedClip('cam-01', from, to);
    expect(want.pieces).toHaveLength(2);
    const r = await call('GET', `/api/cameras/cam-01/recordings/clip.mp4?from=${from}&to=${to}`, 'operator');
    expect(r.status).toBe(200);
    const file = path.join(tmp, 'clip-gap.mp4');
    fs.writeFileSync(file, r.bytes);
    const p = await probe(file);
    expect(p.frames).toBe(want.frames);
    expect(Math.abs(p.durationS * 1000 - want.durationMs)).toBeLessThan(FRAME_MS);
    expect(want.durationMs).toBeLessThan(to - from - 9_000); // the 10 s offline are not in the file
  });

  it('does not join runs whose video format differs (one MP4 track, one sample entry): 400 naming to, with the time', async () => {
    const across = await call('GET', `/api/cameras/cam-02/recordings/clip.mp4?from=${runC - 8_000}&to=${runC + 2_050}`, 'operator');
    expect({ status: across.status, error: across.body?.error, field: across.body?.field }).toEqual({ status: 400, error: 'invalid_field', field: 'to' });
    expect(Math.abs(Date.parse(across.body.formatChangedAt) - runC)).toBeLessThanOrEqual(1);
    const after = await call('GET', `/api/cameras/cam-02/recordings/clip.mp4?from=${runC}&to=${runC + 2_050}`, 'operator');
    expect(after.status).toBe(200);
    const file = path.join(tmp, 'clip-c.mp4');
    fs.writeFileSync(file, after.bytes);
    const { stdout } = await run(ffprobePath, ['-v', 'error', '-show_entries', 'stream=width,height', '-of', 'csv=p=0', file]);
    expect(stdout.trim()).toBe('320,180');
    expect((await probe(file)).frames).toBe(expectedClip('cam-02', runC, runC + 2_050).frames);
  });

  it('refuses bad windows naming the parameter, and says when nothing is recorded', async () => {
    const url = (q: string, cam = 'cam-01') => `/api/cameras/${cam}/recordings/clip.mp4?${q}`;
    const cases: Array<[string, number, string, string]> = [
      [url(`from=${T0 + 1000}`), 400, 'invalid_field', 'to'],
      [url(`to=${T0 + 1000}`), 400, 'invalid_field', 'from'],
      [url(`from=${T0 + 5000}&to=${T0 + 4000}`), 400, 'invalid_field', 'to'],
      [url(`from=${T0}&to=${T0 + 30 * 60_000 + 1}`), 400, 'invalid_field', 'to'],
      [url(`from=yesterday&to=${T0 + 4000}`), 400, 'invalid_field', 'from'],
      [url(`from=${runB - 8_000}&to=${runB - 2_000}`), 404, 'no_recording', 'from'], // the camera was offline
      [url(`from=${T0}&to=${T0 + 4000}`, 'cam-99'), 404, 'camera_not_found', 'id'],
    ];
    const audits = count('video_audit');
    for (const [u, status, error, field] of cases) {
      const r = await call('GET', u, 'operator');
      expect({ u, status: r.status, error: r.body?.error, field: r.body?.field }).toEqual({ u, status, error, field });
    }
    expect(count('video_audit')).toBe(audits);
    expect((await call('GET', url(`from=${T0}&to=${T0 + 31 * 60_000}`), 'operator')).body.message).toContain('at most 30 min after from');
  });
});

describe('who may watch and take recorded video', () => {
  it('a viewer gets 403 on playback, clip and export; an operator gets the video; the audit is for admins only', async () => {
    const q = `from=${T0 + 1000}&to=${T0 + 5000}`;
    const body = { cameras: ['cam-01'], from: iso(T0 + 1000), to: iso(T0 + 5000) };
    const exportsBefore = count('clip_exports');
    for (const [method, url, b] of [
      ['GET', `/api/cameras/cam-01/recordings/index.m3u8?${q}`],
      ['GET', `/api/cameras/cam-01/recordings/clip.mp4?${q}`],
      ['POST', `/api/incidents/${incidentId}/clips`, body],
      ['GET', `/api/incidents/${incidentId}/clips`],
      ['GET', '/api/audit/video'],
    ] as const) {
      const r = await call(method, url, 'viewer', b);
      expect({ url, status: r.status, error: r.body?.error }).toEqual({ url, status: 403, error: 'forbidden' });
      expect((await call(method, url, null, b)).status).toBe(401);
    }
    expect(count('clip_exports')).toBe(exportsBefore);

    const playlist = await call('GET', `/api/cameras/cam-01/recordings/index.m3u8?${q}`, 'operator');
    expect(playlist.status).toBe(200);
    expect(playlist.bytes.toString()).toContain('#EXT-X-ENDLIST');
    expect((await call('GET', `/api/cameras/cam-01/recordings/clip.mp4?${q}`, 'operator')).status).toBe(200);
    expect((await call('GET', '/api/audit/video', 'operator')).status).toBe(403);
    expect((await call('GET', '/api/audit/video', 'admin')).status).toBe(200);
  });
});

describe('evidence export', () => {
  let made: any;
  let dir: string;

  it('POST /api/incidents/:id/clips: one MP4 per camera and a manifest that accounts for each exactly', async () => {
    const from = T0 + 10_250;
    const to = from + 20_000;
    const r = await call('POST', `/api/incidents/${incidentId}/clips`, 'operator', { cameras: CAMS, from: iso(from), to: iso(to) });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    made = r.body;
    dir = path.join(dataDir, 'exports', made.exportId);
    expect(made.exportId).toMatch(/^\d{8}-[0-9a-f]{16}$/);
    expect(fs.readdirSync(dir).sort()).toEqual(['cam-01.mp4', 'cam-02.mp4', 'manifest.json']);
    expect(dir.startsWith(path.join(dataDir, 'recordings'))).toBe(false);

    const text = fs.readFileSync(path.join(dir, 'manifest.json'));
    expect(sha256(text)).toBe(made.manifestSha256);
    const m = JSON.parse(text.toString());
    expect(m).toMatchObject({ exportId: made.exportId, incidentId, exportedBy: expect.stringContaining('test-console'), requested: { from: iso(from), to: iso(to) } });
    expect(Math.abs(Date.parse(m.exportedAt) - Date.now())).toBeLessThan(60_000);
    expect(m.frameCount).toMatch(/trun/);
    const want = expectedClip('cam-01', from, to); // both cameras were fed the same media on the same clock
    for (const camera of CAMS) {
      const clip = m.clips.find((c: any) => c.camera === camera);
      const bytes = fs.readFileSync(path.join(dir, clip.file));
      expect(clip.file).toBe(`${camera}.mp4`);
      expect(clip.cameraName).toBeTruthy();
      expect(clip.bytes).toBe(bytes.length);
      expect(clip.sha256).toBe(sha256(bytes));
      expect(clip.frames).toBe(want.frames);
      const p = await probe(path.join(dir, clip.file));
      expect(p.frames).toBe(clip.frames);
      expect(Math.abs(p.durationS - clip.durationS) * 1000).toBeLessThan(FRAME_MS);
      expect(Math.abs(clip.durationS * 1000 - want.durationMs)).toBeLessThan(1);
      expect(Math.abs(Date.parse(clip.start) - want.start)).toBeLessThanOrEqual(1);
      expect(Math.abs(Date.parse(clip.end) - want.lastFrame)).toBeLessThanOrEqual(1);
      expect(clip.pieces).toHaveLength(1);
    }
  });

  it('the package verifies with `npm run verify`; one flipped byte, a missing or an extra file fails it, naming the file', async () => {
    const ok = await verify(dir);
    expect(ok.code, ok.out).toBe(0);
    expect(ok.out).toMatch(/^intact/m);
    expect(ok.out).toContain(made.manifestSha256);

    const victim = path.join(dir, 'cam-02.mp4');
    const original = fs.readFileSync(victim);
    const tampered = Buffer.from(original);
    tampered[Math.floor(tampered.length / 2)] ^= 0x01;
    fs.writeFileSync(victim, tampered);
    const bad = await verify(dir);
    expect(bad.code, bad.out).toBe(1);
    expect(bad.out).toMatch(/^DIFFERS cam-02\.mp4/m);
    expect(bad.out).toMatch(/^ok cam-01\.mp4/m);
    fs.writeFileSync(victim, original);

    fs.writeFileSync(path.join(dir, 'notes.txt'), 'added later');
    const extra = await verify(dir);
    expect(extra.code).toBe(1);
    expect(extra.out).toMatch(/^EXTRA notes\.txt/m);
    fs.rmSync(path.join(dir, 'notes.txt'));

    fs.renameSync(victim, `${victim}.moved`);
    const missing = await verify(dir);
    expect(missing.code).toBe(1);
    expect(missing.out).toMatch(/^MISSING cam-02\.mp4/m);
    fs.renameSync(`${victim}.moved`, victim);
    expect((await verify(dir)).code).toBe(0);
  });

  it('is listed on the incident, its files download (audited), other names do not, and the history records it', async () => {
    const list = await call('GET', `/api/incidents/${incidentId}/clips`, 'operator');
    expect(list.status).toBe(200);
    const item = list.body.items.find((x: any) => x.exportId === made.exportId);
    expect(item).toMatchObject({ manifestSha256: made.manifestSha256, manifestUrl: `/api/exports/${made.exportId}/manifest.json` });
    const clip = item.clips.find((c: any) => c.camera === 'cam-01');
    const got = await call('GET', clip.url, 'operator');
    expect(got.status).toBe(200);
    expect(sha256(got.bytes)).toBe(clip.sha256);
    const manifest = await call('GET', item.manifestUrl, 'operator');
    expect(sha256(manifest.bytes)).toBe(made.manifestSha256);
    expect((await call('GET', clip.url, 'viewer')).status).toBe(403);
    expect((await call('GET', '/api/incidents/INC-000000-00000/clips', 'operator')).body).toMatchObject({ error: 'incident_not_found' });

    for (const [url, status] of [
      [`/api/exports/${made.exportId}/cam-03.mp4`, 404], // not in this package
      [`/api/exports/${made.exportId}/..%2Fmanifest.json`, 400],
      [`/api/exports/${made.exportId}/.%2E%2F.%2E%2F.%2E%2Fdata%2Fsiaga.db`, 400],
      [`/api/exports/..%2F..%2Fdata/manifest.json`, 400],
      ['/api/exports/20990101-0123456789abcdef/manifest.json', 404],
    ] as const) {
      const r = await call('GET', url, 'operator');
      expect({ url, status: r.status }).toEqual({ url, status });
    }

    const inc = await call('GET', `/api/incidents/${incidentId}`, 'operator');
    const entry = inc.body.history.find((h: any) => h.event === 'video_exported');
    expect(entry).toMatchObject({ by: expect.stringContaining('test-console') });
    expect(entry.note).toContain(made.exportId);
    expect(entry.note).toContain('cam-01, cam-02');
  });

  it('refuses bad requests naming the field, and stores nothing: no row, no files, no audit, no history', async () => {
    const good = { cameras: ['cam-01'], from: iso(T0 + 2000), to: iso(T0 + 6000) };
    const seventeen = Array.from({ length: 17 }, (_, i) => `cam-${String(i + 1).padStart(2, '0')}`);
    const cases: Array<[string, unknown, number, string, string]> = [
      ['cameras not an array', { ...good, cameras: 'cam-01' }, 400, 'invalid_field', 'cameras'],
      ['17 cameras', { ...good, cameras: seventeen }, 400, 'invalid_field', 'cameras'],
      ['no cameras', { ...good, cameras: [] }, 400, 'invalid_field', 'cameras'],
      ['a camera twice', { ...good, cameras: ['cam-01', 'cam-01'] }, 400, 'invalid_field', 'cameras.1'],
      ['to before from', { ...good, to: iso(T0 + 1000) }, 400, 'invalid_field', 'to'],
      ['window too long', { ...good, to: iso(T0 + 2000 + 30 * 60_000 + 1000) }, 400, 'invalid_field', 'to'],
      ['from not a time', { ...good, from: 'kemarin' }, 400, 'invalid_field', 'from'],
      ['an unknown field', { ...good, format: 'avi' }, 400, 'invalid_field', 'format'],
      ['not an object', '[1]', 400, 'expected_json_object', 'body'],
      ['unknown camera', { ...good, cameras: ['cam-01', 'cam-77'] }, 404, 'camera_not_found', 'cameras.1'],
      ['nothing recorded', { ...good, from: iso(runB - 8000), to: iso(runB - 3000) }, 404, 'no_recording', 'cameras.0'],
    ];
    const snapshot = () => ({
      rows: count('clip_exports'),
      audit: count('video_audit'),
      history: count('incident_history'),
      dirs: fs.readdirSync(path.join(dataDir, 'exports')).sort(),
      work: fs.existsSync(path.join(dataDir, 'exports', '.work')) ? fs.readdirSync(path.join(dataDir, 'exports', '.work')) : [],
    });
    const before = snapshot();
    for (const [what, body, status, error, field] of cases) {
      const r = await call('POST', `/api/incidents/${incidentId}/clips`, 'operator', body);
      expect({ what, status: r.status, error: r.body?.error, field: r.body?.field }).toEqual({ what, status, error, field });
    }
    const unknownIncident = await call('POST', '/api/incidents/INC-000000-00000/clips', 'operator', good);
    expect({ status: unknownIncident.status, error: unknownIncident.body?.error, field: unknownIncident.body?.field }).toEqual({ status: 404, error: 'incident_not_found', field: 'id' });
    const long = await call('POST', `/api/incidents/${incidentId}/clips`, 'operator', { ...good, to: iso(T0 + 2000 + 31 * 60_000) });
    expect(long.body.message).toContain('30 min');
    expect(snapshot()).toEqual(before);
  });
});

describe('the video audit', () => {
  it('has a row for every playback, download and export, filtered by camera and time, newest first', async () => {
    const all = (await call('GET', '/api/audit/video?limit=5000', 'admin')).body.items as any[];
    const actions = new Set(all.map((x) => x.action));
    expect([...actions].sort()).toEqual(['download', 'export', 'playback']);
    const exportRows = all.filter((x) => x.action === 'export');
    expect(exportRows.map((x) => x.camera).sort()).toEqual(CAMS);
    expect(exportRows.every((x) => x.incidentId === incidentId && x.by.includes('test-console'))).toBe(true);
    expect(all.map((x) => x.at)).toEqual([...all.map((x) => x.at)].sort().reverse());
    // a clip taken from a package is a download too, on the incident's account
    expect(all.filter((x) => x.action === 'download' && x.incidentId === incidentId).map((x) => x.camera)).toEqual(['cam-01']);

    const cam2 = (await call('GET', '/api/audit/video?camera=cam-02', 'admin')).body.items as any[];
    expect(cam2.length).toBeGreaterThan(0);
    expect(cam2.every((x) => x.camera === 'cam-02')).toBe(true);
    expect((await call('GET', '/api/audit/video?limit=1', 'admin')).body.items).toHaveLength(1);
    expect((await call('GET', `/api/audit/video?to=${iso(T0)}`, 'admin')).body.items).toEqual([]);
    const bad = await call('GET', '/api/audit/video?camera=../x', 'admin');
    expect({ status: bad.status, field: bad.body.field }).toEqual({ status: 400, field: 'camera' });
  });

  it('ages out after SIAGA_VIDEO_AUDIT_KEEP_DAYS in small batches (0 keeps it); exports are never aged out', async () => {
    const NOW = Date.now();
    const DAY = 86_400_000;
    const insert = db.prepare("INSERT INTO video_audit (at, by, action, camera, from_at, to_at) VALUES (?, 'old', 'playback', 'cam-01', ?, ?)");
    for (let i = 0; i < 5; i++) insert.run(iso(NOW - 400 * DAY - i * 1000), iso(NOW - 400 * DAY), iso(NOW - 400 * DAY + 60_000));
    insert.run(iso(NOW - 300 * DAY), iso(NOW - 300 * DAY), iso(NOW - 300 * DAY + 60_000));
    const exportsBefore = count('clip_exports');
    const recent = count('video_audit') - 6;

    const kept = await runRetention(db, { ...DEFAULT_RETENTION, videoAuditKeepDays: 0 }, { now: () => NOW, batchRows: 2 });
    expect(kept.videoAudit).toBe(0);
    const r = await runRetention(db, { ...DEFAULT_RETENTION, videoAuditKeepDays: 365 }, { now: () => NOW, batchRows: 2 });
    expect(r.videoAudit).toBe(5);
    expect(db.prepare("SELECT COUNT(*) FROM video_audit WHERE by = 'old'").pluck().get()).toBe(1);
    expect(count('video_audit') - 1).toBe(recent);
    expect(count('clip_exports')).toBe(exportsBefore);
  });
});

describe('start-up', () => {
  it('removes unfinished work; a package no row stands for is left in place (evidence goes only by hand) and not served', async () => {
    const exportsDir = path.join(dataDir, 'exports');
    const orphan = path.join(exportsDir, '20260101-0123456789abcdef');
    fs.mkdirSync(orphan);
    fs.writeFileSync(path.join(orphan, 'cam-01.mp4'), 'half');
    fs.mkdirSync(path.join(exportsDir, '.work', 'clip-x'), { recursive: true });
    const committed = fs.readdirSync(exportsDir).filter((n) => n !== '.work' && n !== path.basename(orphan));
    expect(committed.length).toBeGreaterThan(0);
    createExports({
      db, recorder: recordings.recorder, dir: exportsDir, ffmpegPath, audit: createVideoAudit(db),
      incidents: { get: () => null, addEvent: () => undefined }, cameraName: () => undefined, log: logger('test'),
    });
    expect(fs.existsSync(path.join(exportsDir, '.work'))).toBe(false);
    expect(fs.readdirSync(exportsDir).sort()).toEqual([...committed, path.basename(orphan)].sort());
    expect((await call('GET', `/api/exports/${path.basename(orphan)}/cam-01.mp4`, 'operator')).status).toBe(404);
  });
});
