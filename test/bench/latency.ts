// npm run bench:latency — true live latency of one camera, glass to glass minus the glass:
//   a clip with its frame number stamped as a barcode → ffmpeg -re publisher → RTSP server child (the demo one) →
//   the real streams room (supervisor ffmpeg → HLS, GET /hls/:id/index.m3u8 with blocking reload) → hls.js in
//   headless Chromium, which decodes the barcode of every presented frame. Latency = when the page showed frame N −
//   when the publisher sent frame N. Also: loadSource → first advancing frame, and (first) the demo simulator's own
//   figures: clip generation cold/warm, 35 publishers up, CPU.
// Options: --seconds 30 (one tile)  --tiles 16 --grid-seconds 60 (the real page; --tiles 0: none)  --skip-sim
//          --skip-latency  --polling  --skip-http (the XHR comparison runs at most 60 s)  --sync <liveSyncDuration s>
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import express from 'express';
import { chromium } from 'playwright-core';
import { loadCameras } from '../../camera-config/load.ts';
import { CLIP, encodeClip } from '../../server/demo/camera-sim-clips.ts';
import { Publisher, startRtspServerChild } from '../../server/demo/camera-sim-rtsp.ts';
import { startCameraSim } from '../../server/demo/camera-sim.ts';
import { resolveFfmpeg, type FfmpegInfo } from '../../server/streams/ffmpeg.ts';
import { startStreams } from '../../server/streams/index.ts';
import { attachHlsSocket, type HlsSocket } from '../../server/streams/hls-socket.ts';
import * as esbuild from 'esbuild';
import { writeSection } from './results.ts';
import type { TileResult } from './latency-page.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const SECONDS = Number(args[args.indexOf('--seconds') + 1]) || 30;
/** hls.js liveSyncDuration of the page; default = the wall's HLS_LIVE_CONFIG (wall/video/tile.ts, which imports hls.js). */
const SYNC_S = Number(args[args.indexOf('--sync') + 1]) || 0.8;
/** The real page: this many tiles at once (0 or 1: the one-tile run only), measured for this long. */
const GRID_TILES = args.includes('--tiles') ? Number(args[args.indexOf('--tiles') + 1]) : 16;
const GRID_SECONDS = Number(args[args.indexOf('--grid-seconds') + 1]) || 60;
const CAMERAS_FILE = path.join(root, 'camera-config/cameras.json');
const PLACEHOLDERS = { ...process.env, SIAGA_CCTV_HOST: '127.0.0.1', SIAGA_CCTV_USER: 'bench', SIAGA_CCTV_PASSWORD: 'bench' };

// Barcode layout (the page gets it in its query string): `BITS` boxes on a black strip, then one always-white box.
const BAR = { bits: 12, x0: 8, pitch: 30, box: 22, y0: 6, strip: 34 } as const;
const LOOP_S = 20; // 300 frames < 2^12: unambiguous as long as latency < 20 s

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] : NaN;
};
const median = (xs: number[]) => pct(xs, 50);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const fmtS = (ms: number) => (ms / 1000).toFixed(2);

/** testsrc2 + a black strip with frame number n as BITS white/black boxes (drawbox + timeline: no font needed). */
function barcodeFilter(): string {
  const boxes = [`drawbox=x=0:y=0:w=iw:h=${BAR.strip}:color=black:t=fill`];
  for (let k = 0; k < BAR.bits; k++) {
    boxes.push(
      `drawbox=x=${BAR.x0 + k * BAR.pitch}:y=${BAR.y0}:w=${BAR.box}:h=${BAR.box}:color=white:t=fill:enable='mod(floor(n/${2 ** k}),2)'`,
    );
  }
  boxes.push(`drawbox=x=${BAR.x0 + BAR.bits * BAR.pitch}:y=${BAR.y0}:w=${BAR.box}:h=${BAR.box}:color=white:t=fill`);
  return boxes.join(',');
}

async function benchClip(ffmpeg: FfmpegInfo): Promise<string> {
  const dir = path.join(os.tmpdir(), 'siaga-bench');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `barcode-${BAR.bits}-${LOOP_S}s-${ffmpeg.major}-${CLIP.width}.mp4`);
  if (!fs.existsSync(file)) {
    await encodeClip(ffmpeg, `testsrc2=size=${CLIP.width}x${CLIP.height}:rate=${CLIP.fps}`, barcodeFilter(), file, LOOP_S);
  }
  return file;
}

/** CPU seconds (user+sys) of a process so far, from /proc. */
function cpuSeconds(pid: number): number {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(f[11]) + Number(f[12])) / 100; // utime, stime in USER_HZ (100 on Linux)
  } catch {
    return NaN;
  }
}
function rssMb(pid: number): number {
  try {
    return Number(/VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]) / 1024;
  } catch {
    return NaN;
  }
}

/** Other people's tests share these 2 cores: say how busy the machine was. */
const loadNote = () => `load average ${os.loadavg().map((l) => l.toFixed(1)).join(' / ')} (1/5/15 min) when the run ended`;

async function measureSim(ffmpeg: FfmpegInfo): Promise<string> {
  const cams = loadCameras(CAMERAS_FILE, PLACEHOLDERS);
  const ids = cams.map((c) => c.id);
  const labels = Object.fromEntries(cams.map((c) => [c.id, c.name]));
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-sim-bench-'));
  try {
    const t0 = Date.now();
    const cold = await startCameraSim({ ids, labels, workDir, ffmpegPath: process.env.FFMPEG_PATH });
    const coldTotal = Date.now() - t0;
    await sleep(3000); // settle
    const pids = [cold.stats.serverPid, ...ids.map((id) => cold.publisherPid(id)!)];
    const before = pids.map(cpuSeconds);
    const WINDOW = 10;
    await sleep(WINDOW * 1000);
    const used = pids.map((p, i) => cpuSeconds(p) - before[i]);
    const serverPct = (100 * used[0]) / WINDOW;
    const pubPct = (100 * used.slice(1).reduce((a, b) => a + b, 0)) / WINDOW;
    const serverRss = rssMb(pids[0]);
    const pubRss = median(pids.slice(1).map(rssMb));
    await cold.close();
    const t1 = Date.now();
    const warm = await startCameraSim({ ids, labels, workDir, ffmpegPath: process.env.FFMPEG_PATH });
    const warmTotal = Date.now() - t1;
    await warm.close();
    return [
      `ffmpeg ${ffmpeg.version} (${ffmpeg.path}); ${ids.length} cameras from camera-config/cameras.json; clips ` +
        `${CLIP.width}x${CLIP.height} ${CLIP.fps} fps, ${CLIP.seconds} s loop, 1 s GOP; label + running clock burnt in ` +
        'when ready within the 10 s startup budget, else shared unlabelled testsrc2 variants for that run.',
      '',
      '| step | cold (no cached clips) | warm (cached) |',
      '|---|---|---|',
      `| clip generation (startup wait) | ${fmtS(cold.stats.clipMs)} s (${cold.stats.clipsGenerated} encoded before start) | ${fmtS(warm.stats.clipMs)} s (${warm.stats.clipsGenerated} encoded) |`,
      `| cameras with their label burnt in | ${cold.stats.labelledCameras}/${ids.length} | ${warm.stats.labelledCameras}/${ids.length} |`,
      `| RTSP server + all publishers sending | ${fmtS(cold.stats.publishersUpMs)} s | ${fmtS(warm.stats.publishersUpMs)} s |`,
      `| startCameraSim() total | ${fmtS(coldTotal)} s | ${fmtS(warmTotal)} s |`,
      '',
      `Steady state over ${WINDOW} s (% of one core): RTSP server child ${serverPct.toFixed(1)} % (RSS ${serverRss.toFixed(0)} MB), ` +
        `${ids.length} publishers together ${pubPct.toFixed(1)} % (median RSS ${pubRss.toFixed(0)} MB each). ` +
        'Not included: the supervisor\'s pull ffmpegs (streams room).',
      `Machine: ${loadNote()}.`,
    ].join('\n');
  } finally {
    fs.rmSync(workDir, { recursive: true, force: true });
  }
}

interface PageResult {
  tiles: TileResult[];
  transport: { socket: number; http: number };
}

interface RunResult {
  name: string;
  tiles: number;
  transport: string;
  p50: number;
  p90: number;
  min: number;
  max: number;
  n: number;
  firstFrameMs: number | null;
  firstAdvanceMs: number | null;
  stalls: number;
  waiting: number;
  bad: number;
  errors: string[];
  seconds: number;
}

async function measureLatency(ffmpeg: FfmpegInfo): Promise<{ rows: RunResult[]; notes: string[] }> {
  const clip = await benchClip(ffmpeg);
  const loopFrames = LOOP_S * CLIP.fps;
  const runtimeDir = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-latency-'));
  const rtsp = await startRtspServerChild();
  // Publisher clock: `-progress` says "M frames sent" at wall time t → frame j was sent at t0 + j/fps, t0 ≈ t − (M−1)/fps.
  const offsets: number[] = [];
  const publisher = new Publisher({
    name: 'bench',
    ffmpegPath: ffmpeg.path,
    clip,
    target: `rtsp://127.0.0.1:${rtsp.publishPort}/bench`,
    beforeStart: () => rtsp.drop('bench'),
    onProgress: (m, at) => offsets.push(at - ((m - 1) * 1000) / CLIP.fps),
  });
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--disable-sync',
      '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required'],
  });
  let streams: Awaited<ReturnType<typeof startStreams>> | undefined;
  let server: http.Server | undefined;
  let hlsSocket: HlsSocket | undefined;
  try {
    await publisher.start();
    // Real camera entries (geometry from cameras.json), every source pointed at the bench publisher (one pull per
    // tile, as on the wall); UDP: the RTSP server child has no TCP.
    const base = loadCameras(CAMERAS_FILE, PLACEHOLDERS)[0];
    const tilesMax = Math.max(1, GRID_TILES);
    const cameras = Array.from({ length: tilesMax }, (_, k) => ({
      ...base, id: `bench-cam-${String(k).padStart(2, '0')}`, source: { url: `rtsp://127.0.0.1:${rtsp.clientPort}/bench`, transport: 'udp' as const },
    }));
    streams = await startStreams({
      config: { runtimeDir, ffmpegPath: ffmpeg.path, rtmpPort: 0, rtmpSecret: undefined, host: '127.0.0.1' },
      cameras,
      requireRole: () => (_req, _res, next) => next(),
    });
    // The page: the wall's own tile config and socket loader (wall/video), bundled as the wall's build would.
    const page = await esbuild.build({ entryPoints: [path.join(here, 'latency-page.ts')], bundle: true, write: false, format: 'esm', target: 'es2022' });
    const pageJs = page.outputFiles[0].text;
    const app = express();
    app.get('/', (_req, res) => void res.type('html').send('<!doctype html><meta charset="utf-8"><title>latency</title><script type="module" src="/page.js"></script>'));
    app.get('/page.js', (_req, res) => void res.type('js').send(pageJs));
    app.use(streams.router);
    server = http.createServer(app);
    const s = streams;
    hlsSocket = attachHlsSocket({ server, pipelineOf: (id) => s.supervisor.pipeline(id), authenticate: () => ({ role: 'viewer' }) });
    await new Promise<void>((r) => server!.listen(0, '127.0.0.1', () => r()));
    const port = (server.address() as { port: number }).port;
    const waitFrom = Date.now();
    for (const cam of cameras) {
      while ((await fetch(`http://127.0.0.1:${port}/hls/${cam.id}/index.m3u8`).then((r) => r.status, () => 0)) !== 200) {
        if (Date.now() - waitFrom > 60_000) throw new Error(`no playlist for ${cam.id} from the streams room within 60 s`);
        await sleep(200);
      }
    }
    const firstPlaylistMs = Date.now() - waitFrom;
    await sleep(3000); // the wall keeps every pull running: measure a warm stream, not a cold start

    const ll = 'LL-HLS from memory (200 ms parts, preload hint, blocking reload)';
    const runs = [
      { name: `${ll}, one tile, socket loader (the wall)`, tiles: 1, transport: 'socket', ll: true, seconds: SECONDS },
      ...(args.includes('--polling') ? [{ name: 'one tile, lowLatencyMode off (polling), socket loader', tiles: 1, transport: 'socket', ll: false, seconds: SECONDS }] : []),
      ...(GRID_TILES > 1
        ? [
            ...(args.includes('--skip-http') ? [] : [{ name: `${ll}, ${GRID_TILES} tiles, hls.js XHR loader (HTTP/1.1, 6 connections)`, tiles: GRID_TILES, transport: 'http', ll: true, seconds: Math.min(GRID_SECONDS, 60) }]),
            { name: `${ll}, ${GRID_TILES} tiles, socket loader (the wall)`, tiles: GRID_TILES, transport: 'socket', ll: true, seconds: GRID_SECONDS },
          ]
        : []),
    ];
    const rows: RunResult[] = [];
    for (const run of runs) {
      const page = await browser.newPage({ viewport: { width: 1920, height: 1080 } });
      const src = cameras.slice(0, run.tiles).map((c) => `/hls/${c.id}/index.m3u8`).join(',');
      const q = new URLSearchParams({ src, ll: run.ll ? '1' : '0', sync: String(SYNC_S), transport: run.transport });
      for (const [k, v] of Object.entries(BAR)) q.set(k, String(v));
      await page.goto(`http://127.0.0.1:${port}/?${q}`);
      await page.waitForFunction(() => (window as any).__bench?.tiles.every((t: any) => t.firstAdvanceMs != null), undefined, { timeout: 60_000 });
      await sleep(run.seconds * 1000);
      const r = (await page.evaluate(() => (window as any).__bench)) as PageResult;
      await page.close();
      const t0 = median(offsets);
      const steady: number[] = [];
      for (const tile of r.tiles) {
        const lat: number[] = [];
        for (const [shownAt, f] of tile.samples) {
          if (f >= loopFrames) continue; // misread
          // Which loop? The latest sending of clip frame f before it was shown.
          const loopsDone = Math.floor((shownAt - t0 - (f * 1000) / CLIP.fps) / (LOOP_S * 1000));
          const sentAt = t0 + ((loopsDone * loopFrames + f) * 1000) / CLIP.fps;
          lat.push(shownAt - sentAt);
        }
        // Skip each tile's first 5 s: hls.js is still catching up to its live sync point.
        steady.push(...lat.slice(Math.min(lat.length - 1, 5 * CLIP.fps)));
      }
      const firsts = r.tiles.map((t) => t.firstFrameMs ?? NaN);
      const advances = r.tiles.map((t) => t.firstAdvanceMs ?? NaN);
      rows.push({
        name: run.name,
        tiles: run.tiles,
        transport: run.transport === 'http' ? 'XHR' : `socket (${r.transport.socket} requests; ${r.transport.http} fell back to HTTP)`,
        p50: median(steady),
        p90: pct(steady, 90),
        min: Math.min(...steady),
        max: Math.max(...steady),
        n: steady.length,
        firstFrameMs: Math.max(...firsts),
        firstAdvanceMs: Math.max(...advances),
        stalls: r.tiles.reduce((n, t) => n + t.stalls, 0),
        waiting: r.tiles.reduce((n, t) => n + t.waiting, 0),
        bad: r.tiles.reduce((n, t) => n + t.bad, 0),
        errors: [...new Set(r.tiles.flatMap((t) => t.errors))],
        seconds: run.seconds,
      });
      console.log(rows[rows.length - 1]);
    }
    const spread = pct(offsets, 90) - pct(offsets, 10);
    return {
      rows,
      notes: [
        `First playlist from the streams room ${fmtS(firstPlaylistMs)} s after the pull started; page opened 3 s later (pull already running, as on the wall).`,
        `Publisher send clock from ffmpeg \`-progress\` (${offsets.length} samples, p10–p90 spread ${spread.toFixed(0)} ms).`,
        `Machine: ${loadNote()}.`,
      ],
    };
  } finally {
    await browser.close().catch(() => {});
    await hlsSocket?.close();
    await new Promise<void>((r) => (server ? server.close(() => r()) : r()));
    await streams?.close();
    await publisher.stop();
    await rtsp.close();
    fs.rmSync(runtimeDir, { recursive: true, force: true });
  }
}

async function main() {
  const ffmpeg = await resolveFfmpeg(process.env.FFMPEG_PATH);
  const chromiumVersion = (() => {
    try {
      return execFileSync('/usr/bin/chromium', ['--version'], { encoding: 'utf8' }).trim();
    } catch {
      return 'chromium ?';
    }
  })();
  const hlsVersion = JSON.parse(fs.readFileSync(path.join(root, 'node_modules/hls.js/package.json'), 'utf8')).version;

  if (!args.includes('--skip-sim')) {
    const sim = await measureSim(ffmpeg);
    writeSection(`Demo camera simulator (35 cameras, ffmpeg ${ffmpeg.major}.x)`, sim);
  }
  if (args.includes('--skip-latency')) return;

  const { rows, notes } = await measureLatency(ffmpeg);
  const table = [
    '| setup | seconds | true p50 | p90 | min–max | loadSource → first frame (slowest tile) | → first advancing frame | stalls (waiting) | samples | requests |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(
      (r) =>
        `| ${r.name} | ${r.seconds} | **${fmtS(r.p50)} s** | ${fmtS(r.p90)} s | ${fmtS(r.min)}–${fmtS(r.max)} s | ` +
        `${Number.isFinite(r.firstFrameMs) ? fmtS(r.firstFrameMs!) + ' s' : '—'} | ${Number.isFinite(r.firstAdvanceMs) ? fmtS(r.firstAdvanceMs!) + ' s' : '—'} | ` +
        `${r.stalls} (${r.waiting}) | ${r.n}${r.bad ? `, ${r.bad} unreadable` : ''} | ${r.transport} |`,
    ),
  ];
  const wall = rows.filter((r) => r.transport.startsWith('socket') && r.name.includes('(the wall)'));
  const verdict = (r: RunResult | undefined) => (!r ? 'not measured' : r.p50 <= 1000 && r.p90 <= 1200 ? 'met' : 'NOT met');
  writeSection(
    'Live latency (hls.js, headless Chromium)',
    [
      `Path measured: **the real streams room** (server/streams: supervisor ffmpeg RTSP/UDP → fMP4 pipe → in-memory ` +
        'LL-HLS, 200 ms parts, preload hint, blocking `_HLS_msn`/`_HLS_part`) fed by the demo RTSP server child and an `ffmpeg -re -stream_loop -1 -c copy` ' +
        `publisher; one supervisor pull per tile. ffmpeg ${ffmpeg.version}; hls.js ${hlsVersion}; ${chromiumVersion}. Clip ${CLIP.width}x${CLIP.height} ${CLIP.fps} fps, ` +
        `1 s GOP, frame number stamped as a ${BAR.bits}-bit barcode, decoded in every tile from every presented frame ` +
        '(requestVideoFrameCallback → canvas); latency = shown − sent, over all tiles. The page is wall/video\'s own ' +
        `HLS_LIVE_CONFIG (\`liveSyncDuration: ${SYNC_S}\`) with its loader: "socket" = every /hls/ request over one WebSocket ` +
        'per page (/hls-ws), "XHR" = hls.js\'s default loader, plain HTTP/1.1 (Chromium: 6 connections per origin). ' +
        'First 5 s of each tile excluded. Stalls = hls.js bufferStalledError; waiting = the video element\'s `waiting` events after it first advanced.',
      '',
      ...table,
      '',
      `Goal p50 ≤ 1.0 s / p90 ≤ 1.2 s with a 1 s GOP: one tile **${verdict(wall.find((r) => r.tiles === 1))}**; ` +
        `on a page of ${GRID_TILES} live tiles **${verdict(wall.find((r) => r.tiles > 1))}**.`,
      ...notes.map((n) => `- ${n}`),
      ...rows.filter((r) => r.errors.length).map((r) => `- hls.js errors (${r.name}): ${r.errors.join(', ')}`),
    ].join('\n'),
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
