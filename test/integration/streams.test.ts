// Real RTSP server (demo camera simulator) + real ffmpeg pipelines + real HTTP: 3 cameras through the supervisor,
// served as LL-HLS from memory. Playlists are read back with hls-parser (an independent reader) and the media with
// ffmpeg's own HLS demuxer, as a third-party player would.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCameras } from '../../camera-config/load.ts';
import type { Camera } from '../../camera-config/schema.ts';
import { startCameraSim, type CameraSim } from '../../server/demo/camera-sim.ts';
import { EventBus } from '../../server/events.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { trackedChildCount } from '../../server/streams/children.ts';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import { startStreams, type CameraView, type Streams } from '../../server/streams/index.ts';
import { logger } from '../../server/log.ts';
import HLS from 'hls-parser';
import { WebSocket } from 'ws';
import { attachHlsSocket, HEADER_BYTES, HLS_KIND_CODE, HLS_SOCKET_PATH, type HlsSocket } from '../../server/streams/hls-socket.ts';
import { cameraPulls } from './procs.ts';

const run = promisify(execFile);
const USER = 'wall-user';
const PASSWORD = 'Pa55-secret-word';

let tmp: string;
let sim: CameraSim;
let streams: Streams;
let server: http.Server;
let hlsSocket: HlsSocket;
let base: string;
let cams: Camera[];
const events: CameraView[] = [];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until<T>(what: string, fn: () => Promise<T | undefined> | T | undefined, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}
/** ffmpeg's final "frame=N" progress figure. */
const lastFrameCount = (stderr: string) => Number([...stderr.matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1]);
const getJson = async (p: string) => (await fetch(base + p)).json() as Promise<CameraView>;
const statusOf = async (id: string) => (await getJson(`/api/cameras/${id}`)).health.status;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-streams-'));
  const all = loadCameras(path.resolve('camera-config/cameras.json'), {
    SIAGA_CCTV_HOST: '127.0.0.1:1', SIAGA_CCTV_USER: USER, SIAGA_CCTV_PASSWORD: PASSWORD,
  });
  const ids = all.slice(0, 3).map((c) => c.id);
  // clips cached across runs: generating them is not what we test
  sim = await startCameraSim({ ids, workDir: path.join(os.tmpdir(), 'siaga-test-camera-sim'), ffmpegPath: process.env.FFMPEG_PATH });
  cams = loadCameras(path.resolve('camera-config/cameras.json'), {
    SIAGA_CCTV_HOST: sim.host, SIAGA_CCTV_USER: USER, SIAGA_CCTV_PASSWORD: PASSWORD,
  }).slice(0, 3);
  const bus = new EventBus();
  bus.subscribe('camera', (v) => events.push(v as CameraView));
  streams = await startStreams({
    config: { runtimeDir: tmp, ffmpegPath: process.env.FFMPEG_PATH, rtmpPort: 0, rtmpSecret: undefined, host: '127.0.0.1' },
    cameras: cams,
    bus,
    requireRole: () => (_q, _s, next) => next(),
  });
  const app = createApp();
  app.use(streams.router);
  finishApp(app);
  server = http.createServer(app);
  hlsSocket = attachHlsSocket({
    server,
    pipelineOf: (id) => streams.supervisor.pipeline(id),
    authenticate: (req) => (req.headers.cookie === 'watch=yes' ? { role: 'viewer' } : null),
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  await hlsSocket?.close();
  server?.closeAllConnections();
  server?.close();
  await streams?.close();
  await sim?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('camera supervisor (3 cameras, real RTSP + ffmpeg)', () => {
  it('brings every camera online as LL-HLS: parts, preload hint, blocking reload, program date-time', async () => {
    for (const cam of cams) await until(`${cam.id} online`, async () => (await statusOf(cam.id)) === 'online', 30_000);
    const id = cams[0].id;
    await until('two complete segments', async () => (streams.supervisor.pipeline(id)!.segmenter.playlist()?.match(/#EXTINF/g)?.length ?? 0) >= 2, 15_000);
    const res = await fetch(`${base}/hls/${id}/index.m3u8`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const text = await res.text();
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(pl.isMasterPlaylist).toBe(false);
    expect(pl.lowLatencyCompatibility?.canBlockReload).toBe(true);
    const partTarget = pl.partTargetDuration!;
    expect(partTarget).toBeGreaterThan(0.15);
    expect(partTarget).toBeLessThanOrEqual(0.34); // the 200–333 ms target
    expect(pl.lowLatencyCompatibility!.partHoldBack!).toBeGreaterThanOrEqual(3 * partTarget - 1e-9);
    expect(text).toMatch(/^#EXT-X-MAP:URI="init-\d+\.mp4"$/m);
    expect(text).toMatch(/^#EXT-X-PRELOAD-HINT:TYPE=PART,URI="part-\d+\.m4s"$/m);
    const complete = pl.segments.filter((x) => x.uri);
    expect(complete.length).toBeGreaterThanOrEqual(2);
    for (const seg of complete) {
      expect(seg.programDateTime).toBeInstanceOf(Date);
      expect(seg.duration).toBeGreaterThan(0.5); // one GOP of the 1 s-GOP clip
      expect(seg.duration).toBeLessThan(1.6);
    }
    // PDT is when we received the frames: recent, in order, one segment duration apart
    const pdts = complete.map((x) => x.programDateTime!.getTime());
    expect(Date.now() - pdts.at(-1)!).toBeLessThan(5_000);
    for (let i = 1; i < pdts.length; i++) expect(Math.abs(pdts[i] - pdts[i - 1] - complete[i - 1].duration * 1000)).toBeLessThan(150);
    // every segment begins with an independent part; every part is within the target (ffmpeg cuts at it)
    const parts = pl.segments.flatMap((x) => x.parts ?? []);
    expect(parts.length).toBeGreaterThan(3);
    for (const seg of pl.segments) if (seg.parts?.length) expect(seg.parts[0].independent).toBe(true);
    for (const p of parts.filter((x) => !x.hint)) expect(p.duration).toBeLessThanOrEqual(partTarget + 1e-9);

    // init + a whole segment is a playable H.264 fMP4 of about one GOP
    const mapUri = /#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1];
    const init = await fetch(`${base}/hls/${id}/${mapUri}`);
    expect(init.headers.get('content-type')).toBe('video/mp4');
    const seg = await fetch(`${base}/hls/${id}/${complete.at(-1)!.uri}`);
    expect(seg.status).toBe(200);
    const file = path.join(tmp, 'seg.mp4');
    fs.writeFileSync(file, Buffer.concat([Buffer.from(await init.arrayBuffer()), Buffer.from(await seg.arrayBuffer())]));
    const ff = await resolveFfmpeg(process.env.FFMPEG_PATH);
    const probe = await run(ff.path, ['-hide_banner', '-i', file, '-f', 'null', '-']).catch((e: { stderr: string }) => e);
    expect(probe.stderr).toMatch(/Video: h264/);
    const frames = lastFrameCount(probe.stderr);
    expect(frames).toBeGreaterThanOrEqual(10); // ~15 frames at 15 fps

    // blocking reload: the next segment's first part; the answer must list it
    const last = pl.mediaSequenceBase! + pl.segments.length - 1;
    const held = HLS.parse(await (await fetch(`${base}/hls/${id}/index.m3u8?_HLS_msn=${last + 1}&_HLS_part=0`)).text()) as HLS.types.MediaPlaylist;
    expect(held.mediaSequenceBase! + held.segments.length - 1).toBeGreaterThanOrEqual(last + 1);
    for (const q of [`_HLS_msn=${last + 50}`, '_HLS_msn=abc', '_HLS_part=1', `_HLS_msn=${last}&_HLS_part=x`]) {
      expect((await fetch(`${base}/hls/${id}/index.m3u8?${q}`)).status, q).toBe(400);
    }
    // the preload-hinted part, asked for before it exists, is answered as soon as it does
    const hinted = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="([^"]+)"/.exec(await (await fetch(`${base}/hls/${id}/index.m3u8`)).text())![1];
    const early = await fetch(`${base}/hls/${id}/${hinted}`);
    expect(early.status).toBe(200);
    expect((await early.arrayBuffer()).byteLength).toBeGreaterThan(100);
    expect((await fetch(`${base}/hls/${id}/part-1.m4s`)).status).toBe(404); // long gone

    const view = await getJson(`/api/cameras/${id}`);
    expect(view.hls).toBe(`/hls/${id}/index.m3u8`);
    expect(view.health.codec).toMatch(/^avc1\.[0-9A-F]{6}$/i); // RFC 6381, from the init segment
    expect(view.health.kbps).toBeGreaterThan(0);
    expect(view.health.fps).toBeGreaterThan(5); // the clip is 15 fps
    expect(view.health.lastSegmentAgeS).toBeLessThan(5);
    expect(view.health.restarts).toBe(0);
  });

  it('is read by a third-party player (ffmpeg\'s HLS demuxer) straight from the URL', async () => {
    const ff = await resolveFfmpeg(process.env.FFMPEG_PATH);
    const id = cams[1].id;
    const r = await run(ff.path, ['-hide_banner', '-t', '2', '-i', `${base}/hls/${id}/index.m3u8`, '-c', 'copy', '-f', 'null', '-'], { timeout: 30_000 })
      .catch((e: { stderr: string; code: number }) => e);
    expect(r.stderr).toMatch(/Video: h264/);
    expect(lastFrameCount(r.stderr)).toBeGreaterThan(15); // 2 s at 15 fps, read through the playlist's segments
  });

  it('serves each camera\'s newest keyframe as one small fMP4 for the wall\'s poster, with no decode here', async () => {
    const ff = await resolveFfmpeg(process.env.FFMPEG_PATH);
    const id = cams[2].id;
    const decodes = streams.supervisor.snapshots.decodes;
    const res = await fetch(`${base}/hls/${id}/keyframe.mp4`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('video/mp4');
    expect(res.headers.get('cache-control')).toBe('no-cache'); // a newer keyframe comes every GOP
    const file = path.join(tmp, `keyframe-${id}.mp4`);
    fs.writeFileSync(file, Buffer.from(await res.arrayBuffer()));
    // ffmpeg reads it: its first packet is a keyframe (framecrc lists no flags for one), it is one part (~200 ms),
    // not a segment, and it decodes
    const framecrc = async (...args: string[]) => (await run(ff.path, ['-hide_banner', '-loglevel', 'error', '-i', file, ...args, '-f', 'framecrc', '-'])).stdout.split('\n').filter((l) => l.startsWith('0,'));
    const packets = await framecrc('-c', 'copy');
    expect(packets[0].split(',')).toHaveLength(6);
    expect(packets.length).toBeLessThanOrEqual(6);
    expect((await framecrc()).length).toBe(packets.length);
    expect(streams.supervisor.snapshots.decodes).toBe(decodes);
    expect((await fetch(`${base}/hls/${id}/keyframe.mp4x`)).status).toBe(400);
  });

  it('decodes snapshots only when asked, from the newest keyframe in memory, and keeps the last one on disk', async () => {
    const snaps = streams.supervisor.snapshots;
    expect(snaps.decodes).toBe(0); // no viewer asked yet: an idle server decodes nothing
    for (const { id } of cams) {
      const res = await fetch(`${base}/api/cameras/${id}/snapshot.jpg`);
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const buf = Buffer.from(await res.arrayBuffer());
      expect(buf.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      const at = res.headers.get('x-snapshot-time')!;
      // the keyframe's time: recent, not in the future, and kept as the saved file's mtime
      expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
      expect(Date.now() - Date.parse(at)).toBeLessThan(5_000);
      const file = path.join(tmp, 'snapshots', `${id}.jpg`);
      await until('last-seen image saved', () => fs.existsSync(file) && Math.abs(fs.statSync(file).mtimeMs - Date.parse(at)) < 1000, 5_000);
    }
    const decodes = snaps.decodes;
    expect(decodes).toBe(cams.length);
    await Promise.all(cams.map(({ id }) => fetch(`${base}/api/cameras/${id}/snapshot.jpg`).then((r) => r.arrayBuffer())));
    expect(snaps.decodes).toBe(decodes); // cached: asked again at once, no new decode
    // pulls are pure copies: no image output in their command lines
    const pulls = cameraPulls();
    expect(pulls.length).toBe(cams.length);
    for (const { argv } of pulls) expect(argv.join(' ')).not.toMatch(/mjpeg|\.jpg/);
  });

  it('rejects path tricks with 400/404 and never shows credentials', async () => {
    const id = cams[0].id;
    for (const p of [
      '/hls/../../etc/passwd',
      `/hls/${id}/..%2f..%2f..%2fetc%2fpasswd`,
      `/hls/${id}/%2e%2e%2f%2e%2e%2fetc%2fpasswd`,
      '/hls/..%2f..%2fetc/passwd',
      `/hls/${id}/seg-1.ts%00.m3u8`,
      `/hls/${id}/index.m3u8.tmp`,
      '/hls/CAM-01/index.m3u8',
      '/hls/no-such-cam/index.m3u8',
      `/hls/${id}/../../../../etc/passwd`,
      '/api/cameras/..%2f..%2fetc%2fpasswd',
      '/api/cameras/nope/snapshot.jpg',
    ]) {
      const status = await new Promise<number>((resolve, reject) => {
        // raw request: fetch() would normalise the dots away
        http.get(base + '/', { path: p }, (r) => (r.resume(), resolve(r.statusCode!))).on('error', reject);
      });
      expect([400, 404], p).toContain(status);
    }
    const body = await (await fetch(`${base}/api/cameras`)).text();
    expect(JSON.parse(body).items).toHaveLength(3);
    for (const secret of [USER, PASSWORD, encodeURIComponent(PASSWORD), 'rtsp://']) expect(body).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('answers the same LL-HLS over one WebSocket per page (/hls-ws): playlist, blocking reload, hinted part, 4xx', async () => {
    const id = cams[0].id;
    await until(`${id} online`, async () => (await statusOf(id)) === 'online', 30_000);
    // no credentials → refused before the upgrade
    const refused = await new Promise<number>((resolve) => {
      const ws = new WebSocket(`${base.replace('http', 'ws')}${HLS_SOCKET_PATH}`);
      ws.on('unexpected-response', (_q, r) => resolve(r.statusCode!));
      ws.on('open', () => resolve(101));
      ws.on('error', () => undefined);
    });
    expect(refused).toBe(401);
    const ws = new WebSocket(`${base.replace('http', 'ws')}${HLS_SOCKET_PATH}`, { headers: { cookie: 'watch=yes' } });
    await new Promise((r, j) => (ws.once('open', r), ws.once('error', j)));
    const answers = new Map<number, (a: { status: number; kind: number; body: Buffer; at: number }) => void>();
    ws.on('message', (raw: Buffer) => {
      const id = raw.readUInt32BE(0);
      answers.get(id)?.({ status: raw.readUInt16BE(4), kind: raw.readUInt8(6), body: raw.subarray(HEADER_BYTES), at: Date.now() });
    });
    let nextId = 1;
    const ask = (get: string) =>
      new Promise<{ status: number; kind: number; body: Buffer; at: number }>((resolve) => {
        const n = nextId++;
        answers.set(n, resolve);
        ws.send(JSON.stringify({ id: n, get }));
      });
    try {
      // the playlist is byte-for-byte what HTTP serves
      const pl = await ask(`/hls/${id}/index.m3u8`);
      expect(pl.status).toBe(200);
      expect(pl.kind).toBe(HLS_KIND_CODE.m3u8);
      const parsed = HLS.parse(pl.body.toString()) as HLS.types.MediaPlaylist;
      const last = parsed.segments.at(-1)!;
      // blocking reload: ask for the part after the last listed one; it is answered once that part exists
      // (a segment with a URI is complete: the next part is part 0 of the next one)
      const partsOfLast = (last.parts ?? []).filter((x) => !x.hint).length;
      const lastMsn = parsed.mediaSequenceBase! + parsed.segments.length - 1;
      const [nextMsn, nextPart] = last.uri ? [lastMsn + 1, 0] : [lastMsn, partsOfLast];
      const blocked = await ask(`/hls/${id}/index.m3u8?_HLS_msn=${nextMsn}&_HLS_part=${nextPart}`);
      expect(blocked.status).toBe(200);
      const after = HLS.parse(blocked.body.toString()) as HLS.types.MediaPlaylist;
      const listed = after.mediaSequenceBase! + after.segments.length - 1;
      const partsNow = (after.segments.at(-1)!.parts ?? []).filter((x) => !x.hint).length;
      // held until the asked part exists, never answered from the old state (a timing bound here was flaky: the part
      // can land within milliseconds of the request)
      expect(listed > lastMsn || partsNow > partsOfLast).toBe(true);
      // the preload-hinted part: held until it exists, then it is fMP4 (moof first)
      const hint = /#EXT-X-PRELOAD-HINT:TYPE=PART,URI="(part-\d+\.m4s)"/.exec(blocked.body.toString())![1];
      const part = await ask(`/hls/${id}/${hint}`);
      expect(part.status).toBe(200);
      expect(part.kind).toBe(HLS_KIND_CODE.mp4);
      expect(part.body.subarray(4, 8).toString()).toBe('moof');
      // the same part over HTTP is the same bytes
      expect(Buffer.from(await (await fetch(`${base}/hls/${id}/${hint}`)).arrayBuffer()).equals(part.body)).toBe(true);
      // hostile requests: 4xx naming the field, the socket stays up
      for (const [get, field] of [
        ['/hls/../../etc/passwd', 'get'],
        [`/hls/${id}/..%2f..%2fetc%2fpasswd`, 'file'],
        [`/hls/${id}/index.m3u8?_HLS_msn=99999999999`, '_HLS_msn'],
        [`/hls/${id}/index.m3u8?_HLS_part=1`, '_HLS_part'],
        ['/hls/no-such-cam/index.m3u8', 'id'],
        ['http://elsewhere.example/hls/x/index.m3u8', 'get'],
        ['/api/cameras', 'get'],
        ['x'.repeat(300), 'get'],
        [`/hls/${id}/%E0%A4%A`, 'get'],
      ] as const) {
        const a = await ask(get);
        expect(a.status, get).toBeGreaterThanOrEqual(400);
        expect(a.status, get).toBeLessThan(500);
        expect(JSON.parse(a.body.toString()).field, get).toBe(field);
      }
      // a cancelled held request is never answered; the next one is
      const cancelled = nextId++;
      answers.set(cancelled, () => expect.unreachable('answered a cancelled request'));
      ws.send(JSON.stringify({ id: cancelled, get: `/hls/${id}/index.m3u8?_HLS_msn=${lastMsn + 2}` }));
      ws.send(JSON.stringify({ id: cancelled, cancel: true }));
      expect((await ask(`/hls/${id}/index.m3u8`)).status).toBe(200);
      expect(hlsSocket.stats().pages).toBe(1);
      // a message without an id has nothing to answer to: the socket is closed with a policy violation
      const code = new Promise<number>((r) => ws.once('close', (c) => r(c)));
      ws.send('{"get": "/hls/x/index.m3u8"}');
      expect(await code).toBe(1008);
    } finally {
      ws.close();
    }
  });

  it('marks a camera whose source dies offline while the others keep producing, and recovers it', async () => {
    const [a, dead, c] = cams.map((x) => x.id);
    const snapshotOf = async () => {
      const r = await fetch(`${base}/api/cameras/${dead}/snapshot.jpg`);
      return { status: r.status, at: r.headers.get('x-snapshot-time'), bytes: Buffer.from(await r.arrayBuffer()) };
    };
    const seqOf = () => Object.fromEntries(cams.map((x) => [x.id, streams.supervisor.pipeline(x.id)!.segmenter.lastMsn!]));
    await sim.stop(dead);
    const stoppedAt = Date.now();
    const before = seqOf();
    await until(`${dead} offline`, async () => (await statusOf(dead)) === 'offline', 20_000);
    console.log(`offline after ${((Date.now() - stoppedAt) / 1000).toFixed(1)} s`);
    const after = seqOf();
    expect(after[a]).toBeGreaterThan(before[a]);
    expect(after[c]).toBeGreaterThan(before[c]);
    expect(await statusOf(a)).toBe('online');
    expect(await statusOf(c)).toBe('online');
    const view = await getJson(`/api/cameras/${dead}`);
    expect(view.health.restarts).toBeGreaterThan(0);
    expect(view.health.lastError).toBeTruthy();
    expect(view.health.lastError).not.toContain(PASSWORD);
    expect(events.some((e) => e.id === dead && e.health.status === 'offline')).toBe(true);
    // the last picture is kept while offline (decoded when it went dark), with the time of its frame
    const kept = await snapshotOf();
    expect(kept.status).toBe(200);
    expect(kept.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    expect(kept.at).toBe((await getJson(`/api/cameras/${dead}`)).health.snapshotAt);
    expect(Date.parse(kept.at!)).toBeLessThan(stoppedAt + 1000);
    await sleep(4000); // longer than the snapshot cache: still the same image and time
    const later = await snapshotOf();
    expect(await statusOf(dead)).toBe('offline');
    expect(later.status).toBe(200);
    expect(later.at).toBe(kept.at);
    expect(later.bytes.equals(kept.bytes)).toBe(true);
    expect((await getJson(`/api/cameras/${dead}`)).health.snapshotAt).toBe(kept.at);

    const msnBefore = streams.supervisor.pipeline(dead)!.segmenter.lastMsn!;
    await sim.resume(dead);
    await until(`${dead} online again`, async () => (await statusOf(dead)) === 'online', 45_000);
    expect(events.some((e) => e.id === dead && e.health.status === 'online')).toBe(true);
    // the restarted source continues the media sequence after a discontinuity, with its new init segment
    await until('a segment of the new run', () => streams.supervisor.pipeline(dead)!.segmenter.lastMsn! > msnBefore, 10_000);
    const text = await (await fetch(`${base}/hls/${dead}/index.m3u8`)).text();
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(pl.mediaSequenceBase! + pl.segments.length - 1).toBeGreaterThan(msnBefore);
    expect(text).toContain('#EXT-X-DISCONTINUITY\n');
    const maps = [...text.matchAll(/#EXT-X-MAP:URI="init-(\d+)\.mp4"/g)].map((m) => Number(m[1]));
    expect(maps.length).toBe(2);
    expect(maps[1]).toBeGreaterThan(maps[0]);
  }, 90_000);

  it('leaves no ffmpeg behind when stopped', async () => {
    expect(cameraPulls().length).toBe(3);
    await streams.close();
    expect(trackedChildCount()).toBe(0);
    await sleep(200);
    expect(cameraPulls()).toEqual([]);
  });
});
