// The bench:latency page (bundled by latency.ts with esbuild, served at /page.js): N tiles, each an hls.js player with
// the wall's own HLS_LIVE_CONFIG and loader, as wall/video/tile.ts builds them. Every tile reads the frame-number
// barcode the bench stamped into its clip from every presented frame and records (wall clock, frame number); the
// bench compares that with when the publisher sent the frame. Layout and options come from the query string.
import Hls from 'hls.js';
import { HLS_LIVE_CONFIG } from '../../wall/video/tile.ts';
import { HlsSocketLoader, hlsTransportCounts } from '../../wall/video/hls-socket.ts';
import { keepLiveEdge } from '../../wall/video/live-edge.ts';

const q = new URLSearchParams(location.search);
const L = {
  bits: Number(q.get('bits')), x0: Number(q.get('x0')), pitch: Number(q.get('pitch')), box: Number(q.get('box')),
  y0: Number(q.get('y0')), strip: Number(q.get('strip')),
};
const sources = (q.get('src') ?? '').split(',');

export interface TileResult {
  samples: Array<[number, number]>;
  loadAt: number;
  firstFrameMs: number | null;
  firstAdvanceMs: number | null;
  stalls: number;
  waiting: number;
  /** Date.now() of each `waiting` after the tile first advanced, with how much was buffered ahead just before. */
  waitingAt: Array<[number, number, number, string]>;
  /** Latency as the tile reads it from PDT (ms), at each presented frame. */
  pdtLatencyMs: number[];
  /** ms between consecutive appended parts, for a segment's first part and for the others. */
  appendGaps: { first: number[]; other: number[] };
  errors: string[];
  bad: number;
  /** ms after loadSource when hls.js first reached each step (as wall/video/tile.ts marks them). */
  marks: Record<string, number>;
}
const tiles: TileResult[] = [];

/** What the browser's network stack says about every /hls/ request it made itself (the XHR loader; not the socket's). */
export interface NetResult {
  /** nextHopProtocol → requests ('h2', 'http/1.1'; '' = not reported). */
  protocols: Record<string, number>;
  /** Per kind of request (playlist, part, seg, init): ms queued in the browser (startTime → requestStart) and in total. */
  kinds: Record<string, { n: number; queuedMs: number[]; totalMs: number[] }>;
}
const net: NetResult = { protocols: {}, kinds: {} };
const kindOf = (url: string) => (/\.m3u8/.test(url) ? (/_HLS_msn=/.test(url) ? 'playlist (blocking)' : 'playlist') : /\/part-/.test(url) ? 'part' : /\/seg-/.test(url) ? 'segment' : /\/init-/.test(url) ? 'init' : 'other');
// An observer, not getEntriesByType: the resource timing buffer holds only 250 entries, a 16-tile page makes ~150 a second.
new PerformanceObserver((list) => {
  for (const e of list.getEntries() as PerformanceResourceTiming[]) {
    if (!e.name.includes('/hls/')) continue;
    net.protocols[e.nextHopProtocol] = (net.protocols[e.nextHopProtocol] ?? 0) + 1;
    const k = (net.kinds[kindOf(e.name)] ??= { n: 0, queuedMs: [], totalMs: [] });
    k.n++;
    if (k.queuedMs.length < 20_000) {
      k.queuedMs.push(Math.round(Math.max(0, e.requestStart - e.startTime)));
      k.totalMs.push(Math.round(e.responseEnd - e.startTime));
    }
  }
  performance.clearResourceTimings();
}).observe({ type: 'resource' });

/** Main-thread long tasks (Date.now() of the start, ms): a stall right after one is the page's own doing. */
const longTasks: Array<[number, number]> = [];
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) longTasks.push([Math.round(performance.timeOrigin + e.startTime), Math.round(e.duration)]);
}).observe({ type: 'longtask' });
(window as unknown as { __bench: unknown }).__bench = { tiles, transport: hlsTransportCounts, net, longTasks };

const canvas = document.createElement('canvas');
const ctx = canvas.getContext('2d', { willReadFrequently: true })!;

function lumaAt(img: ImageData, cx: number, cy: number): number {
  let sum = 0;
  let n = 0;
  for (let y = cy - 3; y <= cy + 3; y++) {
    for (let x = cx - 3; x <= cx + 3; x++) {
      const i = (y * img.width + x) * 4;
      sum += 0.299 * img.data[i] + 0.587 * img.data[i + 1] + 0.114 * img.data[i + 2];
      n++;
    }
  }
  return sum / n;
}

/** Frame number, or -1 when the reference boxes do not read as white/black (mid-transition, blank). */
function decode(video: HTMLVideoElement): number {
  const w = video.videoWidth;
  if (!w) return -1;
  canvas.width = w;
  canvas.height = L.strip;
  ctx.drawImage(video, 0, 0, w, L.strip, 0, 0, w, L.strip);
  const img = ctx.getImageData(0, 0, w, L.strip);
  const c = (k: number) => L.x0 + k * L.pitch + L.box / 2;
  const cy = L.y0 + L.box / 2;
  const white = lumaAt(img, c(L.bits), cy); // reference box: always white
  const black = lumaAt(img, c(L.bits) + L.pitch, cy); // strip background: always black
  if (white - black < 100) return -1;
  const mid = (white + black) / 2;
  let n = 0;
  for (let k = 0; k < L.bits; k++) if (lumaAt(img, c(k), cy) > mid) n |= 1 << k;
  return n;
}

const config = {
  ...HLS_LIVE_CONFIG,
  liveSyncDuration: Number(q.get('sync') || HLS_LIVE_CONFIG.liveSyncDuration),
  lowLatencyMode: q.get('ll') !== '0',
  debug: q.get('debug') === '1',
  // 'http': hls.js's own XHR loader (one HTTP/1.1 connection per request), to compare with the wall's socket
  ...(q.get('transport') === 'http' ? { loader: Hls.DefaultConfig.loader } : {}),
};
if (q.get('debug') === '1') {
  const load = HlsSocketLoader.prototype.load;
  let n = 0;
  HlsSocketLoader.prototype.load = function (this: HlsSocketLoader, context, config, callbacks) {
    if (context.url.includes('.m3u8') && n++ < 30) console.log(`playlist request ${context.url.replace(/^.*\/hls\//, '')} at ${Math.round(performance.now())}`);
    return load.call(this, context, config, callbacks);
  };
}
const cols = Math.ceil(Math.sqrt(sources.length));
document.body.style.cssText = `margin:0;background:#000;display:grid;grid-template-columns:repeat(${cols},1fr);`;

for (const src of sources) {
  const r: TileResult = { samples: [], loadAt: 0, firstFrameMs: null, firstAdvanceMs: null, stalls: 0, waiting: 0, waitingAt: [], pdtLatencyMs: [], appendGaps: { first: [], other: [] }, errors: [], bad: 0, marks: {} };
  tiles.push(r);
  const video = document.createElement('video');
  Object.assign(video, { muted: true, autoplay: true, playsInline: true });
  video.style.width = '100%';
  document.body.append(video);
  let last = -1;
  const onFrame = () => {
    const now = Date.now();
    const frame = decode(video);
    if (frame < 0) r.bad++;
    else {
      r.firstFrameMs ??= now - r.loadAt;
      if (last >= 0 && frame !== last) r.firstAdvanceMs ??= now - r.loadAt;
      r.samples.push([now, frame]);
      // the wall's own reading: now − EXT-X-PROGRAM-DATE-TIME of the frame playing (wall/video/tile.ts)
      const pdt = hls.playingDate;
      if (pdt) r.pdtLatencyMs.push(now - pdt.getTime());
      last = frame;
    }
    video.requestVideoFrameCallback(onFrame);
  };
  const hls = new Hls(config);
  hls.on(Hls.Events.ERROR, (_e, d) => {
    r.errors.push(`${d.type}/${d.details}${d.fatal ? ' (fatal)' : ''}`);
    if (d.details === 'bufferStalledError') r.stalls++;
  });
  video.addEventListener('waiting', () => {
    if (r.firstAdvanceMs === null) return; // stalls once playing
    r.waiting++;
    // a hole: the next buffered range starts after the playhead (ms), else 0 (the buffer simply ran out)
    const t = video.currentTime;
    let hole = 0;
    for (let i = 0; i < video.buffered.length; i++) if (video.buffered.start(i) > t) { hole = Math.round((video.buffered.start(i) - t) * 1000); break; }
    r.waitingAt.push([Date.now(), Math.round(hls.latency * 1000), hole, lastBuffered]);
  });
  const mark = (name: string) => () => void (r.marks[name] ??= Date.now() - r.loadAt);
  // the last media appended (segment sn / part index): a stall always after a segment's last part is a boundary issue
  let lastBuffered = '';
  let lastBufferedAt = 0;
  hls.on(Hls.Events.FRAG_BUFFERED, (_e, d) => {
    lastBuffered = `${d.frag.sn}${d.part ? `.${d.part.index}` : ''}`;
    const now = performance.now();
    // time since the previous part was appended: a segment's first part (index 0) against the others
    if (lastBufferedAt && d.part) (d.part.index === 0 ? r.appendGaps.first : r.appendGaps.other).push(Math.round(now - lastBufferedAt));
    lastBufferedAt = now;
  });
  hls.once(Hls.Events.MANIFEST_LOADED, mark('manifest'));
  hls.once(Hls.Events.MEDIA_ATTACHED, mark('mediaAttached'));
  hls.once(Hls.Events.LEVEL_LOADED, mark('level'));
  hls.once(Hls.Events.FRAG_LOADED, mark('fragLoaded'));
  hls.once(Hls.Events.FRAG_BUFFERED, mark('fragBuffered'));
  video.addEventListener('playing', mark('playing'), { once: true });
  hls.attachMedia(video);
  keepLiveEdge(hls, video, config.liveSyncDuration);
  video.requestVideoFrameCallback(onFrame);
  r.loadAt = Date.now();
  hls.loadSource(new URL(src, location.href).href); // absolute, as wall/video/tile.ts: hls.js adds LL-HLS directives with new URL()
  video.play().catch(() => undefined);
}
