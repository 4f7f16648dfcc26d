// HTTPS with HTTP/2 (SIAGA_TLS_CERT + SIAGA_TLS_KEY): one TLS port where a browser multiplexes every request of a
// page over one connection, so 16 tiles' blocking playlist and part requests are never queued behind HTTP/1.1's 6
// connections per origin. Clients without h2 (curl --http1.1, ffmpeg, VLC) are served HTTP/1.1 on the same port
// (ALPN), and WebSockets (/ws, /hls-ws) upgrade on such a connection, as browsers do.
//
// express cannot serve node's HTTP/2 compatibility objects (it replaces their prototypes), so HTTP/1.1 requests go
// to the app directly and HTTP/2 requests are forwarded to the app's own HTTP listener over loopback keep-alive
// connections: the app sees an ordinary request from a loopback proxy (trusted, 'trust proxy' loopback), with the
// client's address in X-Forwarded-For and the browser's :authority as Host.
import fs from 'node:fs';
import http from 'node:http';
import http2 from 'node:http2';
import type { Duplex } from 'node:stream';
import { logger } from '../log.ts';

const log = logger('tls');

/** Hop-by-hop headers (RFC 9110 7.6.1) and those HTTP/2 forbids: never forwarded either way. */
const HOP = new Set(['connection', 'keep-alive', 'proxy-connection', 'transfer-encoding', 'upgrade', 'te', 'trailer', 'http2-settings', 'host']);

export interface TlsFront {
  server: http2.Http2SecureServer;
  port: number;
  close(): Promise<void>;
}

export async function startTlsFront(o: {
  certFile: string;
  keyFile: string;
  port: number;
  host: string;
  /** The app's HTTP/1.1 server: its 'request' and 'upgrade' handlers serve HTTP/1.1, its listener HTTP/2. */
  app: http.Server;
}): Promise<TlsFront> {
  const addr = o.app.address();
  if (!addr || typeof addr === 'string') throw new Error('the HTTP server must be listening before the TLS front starts');
  const upstream = { host: ['0.0.0.0', '::', ''].includes(addr.address) ? (addr.family === 'IPv6' ? '::1' : '127.0.0.1') : addr.address, port: addr.port };
  const agent = new http.Agent({ keepAlive: true, maxSockets: 512, maxFreeSockets: 64 });
  const server = http2.createSecureServer({
    cert: fs.readFileSync(o.certFile),
    key: fs.readFileSync(o.keyFile),
    allowHTTP1: true,
    // a page opens one connection and keeps it; 16 tiles hold ~32 streams (a blocked playlist and a hinted part each)
    settings: { maxConcurrentStreams: 256 },
  });

  server.on('request', (req: http2.Http2ServerRequest | http.IncomingMessage, res: http2.Http2ServerResponse | http.ServerResponse) => {
    if (req.httpVersionMajor < 2) {
      o.app.emit('request', req, res); // ALPN chose http/1.1: an ordinary request
      return;
    }
    forward(req as http2.Http2ServerRequest, res as http2.Http2ServerResponse);
  });
  server.on('upgrade', (req: http.IncomingMessage, socket: Duplex, head: Buffer) => o.app.emit('upgrade', req, socket, head));
  const sessions = new Set<http2.ServerHttp2Session>();
  const sockets = new Set<Duplex>();
  server.on('session', (s: http2.ServerHttp2Session) => {
    sessions.add(s);
    s.once('close', () => sessions.delete(s));
  });
  server.on('secureConnection', (socket: Duplex) => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  });
  server.on('sessionError', () => undefined); // a client that hangs up mid-handshake is not our error
  server.on('tlsClientError', () => undefined);

  function forward(req: http2.Http2ServerRequest, res: http2.Http2ServerResponse): void {
    const headers: http.OutgoingHttpHeaders = {};
    for (const [k, v] of Object.entries(req.headers)) if (!k.startsWith(':') && !HOP.has(k) && k !== 'x-forwarded-for' && k !== 'x-forwarded-host') headers[k] = v;
    headers.host = req.headers[':authority'] ?? req.headers.host ?? '';
    headers['x-forwarded-for'] = req.socket.remoteAddress ?? ''; // replaced, never appended: the client's own is a claim
    headers['x-forwarded-proto'] = 'https';
    const up = http.request({ ...upstream, method: req.method, path: req.url, headers, agent }, (answer) => {
      const out: http.OutgoingHttpHeaders = {};
      for (const [k, v] of Object.entries(answer.headers)) if (!HOP.has(k) && v !== undefined) out[k] = v;
      res.writeHead(answer.statusCode ?? 502, out);
      answer.pipe(res);
      answer.on('error', () => res.destroy());
    });
    up.on('error', () => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'application/json' }).end('{"error":"bad_gateway","message":"the server is restarting"}');
      else res.destroy();
    });
    // a held playlist or part the browser gave up on releases the server's side at once
    res.on('close', () => up.destroy());
    req.pipe(up);
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.port, o.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;
  log.info(`HTTPS (HTTP/2, HTTP/1.1) on :${port}`);
  return {
    server,
    port,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        // sessions and keep-alive connections stay open until closed: end the sessions (streams in flight finish),
        // then, a second later, whatever is still connected (a held WebSocket is closed by its own room first)
        for (const s of sessions) s.close();
        setTimeout(() => sockets.forEach((s) => s.destroy()), 1000).unref();
      });
      agent.destroy();
    },
  };
}
