// LL-HLS over one WebSocket per page (/hls-ws). Why: Chromium opens at most 6 HTTP/1.1 connections per origin, and
// every LL-HLS player holds one for its blocking playlist reload and one for its preload-hinted part. A 16-tile
// page then queues its requests behind each other (measured: 2.1–3.0 s latency, HLS p50 1.0 s). On one socket the
// held requests cost nothing while they wait, and each is answered the moment its part exists.
//
// Wire format (both directions are small and fixed so either side can be checked against the other):
//   page → server, text:   {"id": <uint32>, "get": "/hls/<camera>/<file>?_HLS_msn=…&_HLS_part=…"}
//                           {"id": <uint32>, "cancel": true}
//   server → page, binary: u32 id · u16 HTTP status · u8 kind (0 json, 1 m3u8, 2 mp4) · u8 0 · body
// Every answer is exactly what GET on the same path would return (answerHls); errors are 4xx with the field.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import { admitWatcher, type Authenticate } from '../http/upgrade-auth.ts';
import { SERVICE_RESTART } from '../realtime/hub.ts';
import { logger } from '../log.ts';
import { answerHls, refusal, type HlsAnswer, type HlsKind } from './hls-answer.ts';
import type { CameraPipeline } from './pipeline.ts';

const log = logger('hls-socket');

export const HLS_SOCKET_PATH = '/hls-ws';
export const HLS_KIND_CODE: Record<HlsKind, number> = { json: 0, m3u8: 1, mp4: 2 };
export const HEADER_BYTES = 8;
/** Requests one page may have open at once: 16 tiles × (playlist + hinted part + a fragment) with room to spare. */
export const MAX_IN_FLIGHT = 96;
const MAX_GET_CHARS = 256;
const PATH = /^\/hls\/([^/]{1,64})\/([^/]{1,32})$/;

export interface HlsSocketOptions {
  server: http.Server;
  pipelineOf: (id: string) => CameraPipeline | undefined;
  authenticate: Authenticate;
  /** A page that does not read its video this far behind is cut loose (it reconnects). */
  maxBufferedBytes?: number;
  heartbeatMs?: number;
}

export function frame(id: number, a: Pick<HlsAnswer, 'status' | 'kind' | 'body'>): Buffer {
  const body = typeof a.body === 'string' ? Buffer.from(a.body) : a.body;
  const head = Buffer.alloc(HEADER_BYTES);
  head.writeUInt32BE(id, 0);
  head.writeUInt16BE(a.status, 4);
  head.writeUInt8(HLS_KIND_CODE[a.kind], 6);
  return Buffer.concat([head, body]);
}


export function attachHlsSocket(opts: HlsSocketOptions) {
  const maxBuffered = opts.maxBufferedBytes ?? 16 * 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 1024 });
  /** Each page's socket → answered a ping since the last heartbeat. */
  const sockets = new Map<WebSocket, { alive: boolean }>();
  let requests = 0;

  function serve(ws: WebSocket) {
    const open = new Map<number, AbortController>();
    const beat = { alive: true };
    sockets.set(ws, beat);
    ws.on('pong', () => (beat.alive = true));
    const send = (id: number, a: Pick<HlsAnswer, 'status' | 'kind' | 'body'>) => {
      if (ws.readyState !== ws.OPEN) return;
      if (ws.bufferedAmount > maxBuffered) {
        log.warn('page not reading its video: cut loose', { bufferedBytes: ws.bufferedAmount });
        ws.terminate();
        return;
      }
      ws.send(frame(id, a), { binary: true });
    };
    ws.on('message', (raw, isBinary) => {
      let msg: { id?: unknown; get?: unknown; cancel?: unknown };
      try {
        msg = isBinary ? null : JSON.parse(String(raw));
      } catch {
        msg = {};
      }
      const id = msg?.id;
      if (typeof id !== 'number' || !Number.isInteger(id) || id < 0 || id > 0xffffffff) {
        ws.close(1008, 'each message needs an integer id'); // no id: nothing to answer to
        return;
      }
      if (msg.cancel === true) {
        open.get(id)?.abort();
        open.delete(id);
        return;
      }
      if (typeof msg.get !== 'string' || msg.get.length > MAX_GET_CHARS) return send(id, refusal('invalid_field', 'get', 'get must be a path'));
      if (open.has(id)) return send(id, refusal('invalid_field', 'id', 'id already in use'));
      if (open.size >= MAX_IN_FLIGHT) return send(id, refusal('rate_limited', 'get', 'too many open requests'));
      let url: URL;
      try {
        url = new URL(msg.get, 'http://x');
      } catch {
        return send(id, refusal('invalid_field', 'get', 'get must be a path'));
      }
      const m = PATH.exec(url.pathname);
      if (!m || url.origin !== 'http://x') return send(id, refusal('invalid_field', 'get', 'get must be /hls/<camera>/<file>'));
      const query: Record<string, string> = {};
      for (const [k, v] of url.searchParams) if (k === '_HLS_msn' || k === '_HLS_part') query[k] = v;
      let camera: string, file: string;
      try {
        [camera, file] = [decodeURIComponent(m[1]), decodeURIComponent(m[2])];
      } catch {
        return send(id, refusal('invalid_field', 'get', 'get is not a valid path'));
      }
      const ac = new AbortController();
      open.set(id, ac);
      requests += 1;
      answerHls(opts.pipelineOf, camera, file, query, ac.signal)
        .catch((err) => {
          log.warn('hls answer failed', { error: String(err) });
          return refusal('not_found', 'get', 'not available');
        })
        .then((a) => {
          if (open.get(id) !== ac) return; // cancelled
          open.delete(id);
          send(id, a);
        });
    });
    const forget = () => {
      for (const ac of open.values()) ac.abort();
      open.clear();
      sockets.delete(ws);
    };
    ws.on('close', forget);
    ws.on('error', forget);
  }

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== HLS_SOCKET_PATH) return;
    if (!admitWatcher(req, socket, opts.authenticate)) return;
    wss.handleUpgrade(req, socket, head, serve);
  };
  opts.server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const [ws, beat] of sockets) {
      if (!beat.alive) {
        ws.terminate();
        sockets.delete(ws);
        continue;
      }
      beat.alive = false;
      ws.ping();
    }
  }, opts.heartbeatMs ?? 15_000);
  heartbeat.unref();

  return {
    stats: () => ({ pages: sockets.size, requests }),
    /** Like the realtime hub: 1012 tells the page the server restarts on purpose (its players fall back, then return). */
    async close(graceMs = 1000): Promise<void> {
      clearInterval(heartbeat);
      opts.server.off('upgrade', onUpgrade);
      await Promise.all(
        [...sockets.keys()].map(
          (ws) =>
            new Promise<void>((resolve) => {
              if (ws.readyState === ws.CLOSED) return resolve();
              const cut = setTimeout(() => (ws.terminate(), resolve()), graceMs);
              ws.once('close', () => (clearTimeout(cut), resolve()));
              ws.close(SERVICE_RESTART, 'server restarting');
            }),
        ),
      );
      wss.close();
    },
  };
}
export type HlsSocket = ReturnType<typeof attachHlsSocket>;
