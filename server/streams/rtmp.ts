// RTMP push ingest (drones, phones) with node-media-server v4. It makes no HLS itself: a camera whose source is
// rtmp:// is pulled back from here by our own ffmpeg pipeline, so it gets the same HLS, health and snapshots.
// Publishing AND playing need a signed URL (`?sign=<expiry>-md5(/live/<id>-<expiry>-<secret>)`).
import crypto from 'node:crypto';
import { createRequire } from 'node:module';
import net from 'node:net';
import path from 'node:path';
import { logger } from '../log.ts';

const log = logger('rtmp');
const require = createRequire(import.meta.url);

interface NmsSession {
  streamPath?: string;
  ip?: string;
  /** Set by node-media-server once the publish passed its checks (signature, one publisher per path). */
  isPublisher?: boolean;
  rtmp?: { onPacketCallback?: (packet: unknown) => void };
}

interface NmsInstance {
  run(): Promise<void>;
  stop(): Promise<void>;
  on(event: string, fn: (session: NmsSession) => void): void;
  rtmpServer: { tcpServer?: net.Server };
}

export interface RtmpIngestOptions {
  /** 0 = any free port (tests). */
  port: number;
  host: string;
  secret: string;
  /** node-media-server's own small JSON store (stream history) lives here. */
  workDir: string;
}

export interface RtmpIngest {
  port: number;
  /** Where a publisher for camera `id` pushes, signed for `ttlS` seconds. */
  publishUrl(id: string, host?: string, ttlS?: number): string;
  /** What our ffmpeg pulls for camera `id` (signed, loopback). */
  pullUrl(id: string): string;
  close(): Promise<void>;
}

export const RTMP_APP = 'live';

/** node-media-server's signed-URL scheme. */
export function signStreamPath(streamPath: string, secret: string, ttlS: number, now = Date.now()): string {
  const exp = Math.floor(now / 1000) + ttlS;
  const hash = crypto.createHash('md5').update(`${streamPath}-${exp}-${secret}`).digest('hex');
  return `${exp}-${hash}`;
}

/** node-media-server only logs (or process.exit()s) on a taken port: find out ourselves, and fail start-up. */
function checkPortFree(port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) =>
      reject(new Error(`RTMP ingest cannot listen on ${host}:${port}: ${err.code ?? err.message}`)),
    );
    probe.listen(port, host, () => {
      const actual = (probe.address() as net.AddressInfo).port;
      probe.close(() => resolve(actual));
    });
  });
}

export async function startRtmpIngest(o: RtmpIngestOptions): Promise<RtmpIngest> {
  if (!o.secret) throw new Error('RTMP ingest needs SIAGA_RTMP_SECRET (publishing is never unauthenticated)');
  const port = await checkPortFree(o.port, o.host);
  const NodeMediaServer = require('node-media-server') as new (config: object) => NmsInstance;
  const nmsLogger = require('node-media-server/src/core/logger.js') as { level: string };
  const nms = new NodeMediaServer({
    bind: o.host,
    rtmp: { port },
    auth: { play: true, publish: true, secret: o.secret },
    store: { path: path.join(o.workDir, 'nms') },
    webadmin: { enable: false },
    record: { auto: false },
  });
  nmsLogger.level = 'warn'; // its constructor forces debug
  nms.on('prePublish', (s) => {
    log.info('RTMP publish', { stream: s.streamPath, ip: s.ip });
    // node-media-server refuses a bad signature by half-closing the socket, but keeps parsing what that publisher
    // already sent and relays it to every player of the path (seen: a refused push turned the camera 'online').
    // Only the accepted publisher's packets may pass.
    const rtmp = s.rtmp;
    const relay = rtmp?.onPacketCallback;
    if (rtmp && relay) rtmp.onPacketCallback = (packet) => void (s.isPublisher && relay(packet));
  });
  nms.on('donePublish', (s) => log.info('RTMP publish ended', { stream: s.streamPath }));
  const running = nms.run(); // listen() is called synchronously in here
  const server = nms.rtmpServer.tcpServer;
  // replace its error handler, which would process.exit(1) if someone takes the port in between
  server?.removeAllListeners('error');
  const listening = new Promise<void>((resolve, reject) => {
    if (!server) return reject(new Error('node-media-server created no RTMP listener'));
    if (server.listening) return resolve();
    server.once('listening', () => resolve());
    server.once('error', (err) => reject(new Error(`RTMP ingest cannot listen on ${o.host}:${port}: ${err.message}`)));
  });
  try {
    await running;
    await listening;
  } catch (err) {
    await nms.stop();
    throw err;
  }
  log.info(`RTMP ingest on ${o.host}:${port} (signed publish URLs)`);
  const streamPath = (id: string) => `/${RTMP_APP}/${id}`;
  return {
    port,
    publishUrl: (id, host = '127.0.0.1', ttlS = 3600) =>
      `rtmp://${host}:${port}${streamPath(id)}?sign=${signStreamPath(streamPath(id), o.secret, ttlS)}`,
    pullUrl: (id) => `rtmp://127.0.0.1:${port}${streamPath(id)}?sign=${signStreamPath(streamPath(id), o.secret, 86_400)}`,
    close: () => nms.stop(),
  };
}
