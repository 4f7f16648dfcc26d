// npm run bench:rewind-wall — issue #13's two wall figures, in headless Chromium against the real demo server (as the
// e2e test starts it: 35 simulated cameras → ffmpeg → live LL-HLS, every camera recorded), the wall view with an
// incident open in front of 4 cameras, as an operator sees it:
//  1. request → first frame of a recorded instant in a wall tile: clicks on a tile's timeline (15-minute bar) at
//     random recorded instants, one tile at a time while the others play; per kind: "live → past" (the tile's first
//     rewind: a recorded player made and its playlist fetched), "new playlist" (outside the window the tile's playlist
//     covers), "inside the loaded window" (a seek in the loaded playlist). The figure is the player's own
//     firstFrameMs (seek request → first presented frame at that time, wall/video/rewind.ts), plus the click's
//     input delay. Where the time goes, per seek, from timestamps taken in the page: playlist XHR, init and
//     first fragment XHRs (and Resource Timing for the network side), MSE appends, seek/seeked, main-thread long tasks.
//  2. "replay all" (the incident panel) with the 4 tiles: window.__siaga.rewind.sync.spreadMs and each tile's
//     playing date sampled every second for --sync-s seconds; spread at 60 s, max, p50.
// Options: --seeks-rounds N (4 tiles a round; default 8 = 32 seeks), --sync-s S (90), --min-recorded-s S (90),
// --max-load L (3: wait while the 1-min load average is above it, polling every 30 s), --max-wait-s S (600),
// --no-write (print only), --trace (Chromium's trace over the seeks: the renderer main thread's self time by event in
// each seek over the goal, console only; costs some speed, so not for the figures).
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Page } from 'playwright-core';
import type { CameraView } from '../../domain/camera.ts';
import type { Incident } from '../../domain/incident.ts';
import type { ListOf } from '../../domain/messages.ts';
import { camerasFor } from '../../geo/coverage.ts';
import { destination } from '../../geo/spatial.ts';
import { resolveFfmpeg } from '../../server/streams/ffmpeg.ts';
import { startWallHarness, waitForDemoHistory, type WallHarness } from '../e2e/wall-harness.ts';
import { writeSection } from './results.ts';
import type { RewindDebug } from '../../wall/app/debug.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(`--${name}`);
  const v = i > 0 ? Number(process.argv[i + 1]) : fallback;
  if (!Number.isFinite(v) || v < 0) throw new Error(`--${name}: a number`);
  return v;
};
const ROUNDS = arg('seeks-rounds', 8);
const SYNC_S = Math.max(60, arg('sync-s', 90));
const MIN_RECORDED_S = arg('min-recorded-s', 90);
const MAX_LOAD = arg('max-load', 3);
const MAX_WAIT_S = arg('max-wait-s', 600);
const WRITE = !process.argv.includes('--no-write');
/** Diagnosis: Chromium's trace over the seeks, the renderer main thread's long tasks in each slow seek (console only). */
const TRACE = process.argv.includes('--trace');
const SECTION = 'Rewind: wall tiles (bench:rewind-wall)';
const GOAL_FIRST_FRAME_MS = 300;
const GOAL_SPREAD_MS = 250;
/** Round kinds, repeated over the 4 tiles: a tile's first rewind, then seeks outside / inside its loaded window. */
const ROUND_KINDS = ['live', 'new', 'inside', 'new', 'inside', 'live', 'new', 'inside'] as const;
type Kind = 'live' | 'new' | 'inside';
const KIND_NAME: Record<Kind, string> = { live: 'live → past (first rewind of the tile)', new: 'seek needing a new playlist', inside: 'seek inside the loaded window' };

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const loadStr = () => os.loadavg().map((x) => x.toFixed(2)).join(' / ');
const uptime = () => {
  try {
    return execFileSync('uptime', { encoding: 'utf8' }).trim();
  } catch {
    return `load average ${loadStr()}`;
  }
};
/** Nearest-rank percentile. */
const pct = (xs: number[], p: number) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil(p * s.length) - 1))];
};
const ms = (x: number | null | undefined) => (x == null || !Number.isFinite(x) ? '—' : `${Math.round(x)} ms`);
const log = (s: string) => console.log(`[rewind-wall ${new Date().toISOString().slice(11, 19)}] ${s}`);

// ---------------------------------------------------------------------------------------------------------------
// In-page instrumentation (an init script: before the wall's own code). Timestamps are performance.now().
//  xhr: every recorded-video request (playlist, init, fragments): send, headers, ready (before hls.js handles the
//       response), handled (after hls.js's handler returned), bytes, Range;
//  res: Resource Timing of the same (network side: requestStart, responseStart, responseEnd);
//  ms/app: each MediaSource (created, sourceopen, blob URL) and every SourceBuffer append (start, updateend, bytes);
//  media: the recorded players' <video> events; lt: long tasks; ptr: pointerup (input timeStamp, handler time).
const INSTRUMENT = String.raw`
window.__name = (f) => f;
(() => {
  const now = () => performance.now();
  const R = (window.__rw = { xhr: [], res: [], app: [], ms: {}, msOf: {}, media: [], lt: [], ptr: [] });
  const cap = (a, n) => { if (a.length > n) a.splice(0, a.length - n); };
  try { performance.setResourceTimingBufferSize(100000); } catch (e) {}
  const isRec = (u) => u.includes('/recordings/') && (u.includes('.m3u8') || u.includes('/files/'));
  const XP = XMLHttpRequest.prototype;
  const open = XP.open, send = XP.send, setH = XP.setRequestHeader;
  XP.open = function (m, url) {
    const r = (this.__rw = { url: String(url), open: now() });
    const x = this;
    // registered before hls.js sets onreadystatechange: runs first
    if (isRec(r.url)) x.addEventListener('readystatechange', () => {
      if (x.readyState === 2 && r.headers === undefined) r.headers = now();
      if (x.readyState === 4 && r.ready === undefined) r.ready = now();
    });
    return open.apply(this, arguments);
  };
  XP.setRequestHeader = function (k, v) {
    if (this.__rw && /^range$/i.test(k)) this.__rw.range = String(v);
    return setH.apply(this, arguments);
  };
  XP.send = function () {
    const r = this.__rw;
    const x = this;
    if (r && isRec(r.url)) {
      r.send = now();
      R.xhr.push(r);
      cap(R.xhr, 5000);
      // registered after hls.js's handler: runs once it returned
      x.addEventListener('readystatechange', () => {
        if (x.readyState !== 4) return;
        r.handled = now();
        r.status = x.status;
        try { r.bytes = x.response && x.response.byteLength !== undefined ? x.response.byteLength : String(x.responseText || '').length; } catch (e) {}
      });
      x.addEventListener('abort', () => { r.aborted = now(); });
    }
    return send.apply(this, arguments);
  };
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) if (isRec(e.name)) R.res.push({ url: e.name, start: e.startTime, reqStart: e.requestStart, respStart: e.responseStart, end: e.responseEnd });
      cap(R.res, 5000);
    }).observe({ type: 'resource', buffered: true });
  } catch (e) {}
  let nms = 0;
  const msIds = new WeakMap();
  const idOf = (m) => { let id = msIds.get(m); if (!id) { id = ++nms; msIds.set(m, id); } return id; };
  const cou = URL.createObjectURL;
  URL.createObjectURL = function (o) {
    const u = cou.call(URL, o);
    if (typeof MediaSource !== 'undefined' && o instanceof MediaSource) {
      const id = idOf(o);
      R.msOf[u] = id;
      const info = (R.ms[id] = { created: now() });
      o.addEventListener('sourceopen', () => { info.open = now(); }, { once: true });
    }
    return u;
  };
  const asb = MediaSource.prototype.addSourceBuffer;
  MediaSource.prototype.addSourceBuffer = function (type) {
    const sb = asb.call(this, type);
    sb.__ms = idOf(this);
    const info = (R.ms[sb.__ms] ??= {});
    info.sourceBuffer ??= now();
    return sb;
  };
  const ab = SourceBuffer.prototype.appendBuffer;
  SourceBuffer.prototype.appendBuffer = function (data) {
    const e = { ms: this.__ms, start: now(), bytes: data.byteLength };
    const sb = this;
    const done = () => { e.end = now(); sb.removeEventListener('updateend', done); };
    sb.addEventListener('updateend', done);
    R.app.push(e);
    cap(R.app, 20000);
    try { return ab.call(this, data); } catch (err) { sb.removeEventListener('updateend', done); e.error = String(err && err.name); throw err; }
  };
  let nel = 0;
  const elIds = new WeakMap();
  const elId = (v) => { let id = elIds.get(v); if (!id) { id = ++nel; elIds.set(v, id); v.dataset.rwId = String(id); } return id; };
  for (const ev of ['seeking', 'seeked', 'loadedmetadata', 'loadeddata', 'canplay', 'playing', 'waiting', 'ended']) {
    document.addEventListener(ev, (e) => {
      const v = e.target;
      if (!(v instanceof HTMLVideoElement) || !v.classList.contains('tile-rewind')) return;
      R.media.push({ ev, el: elId(v), t: now(), ct: v.currentTime });
      cap(R.media, 20000);
    }, true);
  }
  window.__rwElId = elId;
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) R.lt.push([e.startTime, e.duration]);
      cap(R.lt, 5000);
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) {}
  // Long animation frames: what held the main thread (scripts by invoker and function, then rendering).
  R.loaf = [];
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) {
        R.loaf.push({
          start: e.startTime, dur: e.duration, renderStart: e.renderStart, blocking: e.blockingDuration,
          scripts: (e.scripts || []).map((x) => ({ inv: x.invoker, type: x.invokerType, src: String(x.sourceURL || '').split('/').pop(), fn: x.sourceFunctionName, start: x.startTime, dur: x.duration, layout: x.forcedStyleAndLayoutDuration })),
        });
      }
      cap(R.loaf, 5000);
    }).observe({ type: 'long-animation-frame', buffered: true });
  } catch (e) {}
  window.addEventListener('pointerup', (e) => { const m = performance.mark('rw-ptr'); R.ptr.push({ ts: e.timeStamp, at: now(), mark: m.startTime }); cap(R.ptr, 500); }, true);
})();
`;

const rewindOf = (p: Page) => p.evaluate(() => (window.__siaga as unknown as { rewind: RewindDebug }).rewind);

// ---------------------------------------------------------------------------------------------------------------

async function waitForCalm(): Promise<{ before: string; atStart: string; waitedS: number }> {
  const before = uptime();
  const t0 = Date.now();
  while (os.loadavg()[0] > MAX_LOAD && Date.now() - t0 < MAX_WAIT_S * 1000) {
    log(`1-min load average ${os.loadavg()[0].toFixed(2)} > ${MAX_LOAD}: waiting (${Math.round((Date.now() - t0) / 1000)} s of at most ${MAX_WAIT_S} s)`);
    await sleep(30_000);
  }
  return { before, atStart: uptime(), waitedS: Math.round((Date.now() - t0) / 1000) };
}

/** A spot in front of an online H.264 camera whose 4 ranked cameras are all online H.264 ones (the same ranking as the server's). */
function pickSpot(cams: CameraView[]): { lat: number; lon: number; ids: string[] } {
  const good = (c: CameraView | undefined) =>
    Boolean(c && c.health.status === 'online' && !c.health.codec?.startsWith('hvc1') && !c.health.codec?.startsWith('hev1'));
  const byId = new Map(cams.map((c) => [c.id, c]));
  let best: { lat: number; lon: number; ids: string[]; score: number } | null = null;
  for (const c of cams.filter(good)) {
    for (const d of [10, 20, 40, 60, 80]) {
      for (const off of [-20, -10, 0, 10, 20]) {
        const [lon, lat] = destination(c.lon, c.lat, c.bearingDeg + off, d);
        const r = camerasFor({ lat, lon }, 0, cams, { limit: 4 });
        if (r.length < 4 || !r.every((x) => good(byId.get(x.cameraId)))) continue;
        const score = r.reduce((a, x) => a + x.score, 0);
        if (!best || score > best.score) best = { lat, lon, ids: r.map((x) => x.cameraId), score };
      }
    }
  }
  if (!best) throw new Error('no spot with 4 online H.264 cameras');
  return best;
}

/** Recorded span [from, to] of each camera (first span's start, last span's end), epoch ms. */
async function recorded(h: WallHarness, ids: string[]): Promise<Map<string, { from: number; to: number; gaps: number }>> {
  const out = new Map<string, { from: number; to: number; gaps: number }>();
  for (const id of ids) {
    const r = await h.api<{ spans: Array<{ from: string; to: string }> }>(`/api/cameras/${id}/recordings`);
    if (r.spans.length) out.set(id, { from: Date.parse(r.spans[0].from), to: Date.parse(r.spans.at(-1)!.to), gaps: r.spans.length - 1 });
  }
  return out;
}

interface SeekResult {
  camera: string;
  kind: Kind;
  /** The kind as it happened: a new playlist fetched (url changed) or not. */
  newPlaylist: boolean;
  requestedMs: number;
  firstFrameMs: number | null;
  inputDelayMs: number | null;
  ok: boolean;
  note?: string;
  /** performance.now() of the seek request (pointerup handler) and of its performance.mark (trace alignment). */
  reqAt: number;
  mark: number | null;
  frameAt: number;
  /** Read after the tile has played on a while: the page's observers deliver long-frame entries late. */
  bd: Breakdown;
}

/** ms after the seek request (the pointerup handler) of each step of one seek, from the page's timestamps. */
interface Breakdown {
  playlist?: { send: number; respEnd?: number; ready?: number; handled?: number; bytes?: number };
  init?: { send: number; respEnd?: number; ready?: number; handled?: number; bytes?: number };
  frag?: { send: number; reqStart?: number; respStart?: number; respEnd?: number; ready?: number; handled?: number; bytes?: number };
  frags: number;
  sourceOpen?: number;
  firstAppend?: { start: number; end?: number };
  mediaAppendEnd?: number;
  appends: number;
  seeking?: number;
  seeked?: number;
  longTasks: { n: number; totalMs: number; maxMs: number };
  /** Long animation frames overlapping the window: ms by what ran (script invoker · function, or rendering). */
  loaf: Record<string, number>;
}

async function seekBreakdown(page: Page, camera: string, reqAt: number, frameAt: number): Promise<Breakdown> {
  return page.evaluate(
    ({ camera, reqAt, frameAt }) => {
      const R = (window as any).__rw;
      const rel = (t: number | undefined) => (t === undefined ? undefined : Math.round(t - reqAt));
      const base = `/api/cameras/${encodeURIComponent(camera)}/recordings/`;
      const xhrs = (R.xhr as any[]).filter((x) => x.url.includes(base) && x.send >= reqAt - 1 && x.send <= frameAt);
      const resFor = (x: any) => (R.res as any[]).find((e) => !e.used && new URL(x.url, location.href).href === e.url && e.start >= x.send - 2 && (e.used = true));
      const step = (x: any) => {
        if (!x) return undefined;
        const r = resFor(x);
        return { send: rel(x.send)!, reqStart: rel(r?.reqStart || undefined), respStart: rel(r?.respStart || undefined), respEnd: rel(r?.end), ready: rel(x.ready), handled: rel(x.handled), bytes: x.bytes };
      };
      const playlist = xhrs.find((x) => x.url.includes('.m3u8'));
      const init = xhrs.find((x) => x.url.includes('/files/') && /^bytes=0-/.test(x.range ?? ''));
      const frags = xhrs.filter((x) => x.url.includes('/files/') && !/^bytes=0-/.test(x.range ?? ''));
      const tile = document.querySelector(`.strip .tile[data-camera-id="${camera}"]`);
      const video = tile?.querySelector('video.tile-rewind:not(.next)') as HTMLVideoElement | null;
      const src = video ? video.currentSrc || video.src || (video.querySelector('source') as HTMLSourceElement | null)?.src || '' : '';
      const msId = R.msOf[src];
      const ms = msId ? R.ms[msId] : undefined;
      const apps = (R.app as any[]).filter((a) => a.ms === msId && a.start >= reqAt - 1 && a.start <= frameAt);
      const elId = video ? (window as any).__rwElId(video) : -1;
      const evs = (R.media as any[]).filter((m) => m.el === elId && m.t >= reqAt - 1 && m.t <= frameAt + 1);
      const lts = (R.lt as Array<[number, number]>).map(([s, d]) => [Math.max(s, reqAt), Math.min(s + d, frameAt)]).filter(([a, b]) => b > a);
      const big = apps.filter((a) => a.bytes > 4096);
      // long animation frames: each script's overlap with the window by invoker · function; the rest of the frame
      // after renderStart is rendering (style, layout, paint, and the frame's GL work); before it, not attributed
      const loaf: Record<string, number> = {};
      const over = (a: number, b: number) => Math.max(0, Math.min(b, frameAt) - Math.max(a, reqAt));
      const add = (k: string, v: number) => v > 0 && (loaf[k] = (loaf[k] ?? 0) + v);
      for (const f of R.loaf as any[]) {
        const end = f.start + f.dur;
        if (end <= reqAt || f.start >= frameAt) continue;
        let scripts = 0;
        for (const x of f.scripts) {
          const o = over(x.start, x.start + x.dur);
          scripts += o;
          add(`script: ${x.inv}${x.fn ? ` · ${x.fn}` : ''}${x.src ? ` (${x.src})` : ''}`, o);
        }
        const rs = f.renderStart > 0 ? f.renderStart : end;
        add('rendering (after renderStart)', over(rs, end));
        add('other (no script attributed, before renderStart)', over(f.start, rs) - scripts);
      }
      return {
        playlist: step(playlist),
        init: step(init),
        frag: step(frags[0]),
        frags: frags.length,
        sourceOpen: ms && ms.open >= reqAt - 1 ? rel(ms.open) : undefined,
        firstAppend: apps[0] ? { start: rel(apps[0].start)!, end: rel(apps[0].end) } : undefined,
        mediaAppendEnd: big[0] ? rel(big[0].end) : undefined,
        appends: apps.length,
        seeking: rel(evs.find((e) => e.ev === 'seeking')?.t),
        seeked: rel([...evs].reverse().find((e) => e.ev === 'seeked')?.t),
        longTasks: { n: lts.length, totalMs: Math.round(lts.reduce((a, [s, e]) => a + e - s, 0)), maxMs: Math.round(Math.max(0, ...lts.map(([s, e]) => e - s))) },
        loaf,
      };
    },
    { camera, reqAt, frameAt },
  );
}

/** Click on `camera`'s timeline at wall-clock `want`; resolves when its recorded frame is up (or after 20 s). */
async function clickSeek(page: Page, camera: string, want: number, kind: Kind): Promise<SeekResult> {
  const tile = page.locator(`.strip .tile[data-camera-id="${camera}"]`);
  const before = await rewindOf(page);
  const bt = before.tiles.find((t) => t.camera === camera)!;
  const box = (await tile.locator('.tl-track').boundingBox())!;
  const windowMs = 15 * 60_000;
  const now = Date.now();
  const frac = Math.min(0.995, Math.max(0.005, (want - (now - windowMs)) / windowMs));
  const mark = await page.evaluate(() => performance.now());
  await page.mouse.click(box.x + frac * box.width, box.y + box.height / 2);
  const done = await page
    .waitForFunction(
      ({ camera, old }) => {
        const t = (window.__siaga as unknown as { rewind: RewindDebug }).rewind.tiles.find((x) => x.camera === camera);
        return Boolean(t && t.mode === 'past' && t.requestedMs !== old && t.firstFrameMs !== null);
      },
      { camera, old: bt.requestedMs },
      { timeout: 20_000, polling: 50 },
    )
    .then(() => true)
    .catch(() => false);
  const after = await rewindOf(page);
  const t = after.tiles.find((x) => x.camera === camera)!;
  const ptr = await page.evaluate((mark) => ((window as any).__rw.ptr as Array<{ ts: number; at: number; mark: number }>).find((p) => p.at >= mark) ?? null, mark);
  const reqAt = ptr?.at ?? mark;
  const frameAt = reqAt + (t.firstFrameMs ?? 20_000);
  return {
    camera,
    kind,
    newPlaylist: bt.mode === 'live' || t.url !== bt.url,
    requestedMs: t.requestedMs ?? NaN,
    firstFrameMs: done ? t.firstFrameMs : null,
    inputDelayMs: ptr ? Math.round(ptr.at - ptr.ts) : null,
    ok: done,
    note: done ? undefined : `no frame in 20 s (state ${t.state}, mode ${t.mode})`,
    reqAt,
    mark: ptr?.mark ?? null,
    frameAt,
    bd: { frags: 0, appends: 0, longTasks: { n: 0, totalMs: 0, maxMs: 0 }, loaf: {} },
  };
}

async function toLive(page: Page, camera: string): Promise<void> {
  const tile = page.locator(`.strip .tile[data-camera-id="${camera}"]`);
  if ((await rewindOf(page)).tiles.find((t) => t.camera === camera)?.mode === 'past') await tile.locator('.tl.past .tl-live').click();
  await page.waitForFunction(
    (camera) => {
      const s = window.__siaga;
      const r = (s as unknown as { rewind: RewindDebug }).rewind.tiles.find((t) => t.camera === camera);
      return r?.mode === 'live' && s.tiles.some((t) => t.cameraId === camera && t.firstFrameAt > 0 && t.currentTime > 0);
    },
    camera,
    { timeout: 30_000 },
  );
}

interface TraceEvent {
  name: string;
  ph: string;
  ts: number;
  dur?: number;
  pid: number;
  tid: number;
  args?: any;
}

/**
 * Self time on the renderer main thread by event (a FunctionCall named by its function and script) inside each
 * seek's request → frame window, from Chromium's trace; the window is placed by the seeks' performance.mark.
 */
function traceReport(buf: Buffer, seeks: SeekResult[]): string {
  const { traceEvents } = JSON.parse(buf.toString()) as { traceEvents: TraceEvent[] };
  const marks = traceEvents.filter((e) => e.name === 'rw-ptr').sort((a, b) => a.ts - b.ts);
  const first = seeks.find((r) => r.mark !== null);
  if (!marks.length || !first) return 'trace: no seek marks found';
  const { pid, tid } = marks[0];
  const offsetUs = marks[0].ts - first.mark! * 1000;
  const events = traceEvents.filter((e) => e.pid === pid && e.tid === tid && e.ph === 'X' && e.dur !== undefined).sort((a, b) => a.ts - b.ts || b.dur! - a.dur!);
  const label = (e: TraceEvent) => {
    const d = e.args?.data;
    if (e.name === 'FunctionCall' && d) return `FunctionCall ${d.functionName || '(anonymous)'} ${String(d.url ?? '').split('/').pop()}:${d.lineNumber ?? ''}`;
    if ((e.name === 'TimerFire' || e.name === 'FireAnimationFrame' || e.name === 'EventDispatch') && d) return `${e.name}${d.type ? ` ${d.type}` : ''}`;
    return e.name;
  };
  // self time of every event inside [a, b] (children subtracted), by label
  const selfIn = (a: number, b: number) => {
    const out = new Map<string, number>();
    const stack: Array<{ e: TraceEvent; end: number; child: number }> = [];
    const clip = (x: number, y: number) => Math.max(0, Math.min(y, b) - Math.max(x, a));
    const close = (upTo: number) => {
      while (stack.length && stack.at(-1)!.end <= upTo) {
        const f = stack.pop()!;
        const own = clip(f.e.ts, f.end) - f.child;
        out.set(label(f.e), (out.get(label(f.e)) ?? 0) + own);
        if (stack.length) stack.at(-1)!.child += clip(f.e.ts, f.end);
      }
    };
    for (const e of events) {
      if (e.ts + e.dur! <= a) continue;
      if (e.ts >= b) break;
      close(e.ts);
      stack.push({ e, end: e.ts + e.dur!, child: 0 });
    }
    close(Infinity);
    return out;
  };
  const lines: string[] = [];
  const total = new Map<string, number>();
  let windowSum = 0;
  for (const r of seeks) {
    if (!r.ok || r.firstFrameMs === null || r.firstFrameMs <= GOAL_FIRST_FRAME_MS) continue;
    const a = r.reqAt * 1000 + offsetUs;
    const b = a + r.firstFrameMs * 1000;
    windowSum += r.firstFrameMs;
    const self = [...selfIn(a, b)].sort((x, y) => y[1] - x[1]);
    for (const [k, v] of self) total.set(k, (total.get(k) ?? 0) + v);
    const busy = self.reduce((acc, [, v]) => acc + v, 0) / 1000;
    lines.push(`  ${r.camera} ${r.kind} ${r.firstFrameMs} ms: main thread busy ${Math.round(busy)} ms; ${self.slice(0, 5).map(([k, v]) => `${k} ${Math.round(v / 1000)}`).join(' · ')}`);
  }
  const top = [...total].sort((x, y) => y[1] - x[1]).slice(0, 14);
  return [
    `trace: renderer main thread in the ${lines.length} seeks over ${GOAL_FIRST_FRAME_MS} ms (self ms by event):`,
    ...lines,
    `  all of them (${Math.round(windowSum)} ms of request → frame):`,
    ...top.map(([k, v]) => `    ${String(Math.round(v / 1000)).padStart(6)} ms  ${k}`),
  ].join('\n');
}

// ---------------------------------------------------------------------------------------------------------------

const calm = await waitForCalm();
log(`start: ${calm.atStart}${calm.waitedS ? ` (waited ${calm.waitedS} s for the load to fall)` : ''}`);
const ff = await resolveFfmpeg(process.env.FFMPEG_PATH);
const t0 = Date.now();
const h = await startWallHarness();
let exitCode = 0;
try {
  const chromiumVersion = h.browser.version();
  log(`server on ${h.base}, Chromium ${chromiumVersion}, ffmpeg ${ff.version} (${ff.source})`);

  // ---- cameras online, history seeded, ≥ MIN_RECORDED_S recorded ----
  let cams: CameraView[] = [];
  for (let i = 0; i < 90; i++) {
    cams = (await h.api<ListOf<CameraView>>('/api/cameras')).items;
    if (cams.filter((c) => c.health.status === 'online').length >= 30) break;
    await sleep(2000);
  }
  const spot = pickSpot(cams);
  log(`incident spot ${spot.lat.toFixed(5)},${spot.lon.toFixed(5)}: cameras ${spot.ids.join(', ')}`);
  const history = await waitForDemoHistory(h);
  log(`demo history seeded: ${history} incidents (${Math.round((Date.now() - t0) / 1000)} s after start)`);
  let rec = await recorded(h, spot.ids);
  while (spot.ids.some((id) => !rec.get(id) || rec.get(id)!.to - rec.get(id)!.from < MIN_RECORDED_S * 1000)) {
    await sleep(3000);
    rec = await recorded(h, spot.ids);
  }
  log(`recorded: ${spot.ids.map((id) => `${id} ${Math.round((rec.get(id)!.to - rec.get(id)!.from) / 1000)} s`).join(', ')}`);

  // ---- the incident, reported now, opened in the wall view ----
  const reportedAt = Date.now();
  const incident = await h.api<Incident>('/api/incidents', {
    method: 'POST',
    headers: { 'Idempotency-Key': `bench-rewind-wall-${reportedAt}` },
    body: JSON.stringify({
      category: 'kecelakaan',
      priority: 1,
      description: 'bench: putar ulang kamera',
      reportedAt: new Date(reportedAt).toISOString(),
      location: { lat: spot.lat, lon: spot.lon, method: 'gps' },
    }),
  });
  const served = (await h.api<ListOf<{ cameraId: string }>>(`/api/incidents/${incident.id}/cameras`)).items.slice(0, 4).map((c) => c.cameraId);
  if (served.join() !== spot.ids.join()) log(`server ranks ${served.join(', ')} (local ranking ${spot.ids.join(', ')})`);
  const ids = served;

  const page = await h.context.newPage();
  await page.addInitScript(INSTRUMENT);
  page.on('pageerror', (err) => console.warn(`[wall] ${err.message}`));
  await page.goto(`${h.base}/?view=wall`);
  await page.waitForFunction((id) => window.__siaga?.store()?.incidents.has(id), incident.id, { timeout: 120_000 });
  await page.locator(`.incident-row[data-incident-id="${incident.id}"]`).click({ timeout: 30_000 });
  await page.waitForFunction((id) => window.__siaga.selectedId === id, incident.id, { timeout: 10_000 });
  await page.waitForFunction(
    (ids) => ids.every((id) => window.__siaga.tiles.some((t) => t.cameraId === id && t.firstFrameAt > 0 && t.currentTime > 0)),
    ids,
    { timeout: 60_000 },
  );
  const gl = await page.evaluate(() => {
    const g = document.createElement('canvas').getContext('webgl');
    const ext = g?.getExtension('WEBGL_debug_renderer_info');
    return g ? String(ext ? g.getParameter(ext.UNMASKED_RENDERER_WEBGL) : g.getParameter(g.RENDERER)) : 'no WebGL';
  });
  log(`wall open, ${ids.length} incident tiles live; WebGL renderer: ${gl}`);
  await sleep(5000); // settled, as an officer's screen is before a press

  // ================= 2. replay all: 4 tiles in step =================
  const startBtn = page.locator('.rewind-all .rewind-start');
  await startBtn.waitFor({ state: 'visible', timeout: 15_000 });
  const loadSyncStart = os.loadavg();
  const syncMark = await page.evaluate(() => performance.now());
  await startBtn.click();
  const syncClickAt = await page.evaluate((mark) => ((window as any).__rw.ptr as Array<{ at: number }>).find((p) => p.at >= mark)?.at ?? mark, syncMark);
  await page.waitForFunction(() => Boolean((window.__siaga as unknown as { rewind: RewindDebug }).rewind.sync?.running), null, { timeout: 30_000, polling: 20 });
  const runningAt = await page.evaluate(() => performance.now());
  const r0 = await rewindOf(page);
  const syncFirstFrames = r0.sync!.members.map((m) => ({ camera: m.camera, firstFrameMs: m.firstFrameMs, state: m.state }));
  log(`replay all: group running ${Math.round(runningAt - syncClickAt)} ms after the click; first frames (held) ${syncFirstFrames.map((m) => `${m.camera} ${m.firstFrameMs} ms`).join(', ')}`);
  interface Sample {
    s: number;
    spreadMs: number | null;
    ownSpreadMs: number | null;
    masterMs: number;
    tiles: Array<{ camera: string; dateMs: number | null; driftMs: number | null; state: string | null; rate: number; swaps: number; url: string | null }>;
  }
  const samples: Sample[] = [];
  const tStart = Date.now();
  for (let k = 1; k <= SYNC_S; k++) {
    const wait = tStart + k * 1000 - Date.now();
    if (wait > 0) await sleep(wait);
    const r = await page.evaluate(() => {
      const x = (window.__siaga as unknown as { rewind: RewindDebug }).rewind;
      return { sync: x.sync, tiles: x.tiles };
    });
    if (!r.sync) {
      log(`sync group gone at ${k} s`);
      break;
    }
    const members = r.sync.members;
    const tiles = members.map((m) => {
      const t = r.tiles.find((x) => x.camera === m.camera)!;
      return { camera: m.camera, dateMs: t?.playingDateMs ?? null, driftMs: m.driftMs, state: t?.state ?? null, rate: t?.playbackRate ?? 1, swaps: t?.swaps ?? 0, url: t?.url ?? null };
    });
    const dates = tiles.filter((t) => t.state === 'playing' && t.dateMs !== null).map((t) => t.dateMs!);
    samples.push({ s: k, spreadMs: r.sync.spreadMs, ownSpreadMs: dates.length >= 2 ? Math.max(...dates) - Math.min(...dates) : null, masterMs: r.sync.masterMs, tiles });
  }
  const loadSyncEnd = os.loadavg();
  const syncMedia = await page.evaluate(() => ((window as any).__rw.media as Array<{ ev: string }>).filter((m) => m.ev === 'waiting').length);
  await page.locator('.rewind-all .rewind-live').click();
  await page.waitForFunction(
    () => {
      const r = (window.__siaga as unknown as { rewind: RewindDebug }).rewind;
      return r.sync === null && r.players.length === 0;
    },
    null,
    { timeout: 15_000 },
  );
  for (const id of ids) await toLive(page, id);
  const at60 = samples.find((s) => s.s === 60);
  const spreads = samples.map((s) => s.spreadMs).filter((x): x is number => x !== null);
  const own = samples.map((s) => s.ownSpreadMs).filter((x): x is number => x !== null);
  const first60 = samples.filter((s) => s.s <= 60);
  const max60 = Math.max(...first60.map((s) => s.spreadMs ?? -Infinity));
  const maxAll = Math.max(...spreads);
  const ownMax60 = Math.max(...first60.map((s) => s.ownSpreadMs ?? -Infinity));
  const ownMaxAll = Math.max(...own);
  const missing = samples.filter((s) => s.spreadMs === null).length;
  const swapEvents: string[] = [];
  for (let i = 1; i < samples.length; i++) {
    for (const t of samples[i].tiles) {
      const prev = samples[i - 1].tiles.find((x) => x.camera === t.camera);
      if (prev && prev.url !== t.url) swapEvents.push(`${samples[i].s} s ${t.camera}: ${t.swaps > prev.swaps ? 'next window taken over' : 'new playlist (sync seek)'}`);
    }
  }
  log(`sync: spread at 60 s ${ms(at60?.spreadMs)}, max (≤ 60 s) ${ms(max60)}, max (${samples.length} s) ${ms(maxAll)}, p50 ${ms(pct(spreads, 0.5))}; own spread p50 ${ms(pct(own, 0.5))} max ${ms(ownMaxAll)}`);
  for (const s of samples) if (s.s % 5 === 0 || (s.spreadMs ?? 0) > 100) console.log(`  ${String(s.s).padStart(3)} s spread ${ms(s.spreadMs)} own ${ms(s.ownSpreadMs)} | ${s.tiles.map((t) => `${t.camera} ${t.driftMs ?? '—'} ${t.state} ×${t.rate}`).join(' | ')}`);
  if (swapEvents.length) log(`windows: ${swapEvents.join('; ')}`);

  // ================= 1. request → first frame =================
  for (const id of ids) {
    const tl = page.locator(`.strip .tile[data-camera-id="${id}"] .tl-zoom`);
    for (let i = 0; i < 5 && !/^15\b/.test((await tl.innerText()).trim()); i++) await tl.click();
  }
  const loadSeeksStart = os.loadavg();
  const results: SeekResult[] = [];
  if (TRACE) await h.browser.startTracing(page, { categories: ['devtools.timeline', 'disabled-by-default-devtools.timeline', 'blink.user_timing', 'v8.execute'] });
  let seed = 0x5eed;
  const rand = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff), seed / 0x7fffffff);
  for (let round = 0; round < ROUNDS; round++) {
    const kind = ROUND_KINDS[round % ROUND_KINDS.length];
    for (const id of ids) {
      if (kind === 'live') await toLive(page, id);
      if (kind === 'live') await sleep(2000);
      const r = await recorded(h, [id]);
      const span = r.get(id)!;
      const now = Date.now();
      const lo = span.from + 2000;
      const hi = now - 10_000;
      const player = (await rewindOf(page)).players.find((p) => p.camera === id);
      const w = player?.window ?? null;
      let want = lo + rand() * (hi - lo);
      let planned: Kind = kind;
      if (kind === 'inside') {
        if (w && w.to - w.from > 12_000) want = w.from + 3000 + rand() * (w.to - w.from - 9000);
        else planned = 'new';
      }
      if (planned === 'new' && w) {
        // outside the loaded window: before its start or after its end (recorded since)
        const before = Math.max(0, w.from - 5000 - lo);
        const after = Math.max(0, hi - (w.to + 5000));
        if (before + after > 0) {
          const x = rand() * (before + after);
          want = x < before ? lo + x : w.to + 5000 + (x - before);
        }
      }
      const res = await clickSeek(page, id, want, kind === 'live' ? 'live' : planned);
      // what actually happened decides the kind (a click lands to within a pixel: ~5 s on the 15-minute bar)
      if (res.kind !== 'live') res.kind = res.newPlaylist ? 'new' : 'inside';
      results.push(res);
      await sleep(1500); // the tile plays on, as a user watches; the page's observers catch up meanwhile
      res.bd = await seekBreakdown(page, id, res.reqAt, res.frameAt);
      const b = res.bd;
      console.log(
        `  ${results.length.toString().padStart(2)} ${id} ${res.kind.padEnd(6)} ${ms(res.firstFrameMs).padStart(8)} (input ${ms(res.inputDelayMs)}) ` +
          `playlist ${ms(b.playlist?.handled)} init ${ms(b.init?.handled)} frag ${b.frag ? `${b.frag.send}→${b.frag.respEnd ?? '?'}/${b.frag.handled ?? '?'}` : '—'} ` +
          `append ${ms(b.mediaAppendEnd)} seeked ${ms(b.seeked)} lt ${b.longTasks.n}/${b.longTasks.totalMs} ms ${res.note ?? ''}` +
          (res.firstFrameMs !== null && res.firstFrameMs > GOAL_FIRST_FRAME_MS
            ? `\n       loaf: ${Object.entries(b.loaf).sort((x, y) => y[1] - x[1]).slice(0, 4).map(([k, v]) => `${k} ${Math.round(v)}`).join(' · ')}`
            : ''),
      );
    }
  }
  const loadSeeksEnd = os.loadavg();
  if (TRACE) console.log(traceReport(await h.browser.stopTracing(), results));
  const rawFile = path.join(os.tmpdir(), `rewind-wall-${Date.now()}.json`);
  fs.writeFileSync(rawFile, JSON.stringify({ results, samples, syncFirstFrames }, null, 1));
  log(`raw figures: ${rawFile}`);

  // ================= report =================
  const okRes = results.filter((r) => r.ok && r.firstFrameMs !== null);
  const all = okRes.map((r) => r.firstFrameMs!);
  const byKind = (k: Kind) => okRes.filter((r) => r.kind === k);
  const median = (xs: Array<number | undefined>) => {
    const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x));
    return v.length ? pct(v, 0.5) : undefined;
  };
  const row = (label: string, rs: SeekResult[]) => {
    const f = rs.map((r) => r.firstFrameMs!);
    const click = rs.map((r) => r.firstFrameMs! + (r.inputDelayMs ?? 0));
    return `| ${label} | ${rs.length} | **${ms(pct(f, 0.5))}** | ${ms(pct(f, 0.9))} | ${ms(Math.min(...f))}–${ms(Math.max(...f))} | ${ms(pct(click, 0.5))} / ${ms(pct(click, 0.9))} |`;
  };
  const bdRow = (label: string, rs: SeekResult[]) => {
    if (!rs.length) return `| ${label} | — | — | — | — | — | — | — | — | — |`;
    const m = (f: (b: Breakdown) => number | undefined) => ms(median(rs.map((r) => f(r.bd))));
    const fetched = rs.filter((r) => r.bd.frags > 0).length;
    return `| ${label} | ${m((b) => b.playlist?.respEnd)} / ${m((b) => b.playlist?.handled)} | ${m((b) => b.sourceOpen)} | ${m((b) => b.init?.send)} → ${m((b) => b.init?.handled)} | ${fetched}/${rs.length}: ${m((b) => b.frag?.send)} → ${m((b) => b.frag?.respEnd)} / ${m((b) => b.frag?.handled)} | ${m((b) => b.mediaAppendEnd)} | ${m((b) => b.seeked)} | **${ms(median(rs.map((r) => r.firstFrameMs!)))}** | ${m((b) => b.longTasks.totalMs)} (max ${m((b) => b.longTasks.maxMs)}) | ${ms(median(rs.map((r) => r.inputDelayMs ?? undefined)))} |`;
  };
  const p50All = pct(all, 0.5);
  const p90All = pct(all, 0.9);
  const ffMet = p50All <= GOAL_FIRST_FRAME_MS;
  const spread60 = at60?.spreadMs ?? null;
  const spreadMet = spread60 !== null && spread60 <= GOAL_SPREAD_MS;
  const fmtLoad = (l: number[]) => l.map((x) => x.toFixed(2)).join(' / ');
  const failed = results.filter((r) => !r.ok);
  const windowsDuring = swapEvents.length ? swapEvents.join('; ') : 'none';
  const driftRows = samples
    .filter((s) => s.s % 10 === 0 || s.s === 1)
    .map((s) => `| ${s.s} s | ${ms(s.spreadMs)} | ${ms(s.ownSpreadMs)} | ${s.tiles.map((t) => `${t.camera} ${t.driftMs ?? '—'} ms ×${t.rate}${t.state !== 'playing' ? ` (${t.state})` : ''}`).join(' · ')} |`);
  const date = new Date().toISOString().slice(0, 10);
  // what held the main thread in the slow seeks (long animation frames)
  const slow = okRes.filter((r) => r.firstFrameMs! > GOAL_FIRST_FRAME_MS);
  const loafSum = new Map<string, number>();
  for (const r of slow) for (const [k, v] of Object.entries(r.bd.loaf)) loafSum.set(k, (loafSum.get(k) ?? 0) + v);
  const slowWindow = slow.reduce((a, r) => a + r.firstFrameMs!, 0);
  const slowLt = slow.reduce((a, r) => a + r.bd.longTasks.totalMs, 0);
  // a new playlist: did the first fragment request wait for the MediaSource (hls.js only loads with media attached)?
  const loads = okRes.filter((r) => r.bd.playlist?.handled !== undefined && r.bd.playlist.ready !== undefined && r.bd.init?.send !== undefined && r.bd.sourceOpen !== undefined);
  const late = loads.filter((r) => r.bd.sourceOpen! > r.bd.playlist!.handled!);
  const early = loads.filter((r) => r.bd.sourceOpen! <= r.bd.playlist!.handled!);
  const gap = (rs: SeekResult[]) => median(rs.map((r) => r.bd.init!.send - r.bd.playlist!.ready!));
  const frame = (rs: SeekResult[]) => median(rs.map((r) => r.firstFrameMs!));
  const orderText = loads.length
    ? `Of the ${loads.length} seeks that loaded a playlist, ${late.length} had it handled before their MediaSource opened: their init request went out ${ms(gap(late))} after the playlist response reached the page (median), first frame ${ms(frame(late))}${early.length ? `; in the ${early.length} where the MediaSource was open first, ${ms(gap(early))} after it (from hls.js's handler of the playlist), first frame ${ms(frame(early))}` : ''}. (hls.js loads no fragment before the media is attached unless \`startFragPrefetch\` is set; a \`startLoad()\` made before that loads on its next 100 ms tick.)`
    : '';
  const loafText = [...loafSum]
    .sort((a, b) => b[1] - a[1])
    .slice(0, 8)
    .map(([k, v]) => `${k.replace(/\|/g, '/').replace(/blob:[^"\]]+/g, 'blob:…')} ${Math.round(v)} ms`)
    .join('; ');
  const trackW = (await page.locator(`.strip .tile[data-camera-id="${ids[0]}"] .tl-track`).boundingBox())?.width ?? 0;
  const secPerPx = trackW ? ((15 * 60) / trackW).toFixed(1) : '?';

  const body = `
Headless Debian Chromium ${chromiumVersion} (launch flags of test/e2e/wall-harness.ts), **software GL** (WebGL renderer:
\`${gl}\`), 1920×1080, the wall view (\`?view=wall\`) against the real server in demo mode started as the e2e test
starts it (35 simulated RTSP cameras → ffmpeg ${ff.version} → live LL-HLS, every camera recorded; 112 traffic and
units running; its 30-day history seeded before measuring). An incident reported at the start of the measurement,
placed in front of an online camera where the server ranks 4 online H.264 cameras (${ids.join(', ')}), opened by a click on its row: 4 live tiles, as an
operator sees it. Each camera had ≥ ${MIN_RECORDED_S} s of recording before the first measurement.
**Load**: \`${calm.atStart}\` before the server started${calm.waitedS ? ` (after waiting ${calm.waitedS} s for it to fall below ${MAX_LOAD}; \`${calm.before}\` when the bench began)` : ''};
1-min / 5-min / 15-min load average ${fmtLoad(loadSyncStart)} at the start of part 2, ${fmtLoad(loadSeeksEnd)} at the end,
on ${os.cpus().length} cores (the server, its 70 ffmpeg and Chromium's software-GL map are part of it).

| figure | value | goal |
|---|---|---|
| request → first frame of a recorded instant, wall tile (all kinds, n = ${all.length}) | **p50 ${ms(p50All)}** / p90 ${ms(p90All)} | ≤ ${GOAL_FIRST_FRAME_MS} ms p50: ${ffMet ? 'met' : '**missed**'} |
| 4-tile "replay all", spread between the tiles after 60 s in step | **${ms(spread60)}** (max ${ms(max60)} over the first 60 s, ${ms(maxAll)} over ${samples.length} s; p50 ${ms(pct(spreads, 0.5))}) | ≤ ${GOAL_SPREAD_MS} ms: ${spreadMet ? 'met' : '**missed**'} |

**1. Request → first frame.** ${results.length} clicks on a tile's timeline (zoomed to 15 minutes: ~${secPerPx} s a pixel), one
tile at a time (the other 3 playing, live or recorded), at random recorded instants (fixed seed) between the start of
the recording + 2 s and now − 10 s, in rounds over the 4 tiles: ${ROUND_KINDS.slice(0, ROUNDS).join(', ')}${ROUNDS > ROUND_KINDS.length ? ', …' : ''}. "live → past": the
tile was live (sent back to live first, its live picture up ≥ 2 s); otherwise the instant was drawn inside or outside
the window its playlist covers; the kind reported is what happened (a new playlist URL or not). Figure = the recorded
player's \`firstFrameMs\` (wall/video/rewind.ts: seek request, which runs in the pointerup handler, → the first
presented frame at the asked time, requestVideoFrameCallback); "click →" adds the input delay (pointerup's
\`event.timeStamp\` → its handler).${failed.length ? ` ${failed.length} seek(s) showed no frame within 20 s and are left out: ${failed.map((r) => `${r.camera} ${r.kind}: ${r.note}`).join('; ')}.` : ''}
Load average during these seeks: ${fmtLoad(loadSeeksStart)} → ${fmtLoad(loadSeeksEnd)}.

| kind | n | p50 | p90 | min–max | click → first frame p50 / p90 |
|---|---|---|---|---|---|
${row('all', okRes)}
${(['live', 'new', 'inside'] as Kind[]).filter((k) => byKind(k).length).map((k) => row(KIND_NAME[k], byKind(k))).join('\n')}

Where the time goes (medians, ms after the seek request, from timestamps taken in the page: XHR wrapped before and
after hls.js's handler, Resource Timing for the network side, MediaSource/SourceBuffer wrapped, the recorded
\`<video>\`'s events, long tasks > 50 ms between request and frame). "respEnd" = the response's last byte (network),
"handled" = hls.js's handler for it returned (the gap is main-thread wait + hls.js work):

| kind | playlist respEnd / handled | MediaSource open | init send → handled | fragment fetched: send → respEnd / handled | first media append done | seeked | first frame | long tasks in between (ms) | input delay |
|---|---|---|---|---|---|---|---|---|---|
${(['live', 'new', 'inside'] as Kind[]).map((k) => bdRow(KIND_NAME[k], byKind(k))).join('\n')}

${orderText}

${slow.length ? `The ${slow.length} seek(s) over ${GOAL_FIRST_FRAME_MS} ms: their request → frame windows add up to ${Math.round(slowWindow)} ms, of which ${Math.round(slowLt)} ms (${Math.round((100 * slowLt) / slowWindow)} %) inside main-thread long tasks. By long animation frame (scripts by invoker · function; minified names of dist/wall): ${loafText || 'none recorded'}.` : `No seek took over ${GOAL_FIRST_FRAME_MS} ms.`}

**2. Four tiles in step.** The incident panel's "◀◀ replay all" (reported − 60 s): the group running
${ms(runningAt - syncClickAt)} after the click (each tile held on its first frame first: ${syncFirstFrames.map((m) => `${m.camera} ${ms(m.firstFrameMs)}`).join(', ')}).
Then \`window.__siaga.rewind.sync\` and each tile's playing date (hls.playingDate) read every second (in one page task)
for ${samples.length} s. spreadMs = the group's own figure (largest difference between members' drifts from the master,
from its last 200 ms tick); "read together" = max − min of the 4 tiles' playing dates read in the same task.
${missing ? `No spread in ${missing} sample(s) (fewer than 2 members playing). ` : ''}Windows changed during the run: ${windowsDuring}.
\`waiting\` events on the recorded players during the run: ${syncMedia}. Load average ${fmtLoad(loadSyncStart)} → ${fmtLoad(loadSyncEnd)}.

| | spreadMs (group) | read together |
|---|---|---|
| at 60 s | **${ms(spread60)}** | ${ms(at60?.ownSpreadMs)} |
| max over the first 60 s | ${ms(max60)} | ${ms(ownMax60)} |
| max over ${samples.length} s | ${ms(maxAll)} | ${ms(ownMaxAll)} |
| p50 / p90 over ${samples.length} s | ${ms(pct(spreads, 0.5))} / ${ms(pct(spreads, 0.9))} | ${ms(pct(own, 0.5))} / ${ms(pct(own, 0.9))} |

| second | spreadMs | read together | each tile: drift from the master, playback rate |
|---|---|---|---|
${driftRows.join('\n')}

Options: \`npm run bench:rewind-wall -- --seeks-rounds N --sync-s S --min-recorded-s S --max-load L --max-wait-s S --no-write --trace\`
(defaults 8 rounds of 4 seeks, 90, 90, 3, 600). Whole run ${Math.round((Date.now() - t0) / 60_000)} min.
`;
  if (WRITE) {
    writeSection(SECTION, body);
    // The recording benchmark's table keeps one row per figure of the issue: point its two wall rows here.
    const file = path.resolve(path.dirname(new URL(import.meta.url).pathname), 'RESULTS.md');
    const text = fs.readFileSync(file, 'utf8');
    const kinds = (['live', 'new', 'inside'] as Kind[]).filter((k) => byKind(k).length).map((k) => `${k === 'live' ? 'live → past' : k === 'new' ? 'new playlist' : 'inside the loaded window'} p50 ${ms(pct(byKind(k).map((r) => r.firstFrameMs!), 0.5))}`);
    const rowFirst = `| request → first frame of a recorded instant (wall tile, ${date}) | **p50 ${ms(p50All)}** / p90 ${ms(p90All)} (n = ${all.length}: ${kinds.join(', ')}); see "${SECTION}" | ≤ ${GOAL_FIRST_FRAME_MS} ms p50: ${ffMet ? 'met' : 'missed'} |`;
    const rowSync = `| 4 recorded tiles, drift between them after 60 s (${date}) | **${ms(spread60)}** (max ${ms(max60)} over 60 s, p50 ${ms(pct(spreads, 0.5))}); see "${SECTION}" | ≤ ${GOAL_SPREAD_MS} ms: ${spreadMet ? 'met' : 'missed'} |`;
    const patched = text.replace(/^\| request → first frame of a recorded instant.*$/m, rowFirst).replace(/^\| 4 recorded tiles, drift between them after 60 s.*$/m, rowSync);
    if (patched === text) log('the "Rewind: recording" table has no row to update');
    else fs.writeFileSync(file, patched);
  } else {
    console.log(body);
  }
} catch (err) {
  console.error(err);
  exitCode = 1;
} finally {
  await h.close();
}
process.exit(exitCode);
