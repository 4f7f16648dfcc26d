// An H.265 camera (the demo simulator publishing libx265 over real RTSP) through real ffmpeg pipelines and HTTP,
// twice from the same source: copied, it reports an hvc1 codec and serves hvc1 fMP4; with `transcode`, it
// reports avc1 and serves H.264 parts with a segment (a keyframe) every second at the configured size.
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadCameras } from '../../camera-config/load.ts';
import type { Camera } from '../../camera-config/schema.ts';
import { startCameraSim, type CameraSim } from '../../server/demo/camera-sim.ts';
import { createApp, finishApp } from '../../server/http/app.ts';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import { startStreams, type CameraView, type Streams } from '../../server/streams/index.ts';
import type { ListOf } from '../../domain/messages.ts';

const run = promisify(execFile);
const SOURCE = 'cam-16';
const TRANSCODED = 'cam-16-h264';

let tmp: string;
let sim: CameraSim;
let streams: Streams;
let server: http.Server;
let base: string;

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
const viewOf = async (id: string) => (await (await fetch(`${base}/api/cameras/${id}`)).json()) as CameraView;
const online = (id: string) => until(`${id} online`, async () => (await viewOf(id)).health.status === 'online', 45_000);

/** Init segment + the newest complete segment of `id`, as one file, and what ffmpeg makes of it. */
async function probeSegment(id: string): Promise<{ text: string; pl: HLS.types.MediaPlaylist; init: Buffer; stderr: string }> {
  await until(`${id}: three complete segments`, () => (streams.supervisor.pipeline(id)!.segmenter.playlist()?.match(/#EXTINF/g)?.length ?? 0) >= 3, 20_000);
  const text = await (await fetch(`${base}/hls/${id}/index.m3u8`)).text();
  const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
  const init = Buffer.from(await (await fetch(`${base}/hls/${id}/${/#EXT-X-MAP:URI="([^"]+)"/.exec(text)![1]}`)).arrayBuffer());
  const seg = Buffer.from(await (await fetch(`${base}/hls/${id}/${pl.segments.filter((s) => s.uri).at(-1)!.uri}`)).arrayBuffer());
  const file = path.join(tmp, `${id}.mp4`);
  fs.writeFileSync(file, Buffer.concat([init, seg]));
  const ff = await resolveFfmpeg(process.env.FFMPEG_PATH);
  const r = await run(ff.path, ['-hide_banner', '-i', file, '-f', 'null', '-']).catch((e: { stderr: string }) => e);
  return { text, pl, init, stderr: r.stderr };
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-streams-h265-'));
  // clips cached across runs (as in streams.test.ts): generating them is not what we test
  sim = await startCameraSim({ ids: [SOURCE], h265Ids: [SOURCE], workDir: path.join(os.tmpdir(), 'siaga-test-camera-sim'), ffmpegPath: process.env.FFMPEG_PATH });
  const env = { SIAGA_CCTV_HOST: sim.host, SIAGA_CCTV_USER: 'u', SIAGA_CCTV_PASSWORD: 'p' };
  const source = loadCameras(path.resolve('camera-config/cameras.json'), env).find((c) => c.id === SOURCE)!;
  const cams: Camera[] = [source, { ...source, id: TRANSCODED, transcode: { to: 'h264', width: 320, bitrateKbps: 300 } }];
  streams = await startStreams({
    config: { runtimeDir: tmp, ffmpegPath: process.env.FFMPEG_PATH, rtmpPort: 0, rtmpSecret: undefined, host: '127.0.0.1' },
    cameras: cams,
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

describe('H.265 cameras (real RTSP + ffmpeg)', () => {
  it('copied, an H.265 source reports an hvc1 codec in /api/cameras and serves hvc1 fMP4', async () => {
    await online(SOURCE);
    const view = await viewOf(SOURCE);
    expect(view.health.codec).toMatch(/^hvc1\.1\.6\.L\d+\.[0-9A-F]+$/i);
    expect(view.transcode).toBeUndefined();
    const list = ((await (await fetch(`${base}/api/cameras`)).json()) as ListOf<CameraView>).items;
    expect(list.find((c) => c.id === SOURCE)!.health.codec).toBe(view.health.codec);
    const { init, stderr } = await probeSegment(SOURCE);
    expect(init.includes('hvc1')).toBe(true); // retagged as ffmpeg's -tag:v hvc1 writes it
    expect(init.includes('hev1')).toBe(false);
    expect(stderr).toMatch(/Video: hevc/);
    expect(stderr).toMatch(/480x270/);
    // what a wall that cannot decode it shows instead: the snapshot, decoded on the server
    const snap = await fetch(`${base}/api/cameras/${SOURCE}/snapshot.jpg`);
    expect(snap.status).toBe(200);
    expect(Buffer.from(await snap.arrayBuffer()).subarray(0, 3).toString('hex')).toBe('ffd8ff');
  });

  it('with transcode, the same source reports avc1 and serves H.264 parts, a keyframe every second, at the set size', async () => {
    await online(TRANSCODED);
    const view = await viewOf(TRANSCODED);
    expect(view.health.codec).toMatch(/^avc1\.[0-9A-F]{6}$/i);
    expect(view.transcode).toEqual({ to: 'h264', width: 320, bitrateKbps: 300 });
    const { pl, stderr } = await probeSegment(TRANSCODED);
    expect(stderr).toMatch(/Video: h264/);
    expect(stderr).toMatch(/320x180/); // width set, height from the aspect ratio
    const complete = pl.segments.filter((s) => s.uri);
    for (const seg of complete) {
      expect(seg.duration).toBeGreaterThan(0.8); // forced keyframes: one segment per second of video
      expect(seg.duration).toBeLessThan(1.2);
      if (seg.parts?.length) expect(seg.parts[0].independent).toBe(true);
    }
    expect(pl.segments.flatMap((s) => s.parts ?? []).filter((p) => !p.hint).length).toBeGreaterThan(complete.length);
    expect(view.health.kbps).toBeGreaterThan(0);
    expect(view.health.kbps).toBeLessThan(450); // bitrateKbps 300, capped over one second
  });
});
