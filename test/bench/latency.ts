// npm run bench:latency — true live latency of one camera, glass to glass minus the glass:
//   a clip with its frame number stamped as a barcode → ffmpeg -re publisher → RTSP server child (the demo one) →
//   the real streams room (supervisor ffmpeg → HLS, GET /hls/:id/index.m3u8 with blocking reload) → hls.js in
//   headless Chromium, which decodes the barcode of every presented frame. Latency = when the page showed frame N −
//   when the publisher sent frame N. Also: loadSource → first advancing frame, and (first) the demo simulator's own
//   figures: clip generation cold/warm, 35 publishers up, CPU.
// Options: --seconds 30 (one tile)  --tiles 16 --grid-seconds 60 (the real page; --tiles 0: none)  --skip-sim
//          --skip-latency  --polling  --skip-http (the XHR comparison runs at most 60 s)  --sync <liveSyncDuration s>
//          --tls: also the page over HTTPS (server/http/tls.ts in front, test/fixtures/tls certificate): the grid with
//          hls.js's XHR loader over HTTP/2 and with the socket loader over wss://, into their own RESULTS.md section
//          --tls-only: only those two, plus the plain-HTTP socket grid as a baseline under the same load
//          (--no-baseline: without it; --xhr-http1: also the XHR loader on plain HTTP/1.1), and the TLS front's
//          per-request overhead; the plain section is left alone
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import https from 'node:https';
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
import { startTlsFront, type TlsFront } from '../../server/http/tls.ts';
import type { TLSSocket } from 'node:tls';
import * as esbuild from 'esbuild';
import { writeSection } from './results.ts';
import type { NetResult, TileResult } from './latency-page.ts';

const here = path.dirname(fileURLToPath(import.meta.url));
const root = path.resolve(here, '../..');
const args = process.argv.slice(2);
const SECONDS = Number(args[args.indexOf('--seconds') + 1]) || 30;
/** hls.js liveSyncDuration of the page; default = the wall's HLS_LIVE_CONFIG (wall/video/tile.ts, which imports hls.js). */
const SYNC_S = Number(args[args.indexOf('--sync') + 1]) || 0.8;
/** The real page: this many tiles at once (0 or 1: the one-tile run only), measured for this long. */
const GRID_TILES = args.includes('--tiles') ? Number(args[args.indexOf('--tiles') + 1]) : 16;
const GRID_SECONDS = Number(args[args.indexOf('--grid-seconds') + 1]) || 60;
const TLS_ONLY = args.includes('--tls-only');
const WITH_TLS = TLS_ONLY || args.includes('--tls');
const TLS_CERT = path.join(root, 'test/fixtures/tls/localhost.crt');
const TLS_KEY = path.join(root, 'test/fixtures/tls/localhost.key');
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

/** CPU seconds so far of every process under this one (Chromium by process type, ffmpeg), by kind. */
function childCpu(): Map<string, number> {
  const parent = new Map<number, number>();
  const info = new Map<number, { kind: string; cpu: number }>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${d}/stat`, 'utf8');
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(d), Number(f[1]));
      const comm = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'));
      let kind = comm;
      if (comm.startsWith('chrom')) {
        const cmd = fs.readFileSync(`/proc/${d}/cmdline`, 'utf8');
        const type = /--type=([\w-]+)/.exec(cmd)?.[1];
        const sub = /--utility-sub-type=([\w.]+)/.exec(cmd)?.[1];
        kind = !type ? 'chromium browser' : sub?.includes('NetworkService') ? 'chromium network' : type === 'utility' ? `chromium utility` : `chromium ${type}`;
      }
      info.set(Number(d), { kind, cpu: (Number(f[11]) + Number(f[12])) / 100 });
    } catch {
      // gone meanwhile
    }
  }
  const mine = (pid: number): boolean => {
    for (let p = parent.get(pid), hops = 0; p !== undefined && p > 1 && hops < 20; p = parent.get(p), hops++) if (p === process.pid) return true;
    return false;
  };
  const out = new Map<string, number>();
  for (const [pid, { kind, cpu }] of info) if (mine(pid)) out.set(kind, (out.get(kind) ?? 0) + cpu);
  return out;
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
  longTasks: Array<[number, number]>;
  tiles: TileResult[];
  transport: { socket: number; http: number };
  net: NetResult;
}

/** What the TLS front saw during one run (its own listeners, next to tls.ts's). */
interface FrontCounts {
  h2Sessions: number;
  h2Requests: number;
  h1Requests: number;
  upgrades: string[];
}

interface RunResult {
  /** p50 of the latency each tile reads from PDT (now − playingDate), steady samples. */
  pdtP50: number;
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
  /** 'plain': the page on http://127.0.0.1; 'tls': on https://localhost through the TLS front. */
  scheme: 'plain' | 'tls';
  /** nextHopProtocol of the page's own /hls/ requests (XHR loader), e.g. h2 × 18000. */
  protocols: string;
  net: NetResult;
  front: FrontCounts | null;
  /** The bench's node process (streams room, app server, TLS front, not ffmpeg or Chromium): % of one core. */
  nodeCpuPct: number;
  /** The bench's child processes by kind ('chromium renderer', 'chromium network', 'ffmpeg', …): % of one core. */
  childCpuPct: Record<string, number>;
  load: string;
  /** hls.js startup steps after loadSource, ms, median/slowest tile. */
  startup: string;
}

/** ms per request, serial then 32 at once, for one URL: straight to the app, HTTPS/1.1 on the front (same handler), HTTP/2 on the front (proxied). */
/** `paths`: each resolves to a URL path still being served (a segment lives ~6 s in the window: asked again before each batch). */
async function measureFrontOverhead(port: number, tlsPort: number, paths: Record<string, () => Promise<string>>): Promise<string[]> {
  const ca = fs.readFileSync(TLS_CERT);
  const httpAgent = new http.Agent({ keepAlive: true, maxSockets: 64 });
  const httpsAgent = new https.Agent({ keepAlive: true, maxSockets: 64, ca });
  const session = http2.connect(`https://localhost:${tlsPort}`, { ca });
  await new Promise<void>((resolve, reject) => session.once('connect', () => resolve()).once('error', reject));
  const h1 = (mod: typeof http | typeof https, agent: http.Agent, url: string) =>
    new Promise<number>((resolve, reject) => {
      mod.get(url, { agent }, (res) => {
        let n = 0;
        res.on('data', (d: Buffer) => (n += d.length));
        res.on('end', () => (res.statusCode === 200 ? resolve(n) : reject(new Error(`${url}: ${res.statusCode}`))));
      }).on('error', reject);
    });
  const h2 = (p: string) =>
    new Promise<number>((resolve, reject) => {
      const req = session.request({ ':path': p });
      let status = 0;
      let n = 0;
      req.on('response', (h) => (status = Number(h[':status'])));
      req.on('data', (d: Buffer) => (n += d.length));
      req.on('end', () => (status === 200 ? resolve(n) : reject(new Error(`${p}: ${status}`))));
      req.on('error', reject);
      req.end();
    });
  const ways: Array<[string, (p: string) => Promise<number>]> = [
    ['http/1.1 → app', (p) => h1(http, httpAgent, `http://127.0.0.1:${port}${p}`)],
    ['https/1.1 → front → app (no proxy)', (p) => h1(https, httpsAgent, `https://localhost:${tlsPort}${p}`)],
    ['h2 → front → loopback proxy → app', h2],
  ];
  const lines: string[] = [];
  try {
    for (const [what, resolve] of Object.entries(paths)) {
      const cells: string[] = [];
      let bytes = 0;
      for (const [, get] of ways) {
        let p = await resolve();
        for (let i = 0; i < 20; i++) await get(p); // warm: connections, TLS, JIT
        const serial: number[] = [];
        for (let i = 0; i < 300; i++) {
          if (i % 50 === 0) p = await resolve();
          const t = performance.now();
          bytes = await get(p);
          serial.push(performance.now() - t);
        }
        const burst: number[] = [];
        for (let round = 0; round < 20; round++) {
          p = await resolve();
          const t = performance.now();
          await Promise.all(Array.from({ length: 32 }, () => get(p)));
          burst.push(performance.now() - t);
        }
        cells.push(`${median(serial).toFixed(2)} / ${pct(serial, 90).toFixed(2)} ms · ${median(burst).toFixed(1)} ms`);
      }
      lines.push(`| ${what} (${(bytes / 1024).toFixed(1)} KB) | ${cells.join(' | ')} |`);
    }
  } finally {
    session.close();
    httpAgent.destroy();
    httpsAgent.destroy();
  }
  return [
    `| GET, no hold (serial p50 / p90 · 32 at once, all answered) | ${ways.map(([w]) => w).join(' | ')} |`,
    '|---|---|---|---|',
    ...lines,
  ];
}

async function measureLatency(ffmpeg: FfmpegInfo): Promise<{ rows: RunResult[]; notes: string[]; overhead: string[] }> {
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
      '--no-first-run', '--disable-quic', '--autoplay-policy=no-user-gesture-required',
      // the TLS front listens on 127.0.0.1; the certificate names localhost
      ...(WITH_TLS ? ['--host-resolver-rules=MAP localhost 127.0.0.1'] : [])],
  });
  let streams: Awaited<ReturnType<typeof startStreams>> | undefined;
  let server: http.Server | undefined;
  let hlsSocket: HlsSocket | undefined;
  let tls: TlsFront | undefined;
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
    const front: FrontCounts = { h2Sessions: 0, h2Requests: 0, h1Requests: 0, upgrades: [] };
    if (WITH_TLS) {
      tls = await startTlsFront({ certFile: TLS_CERT, keyFile: TLS_KEY, port: 0, host: '127.0.0.1', app: server });
      tls.server.on('session', () => front.h2Sessions++);
      tls.server.on('request', (req: http.IncomingMessage | http2.Http2ServerRequest) => void (req.httpVersionMajor >= 2 ? front.h2Requests++ : front.h1Requests++));
      tls.server.on('upgrade', (req: http.IncomingMessage) =>
        front.upgrades.push(`${req.url} HTTP/${req.httpVersion}, ALPN ${(req.socket as TLSSocket).alpnProtocol || 'none'}`));
    }
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
    type Run = { name: string; tiles: number; transport: string; ll: boolean; seconds: number; scheme: 'plain' | 'tls' };
    const runs: Run[] = TLS_ONLY ? [] : [
      { name: `${ll}, one tile, socket loader (the wall)`, tiles: 1, transport: 'socket', ll: true, seconds: SECONDS, scheme: 'plain' },
      ...(args.includes('--polling') ? [{ name: 'one tile, lowLatencyMode off (polling), socket loader', tiles: 1, transport: 'socket', ll: false, seconds: SECONDS, scheme: 'plain' as const }] : []),
      ...(GRID_TILES > 1
        ? [
            ...(args.includes('--skip-http') ? [] : [{ name: `${ll}, ${GRID_TILES} tiles, hls.js XHR loader (HTTP/1.1, 6 connections)`, tiles: GRID_TILES, transport: 'http', ll: true, seconds: Math.min(GRID_SECONDS, 60), scheme: 'plain' as const }]),
            { name: `${ll}, ${GRID_TILES} tiles, socket loader (the wall)`, tiles: GRID_TILES, transport: 'socket', ll: true, seconds: GRID_SECONDS, scheme: 'plain' as const },
          ]
        : []),
    ];
    if (WITH_TLS) {
      const n = Math.max(1, GRID_TILES);
      // the baseline first, so a machine that gets busier during the run does not flatter the new configurations
      if (TLS_ONLY && !args.includes('--no-baseline')) {
        runs.push({ name: `${n} tiles, socket loader, ws:// on plain HTTP/1.1 (the wall today; baseline)`, tiles: n, transport: 'socket', ll: true, seconds: GRID_SECONDS, scheme: 'plain' });
      }
      if (TLS_ONLY && args.includes('--xhr-http1')) {
        runs.push({ name: `${n} tiles, hls.js XHR loader, plain HTTP/1.1 (6 connections; baseline)`, tiles: n, transport: 'http', ll: true, seconds: GRID_SECONDS, scheme: 'plain' });
      }
      runs.push(
        { name: `${n} tiles, socket loader, wss:// through the TLS front`, tiles: n, transport: 'socket', ll: true, seconds: GRID_SECONDS, scheme: 'tls' },
        { name: `${n} tiles, hls.js XHR loader, HTTPS with HTTP/2 through the TLS front`, tiles: n, transport: 'http', ll: true, seconds: GRID_SECONDS, scheme: 'tls' },
      );
    }
    // Diagnostics: when each camera's parts reached the segmenter, to tell a late source from a slow page.
    const partLog = new Map<string, Array<[number, number]>>();
    for (const c of cameras) {
      const seg = streams.supervisor.pipeline(c.id)!.segmenter;
      const add = seg.addPart.bind(seg);
      const log: Array<[number, number]> = [];
      partLog.set(c.id, log);
      seg.addPart = (bytes: Buffer, durationS: number, keyframe: boolean) => {
        log.push([Date.now(), durationS]);
        if (log.length > 5000) log.splice(0, 2500);
        add(bytes, durationS, keyframe);
      };
    }
    const rows: RunResult[] = [];
    for (const run of runs) {
      const page = await browser.newPage({ viewport: { width: 1920, height: 1080 }, ignoreHTTPSErrors: run.scheme === 'tls' });
      const src = cameras.slice(0, run.tiles).map((c) => `/hls/${c.id}/index.m3u8`).join(',');
      const q = new URLSearchParams({ src, ll: run.ll ? '1' : '0', sync: String(SYNC_S), transport: run.transport });
      for (const [k, v] of Object.entries(BAR)) q.set(k, String(v));
      Object.assign(front, { h2Sessions: 0, h2Requests: 0, h1Requests: 0, upgrades: [] });
      if (process.env.HLS_DEBUG) {
        q.set('debug', '1');
        let n = 0;
        page.on('console', (m) => void (/playlist|Loading part|reload/i.test(m.text()) && n++ < 60 && console.log('[hls.js]', m.text().slice(0, 220))));
      }
      await page.goto(run.scheme === 'tls' ? `https://localhost:${tls!.port}/?${q}` : `http://127.0.0.1:${port}/?${q}`);
      await page.waitForFunction(() => (window as any).__bench?.tiles.every((t: any) => t.firstAdvanceMs != null), undefined, { timeout: 60_000 });
      const cpu0 = process.cpuUsage();
      const children0 = childCpu();
      const cpuFrom = performance.now();
      await sleep(run.seconds * 1000);
      const cpu = process.cpuUsage(cpu0);
      const children1 = childCpu();
      const elapsedMs = performance.now() - cpuFrom;
      const nodeCpuPct = (100 * (cpu.user + cpu.system)) / 1000 / elapsedMs;
      const childCpuPct = Object.fromEntries(
        [...children1].map(([k, v]) => [k, (100 * (v - (children0.get(k) ?? 0)) * 1000) / elapsedMs] as const).filter(([, v]) => v >= 0.5).sort((a, b) => b[1] - a[1]),
      );
      const r = (await page.evaluate(() => (window as any).__bench)) as PageResult;
      const load = os.loadavg().map((l) => l.toFixed(1)).join(' / ');
      await page.close();
      const frontSeen = run.scheme === 'tls' ? { ...front, upgrades: [...front.upgrades] } : null;
      const t0 = median(offsets);
      const steady: number[] = [];
      const pdtSteady: number[] = [];
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
        pdtSteady.push(...tile.pdtLatencyMs.slice(Math.min(tile.pdtLatencyMs.length - 1, 5 * CLIP.fps)));
      }
      // When the stalls happened: all tiles at once points at the source or the server, scattered ones at the page.
      const stallTimes = r.tiles.flatMap((t, i) => t.waitingAt.map(([at, latencyMs, holeMs, last]) => ({ tile: i, s: Math.round((at - t.loadAt) / 100) / 10, latencyMs, holeMs, last })));
      if (stallTimes.length) console.log(`${run.name}: waiting at (tile, s after load, hls latency ms, hole ahead): ${stallTimes.sort((a, b) => a.s - b.s).map((x) => `${x.tile}@${x.s}s/${x.latencyMs}${x.holeMs ? ` hole ${x.holeMs} ms` : ''} after ${x.last}`).join(' ')}`);
      const gaps = (k: 'first' | 'other') => r.tiles.flatMap((t) => t.appendGaps[k]).sort((a, b) => a - b);
      const describe = (xs: number[]) => `n ${xs.length}, p50 ${xs[Math.floor(xs.length / 2)]} p90 ${xs[Math.floor(xs.length * 0.9)]} p99 ${xs[Math.floor(xs.length * 0.99)]} max ${xs.at(-1)} ms`;
      console.log(`${run.name}: time between appended parts, a segment's first part: ${describe(gaps('first'))}; other parts: ${describe(gaps('other'))}`);
      const pageT0 = r.tiles[0]?.loadAt ?? 0;
      const late: string[] = [];
      for (const [i, c] of cameras.slice(0, run.tiles).entries()) {
        const log = partLog.get(c.id) ?? [];
        for (let k = 1; k < log.length; k++) {
          const gap = log[k][0] - log[k - 1][0];
          if (log[k][0] > pageT0 && gap > 400) late.push(`${i}@${Math.round((log[k][0] - pageT0) / 100) / 10}s gap ${gap} ms (part ${Math.round(log[k][1] * 1000)} ms)`);
        }
      }
      console.log(`${run.name}: parts more than 400 ms after the previous one: ${late.length} ${late.join(' ')}`);
      const long = r.longTasks.filter(([, d]) => d >= 100);
      console.log(`${run.name}: page long tasks ≥ 100 ms (s after load/ms): ${long.length} ${long.map(([at, d]) => `${Math.round((at - pageT0) / 100) / 10}s/${d}`).join(' ')}`);
      const firsts = r.tiles.map((t) => t.firstFrameMs ?? NaN);
      const advances = r.tiles.map((t) => t.firstAdvanceMs ?? NaN);
      rows.push({
        name: run.name,
        tiles: run.tiles,
        transport: run.transport === 'http' ? 'XHR' : `socket (${r.transport.socket} requests; ${r.transport.http} fell back to HTTP)`,
        p50: median(steady),
        pdtP50: median(pdtSteady),
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
        scheme: run.scheme,
        protocols: Object.entries(r.net.protocols).map(([p, n]) => `${p || '(none)'} × ${n}`).join(', ') || '—',
        net: r.net,
        front: frontSeen,
        nodeCpuPct,
        childCpuPct,
        load,
        startup: ['manifest', 'level', 'fragLoaded', 'fragBuffered', 'playing']
          .map((m) => [m, r.tiles.map((t) => t.marks[m] ?? NaN).filter(Number.isFinite)] as const)
          .filter(([, xs]) => xs.length)
          .map(([m, xs]) => `${m} ${median(xs)}/${Math.max(...xs)}`)
          .join(', '),
      });
      const { net: _net, ...shown } = rows[rows.length - 1];
      console.log(shown, Object.fromEntries(Object.entries(r.net.kinds).map(([k, v]) => [k, { n: v.n, queuedP50: median(v.queuedMs), totalP50: median(v.totalMs) }])));
    }
    let overhead: string[] = [];
    if (tls) {
      // The per-request cost of the front, measured from node on the same loopback, while the pulls keep running:
      // a playlist answered at once (no _HLS_msn) and the newest complete segment.
      const cam = cameras[0].id;
      const newestSegment = async () => {
        const playlist = await fetch(`http://127.0.0.1:${port}/hls/${cam}/index.m3u8`).then((res) => res.text());
        const seg = playlist.split('\n').map((l) => l.trim()).filter((l) => /^seg-\d+\.m4s$/.test(l)).pop();
        if (!seg) throw new Error(`no complete segment in ${cam}'s playlist`);
        return `/hls/${cam}/${seg}`;
      };
      overhead = await measureFrontOverhead(port, tls.port, {
        'playlist': async () => `/hls/${cam}/index.m3u8`,
        'newest complete segment (1 s GOP)': newestSegment,
      });
      console.log(overhead.join('\n'));
    }
    const spread = pct(offsets, 90) - pct(offsets, 10);
    return {
      rows,
      overhead,
      notes: [
        `First playlist from the streams room ${fmtS(firstPlaylistMs)} s after the pull started; page opened 3 s later (pull already running, as on the wall).`,
        `Publisher send clock from ffmpeg \`-progress\` (${offsets.length} samples, p10–p90 spread ${spread.toFixed(0)} ms).`,
        `Machine: ${loadNote()}.`,
        ...rows.map((r) => `Latency the tiles read from PDT (now − hls.playingDate, as wall/video/tile.ts shows it), ${r.tiles} tile(s): p50 ${fmtS(r.pdtP50)} s against ${fmtS(r.p50)} s by the barcode (${Math.round(r.pdtP50 - r.p50)} ms).`),
      ],
    };
  } finally {
    await browser.close().catch(() => {});
    await hlsSocket?.close();
    await tls?.close();
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

  const { rows: allRows, notes, overhead } = await measureLatency(ffmpeg);
  const path_ =
    `**the real streams room** (server/streams: supervisor ffmpeg RTSP/UDP → fMP4 pipe → in-memory ` +
    'LL-HLS, 200 ms parts, preload hint, blocking `_HLS_msn`/`_HLS_part`) fed by the demo RTSP server child and an `ffmpeg -re -stream_loop -1 -c copy` ' +
    `publisher; one supervisor pull per tile. ffmpeg ${ffmpeg.version}; hls.js ${hlsVersion}; ${chromiumVersion}. Clip ${CLIP.width}x${CLIP.height} ${CLIP.fps} fps, ` +
    `1 s GOP, frame number stamped as a ${BAR.bits}-bit barcode, decoded in every tile from every presented frame ` +
    '(requestVideoFrameCallback → canvas); latency = shown − sent, over all tiles.';
  const cells = (r: RunResult) =>
    `| ${r.name} | ${r.seconds} | **${fmtS(r.p50)} s** | ${fmtS(r.p90)} s | ${fmtS(r.min)}–${fmtS(r.max)} s | ` +
    `${Number.isFinite(r.firstFrameMs) ? fmtS(r.firstFrameMs!) + ' s' : '—'} | ${Number.isFinite(r.firstAdvanceMs) ? fmtS(r.firstAdvanceMs!) + ' s' : '—'} | ` +
    `${r.stalls} (${r.waiting}) | ${r.n}${r.bad ? `, ${r.bad} unreadable` : ''} | ${r.transport} |`;
  const verdict = (r: RunResult | undefined) => (!r ? 'not measured' : r.p50 <= 1000 && r.p90 <= 1200 ? 'met' : 'NOT met');
  if (WITH_TLS) writeTlsSection();
  if (TLS_ONLY) return;
  const rows = allRows.filter((r) => r.scheme === 'plain');
  const table = [
    '| setup | seconds | true p50 | p90 | min–max | loadSource → first frame (slowest tile) | → first advancing frame | stalls (waiting) | samples | requests |',
    '|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map(cells),
  ];
  const wall = rows.filter((r) => r.transport.startsWith('socket') && r.name.includes('(the wall)'));
  writeSection(
    'Live latency (hls.js, headless Chromium)',
    [
      `Path measured: ${path_} The page is wall/video's own ` +
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

  function writeTlsSection() {
    // the plain-HTTP socket grid of the same run, side by side (the --tls-only baseline, or the plain section's grid row)
    const rows = allRows.filter((r) => r.scheme === 'tls' || (r.tiles > 1 && (TLS_ONLY || r.transport.startsWith('socket'))));
    const children = (r: RunResult) => {
      const c = Object.entries(r.childCpuPct);
      const chromium = c.filter(([k]) => k.startsWith('chromium')).reduce((a, [, v]) => a + v, 0);
      const ffmpeg = c.filter(([k]) => k === 'ffmpeg').reduce((a, [, v]) => a + v, 0);
      const parts = c.filter(([k]) => k.startsWith('chromium')).map(([k, v]) => `${k.replace('chromium ', '')} ${v.toFixed(0)}`).join(', ');
      return `node ${r.nodeCpuPct.toFixed(0)} %, Chromium ${chromium.toFixed(0)} % (${parts}), ffmpeg ${ffmpeg.toFixed(0)} %`;
    };
    const q = (xs: number[], p: number) => (xs.length ? `${pct(xs, p)}` : '—');
    const kinds = (r: RunResult) =>
      Object.entries(r.net.kinds)
        .map(([k, v]) => `${k} × ${v.n}: queued p50/p90 ${q(v.queuedMs, 50)}/${q(v.queuedMs, 90)} ms, total p50/p90 ${q(v.totalMs, 50)}/${q(v.totalMs, 90)} ms`)
        .join('; ');
    const upgrades = (r: RunResult) => [...new Set(r.front?.upgrades ?? [])].map((u) => `${r.front!.upgrades.filter((x) => x === u).length} × ${u}`).join(', ');
    writeSection(
      'Live latency over HTTPS: HTTP/2 and wss (hls.js, headless Chromium)',
      [
        `Issue #9: every tile of a ${rows[0]?.tiles ?? GRID_TILES}-tile page live over HTTPS. The bench's app server (express + streams router + /hls-ws) ` +
          'behind server/http/tls.ts `startTlsFront` (http2.createSecureServer, allowHTTP1; HTTP/1.1 and WebSocket upgrades go to the app, ' +
          'HTTP/2 requests are forwarded to the app\'s own listener over loopback keep-alive), test/fixtures/tls self-signed certificate, ' +
          'page at https://localhost:<port>/ (playwright `ignoreHTTPSErrors`). ' +
          `Path measured: ${path_} Same page and measurements as "Live latency (hls.js, headless Chromium)", \`liveSyncDuration: ${SYNC_S}\`, ` +
          'all rows in one run, one after the other (baseline first) under the same load. "protocol" = `nextHopProtocol` of every /hls/ ' +
          'resource timing entry in the page (PerformanceObserver: the XHR loader\'s requests; the socket loader\'s travel inside the WebSocket); ' +
          '"front" = what the TLS front\'s own server saw (HTTP/2 sessions and streams, HTTP/1.1 requests, upgrades with the ALPN of their connection). ' +
          'CPU = % of one core during the measured seconds: node = the bench\'s process (streams room, app, TLS front), Chromium by process type ' +
          '(from /proc: the bench\'s own children only), ffmpeg = the 16 pulls and the publisher; the machine has 2 cores (200 %). ' +
          'First 5 s of each tile excluded. Stalls = hls.js bufferStalledError; waiting = the video element\'s `waiting` events after it first advanced.',
        '',
        '| setup | seconds | true p50 | p90 | min–max | loadSource → first frame (slowest tile) | → first advancing frame | stalls (waiting) | samples | requests | protocol (page) | front | CPU | load 1/5/15 |',
        '|---|---|---|---|---|---|---|---|---|---|---|---|---|---|',
        ...rows.map(
          (r) =>
            `${cells(r)} ${r.protocols} | ${r.front ? `${r.front.h2Sessions} h2 session(s), ${r.front.h2Requests} h2 requests, ${r.front.h1Requests} HTTP/1.1 requests; upgrades: ${upgrades(r) || 'none'}` : '— (plain HTTP)'} | ` +
            `${children(r)} | ${r.load} |`,
        ),
        '',
        `Goal p50 ≤ 1.0 s / p90 ≤ 1.2 s: ${rows.map((r) => `${r.name}: **${verdict(r)}**`).join('; ')}.`,
        ...rows.map((r) => `- Startup (${r.name}), ms after loadSource, median/slowest tile: ${r.startup}.`),
        ...rows.filter((r) => Object.keys(r.net.kinds).length).map((r) => `- Page's own requests (${r.name}), browser queueing (startTime → requestStart) and total: ${kinds(r)}.`),
        ...notes.map((n) => `- ${n}`),
        ...rows.filter((r) => r.errors.length).map((r) => `- hls.js errors (${r.name}): ${r.errors.join(', ')}`),
        ...(overhead.length
          ? ['', 'The TLS front\'s cost per request, from node on the same loopback after the page runs, the pulls still running (300 serial GETs after 20 warm-up; 20 rounds of 32 at once, the time for all 32):', '', ...overhead]
          : []),
      ].join('\n'),
    );
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
