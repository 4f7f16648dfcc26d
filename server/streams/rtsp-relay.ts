// Keeps camera credentials off ffmpeg's command line (readable by every local user in `ps` and /proc/*/cmdline).
// ffmpeg pulls rtsp://127.0.0.1:<port>/<route>/<camera path> with no userinfo; this relay forwards the RTSP session
// to the camera over one TCP connection per ffmpeg, answers the camera's 401 challenge itself (Basic or Digest,
// RFC 7616 MD5 or SHA-256, with or without qop=auth) and rewrites the camera's absolute URLs (Content-Base, SDP control,
// RTP-Info) back to the relay's, so every SETUP/PLAY comes back through it. Media is untouched: RTP over UDP goes
// camera → ffmpeg directly, and interleaved RTP over TCP is forwarded frame by frame without being parsed.
// Only the RTCP receiver reports of UDP sessions are lost (ffmpeg sends them to the relay's host): cameras keep a
// session alive on the RTSP keep-alives, which do pass through.
import crypto from 'node:crypto';
import net from 'node:net';
import tls from 'node:tls';
import type { Logger } from '../log.ts';

const HOST = '127.0.0.1';
const CONNECT_TIMEOUT_MS = 10_000;
/** A connection must name its route this soon; a route not used this soon is forgotten (ffmpeg connects at once). */
const ROUTE_TTL_MS = 30_000;
/** What may wait for the camera connection to open; more is not an RTSP client. */
const MAX_QUEUED_BYTES = 64 * 1024;
/** A header block larger than this is not RTSP: the connection is dropped rather than buffered without bound. */
const MAX_HEADER_BYTES = 64 * 1024;

interface Route {
  /** scheme://host[:port] of the camera, no userinfo. */
  origin: URL;
  user: string;
  password: string;
}

export interface RtspRelay {
  /**
   * The URL ffmpeg should open for this camera URL (itself when it carries no credentials). Each call makes a new
   * route that serves ONE connection: its id is in ffmpeg's argv, readable in `ps`, so it must not be reusable.
   */
  localUrl(cameraUrl: string): string;
  /** ffmpeg's messages name the relay URL; an operator needs the camera's (still without credentials). */
  cameraText(text: string): string;
  readonly port: number;
  close(): Promise<void>;
}

export async function startRtspRelay(log: Logger): Promise<RtspRelay> {
  const routes = new Map<string, Route>();
  /** Route id → the camera it stood for, for error texts after the route itself is spent. */
  const described = new Map<string, string>();
  const sockets = new Set<net.Socket>();
  const server = net.createServer((client) => {
    sockets.add(client);
    client.once('close', () => sockets.delete(client));
    new RelaySession(client, routes, () => port, log, (s) => {
      sockets.add(s);
      s.once('close', () => sockets.delete(s));
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, HOST, () => resolve());
  });
  const port = (server.address() as net.AddressInfo).port;

  return {
    port,
    localUrl(cameraUrl) {
      const url = new URL(cameraUrl);
      if (!/^rtsps?:$/i.test(url.protocol) || (!url.username && !url.password)) return cameraUrl;
      // the route id is not a secret worth much (it only reaches loopback video), but unguessable all the same
      const id = crypto.randomBytes(12).toString('base64url');
      const origin = new URL(`${url.protocol}//${url.host}`);
      routes.set(id, { origin, user: decodeURIComponent(url.username), password: decodeURIComponent(url.password) });
      setTimeout(() => routes.delete(id), ROUTE_TTL_MS).unref();
      described.set(id, `${origin.protocol}//${origin.host}`);
      return `rtsp://${HOST}:${port}/${id}${url.pathname}${url.search}`;
    },
    cameraText: (text) =>
      text.replace(new RegExp(`rtsp://${HOST.replace(/\./g, '\\.')}:${port}/([\\w-]+)`, 'g'), (m, id: string) => described.get(id) ?? m),
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

interface Message {
  /** Request line or status line. */
  start: string;
  headers: Array<[string, string]>;
  body: Buffer;
}

const header = (m: Message, name: string) => m.headers.find(([k]) => k.toLowerCase() === name)?.[1];
function setHeader(m: Message, name: string, value: string): void {
  const i = m.headers.findIndex(([k]) => k.toLowerCase() === name.toLowerCase());
  if (i === -1) m.headers.push([name, value]);
  else m.headers[i] = [name, value];
}
function serialize(m: Message): Buffer {
  if (m.body.length || header(m, 'content-length') !== undefined) setHeader(m, 'Content-Length', String(m.body.length));
  const head = [m.start, ...m.headers.map(([k, v]) => `${k}: ${v}`)].join('\r\n') + '\r\n\r\n';
  return Buffer.concat([Buffer.from(head, 'latin1'), m.body]);
}

/**
 * Splits one direction of an RTSP connection into messages and interleaved `$` frames. Frames are handed on as raw
 * bytes (contiguous ones in one piece), messages parsed.
 */
class RtspReader {
  private buf: Buffer = Buffer.alloc(0);
  constructor(
    private onBytes: (raw: Buffer) => void,
    private onMessage: (m: Message) => void,
    private onError: (why: string) => void,
  ) {}

  push(chunk: Buffer): void {
    this.buf = this.buf.length ? Buffer.concat([this.buf, chunk]) : chunk;
    let frameStart = -1;
    let at = 0;
    const flushFrames = () => {
      if (frameStart !== -1 && at > frameStart) this.onBytes(this.buf.subarray(frameStart, at));
      frameStart = -1;
    };
    while (at < this.buf.length) {
      if (this.buf[at] === 0x24) {
        if (this.buf.length - at < 4) break;
        const end = at + 4 + this.buf.readUInt16BE(at + 2);
        if (end > this.buf.length) break;
        if (frameStart === -1) frameStart = at;
        at = end;
        continue;
      }
      flushFrames();
      const headEnd = this.buf.indexOf('\r\n\r\n', at, 'latin1');
      if (headEnd === -1) {
        if (this.buf.length - at > MAX_HEADER_BYTES) return this.onError('RTSP header too large');
        break;
      }
      const lines = this.buf.subarray(at, headEnd).toString('latin1').split('\r\n');
      const headers: Array<[string, string]> = [];
      for (const line of lines.slice(1)) {
        const colon = line.indexOf(':');
        if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
      }
      const length = Number(headers.find(([k]) => k.toLowerCase() === 'content-length')?.[1] ?? 0);
      if (!Number.isInteger(length) || length < 0 || length > MAX_HEADER_BYTES) return this.onError('bad Content-Length');
      const bodyEnd = headEnd + 4 + length;
      if (bodyEnd > this.buf.length) break;
      this.onMessage({ start: lines[0], headers, body: Buffer.from(this.buf.subarray(headEnd + 4, bodyEnd)) });
      at = bodyEnd;
    }
    flushFrames();
    this.buf = at >= this.buf.length ? Buffer.alloc(0) : Buffer.from(this.buf.subarray(at));
  }
}

interface Challenge {
  scheme: 'basic' | 'digest';
  params: Record<string, string>;
  nc: number;
}

/** WWW-Authenticate values → the strongest challenge we can answer (Digest over Basic). */
export function pickChallenge(values: string[]): Challenge | undefined {
  let basic: Challenge | undefined;
  for (const v of values) {
    const scheme = /^\s*(\w+)/.exec(v)?.[1]?.toLowerCase();
    const params: Record<string, string> = {};
    for (const m of v.matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^\s,]+))/g)) params[m[1].toLowerCase()] = m[2]?.replace(/\\(.)/g, '$1') ?? m[3];
    if (scheme === 'digest' && DIGEST_HASH[(params.algorithm ?? 'MD5').toUpperCase()]) return { scheme, params, nc: 0 };
    if (scheme === 'basic') basic = { scheme, params, nc: 0 };
  }
  return basic;
}

const defaultPort = (u: URL) => (u.protocol === 'rtsps:' ? 322 : 554);
/** RFC 7616 algorithms (the -sess variants are not used by cameras). */
const DIGEST_HASH: Record<string, string> = { MD5: 'md5', 'SHA-256': 'sha256' };
const quote = (s: string) => `"${s.replace(/["\\]/g, '\\$&')}"`;

/** The Authorization value answering a challenge for one request (RFC 7617 Basic, RFC 7616 Digest). */
export function authorization(c: Challenge, user: string, password: string, method: string, uri: string, cnonce = crypto.randomBytes(8).toString('hex')): string {
  if (c.scheme === 'basic') return `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
  const { realm = '', nonce = '', opaque, qop } = c.params;
  const algorithm = DIGEST_HASH[(c.params.algorithm ?? 'MD5').toUpperCase()];
  const h = (s: string) => crypto.createHash(algorithm).update(s, 'utf8').digest('hex');
  const ha1 = h(`${user}:${realm}:${password}`);
  const ha2 = h(`${method}:${uri}`);
  const parts = [`username=${quote(user)}`, `realm=${quote(realm)}`, `nonce=${quote(nonce)}`, `uri=${quote(uri)}`];
  if (qop?.split(',').some((q) => q.trim() === 'auth')) {
    const nc = (++c.nc).toString(16).padStart(8, '0');
    parts.push(`response=${quote(h(`${ha1}:${nonce}:${nc}:${cnonce}:auth:${ha2}`))}`, 'qop=auth', `nc=${nc}`, `cnonce=${quote(cnonce)}`);
  } else {
    parts.push(`response=${quote(h(`${ha1}:${nonce}:${ha2}`))}`);
  }
  if (c.params.algorithm) parts.push(`algorithm=${c.params.algorithm}`);
  if (opaque !== undefined) parts.push(`opaque=${quote(opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

/** One ffmpeg's connection and the camera connection behind it. */
class RelaySession {
  private upstream: net.Socket | undefined;
  private route: Route | undefined;
  private localBase = '';
  private challenge: Challenge | undefined;
  /** Requests sent upstream and not yet answered, by CSeq: a 401 is answered by sending one again, once. */
  private pending = new Map<string, { m: Message; retried: boolean }>();
  private queued: Buffer[] = [];
  private queuedBytes = 0;

  constructor(
    private client: net.Socket,
    private routes: Map<string, Route>,
    private port: () => number,
    private log: Logger,
    private track: (s: net.Socket) => void,
  ) {
    const fromClient = new RtspReader(
      (raw) => this.toUpstream(raw),
      (m) => this.onClientMessage(m),
      (why) => this.fail(why),
    );
    client.on('data', (d) => fromClient.push(d));
    client.on('error', () => this.close());
    client.on('close', () => this.close());
    // a connection that names no route soon is not our ffmpeg
    const unrouted = setTimeout(() => !this.route && this.fail('no request named a route'), ROUTE_TTL_MS);
    unrouted.unref();
    client.once('close', () => clearTimeout(unrouted));
  }

  private onClientMessage(m: Message): void {
    const [method, uri, version] = m.start.split(' ');
    if (!this.route) {
      const id = /^rtsp:\/\/[^/]+\/([^/?]+)/i.exec(uri ?? '')?.[1];
      const route = id ? this.routes.get(id) : undefined;
      if (!route) {
        this.answer(m, '404 Not Found');
        return void this.client.end(); // let the answer out, then hang up
      }
      this.routes.delete(id!); // spent: one connection per route
      this.route = route;
      this.localBase = `rtsp://${HOST}:${this.port()}/${id}`;
      this.connect(route, m);
    }
    m.start = `${method} ${this.toCamera(uri)} ${version}`;
    this.send(m);
  }

  private connect(route: Route, first: Message): void {
    const port = Number(route.origin.port) || defaultPort(route.origin);
    const host = route.origin.hostname.replace(/^\[|\]$/g, '');
    const up =
      route.origin.protocol === 'rtsps:'
        ? // as ffmpeg itself does: cameras use self-signed certificates (Digest keeps the password off the wire anyway)
          tls.connect({ host, port, servername: net.isIP(host) ? undefined : host, rejectUnauthorized: false })
        : net.connect({ host, port });
    this.upstream = up;
    this.track(up);
    up.setNoDelay(true);
    up.setTimeout(CONNECT_TIMEOUT_MS, () => this.upstreamFailed(first, 'ETIMEDOUT'));
    up.once(route.origin.protocol === 'rtsps:' ? 'secureConnect' : 'connect', () => {
      up.setTimeout(0);
      for (const b of this.queued.splice(0)) up.write(b);
    });
    const fromCamera = new RtspReader(
      (raw) => this.toClient(raw),
      (m) => this.onCameraMessage(m),
      (why) => this.fail(why),
    );
    up.on('data', (d) => fromCamera.push(d));
    up.on('error', (err: NodeJS.ErrnoException) => this.upstreamFailed(first, err.code ?? 'error'));
    up.on('close', () => this.close());
    // back-pressure both ways: a slow ffmpeg slows the camera socket, not our memory
    up.on('drain', () => this.client.resume());
    this.client.on('drain', () => up.resume());
  }

  /** The camera could not be reached: tell ffmpeg in an RTSP status it prints, so the tile's error says why. */
  private upstreamFailed(first: Message, code: string): void {
    if (this.client.destroyed) return;
    const open = [...this.pending.values()][0]?.m ?? first;
    this.answer(open, `502 Camera unreachable (${code})`);
    this.close();
  }

  private onCameraMessage(m: Message): void {
    if (!m.start.startsWith('RTSP/')) return this.toClient(serialize(m)); // a request from the camera (rare): as is
    const cseq = header(m, 'cseq') ?? '';
    const sent = this.pending.get(cseq);
    const status = Number(m.start.split(' ')[1]);
    if (status === 401 && sent && !sent.retried && this.route) {
      const challenge = pickChallenge(m.headers.filter(([k]) => k.toLowerCase() === 'www-authenticate').map(([, v]) => v));
      if (challenge) {
        this.challenge = challenge;
        sent.retried = true;
        return this.send(sent.m, true);
      }
    }
    this.pending.delete(cseq);
    for (const h of m.headers) if (/^(content-base|content-location|rtp-info|location)$/i.test(h[0])) h[1] = this.toLocal(h[1]);
    if (/application\/sdp/i.test(header(m, 'content-type') ?? '')) m.body = Buffer.from(this.toLocal(m.body.toString('latin1')), 'latin1');
    this.toClient(serialize(m));
  }

  private send(m: Message, retry = false): void {
    if (this.route && this.challenge) {
      const [method, uri] = m.start.split(' ');
      setHeader(m, 'Authorization', authorization(this.challenge, this.route.user, this.route.password, method, uri));
    }
    const cseq = header(m, 'cseq');
    if (cseq !== undefined && !retry) this.pending.set(cseq, { m, retried: false });
    this.toUpstream(serialize(m));
  }

  private toUpstream(raw: Buffer): void {
    const up = this.upstream;
    if (!this.route) return; // interleaved bytes before any routed request: nothing to carry them to
    if (!up || up.connecting) {
      this.queuedBytes += raw.length;
      if (this.queuedBytes > MAX_QUEUED_BYTES) return this.fail('too much before the camera answered');
      return void this.queued.push(raw);
    }
    if (!up.destroyed && !up.write(raw)) this.client.pause();
  }

  private toClient(raw: Buffer): void {
    if (!this.client.destroyed && !this.client.write(raw)) this.upstream?.pause();
  }

  private answer(m: Message, status: string): void {
    const cseq = header(m, 'cseq');
    this.toClient(Buffer.from(`RTSP/1.0 ${status}\r\n${cseq ? `CSeq: ${cseq}\r\n` : ''}\r\n`, 'latin1'));
  }

  /** Relay URL → camera URL (no userinfo: the credentials travel only in Authorization). */
  private toCamera(uri: string | undefined): string {
    if (!uri || !this.route || !uri.startsWith(this.localBase)) return uri ?? '*';
    return `${this.route.origin.protocol}//${this.route.origin.host}${uri.slice(this.localBase.length)}`;
  }

  /**
   * Camera URLs in a header or SDP → relay URLs. Any authority: the session speaks to one camera, and a camera behind
   * NAT often names itself by its inside address, which ffmpeg must never be sent to (no credentials, no relay).
   */
  private toLocal(text: string): string {
    return text.replace(/rtsps?:\/\/[^/\s;,"]+/gi, this.localBase);
  }

  private fail(why: string): void {
    this.log.warn('rtsp relay: dropping a connection', { why });
    this.close();
  }

  private close(): void {
    this.client.destroy();
    this.upstream?.destroy();
  }
}
