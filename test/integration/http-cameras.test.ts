// The whole server (server/main.ts) with 2 RTSP cameras from the simulator and 1 RTMP push camera:
// camera API without credentials, signed RTMP publish (unsigned rejected), /metrics, clean shutdown.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSim, type CameraSim } from '../../server/demo/camera-sim.ts';
import { loadConfig } from '../../server/config.ts';
import { start, type Running } from '../../server/main.ts';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import type { CameraView } from '../../server/streams/index.ts';
import { signStreamPath } from '../../server/streams/rtmp.ts';
import { freePort } from './free-port.ts';
import type { ListOf } from '../../domain/messages.ts';
import { cameraViewSchema } from '../../domain/camera.ts';
import { cameraPulls } from './procs.ts';

const run = promisify(execFile);
const USER = 'cctv-operator';
const PASSWORD = 'VeryS3cret-pw';
const RTMP_SECRET = 'rtmp-test-secret-123';
let tmp: string;
let sim: CameraSim;
let app: Running;
let base: string;
let clip: string;
/** The ffmpeg the product resolves (never a bare `ffmpeg` from PATH: a fresh machine has none). */
let ffmpegPath: string;
const publishers: ChildProcess[] = [];
let rtmpPort: number;

const ADMIN_TOKEN = 'test-admin-token-0123456789abcdef';
const get = (p: string, token: string | null = ADMIN_TOKEN) =>
  fetch(base + p, { headers: token ? { authorization: `Bearer ${token}` } : {} });
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
async function until(what: string, fn: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!(await fn())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}
const cameras = async () => ((await (await get(`/api/cameras`)).json()) as ListOf<CameraView>).items;
const statusOf = async (id: string) => (await cameras()).find((c) => c.id === id)?.health.status;

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-http-cameras-'));
  const shipped = JSON.parse(fs.readFileSync('camera-config/cameras.json', 'utf8')) as { cameras: Array<Record<string, unknown>> };
  const [a, b] = shipped.cameras;
  const drone = { ...a, id: 'drone-1', name: 'Drone 1', source: { url: 'rtmp://ingest/live/drone-1', transport: 'tcp' } };
  const file = path.join(tmp, 'cameras.json');
  fs.writeFileSync(file, JSON.stringify({ cameras: [a, b, drone] }));
  sim = await startCameraSim({ ids: [String(a.id), String(b.id)], workDir: path.join(os.tmpdir(), 'siaga-test-camera-sim'), ffmpegPath: process.env.FFMPEG_PATH });
  const ff = await resolveFfmpeg(process.env.FFMPEG_PATH);
  ffmpegPath = ff.path;
  clip = path.join(tmp, 'clip.mp4');
  await run(ff.path, ['-hide_banner', '-loglevel', 'error', '-f', 'lavfi', '-i', 'testsrc2=size=320x180:rate=15', '-t', '6',
    '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '15', '-pix_fmt', 'yuv420p', '-profile:v', 'baseline', clip]);
  rtmpPort = await freePort();
  app = await start({
    ...loadConfig({}, []),
    port: 0,
    host: '127.0.0.1',
    dataDir: path.join(tmp, 'data'),
    runtimeDir: path.join(tmp, 'runtime'),
    camerasFile: file,
    ffmpegPath: process.env.FFMPEG_PATH,
    rtmpPort,
    rtmpSecret: RTMP_SECRET,
    adminToken: ADMIN_TOKEN,
    backupIntervalS: 0,
    cameraEnv: { SIAGA_CCTV_HOST: sim.host, SIAGA_CCTV_USER: USER, SIAGA_CCTV_PASSWORD: PASSWORD },
  });
  base = `http://127.0.0.1:${app.port}`;
});

afterAll(async () => {
  for (const p of publishers) p.kill('SIGKILL');
  await app?.close();
  await sim?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

function publish(url: string): ChildProcess {
  const p = spawn(ffmpegPath, ['-hide_banner', '-loglevel', 'error', '-re', '-stream_loop', '-1', '-i', clip,
    '-c', 'copy', '-f', 'flv', url], { stdio: 'ignore' });
  publishers.push(p);
  return p;
}

describe('cameras over HTTP (whole server)', () => {
  it('lists cameras with health, HLS and snapshot URLs and no credential anywhere', async () => {
    await until('RTSP cameras online', async () => (await cameras()).filter((c) => c.health.status === 'online').length === 2, 30_000);
    const list = await cameras();
    expect(list.map((c) => c.id)).toContain('drone-1');
    for (const c of list) {
      expect(c.hls).toBe(`/hls/${c.id}/index.m3u8`);
      expect(c.snapshot).toBe(`/api/cameras/${c.id}/snapshot.jpg`);
      expect(typeof c.lat).toBe('number');
      expect(cameraViewSchema.safeParse(c).error?.issues ?? []).toEqual([]); // exactly the domain's shape
    }
    const bodies = [
      await (await get(`/api/cameras`)).text(),
      ...(await Promise.all(list.map(async (c) => (await get(`/api/cameras/${c.id}`)).text()))),
      await (await get(`/metrics`)).text(),
    ];
    for (const body of bodies) for (const secret of [USER, PASSWORD, RTMP_SECRET, 'sign=']) expect(body).not.toContain(secret);
    expect((await get(`/api/cameras/NOPE!`)).status).toBe(400);
    expect((await get(`/api/cameras/nope`)).status).toBe(404);
  });

  it('exposes per-camera Prometheus metrics and liveness', async () => {
    const text = await (await get(`/metrics`)).text();
    expect(text).toMatch(/siaga_camera_up\{camera="cam-01"\} 1/);
    expect(text).toMatch(/siaga_camera_restarts_total\{camera="cam-01"\} 0/);
    expect(text).toMatch(/siaga_camera_segment_age_seconds\{camera="cam-01"\} [\d.]+/);
    expect(text).toMatch(/siaga_camera_bitrate_bits_per_second\{camera="cam-01"\} [1-9]/);
    expect(text).toMatch(/siaga_camera_up\{camera="drone-1"\} 0/);
    expect((await get(`/api/health`, null)).status).toBe(200);
    expect((await get(`/metrics`, null)).status).toBe(401);
    expect((await get(`/api/cameras`, null)).status).toBe(401);
    expect((await get(`/hls/cam-01/index.m3u8`, null)).status).toBe(401);
  });

  it('rejects an unsigned RTMP push and turns a signed one into a live camera', async () => {
    const streamPath = '/live/drone-1';
    const unsigned = publish(`rtmp://127.0.0.1:${rtmpPort}${streamPath}`);
    const code = await new Promise<number | null>((r) => unsigned.once('exit', (c) => r(c)));
    expect(code).not.toBe(0);
    const exp = Math.floor(Date.now() / 1000) + 600;
    const badSign = publish(`rtmp://127.0.0.1:${rtmpPort}${streamPath}?sign=${exp}-${'0'.repeat(32)}`);
    expect(await new Promise<number | null>((r) => badSign.once('exit', (c) => r(c)))).not.toBe(0);
    expect(await statusOf('drone-1')).not.toBe('online');

    publish(`rtmp://127.0.0.1:${rtmpPort}${streamPath}?sign=${signStreamPath(streamPath, RTMP_SECRET, 600)}`);
    await until('drone-1 online', async () => (await statusOf('drone-1')) === 'online', 45_000);
    const playlist = await (await get(`/hls/drone-1/index.m3u8`)).text();
    expect(playlist).toMatch(/#EXT-X-PART:DURATION=[\d.]+,URI="part-\d+\.m4s"/);
  }, 60_000);

  it('stops every ffmpeg it started on close', async () => {
    // the server's pulls: the two RTSP cameras (through the credential relay) and the RTMP push read back
    const ours = () => cameraPulls();
    expect(ours().length).toBeGreaterThanOrEqual(3);
    await app.close();
    await sleep(200);
    expect(ours()).toEqual([]);
  });
});
