// hls.js loader that carries every /hls/ request of the page over one WebSocket (server/streams/hls-socket.ts).
// Why: Chromium allows 6 HTTP/1.1 connections per origin and every LL-HLS player holds two open (blocking playlist
// reload, preload-hinted part), so a 16-tile page queued behind itself (2.1–3.0 s latency). Over the socket a held
// request costs nothing. When the socket cannot be had (a proxy refuses upgrades, the server restarts) the request
// goes over plain HTTP instead, so video never depends on it.
import Hls, { type HlsConfig, type Loader, type LoaderCallbacks, type LoaderConfiguration, type LoaderContext, type LoaderStats } from 'hls.js';

const KIND = ['json', 'm3u8', 'mp4'] as const;
const HEADER_BYTES = 8;
/** After the socket failed to open, use HTTP this long before trying it again. */
const RETRY_SOCKET_MS = 10_000;

interface Answer {
  /** 0: the socket went away before an answer (the loader then asks over HTTP). */
  status: number;
  kind: (typeof KIND)[number] | undefined;
  body: ArrayBuffer;
}

/** Requests carried so far, per transport (diagnostics and tests: the socket really carries the page's video), and
 * how many were blocking playlist reloads (they carry `_HLS_msn`: hls.js really asks the server to hold). */
export const hlsTransportCounts = { socket: 0, http: 0, blocking: 0 };

class HlsLink {
  private ws: WebSocket | null = null;
  private open = false;
  private downUntil = 0;
  private nextId = 1;
  private readonly waiting = new Map<number, (a: Answer) => void>();
  private readonly unsent: string[] = [];

  /** False while the socket is known not to work: callers go over HTTP. */
  usable(): boolean {
    return typeof WebSocket !== 'undefined' && Date.now() >= this.downUntil;
  }

  /** Open the socket ahead of the first request (a page with tiles): the first click does not pay the handshake. */
  warm(): void {
    if (!this.ws && this.usable()) this.connect();
  }

  request(get: string, onAnswer: (a: Answer) => void): number {
    const id = this.nextId++ >>> 0;
    this.waiting.set(id, onAnswer);
    this.send(JSON.stringify({ id, get }));
    return id;
  }

  cancel(id: number): void {
    if (this.waiting.delete(id)) this.send(JSON.stringify({ id, cancel: true }));
  }

  private send(msg: string): void {
    if (this.open && this.ws) return this.ws.send(msg);
    this.unsent.push(msg);
    if (!this.ws) this.connect();
  }

  private connect(): void {
    const ws = new WebSocket(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/hls-ws`);
    ws.binaryType = 'arraybuffer';
    this.ws = ws;
    ws.onopen = () => {
      this.open = true;
      for (const m of this.unsent.splice(0)) ws.send(m);
    };
    ws.onmessage = (e) => {
      if (!(e.data instanceof ArrayBuffer) || e.data.byteLength < HEADER_BYTES) return;
      const head = new DataView(e.data, 0, HEADER_BYTES);
      const id = head.getUint32(0);
      const onAnswer = this.waiting.get(id);
      if (!onAnswer) return; // cancelled meanwhile
      this.waiting.delete(id);
      onAnswer({ status: head.getUint16(4), kind: KIND[head.getUint8(6)], body: e.data.slice(HEADER_BYTES) });
    };
    ws.onclose = () => {
      if (!this.open) this.downUntil = Date.now() + RETRY_SOCKET_MS; // never opened: HTTP for a while
      this.open = false;
      this.ws = null;
      this.unsent.length = 0;
      const orphans = [...this.waiting.values()];
      this.waiting.clear();
      for (const onAnswer of orphans) onAnswer({ status: 0, kind: undefined, body: new ArrayBuffer(0) });
    };
  }
}

const link = new HlsLink();
export const warmHlsSocket = () => link.warm();

/** One /hls/ file's bytes, over the socket when it can be had (else HTTP); rejects on any non-2xx answer. */
export async function fetchHlsBytes(url: string): Promise<ArrayBuffer> {
  const path = socketPath(url);
  if (path && link.usable()) {
    const a = await new Promise<Answer>((resolve) => link.request(path, resolve));
    if (a.status >= 200 && a.status < 300) return a.body;
    if (a.status !== 0) throw new Error(`HTTP ${a.status}`);
  }
  const res = await fetch(url);
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.arrayBuffer();
}

const newStats = (): LoaderStats => ({
  aborted: false,
  loaded: 0,
  retry: 0,
  total: 0,
  chunkCount: 0,
  bwEstimate: 0,
  loading: { start: 0, first: 0, end: 0 },
  parsing: { start: 0, end: 0 },
  buffering: { start: 0, first: 0, end: 0 },
});

/** The path to ask the socket for, when `url` is one of this origin's /hls/ files. */
function socketPath(url: string): string | null {
  try {
    const u = new URL(url, location.href);
    return u.origin === location.origin && u.pathname.startsWith('/hls/') ? u.pathname + u.search : null;
  } catch {
    return null;
  }
}

export class HlsSocketLoader implements Loader<LoaderContext> {
  context: LoaderContext | null = null;
  stats: LoaderStats = newStats();
  private callbacks: LoaderCallbacks<LoaderContext> | null = null;
  private id: number | null = null;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private http: Loader<LoaderContext> | null = null;

  constructor(private readonly hlsConfig: HlsConfig) {}

  load(context: LoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>): void {
    this.context = context;
    this.callbacks = callbacks;
    this.http?.destroy();
    this.http = null;
    // hls.js holds on to this very stats object (frag.stats = loader.stats before load): reset it in place.
    Object.assign(this.stats, newStats(), { retry: this.stats.retry });
    this.stats.loading.start = performance.now();
    if (context.url.includes('_HLS_msn=')) hlsTransportCounts.blocking++;
    const path = socketPath(context.url);
    if (!path || !link.usable()) return this.overHttp(context, config, callbacks);
    hlsTransportCounts.socket++;
    this.timer = setTimeout(() => {
      this.cancel();
      this.callbacks?.onTimeout(this.stats, context, null);
    }, config.loadPolicy.maxLoadTimeMs);
    this.id = link.request(path, (a) => this.answered(a, config));
  }

  private answered(a: Answer, config: LoaderConfiguration): void {
    this.id = null;
    clearTimeout(this.timer);
    const { context, callbacks, stats } = this;
    if (!context || !callbacks || stats.aborted) return;
    if (a.status === 0) return this.overHttp(context, config, callbacks);
    const now = performance.now();
    stats.loading.first = Math.max(now, stats.loading.start);
    stats.loading.end = stats.loading.first;
    if (a.status < 200 || a.status >= 300) {
      return callbacks.onError({ code: a.status, text: new TextDecoder().decode(a.body) }, context, null, stats);
    }
    stats.loaded = stats.total = a.body.byteLength;
    stats.bwEstimate = (stats.total * 8000) / Math.max(1, stats.loading.end - stats.loading.start);
    const data = context.responseType === 'arraybuffer' ? a.body : new TextDecoder().decode(a.body);
    callbacks.onSuccess({ url: context.url, data, code: a.status }, stats, context, null);
  }

  private overHttp(context: LoaderContext, config: LoaderConfiguration, callbacks: LoaderCallbacks<LoaderContext>): void {
    hlsTransportCounts.http++;
    const Http = Hls.DefaultConfig.loader;
    this.http = new Http(this.hlsConfig);
    const mine = (s: LoaderStats) => Object.assign(this.stats, s, { retry: this.stats.retry });
    this.http.load(context, config, {
      onSuccess: (r, s, c, n) => callbacks.onSuccess(r, mine(s), c, n),
      onError: (e, c, n, s) => callbacks.onError(e, c, n, mine(s)),
      onTimeout: (s, c, n) => callbacks.onTimeout(mine(s), c, n),
      onAbort: (s, c, n) => callbacks.onAbort?.(mine(s), c, n),
      onProgress: callbacks.onProgress && ((s, c, d, n) => callbacks.onProgress!(mine(s), c, d, n)),
    });
  }

  private cancel(): void {
    clearTimeout(this.timer);
    if (this.id !== null) link.cancel(this.id);
    this.id = null;
  }

  abort(): void {
    if (this.http) return this.http.abort(); // it reports onAbort itself
    const wasLoading = this.id !== null;
    this.cancel();
    this.stats.aborted = true;
    if (wasLoading && this.context) this.callbacks?.onAbort?.(this.stats, this.context, null);
  }

  destroy(): void {
    this.callbacks = null;
    this.cancel();
    this.http?.destroy();
    this.http = null;
    this.context = null;
  }
}
