// npm run bench:rewind [-- --minutes N --budget-mb M --file-s S --measure-s S] — recording (issue #13 "Rewind") on
// the real server (`server/main.ts`, a child process) with the 35 cameras of cameras.json, sources from the demo
// camera simulator (real RTSP server, looping publishers). One run, four figures:
//  1. CPU of live + recording ÷ live only: two servers side by side over the same window, SIAGA_RECORD=1 and =0,
//     pulling the same 35 sources (node process + every ffmpeg child; measured together so both see the same load).
//  2. Write amplification: bytes written ÷ bytes received from the cameras (the prometheus gauges), cross-checked
//     against the recordings directory summed on disk.
//  3. kill -9 while recording: the live playlists are read, the recording server is SIGKILLed, restarted on the same
//     data dir (it recovers the torn files at start), and, per camera, the parts the live playlist had listed but the
//     recovered file does not hold are counted, as is the time from the file's end to the kill.
//  4. Retention under a budget: a fresh server with SIAGA_RECORD_BUDGET_MB, the directory summed every 2 s for
//     --minutes; max(total) against budget + one file per camera. The default budget is picked from the write rate
//     measured in 1 so that it is reached at ~40 % of the run (the demo cameras write more than the issue's 1 GB per
//     30 min, see the section). `--minutes 30 --budget-mb 1024 --file-s 300` is the issue's case as stated.
// Two figures belong to the wall benchmark (recorded instant → first frame, 4-tile drift) and are left as TODO rows.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { loadCameras } from '../../camera-config/load.ts';
import type { CameraView } from '../../domain/camera.ts';
import type { ListOf } from '../../domain/messages.ts';
import { startCameraSim } from '../../server/demo/camera-sim.ts';
import { indexEnd, indexPath, parseIndex } from '../../server/recordings/files.ts';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import { childrenOf, cpuOverGroups, cpuTicks, isPipeline, reapedChildTicks, rssMb, statFields, TICK } from './proc.ts';
import { writeSection } from './results.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: a number`);
  return v;
};
const MINUTES = arg('minutes', 5);
const FILE_S = arg('file-s', 30);
const MEASURE_S = arg('measure-s', 60);
const BUDGET_ARG = arg('budget-mb', 0); // 0: picked from the measured write rate
const WARMUP_S = 15;
const MiB = 1_048_576;
const ADMIN_TOKEN = `bench-${Math.random().toString(36).slice(2)}${Math.random().toString(36).slice(2)}`;
const auth = { headers: { authorization: `Bearer ${ADMIN_TOKEN}` } };
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const mb = (b: number) => (b / MiB).toFixed(1);
const load = () => os.loadavg().map((x) => x.toFixed(1)).join(' / ');
const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${load()}`;
  }
};

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolve(port));
    });
  });
}
const exited = (c: ChildProcess) => new Promise<void>((r) => (c.exitCode !== null || c.signalCode !== null ? r() : c.once('exit', () => r())));
function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
  return exited(child).then(() => clearTimeout(t));
}

interface Server { name: string; child: ChildProcess; base: string; dataDir: string }
const running = new Set<ChildProcess>();
/** Processes a SIGKILLed server could not stop (its ffmpeg children), ended by pid at the end. */
const strays = new Set<number>();

async function startServer(name: string, dataDir: string, env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'server/main.ts'], {
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', SIAGA_DATA_DIR: dataDir, SIAGA_RUNTIME_DIR: path.join(dataDir, 'runtime'),
      SIAGA_CCTV_HOST: sim.host, SIAGA_CCTV_USER: 'bench', SIAGA_CCTV_PASSWORD: 'bench-secret', SIAGA_LOG_LEVEL: 'warn',
      SIAGA_ADMIN_TOKEN: ADMIN_TOKEN, SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_BACKUP_INTERVAL_S: '0',
      SIAGA_RETENTION_INTERVAL_S: '0', SIAGA_RECORD_MIN_FREE_MB: '0', SIAGA_DEMO: '0', ...env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  running.add(child);
  child.once('exit', () => running.delete(child));
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 240; i++) {
    if (child.exitCode !== null) throw new Error(`${name}: server exited (${child.exitCode})`);
    if (await fetch(`${base}/api/health`).then(() => true, () => false)) return { name, child, base, dataDir };
    await sleep(250);
  }
  throw new Error(`${name}: server did not answer within 60 s`);
}
async function online(s: Server): Promise<number> {
  const views = await fetch(`${s.base}/api/cameras`, auth).then((r) => r.json() as Promise<ListOf<CameraView>>, () => undefined);
  return views?.items ? views.items.filter((v) => v.health.status === 'online').length : 0;
}
async function restarts(s: Server): Promise<number> {
  const views = (await (await fetch(`${s.base}/api/cameras`, auth)).json()) as ListOf<CameraView>;
  return views.items.reduce((a, v) => a + v.health.restarts, 0);
}
async function gauges(s: Server): Promise<{ received: number; written: number; stored: number }> {
  const text = await (await fetch(`${s.base}/metrics`, auth)).text();
  const g = (name: string) => Number(new RegExp(`^${name} (\\S+)$`, 'm').exec(text)?.[1]);
  return { received: g('siaga_recording_received_bytes'), written: g('siaga_recording_written_bytes'), stored: g('siaga_recording_stored_bytes') };
}

/** The recordings directory as on disk: media and index bytes, files, the largest closed file per camera. */
function scan(dir: string) {
  let media = 0;
  let index = 0;
  const names = new Set<string>();
  const largestClosed = new Map<string, number>();
  for (const cam of fs.existsSync(dir) ? fs.readdirSync(dir) : []) {
    let entries: string[];
    try {
      entries = fs.readdirSync(path.join(dir, cam));
    } catch {
      continue;
    }
    for (const n of entries) {
      let size: number;
      try {
        size = fs.statSync(path.join(dir, cam, n)).size;
      } catch {
        continue; // removed by retention meanwhile
      }
      if (n.endsWith('.mp4')) {
        media += size;
        names.add(`${cam}/${n}`);
        if (/^\d{13}-\d{13}\.mp4$/.test(n)) largestClosed.set(cam, Math.max(largestClosed.get(cam) ?? 0, size));
      } else if (n.endsWith('.idx')) index += size;
    }
  }
  return { media, index, names, largestClosed };
}

/** Start time and duration of every part a live playlist lists (PDT of its segment + the parts before it). */
function listedParts(playlist: string): Array<{ startMs: number; durationMs: number }> {
  const out: Array<{ startMs: number; durationMs: number }> = [];
  let t = NaN;
  for (const line of playlist.split('\n')) {
    if (line.startsWith('#EXT-X-PROGRAM-DATE-TIME:')) t = Date.parse(line.slice(25));
    const m = /^#EXT-X-PART:DURATION=([\d.]+),/.exec(line);
    if (m) {
      out.push({ startMs: t, durationMs: Number(m[1]) * 1000 });
      t += Number(m[1]) * 1000;
    }
  }
  return out;
}
const quantile = (xs: number[], q: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
};

const camerasFile = path.resolve('camera-config/cameras.json');
const ids = loadCameras(camerasFile, { SIAGA_CCTV_HOST: 'x', SIAGA_CCTV_USER: 'x', SIAGA_CCTV_PASSWORD: 'x' }).map((c) => c.id);
const ff = await resolveFfmpeg(process.env.FFMPEG_PATH);
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-bench-rewind-'));
const uptimeStart = uptime();
const t0 = Date.now();
const sim = await startCameraSim({ ids, workDir: path.join(os.tmpdir(), 'siaga-test-camera-sim'), ffmpegPath: process.env.FFMPEG_PATH });
const simPids = () => [sim.stats.serverPid, ...ids.map((id) => sim.publisherPid(id) ?? 0)].filter(Boolean);
try {
  // ── 1 + 2: live only and live + recording, side by side ──
  const live = await startServer('live only', path.join(tmp, 'live'), { SIAGA_RECORD: '0' });
  const recStartedAt = Date.now();
  const rec = await startServer('live + recording', path.join(tmp, 'rec'), { SIAGA_RECORD: '1', SIAGA_RECORD_BUDGET_MB: '0' });
  const recDir = path.join(rec.dataDir, 'recordings');
  for (let i = 0; i < 360; i++) {
    const [a, b] = [await online(live), await online(rec)];
    if (a === ids.length && b === ids.length) break;
    await sleep(250);
  }
  await sleep(WARMUP_S * 1000);
  const onlineBefore = [await online(live), await online(rec)];
  const restartsBefore = [await restarts(live), await restarts(rec)];
  const reaped0 = [reapedChildTicks(live.child.pid!), reapedChildTicks(rec.child.pid!)];
  const node0 = [cpuTicks(live.child.pid!), cpuTicks(rec.child.pid!)];
  const g0 = await gauges(rec);
  const w0 = Date.now();
  const rss = [0, 0];
  const sim0 = simPids().reduce((a, p) => a + cpuTicks(p), 0);
  const group = (s: Server) => () => [s.child.pid!, ...childrenOf(s.child.pid!)];
  const pipes = (s: Server) => () => childrenOf(s.child.pid!).filter(isPipeline);
  const [liveCpu, recCpu, livePipes, recPipes] = await cpuOverGroups(MEASURE_S, [group(live), group(rec), pipes(live), pipes(rec)], () => {
    rss[0] = Math.max(rss[0], rssMb(live.child.pid!));
    rss[1] = Math.max(rss[1], rssMb(rec.child.pid!));
  });
  const windowS = (Date.now() - w0) / 1000;
  const simCpu = (simPids().reduce((a, p) => a + cpuTicks(p), 0) - sim0) / TICK;
  const reaped = [(reapedChildTicks(live.child.pid!) - reaped0[0]) / TICK, (reapedChildTicks(rec.child.pid!) - reaped0[1]) / TICK];
  const nodeCpu = [(cpuTicks(live.child.pid!) - node0[0]) / TICK, (cpuTicks(rec.child.pid!) - node0[1]) / TICK];
  // written ÷ received, the directory read before and after the gauges: nothing is deleted (no budget, 72 h)
  const dirA = scan(recDir);
  const g1 = await gauges(rec);
  const g1At = Date.now();
  const dirB = scan(recDir);
  const onlineAfter = [await online(live), await online(rec)];
  const restartsDuring = [(await restarts(live)) - restartsBefore[0], (await restarts(rec)) - restartsBefore[1]];
  const rateBps = (g1.written - g0.written) / ((g1At - w0) / 1000); // bytes/s written, all cameras
  const receivedBps = (g1.received - g0.received) / ((g1At - w0) / 1000);
  await stop(live.child);

  // ── 3: kill -9 while recording ──
  for (const pid of childrenOf(rec.child.pid!)) strays.add(pid);
  const playlists = await Promise.all(ids.map((id) => fetch(`${rec.base}/hls/${id}/index.m3u8`, auth).then((r) => (r.ok ? r.text() : ''))));
  const killAt = Date.now();
  rec.child.kill('SIGKILL');
  await exited(rec.child);
  const childrenAtKill = strays.size;
  await sleep(5000);
  const survivors = [...strays].filter((pid) => statFields(pid) && statFields(pid)![0] !== 'Z').length;
  const left = new Map<string, { id: number; bytes: number; indexed: number; tornChars: number }>();
  for (const id of ids) {
    const dir = path.join(recDir, id);
    const open = fs.existsSync(dir) ? fs.readdirSync(dir).filter((n) => /^\d{13}\.mp4$/.test(n)) : [];
    if (open.length !== 1) continue;
    const media = path.join(dir, open[0]);
    const text = fs.readFileSync(indexPath(media), 'utf8');
    const parsed = parseIndex(text, fs.statSync(media).size);
    left.set(id, { id: Number(open[0].slice(0, 13)), bytes: fs.statSync(media).size, indexed: parsed ? indexEnd(parsed.index) : 0, tornChars: text.length - (parsed?.validChars ?? 0) });
  }
  const restartAt = Date.now();
  const rec2 = await startServer('restarted', rec.dataDir, { SIAGA_RECORD: '1', SIAGA_RECORD_BUDGET_MB: '0' });
  const restartS = (Date.now() - restartAt) / 1000;
  await stop(rec2.child);
  const recovered = ids.flatMap((id, i) => {
    const l = left.get(id);
    const name = l && fs.readdirSync(path.join(recDir, id)).find((n) => n.startsWith(`${l.id}-`) && n.endsWith('.mp4'));
    if (!l || !name) return [];
    const media = path.join(recDir, id, name);
    const text = fs.readFileSync(indexPath(media), 'utf8');
    const parsed = parseIndex(text, fs.statSync(media).size)!;
    const last = parsed.index.parts.at(-1)!;
    const listed = listedParts(playlists[i]);
    return [{
      id,
      consistent: parsed.validChars === text.length && indexEnd(parsed.index) === fs.statSync(media).size,
      trimmedBytes: l.bytes - fs.statSync(media).size,
      tornChars: l.tornChars,
      // a part the server had listed (so received) later than the file's last part: lost by the kill
      lostListed: listed.filter((p) => p.startMs > last.startMs + 100).length,
      listed: listed.length,
      lostMs: killAt - (last.startMs + last.durationMs),
      partMs: last.durationMs,
    }];
  });
  const lostListed = recovered.map((k) => k.lostListed);
  const lostMs = recovered.map((k) => k.lostMs);
  const partMs = recovered.map((k) => k.partMs);
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }

  // ── 4: retention under a budget ──
  const runS = MINUTES * 60;
  const budgetMB = BUDGET_ARG || Math.max(1, Math.round((rateBps * runS * 0.4) / MiB));
  const budget = budgetMB * MiB;
  const openEstimate = rateBps * FILE_S; // what the 35 open files hold just before they roll
  const ret = await startServer('retention', path.join(tmp, 'retention'), { SIAGA_RECORD: '1', SIAGA_RECORD_BUDGET_MB: String(budgetMB), SIAGA_RECORD_FILE_S: String(FILE_S) });
  const retDir = path.join(ret.dataDir, 'recordings');
  const retStart = Date.now();
  const samples: Array<{ t: number; media: number; index: number }> = [];
  const largest = new Map<string, number>();
  let prev = new Set<string>();
  let deleted = 0;
  let reachedAt: number | undefined;
  let firstDeleteAt: number | undefined;
  while (Date.now() - retStart < runS * 1000) {
    const s = scan(retDir);
    const t = (Date.now() - retStart) / 1000;
    samples.push({ t, media: s.media, index: s.index });
    for (const [cam, b] of s.largestClosed) largest.set(cam, Math.max(largest.get(cam) ?? 0, b));
    // names that vanished, except an open file renamed on close (<id>.mp4 → <id>-<end>.mp4)
    const removed = [...prev].filter((n) => !s.names.has(n) && !(/\/\d{13}\.mp4$/.test(n) && [...s.names].some((m) => m.startsWith(n.replace(/\.mp4$/, '-')))));
    deleted += removed.length;
    if (removed.length && firstDeleteAt === undefined) firstDeleteAt = t;
    if (reachedAt === undefined && s.media >= budget) reachedAt = t;
    prev = s.names;
    await sleep(2000);
  }
  const gEnd = await gauges(ret);
  const dirEnd = scan(retDir);
  const retRestarts = await restarts(ret);
  const retOnline = await online(ret);
  const retChildren = childrenOf(ret.child.pid!);
  await stop(ret.child);
  await sleep(1000);
  const leftovers = retChildren.filter((pid) => statFields(pid) && statFields(pid)![0] !== 'Z').length;
  const maxMedia = Math.max(...samples.map((s) => s.media));
  const maxWithIndex = Math.max(...samples.map((s) => s.media + s.index));
  const oneFilePerCamera = [...largest.values()].reduce((a, b) => a + b, 0);
  const steady = samples.filter((s) => firstDeleteAt !== undefined && s.t >= firstDeleteAt);
  const steadyMean = steady.length ? steady.reduce((a, s) => a + s.media, 0) / steady.length : NaN;

  // ── report ──
  const pct = (s: number) => `${((s / windowS) * 100).toFixed(1)} %`;
  const totals = [liveCpu + reaped[0], recCpu + reaped[1]];
  const cpuRatio = totals[1] / totals[0];
  const nodeRatio = nodeCpu[1] / nodeCpu[0];
  const amp = g1.written / g1.received;
  const ampDir = dirB.media + dirB.index;
  const perCamKbps = (receivedBps * 8) / 1000 / ids.length;
  const gbPer30 = (rateBps * 1800) / 2 ** 30;
  const budgetMet = maxMedia <= budget + oneFilePerCamera;
  const killMet = recovered.length > 0 && Math.max(...lostListed) <= 1;
  const elapsedMin = ((Date.now() - t0) / 60_000).toFixed(1);
  writeSection('Rewind: recording (bench:rewind)', `
35 cameras of \`camera-config/cameras.json\` from the demo camera simulator (rtsp-streaming-server + looping
\`ffmpeg -re -c copy\` publishers; 640×360 H.264 15 fps, 1 s GOP), pulled over RTSP/UDP by the real server
(\`node --import tsx server/main.ts\`, a child process). ffmpeg ${ff.version}. Whole run ${elapsedMin} min.
**Machine shared with other work**: \`${uptimeStart}\` at the start, load average ${load()} (1/5/15 min) at the end,
on ${os.cpus().length} cores. CPU is counted in CPU seconds (/proc utime + stime), which contention does not inflate
much, but the figures are noisy on a machine this busy.

| figure | value | goal |
|---|---|---|
| CPU, live + recording ÷ live only (node + its ffmpeg children, same ${windowS.toFixed(0)} s window) | **${cpuRatio.toFixed(3)}** | ≤ 1.05: ${cpuRatio <= 1.05 ? 'met' : 'NOT met'} |
| disk write amplification, written ÷ received (gauges) | **${amp.toFixed(4)}** | ≤ 1.05: ${amp <= 1.05 ? 'met' : 'NOT met'} |
| retention: max total ÷ (budget + one file per camera) | **${(maxMedia / (budget + oneFilePerCamera)).toFixed(3)}** (max overshoot ${mb(maxMedia - budget)} MB over a ${budgetMB} MB budget) | ≤ 1: ${budgetMet ? 'met' : 'NOT met'} |
| kill -9: parts the live playlist listed that the recovered file lacks, per camera (max) | **${recovered.length ? Math.max(...lostListed) : '–'}** (${recovered.length}/${ids.length} cameras recovered) | ≤ 1 (the part in flight): ${killMet ? 'met' : 'NOT met'} |
| request → first frame of a recorded instant | TODO: measured by the wall benchmark | |
| 4 recorded tiles, drift between them after 60 s | TODO: measured by the wall benchmark | |

**1. CPU.** Two servers ran at once on the same 35 sources (each with its own 35 pulls), one with \`SIAGA_RECORD=0\`,
one with \`SIAGA_RECORD=1\` (no budget, default 300 s files), measured over the same ${windowS.toFixed(0)} s after all were online
and ${WARMUP_S} s of warm-up, so a burst of load from other work falls on both. Disk writeback happens in kernel threads and is not
attributed to either process; the \`write\` calls that copy into the page cache are (the recorder's stime).

| | live only | live + recording |
|---|---|---|
| node + ffmpeg children (polled each second) + reaped children | ${totals[0].toFixed(1)} s = ${pct(totals[0])} of one core | ${totals[1].toFixed(1)} s = ${pct(totals[1])} |
| of which node process | ${nodeCpu[0].toFixed(1)} s | ${nodeCpu[1].toFixed(1)} s (ratio ${nodeRatio.toFixed(2)}) |
| of which the 35 pipeline ffmpegs | ${livePipes.toFixed(1)} s | ${recPipes.toFixed(1)} s |
| short-lived children reaped in the window | ${reaped[0].toFixed(1)} s | ${reaped[1].toFixed(1)} s |
| node RSS (max) | ${rss[0].toFixed(0)} MB | ${rss[1].toFixed(0)} MB |
| cameras online before / after; restarts in the window | ${onlineBefore[0]} / ${onlineAfter[0]}; ${restartsDuring[0]} | ${onlineBefore[1]} / ${onlineAfter[1]}; ${restartsDuring[1]} |

The simulator (RTSP server + 35 publishers, serving both) used ${simCpu.toFixed(1)} s in the same window.

**2. Write amplification.** Since the recording server started: received ${mb(g1.received)} MB, written
${mb(g1.written)} MB (parts, one init segment per file, one index line per part) → **${amp.toFixed(4)}**. The
recordings directory summed on disk (media + indexes; nothing deleted: no budget, 72 h) was ${mb(dirA.media + dirA.index)} MB
just before and ${mb(ampDir)} MB just after reading the gauge (${dirA.media + dirA.index <= g1.written && g1.written <= ampDir ? 'the written gauge lies between them' : 'the written gauge is NOT between them'};
indexes are ${((dirB.index / dirB.media) * 100).toFixed(2)} % of the media bytes).
Over the window: ${(receivedBps / MiB).toFixed(2)} MB/s received from 35 cameras (${perCamKbps.toFixed(0)} kbit/s per camera), ${(rateBps / MiB).toFixed(2)} MB/s written.

**3. kill -9.** The 35 live playlists were read, then the recording server was SIGKILLed (${((killAt - recStartedAt) / 1000).toFixed(0)} s after it
was started); ${left.size} cameras had an open file, torn index lines in ${[...left.values()].filter((l) => l.tornChars > 0).length}, media bytes beyond the index in
${[...left.values()].filter((l) => l.bytes > l.indexed).length}. A server restarted on the same data dir answered after ${restartS.toFixed(1)} s (recovery runs before it listens)
and was stopped again. Per recovered camera: parts listed by the live playlist just before the kill but missing from the recovered file:
max ${recovered.length ? Math.max(...lostListed) : '–'}, total ${lostListed.reduce((a, b) => a + b, 0)} (out of ${recovered.reduce((a, k) => a + k.listed, 0)} listed);
kill time − the file's end: p50 ${quantile(lostMs, 0.5)?.toFixed(0)} ms, max ${Math.max(...lostMs).toFixed(0)} ms (a part is ~${quantile(partMs, 0.5)?.toFixed(0)} ms; this also holds what
ffmpeg and the RTSP hop had not yet delivered); index and media agree in ${recovered.filter((k) => k.consistent).length}/${recovered.length}; bytes cut by recovery: ${recovered.reduce((a, k) => a + k.trimmedBytes, 0)}.
ffmpeg children of the killed server: ${childrenAtKill}, still alive 5 s later: ${survivors} (ended by the bench).

**4. Retention.** The demo cameras write ${(rateBps / MiB).toFixed(2)} MB/s together, i.e. **${gbPer30.toFixed(2)} GB per 30 min**: ${gbPer30 > 1
    ? `more than the issue's 1 GB for 30 min, so that budget would be reached after ${(((2 ** 30) / rateBps) / 60).toFixed(1)} min`
    : `less than the issue's 1 GB for 30 min, so that budget would never be reached in 30 min`}.
This run: **${MINUTES} min** with **SIAGA_RECORD_BUDGET_MB=${budgetMB}**${BUDGET_ARG ? '' : ' (picked so it is reached at ~40 % of the run)'} and **SIAGA_RECORD_FILE_S=${FILE_S}** (files
short enough to close, and so to be deleted, within the run; the 35 open files hold ~${mb(openEstimate)} MB just before they roll), directory
summed every 2 s (${samples.length} samples). Retention runs every 10 s and deletes closed files only, oldest first across cameras.

| | value |
|---|---|
| budget | ${budgetMB} MB |
| budget reached / first file deleted | ${reachedAt === undefined ? 'never' : `${reachedAt.toFixed(0)} s`} / ${firstDeleteAt === undefined ? 'never' : `${firstDeleteAt.toFixed(0)} s`} |
| files deleted during the run | ${deleted} |
| max total of media (what the budget counts) | **${mb(maxMedia)} MB** (overshoot ${mb(maxMedia - budget)} MB) |
| max total with indexes | ${mb(maxWithIndex)} MB |
| one file per camera (sum of each camera's largest closed file) | ${mb(oneFilePerCamera)} MB |
| bound: budget + one file per camera | ${mb(budget + oneFilePerCamera)} MB: ${budgetMet ? 'never exceeded' : 'EXCEEDED'} |
| mean total after the first deletion | ${mb(steadyMean)} MB |
| at the end: stored gauge / directory media | ${mb(gEnd.stored)} / ${mb(dirEnd.media)} MB |
| cameras online at the end / restarts | ${retOnline}/35 / ${retRestarts} |
| ffmpeg children left after SIGTERM | ${leftovers} |

Options: \`npm run bench:rewind -- --minutes N --budget-mb M --file-s S --measure-s S\` (defaults 5, picked, 30, 60).
`);
} finally {
  await Promise.all([...running].map(stop));
  for (const pid of strays) {
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* gone */
    }
  }
  await sim.close();
  fs.rmSync(tmp, { recursive: true, force: true });
}
