// Real RTSP server (demo camera simulator) + real ffmpeg pipelines + real HTTP: 3 cameras through the supervisor.
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
import { Snapshotter } from '../../server/streams/snapshotter.ts';

const run = promisify(execFile);
const USER = 'wall-user';
const PASSWORD = 'Pa55-secret-word';

let tmp: string;
let sim: CameraSim;
let streams: Streams;
let server: http.Server;
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
const getJson = async (p: string) => (await fetch(base + p)).json() as Promise<CameraView>;
const statusOf = async (id: string) => (await getJson(`/api/cameras/${id}`)).health.status;
/** pids of ffmpeg processes whose command line mentions `text` (our pulls and the snapshotter work in the temp dir). */
function ffmpegPidsFor(dir: string, text = ''): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).filter((pid) => {
    try {
      const cmd = fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      return cmd.includes('ffmpeg') && cmd.includes(dir) && cmd.includes(text);
    } catch {
      return false;
    }
  }).map(Number);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-streams-'));
  const all = loadCameras(path.resolve('camera-config/cameras.json'), {
    SIAGA_CCTV_HOST: '127.0.0.1:1', SIAGA_CCTV_USER: USER, SIAGA_CCTV_PASSWORD: PASSWORD,
  });
  const ids = all.slice(0, 3).map((c) => c.id);
  // clips cached across runs: generating them is not what we test
  sim = await startCameraSim({ ids, workDir: path.join(os.tmpdir(), 'siaga-test-camera-sim') });
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
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
});

afterAll(async () => {
  server?.closeAllConnections();
  server?.close();
  await streams?.close();
  await sim?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('camera supervisor (3 cameras, real RTSP + ffmpeg)', () => {
  it('brings every camera online with H.264 segments of about 1 s and a playlist that can block', async () => {
    for (const cam of cams) await until(`${cam.id} online`, async () => (await statusOf(cam.id)) === 'online', 30_000);
    const id = cams[0].id;
    const res = await fetch(`${base}/hls/${id}/index.m3u8`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('application/vnd.apple.mpegurl');
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const text = await res.text();
    expect(text).toContain('#EXT-X-SERVER-CONTROL:CAN-BLOCK-RELOAD=YES');
    expect(text).toContain('#EXT-X-PROGRAM-DATE-TIME');
    const segs = text.split('\n').filter((l) => /^seg-\d+\.ts$/.test(l));
    expect(segs.length).toBeGreaterThan(0);
    // epoch start numbers
    expect(Number(/#EXT-X-MEDIA-SEQUENCE:(\d+)/.exec(text)![1])).toBeGreaterThan(1.6e9);

    const seg = await fetch(`${base}/hls/${id}/${segs.at(-1)}`);
    expect(seg.status).toBe(200);
    expect(seg.headers.get('content-type')).toBe('video/mp2t');
    const file = path.join(tmp, 'seg.ts');
    fs.writeFileSync(file, Buffer.from(await seg.arrayBuffer()));
    const ff = await resolveFfmpeg();
    const probe = await run(ff.path, ['-hide_banner', '-i', file]).catch((e: { stderr: string }) => e);
    expect(probe.stderr).toMatch(/Video: h264/);
    const [, hh, mm, ss] = /Duration: (\d+):(\d+):([\d.]+)/.exec(probe.stderr)!;
    const dur = Number(hh) * 3600 + Number(mm) * 60 + Number(ss);
    expect(dur).toBeGreaterThan(0.5);
    expect(dur).toBeLessThan(2.1);

    // blocking reload: ask for the next sequence number; the answer must list it
    const last = Number(/seg-(\d+)\.ts/.exec(segs.at(-1)!)![1]);
    const held = await (await fetch(`${base}/hls/${id}/index.m3u8?_HLS_msn=${last + 1}`)).text();
    expect(held).toContain(`seg-${last + 1}.ts`);
    expect((await fetch(`${base}/hls/${id}/index.m3u8?_HLS_msn=${last + 50}`)).status).toBe(400);
    expect((await fetch(`${base}/hls/${id}/index.m3u8?_HLS_msn=abc`)).status).toBe(400);

    const view = await getJson(`/api/cameras/${id}`);
    expect(view.hls).toBe(`/hls/${id}/index.m3u8`);
    expect(view.health.kbps).toBeGreaterThan(0);
    expect(view.health.fps).toBeGreaterThan(5); // the clip is 15 fps
    expect(view.health.lastSegmentAgeS).toBeLessThan(5);
    expect(view.health.restarts).toBe(0);
  });

  it('takes a keyframe snapshot (JPEG) per camera, stamped with the frame time', async () => {
    for (const { id } of cams) {
      const res = await until(`${id} snapshot`, async () => {
        const r = await fetch(`${base}/api/cameras/${id}/snapshot.jpg`);
        return r.status === 200 ? r : undefined;
      }, 20_000);
      expect(res.headers.get('content-type')).toBe('image/jpeg');
      const buf = Buffer.from(await res.arrayBuffer());
      expect(buf.subarray(0, 3).toString('hex')).toBe('ffd8ff');
      const at = res.headers.get('x-snapshot-time')!;
      expect(at).toMatch(/^\d{4}-\d\d-\d\dT/);
      // the frame's time (PROGRAM-DATE-TIME of its segment): recent, not in the future, and kept as the file's mtime
      expect(Date.parse(at)).toBeLessThanOrEqual(Date.now());
      expect(Date.now() - Date.parse(at)).toBeLessThan(60_000);
      const file = path.join(tmp, 'snapshots', `${id}.jpg`);
      expect(Math.abs(fs.statSync(file).mtimeMs - Date.parse(at))).toBeLessThan(1000);
    }
    // ONE snapshotter, no decoding in the pipelines: their command lines carry no image output
    for (const pid of ffmpegPidsFor(tmp, 'index.m3u8')) expect(fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8')).not.toContain('.jpg');
  });

  it('snapshots the good cameras even when one camera\'s segment is garbage', async () => {
    const dir = path.join(tmp, 'snapshotter-check');
    fs.mkdirSync(path.join(dir, 'bad'), { recursive: true });
    fs.writeFileSync(path.join(dir, 'bad', 'seg-1.ts'), Buffer.alloc(4000, 0x47)); // not a stream ffmpeg can open
    const taken: Record<string, number> = {};
    const real = cams.slice(0, 2).map(({ id }) => {
      const p = streams.supervisor.pipeline(id)!;
      return { id, hlsDir: p.hlsDir, playlist: p.playlist, snapshotFile: path.join(dir, `${id}.jpg`), snapshotTaken: (t: number) => (taken[id] = t) };
    });
    const bad = {
      id: 'bad-cam', hlsDir: path.join(dir, 'bad'), snapshotFile: path.join(dir, 'bad-cam.jpg'),
      playlist: { targetDurationS: 1, mediaSequence: 1, lastSeq: 1, segments: [{ seq: 1, uri: 'seg-1.ts', durationS: 1 }] },
      snapshotTaken: (t: number) => (taken['bad-cam'] = t),
    };
    const ff = await resolveFfmpeg();
    const snapper = new Snapshotter({ cameras: [bad, ...real], ffmpegPath: ff.path, workDir: path.join(dir, '.work'), everyS: 60, log: logger('test') });
    expect(await snapper.takeAll()).toBe(2);
    for (const { id } of real) {
      expect(fs.readFileSync(path.join(dir, `${id}.jpg`)).subarray(0, 3).toString('hex')).toBe('ffd8ff');
      expect(taken[id]).toBeGreaterThan(0);
    }
    expect(fs.existsSync(bad.snapshotFile)).toBe(false);
    expect(taken['bad-cam']).toBeUndefined();
    // nothing new since: no run, nothing rewritten; the scratch links are gone
    expect(await snapper.takeAll()).toBe(0);
    expect(fs.existsSync(path.join(dir, '.work'))).toBe(false);
    await snapper.close();
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
    expect(JSON.parse(body)).toHaveLength(3);
    for (const secret of [USER, PASSWORD, encodeURIComponent(PASSWORD), 'rtsp://']) expect(body).not.toContain(secret);
    expect(JSON.stringify(events)).not.toContain(PASSWORD);
  });

  it('marks a camera whose source dies offline while the others keep producing, and recovers it', async () => {
    const [a, dead, c] = cams.map((x) => x.id);
    const snapshotOf = async () => {
      const r = await fetch(`${base}/api/cameras/${dead}/snapshot.jpg`);
      return { status: r.status, at: r.headers.get('x-snapshot-time'), bytes: Buffer.from(await r.arrayBuffer()) };
    };
    const seqOf = () => Object.fromEntries(cams.map((x) => [x.id, streams.supervisor.pipeline(x.id)!.playlist!.lastSeq]));
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
    // the snapshot is kept while offline, with the time of its frame (taken before the source died). Wait one
    // snapshot period first: the killed run's last (flushed) segment may still be snapshotted just after 'offline'.
    await sleep(6000);
    const kept = await snapshotOf();
    expect(kept.status).toBe(200);
    expect(kept.bytes.subarray(0, 3).toString('hex')).toBe('ffd8ff');
    expect(kept.at).toBe((await getJson(`/api/cameras/${dead}`)).health.snapshotAt);
    expect(Date.parse(kept.at!)).toBeLessThan(stoppedAt + 1000);
    await sleep(6000); // more than one snapshot period: still the same image and time
    const later = await snapshotOf();
    expect(await statusOf(dead)).toBe('offline');
    expect(later.status).toBe(200);
    expect(later.at).toBe(kept.at);
    expect(later.bytes.equals(kept.bytes)).toBe(true);
    expect((await getJson(`/api/cameras/${dead}`)).health.snapshotAt).toBe(kept.at);

    await sim.resume(dead);
    await until(`${dead} online again`, async () => (await statusOf(dead)) === 'online', 45_000);
    expect(events.some((e) => e.id === dead && e.health.status === 'online')).toBe(true);
  }, 90_000);

  it('leaves no ffmpeg behind when stopped', async () => {
    expect(ffmpegPidsFor(tmp, 'index.m3u8').length).toBe(3);
    await streams.close();
    expect(trackedChildCount()).toBe(0);
    await sleep(200);
    expect(ffmpegPidsFor(tmp)).toEqual([]);
  });
});
