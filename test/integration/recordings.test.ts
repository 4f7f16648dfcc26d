// Recording, all real: the demo camera simulator (real RTSP server, looping publishers) and the real server as a
// child process (`node --import tsx server/main.ts`) with two cameras, one of them `"record": false`. What the
// recordings API says is checked against the files on disk; a window's VOD playlist is played by ffmpeg's own HLS
// demuxer over HTTP; a camera that goes dark leaves a gap; a SIGKILL while recording loses at most the part in
// flight and the torn file is recovered (closed, index and media agreeing) by the next start.
import { recordingsAnswerSchema } from '../../domain/camera.ts';
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import HLS from 'hls-parser';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startCameraSim, type CameraSim } from '../../server/demo/camera-sim.ts';
import { indexEnd, indexPath, parseIndex } from '../../server/recordings/files.ts';
import { SPAN_GAP_MS } from '../../server/recordings/playback.ts';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import { descendants } from './procs.ts';

const run = promisify(execFile);
const ROOT = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');
const ADMIN = 'recordings-admin-token-0123456789';
const FPS = 15; // the simulator's clips
const REC = 'cam-01'; // recorded
const OFF = 'cam-02'; // "record": false
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let tmp: string;
let sim: CameraSim;
let ffmpegPath: string;
let server: { child: ChildProcess; base: string } | undefined;
/** Every process a server started (ffmpeg pulls): a SIGKILLed server cannot stop its own. */
const strays = new Set<number>();
let operator = '';
let viewer = '';

interface Span { from: number; to: number }
interface Recordings { camera: string; state: string; retainedFrom: string | null; spans: Span[] }

async function until<T>(what: string, fn: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs: number): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(250);
  }
}

function startServer(): Promise<{ child: ChildProcess; base: string }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    cwd: ROOT,
    env: {
      ...process.env, PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: path.join(tmp, 'data'), SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'),
      SIAGA_CAMERAS_FILE: path.join(tmp, 'cameras.json'), SIAGA_ADMIN_TOKEN: ADMIN, SIAGA_DEMO: '0', SIAGA_NO_STREAMS: '0',
      SIAGA_CCTV_HOST: sim.host, SIAGA_CCTV_USER: 'rec-user', SIAGA_CCTV_PASSWORD: 'rec-secret',
      SIAGA_RECORD: '1', SIAGA_RECORD_FILE_S: '10', SIAGA_RECORD_MIN_FREE_MB: '0', SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0',
      SIAGA_BACKUP_INTERVAL_S: '0', SIAGA_RETENTION_INTERVAL_S: '0', SIAGA_INTAKE_RATE: '0', SIAGA_LOG_LEVEL: 'info',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${out}`)), 60_000);
    const onData = (d: Buffer) => {
      if (out.length < 200_000) out += d.toString();
      const m = /Siaga Wall on http:\/\/localhost:(\d+)/.exec(out);
      if (m) {
        clearTimeout(timer);
        resolve({ child, base: `http://127.0.0.1:${m[1]}` });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited (${code}) before listening:\n${out}`)));
  });
}
const exited = (c: ChildProcess) => new Promise((r) => (c.exitCode !== null || c.signalCode !== null ? r(null) : c.once('exit', r)));
const noteStrays = () => {
  if (server) for (const d of descendants(server.child.pid)) strays.add(d.pid);
};

const get = (p: string, token = ADMIN) => fetch(server!.base + p, { headers: { authorization: `Bearer ${token}` } });
const recordings = async (id: string): Promise<Recordings> => {
  const res = await get(`/api/cameras/${id}/recordings`);
  expect(res.status).toBe(200);
  const body = recordingsAnswerSchema.parse(await res.json()); // the domain's shape, strictly: a stray field fails
  return { ...body, spans: body.spans.map((s) => ({ from: Date.parse(s.from), to: Date.parse(s.to) })) };
};
const statusOf = async (id: string) => (await (await get(`/api/cameras/${id}`)).json()).health.status as string;
const recDir = (id: string) => path.join(tmp, 'data', 'recordings', id);
/** The camera's recording files: closed ones (start-end in the name) and open ones (start only). */
function filesOn(id: string) {
  const names = fs.existsSync(recDir(id)) ? fs.readdirSync(recDir(id)) : [];
  return {
    closed: names.filter((n) => /^\d{13}-\d{13}\.mp4$/.test(n)).sort(),
    open: names.filter((n) => /^\d{13}\.mp4$/.test(n)).sort(),
    all: names,
  };
}
const mediaBytes = (id: string) => filesOn(id).all.filter((n) => n.endsWith('.mp4')).reduce((a, n) => a + fs.statSync(path.join(recDir(id), n)).size, 0);
/** Frames ffmpeg decodes from `input` (its last frame= progress figure). */
async function framesOf(input: string, pre: string[] = []): Promise<number> {
  const r = await run(ffmpegPath, ['-hide_banner', '-nostdin', ...pre, '-i', input, '-map', '0:v', '-f', 'null', '-'], { timeout: 45_000 });
  return Number([...r.stderr.matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1]);
}

beforeAll(async () => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-recordings-'));
  ffmpegPath = (await resolveFfmpeg(process.env.FFMPEG_PATH)).path;
  const file = JSON.parse(fs.readFileSync(path.join(ROOT, 'camera-config/cameras.json'), 'utf8'));
  const cams = file.cameras.filter((c: { id: string }) => c.id === REC || c.id === OFF);
  expect(cams).toHaveLength(2);
  cams.find((c: { id: string }) => c.id === OFF).record = false;
  fs.writeFileSync(path.join(tmp, 'cameras.json'), JSON.stringify({ cameras: cams }));
  // clips cached across runs (as streams.test.ts): generating them is not what we test
  sim = await startCameraSim({ ids: [REC, OFF], workDir: path.join(os.tmpdir(), 'siaga-test-camera-sim'), ffmpegPath: process.env.FFMPEG_PATH });
  server = await startServer();
  const token = async (role: string) => {
    const res = await fetch(`${server!.base}/api/tokens`, {
      method: 'POST', headers: { authorization: `Bearer ${ADMIN}`, 'content-type': 'application/json' }, body: JSON.stringify({ role, label: `recordings ${role}` }),
    });
    expect(res.status).toBe(201);
    return (await res.json()).token as string;
  };
  operator = await token('operator');
  viewer = await token('viewer');
});

afterAll(async () => {
  if (server) {
    noteStrays();
    server.child.kill('SIGTERM');
    await Promise.race([exited(server.child), sleep(10_000)]);
    if (server.child.exitCode === null && server.child.signalCode === null) server.child.kill('SIGKILL');
  }
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await sim?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
});

describe('recording (real server, real RTSP cameras)', () => {
  it('records the camera as one span across file rolls, on disk as the API says; a "record": false camera has nothing', async () => {
    await until(`${REC} and ${OFF} online`, async () => (await statusOf(REC)) === 'online' && (await statusOf(OFF)) === 'online', 40_000);
    // 10 s files: wait for a roll (a closed file and the open one after it)
    await until('a file roll', () => filesOn(REC).closed.length >= 1 && filesOn(REC).open.length === 1, 30_000);
    const before = await recordings(REC);
    expect(before.state).toBe('recording');
    expect(before.spans).toHaveLength(1); // the roll left no gap
    const closed = filesOn(REC).closed[0];
    const [, start, end] = /^(\d{13})-(\d{13})\.mp4$/.exec(closed)!.map(Number);
    expect(before.spans[0].from).toBe(start);
    expect(before.spans[0].to).toBeGreaterThan(end);
    expect(before.retainedFrom).toBe(new Date(start).toISOString());
    // the closed file: its name, its index and its bytes agree
    const media = path.join(recDir(REC), closed);
    const parsed = parseIndex(fs.readFileSync(indexPath(media), 'utf8'), fs.statSync(media).size)!;
    expect(parsed.validChars).toBe(fs.statSync(indexPath(media)).size);
    expect(indexEnd(parsed.index)).toBe(fs.statSync(media).size);
    const last = parsed.index.parts.at(-1)!;
    expect(Math.round(last.startMs + last.durationMs)).toBe(end);
    expect(end - start).toBeGreaterThanOrEqual(10_000); // rolled at the first keyframe after SIAGA_RECORD_FILE_S
    expect(end - start).toBeLessThan(10_000 + 2_000); // … one GOP (1 s) later at most, with slack

    // the span grows while the camera runs
    const grown = await until('the span to grow by 2 s', async () => {
      const r = await recordings(REC);
      return r.spans.length === 1 && r.spans[0].to >= before.spans[0].to + 2000 ? r : undefined;
    }, 20_000);
    expect(grown.spans[0].from).toBe(before.spans[0].from);

    // the camera that must not be recorded is live, and has no files
    const off = await recordings(OFF);
    expect(off.state).toBe('off');
    expect(off.spans).toEqual([]);
    expect(off.retainedFrom).toBeNull();
    expect(filesOn(OFF).all.filter((n) => /\.(mp4|idx)$/.test(n))).toEqual([]);

    // health and the gauges tell the same story as the disk
    const health = await (await fetch(`${server!.base}/api/health`)).json();
    expect(health.recording.state).toBe('recording');
    const diskBefore = mediaBytes(REC);
    const metrics = await (await get('/metrics')).text();
    const diskAfter = mediaBytes(REC);
    const gauge = (name: string) => Number(new RegExp(`^${name} (\\d+)$`, 'm').exec(metrics)?.[1]);
    expect(gauge('siaga_recording_stored_bytes')).toBeGreaterThanOrEqual(diskBefore);
    expect(gauge('siaga_recording_stored_bytes')).toBeLessThanOrEqual(diskAfter);
    expect(gauge('siaga_recording_written_bytes')).toBeGreaterThan(diskBefore); // media + the indexes
    expect(gauge('siaga_recording_received_bytes')).toBeGreaterThan(0);
  });

  it("a window's VOD playlist plays in ffmpeg's HLS demuxer over HTTP, across a file roll, at 15 fps", async () => {
    const closed = filesOn(REC).closed[0];
    const rollAt = Number(/-(\d{13})\.mp4$/.exec(closed)![1]);
    const { spans } = await until('5 s recorded after the roll', async () => {
      const r = await recordings(REC);
      return r.spans.length === 1 && r.spans[0].to >= rollAt + 5000 ? r : undefined;
    }, 20_000);
    // 8 s around the roll: two files, so two EXT-X-MAPs and a discontinuity
    const from = rollAt - 4000;
    const to = rollAt + 4000;
    expect(from).toBeGreaterThan(spans[0].from);
    expect(to).toBeLessThan(spans[0].to);
    const url = `/api/cameras/${REC}/recordings/index.m3u8?from=${from}&to=${to}`;
    const res = await get(url, operator);
    expect(res.status).toBe(200);
    const text = await res.text();
    const pl = HLS.parse(text) as HLS.types.MediaPlaylist;
    expect(pl.playlistType).toBe('VOD');
    expect(pl.endlist).toBe(true);
    expect(text.match(/^#EXT-X-MAP:/gm)).toHaveLength(2);
    expect(text.match(/^#EXT-X-DISCONTINUITY$/gm)).toHaveLength(1);
    const segs = pl.segments;
    const durationS = segs.reduce((a, s) => a + s.duration, 0);
    // from the GOP holding `from` to the one holding `to`: covers the window, at most a GOP more on each side
    expect(segs[0].programDateTime!.getTime()).toBeLessThanOrEqual(from);
    expect(segs.at(-1)!.programDateTime!.getTime() + segs.at(-1)!.duration * 1000).toBeGreaterThanOrEqual(to);
    expect(durationS * 1000).toBeLessThanOrEqual(to - from + 2 * 1600);

    const frames = await framesOf(server!.base + url, ['-headers', `Authorization: Bearer ${operator}\r\n`]);
    // every frame of the listed GOPs, 15 per second (a UDP loss may cost a few)
    expect(frames).toBeGreaterThanOrEqual(Math.floor(durationS * FPS * 0.9));
    expect(frames).toBeLessThanOrEqual(Math.ceil(durationS * FPS) + 2);
  });

  it('recordings are for operators: a viewer gets 403 on every route', async () => {
    const fileId = /^(\d{13})/.exec(filesOn(REC).closed[0])![1];
    const routes = [`/api/cameras/${REC}/recordings`, `/api/cameras/${REC}/recordings/index.m3u8`, `/api/cameras/${REC}/recordings/files/${fileId}.mp4`];
    for (const r of routes) {
      expect((await get(r, viewer)).status, r).toBe(403);
      const ok = await get(r, operator);
      expect(ok.status, r).toBe(200);
      await ok.arrayBuffer();
    }
    const clip = `/api/cameras/${REC}/recordings/clip.mp4?from=${Number(fileId) + 1000}&to=${Number(fileId) + 3000}`;
    expect((await get(clip, viewer)).status, clip).toBe(403);
    expect((await fetch(server!.base + routes[0])).status).toBe(401);
  });

  it('a camera that goes dark leaves a gap, then is recorded again', async () => {
    const stopAt = Date.now();
    await sim.stop(REC);
    await until(`${REC} no longer online`, async () => (await statusOf(REC)) !== 'online', 20_000);
    const resumeAt = Date.now();
    await sim.resume(REC);
    const after = await until('a second span', async () => {
      const r = await recordings(REC);
      return r.spans.length === 2 && r.spans[1].to - r.spans[1].from >= 3000 ? r : undefined;
    }, 40_000);
    const [a, b] = after.spans;
    expect(a.to).toBeLessThanOrEqual(stopAt + 1500); // nothing recorded while it was dark…
    expect(b.from).toBeGreaterThanOrEqual(resumeAt);
    expect(b.from - a.to).toBeGreaterThan(SPAN_GAP_MS); // … and the timeline shows it
    expect(filesOn(REC).open).toHaveLength(1); // the dark run's file was closed; a new one is being written
  });

  it('SIGKILL while recording: the next start recovers the open file, losing at most the part in flight', async () => {
    const open = filesOn(REC).open;
    expect(open).toHaveLength(1);
    const id = Number(open[0].slice(0, 13));
    noteStrays();
    const killAt = Date.now();
    server!.child.kill('SIGKILL');
    await exited(server!.child);
    expect(server!.child.signalCode).toBe('SIGKILL');
    // the file was left open: its name says so
    expect(filesOn(REC).open).toEqual([`${id}.mp4`]);
    const leftBytes = fs.statSync(path.join(recDir(REC), `${id}.mp4`)).size;
    const beforeClosed = new Set(filesOn(REC).closed);

    server = await startServer();
    const recovered = filesOn(REC).closed.filter((n) => !beforeClosed.has(n) && n.startsWith(`${id}-`));
    expect(recovered).toHaveLength(1);
    expect(filesOn(REC).all).not.toContain(`${id}.mp4`);
    expect(filesOn(REC).all).not.toContain(`${id}.idx`);
    const media = path.join(recDir(REC), recovered[0]);
    const idxText = fs.readFileSync(indexPath(media), 'utf8');
    const parsed = parseIndex(idxText, fs.statSync(media).size)!;
    expect(parsed.validChars).toBe(idxText.length); // no torn line left
    expect(fs.statSync(media).size).toBe(indexEnd(parsed.index)); // no bytes the index does not cover
    expect(fs.statSync(media).size).toBeLessThanOrEqual(leftBytes);
    const last = parsed.index.parts.at(-1)!;
    const end = Math.round(last.startMs + last.durationMs);
    expect(recovered[0]).toBe(`${id}-${end}.mp4`);
    // what was lost is at most the part in flight (~200 ms) plus what ffmpeg and the RTSP hop were still holding
    expect(end).toBeGreaterThanOrEqual(killAt - 1500);
    expect(end).toBeLessThanOrEqual(killAt + 100);
    // and it plays: every indexed part's frames
    const seconds = parsed.index.parts.reduce((a, p) => a + p.durationMs, 0) / 1000;
    const frames = await framesOf(media);
    expect(frames).toBeGreaterThanOrEqual(Math.floor(seconds * FPS * 0.9));
    expect(frames).toBeLessThanOrEqual(Math.ceil(seconds * FPS) + 1);

    // the restarted server serves it, and starts a new span after a gap
    const file = await get(`/api/cameras/${REC}/recordings/files/${id}.mp4`, operator);
    expect(file.status).toBe(200);
    expect((await file.arrayBuffer()).byteLength).toBe(fs.statSync(media).size);
    const after = await until('a span after the restart', async () => {
      const r = await recordings(REC);
      return r.spans.length === 3 && r.spans[2].to > r.spans[2].from ? r : undefined;
    }, 40_000);
    const [, beforeKill, afterRestart] = after.spans;
    expect(Math.abs(beforeKill.to - end)).toBeLessThanOrEqual(1); // the name rounds the end, the API's ISO time truncates it
    expect(afterRestart.from).toBeGreaterThan(killAt);
    expect(afterRestart.from - beforeKill.to).toBeGreaterThan(SPAN_GAP_MS);
    expect(after.state).toBe('recording');
  });
});
