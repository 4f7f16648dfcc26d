// Realtime hub: one WebSocket endpoint (/ws) on the main HTTP server.
// On connect: {type:'snapshot', seq, clientId, data:{cameras, incidents, units}}; then deltas {type, seq, data}
// with one monotonic seq for all types. A client that sees a gap sends {type:'resync'} and gets a fresh snapshot.
// {type:'select', data:{incidentId}} from an operator's screen is relayed to every client as a 'select' delta (follow mode) —
// to the sender too, so nobody sees a seq gap. Each delta is serialised once; a client whose send buffer passes
// maxBufferedBytes is terminated so it never slows the others; dead clients are dropped by ping/pong.
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { WebSocketServer, type WebSocket } from 'ws';
import type { DeltaType, SnapshotData } from '../../domain/messages.ts';
import { seesCaller } from '../../domain/roles.ts';
import type { EventBus } from '../events.ts';
import { admitWatcher, type Authenticate } from '../http/upgrade-auth.ts';
import { logger } from '../log.ts';

const log = logger('realtime');

/** WebSocket close code the wall reads as "the server restarts: reconnect soon, keep the page". */
export const SERVICE_RESTART = 1012;

export type { DeltaType };

export interface HubOptions {
  server: http.Server;
  bus: EventBus;
  /** null → 401. Any authenticated role (viewer or higher) may watch. */
  authenticate: Authenticate;
  snapshot: () => SnapshotData;
  path?: string;
  maxBufferedBytes?: number;
  heartbeatMs?: number;
}

interface Client {
  ws: WebSocket;
  id: number;
  /** Whoever the upgrade authenticated: a wall (viewer) watches; operators may also lead follow mode. */
  role: string;
  alive: boolean;
  lastSelectAt: number;
  lastResyncAt: number;
  resyncTimer?: ReturnType<typeof setTimeout>;
}

/** A snapshot is the whole open picture: one per client per this many ms, however often it asks. */
export const RESYNC_MIN_MS = 2000;

export type ClientMessage = { type: 'resync' } | { type: 'select'; incidentId: string | null };

/** A /ws text message → what the client asks, or null for anything else (ignored: there is no one to answer). */
export function parseClientMessage(raw: unknown): ClientMessage | null {
  let msg: { type?: unknown; data?: { incidentId?: unknown } } | null;
  try {
    msg = JSON.parse(String(raw));
  } catch {
    return null;
  }
  if (msg?.type === 'resync') return { type: 'resync' };
  if (msg?.type !== 'select') return null;
  const incidentId = msg.data?.incidentId;
  if (incidentId === null || (typeof incidentId === 'string' && incidentId.length <= 128)) return { type: 'select', incidentId };
  return null;
}

export function createHub(opts: HubOptions) {
  const path = opts.path ?? '/ws';
  const maxBuffered = opts.maxBufferedBytes ?? 2 * 1024 * 1024;
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const clients = new Set<Client>();
  let seq = 0;
  let nextId = 1;
  let dropped = 0;

  function sendSnapshot(c: Client): void {
    const msg = JSON.stringify({ type: 'snapshot', seq, clientId: c.id, data: opts.snapshot() });
    c.ws.send(msg);
  }

  function broadcast(type: DeltaType, data: unknown): number {
    seq += 1;
    // Serialise once; the same Buffer goes to every socket.
    const frame = Buffer.from(JSON.stringify({ type, seq, data }));
    for (const c of clients) {
      if (c.ws.readyState !== c.ws.OPEN) continue;
      if (c.ws.bufferedAmount > maxBuffered) {
        dropped += 1;
        log.warn('slow client cut loose', { client: c.id, bufferedBytes: c.ws.bufferedAmount });
        c.ws.terminate();
        clients.delete(c);
        continue;
      }
      c.ws.send(frame, { binary: false });
    }
    return seq;
  }

  function onMessage(c: Client, raw: unknown): void {
    const msg = parseClientMessage(raw);
    if (msg?.type === 'resync') {
      // Asked again too soon: one snapshot at the end of the window answers every ask in it (none is lost, a client
      // asking in a loop costs one snapshot per window).
      if (c.resyncTimer) return;
      const wait = c.lastResyncAt + RESYNC_MIN_MS - Date.now();
      const send = () => {
        c.resyncTimer = undefined;
        c.lastResyncAt = Date.now();
        if (c.ws.readyState === c.ws.OPEN) sendSnapshot(c);
      };
      if (wait <= 0) send();
      else (c.resyncTimer = setTimeout(send, wait)).unref();
    } else if (msg?.type === 'select' && seesCaller(c.role)) {
      // Follow mode leads every wall: only an operator (or admin) may lead it, not any wall display.
      const { incidentId } = msg;
      // A wall follows an operator's pick; a client spamming selects must not flood every screen.
      const now = Date.now();
      if (now - c.lastSelectAt < 200) return;
      c.lastSelectAt = now;
      broadcast('select', { incidentId, from: c.id });
    }
  }

  const onUpgrade = (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (url.pathname !== path) return; // someone else's upgrade
    const who = admitWatcher(req, socket, opts.authenticate);
    if (!who) return;
    wss.handleUpgrade(req, socket, head, (ws) => {
      const c: Client = { ws, id: nextId++, role: who.role, alive: true, lastSelectAt: 0, lastResyncAt: Date.now() };
      clients.add(c);
      ws.on('pong', () => (c.alive = true));
      ws.on('message', (data) => onMessage(c, data));
      ws.on('close', () => (clearTimeout(c.resyncTimer), clients.delete(c)));
      ws.on('error', () => clients.delete(c));
      sendSnapshot(c);
    });
  };
  opts.server.on('upgrade', onUpgrade);

  const heartbeat = setInterval(() => {
    for (const c of clients) {
      if (!c.alive) {
        c.ws.terminate();
        clients.delete(c);
        continue;
      }
      c.alive = false;
      c.ws.ping();
    }
  }, opts.heartbeatMs ?? 15_000);
  heartbeat.unref();

  const unsubscribe = (['incident', 'unit', 'camera'] as const).map((type) =>
    opts.bus.subscribe(type, (data) => broadcast(type, data)),
  );

  return {
    broadcast,
    stats: () => ({ clients: clients.size, seq, slowClientsDropped: dropped }),
    /**
     * Closes every socket with 1012 "Service Restart" (RFC 6455 registry) so walls know the server is going away
     * on purpose and reconnect to its successor without a page reload; a socket that does not finish the closing
     * handshake within `graceMs` is cut.
     */
    async close(graceMs = 1000): Promise<void> {
      clearInterval(heartbeat);
      unsubscribe.forEach((off) => off());
      opts.server.off('upgrade', onUpgrade);
      const closing = [...clients].map(
        (c) =>
          new Promise<void>((resolve) => {
            if (c.ws.readyState === c.ws.CLOSED) return resolve();
            const cut = setTimeout(() => (c.ws.terminate(), resolve()), graceMs);
            c.ws.once('close', () => (clearTimeout(cut), resolve()));
            c.ws.close(SERVICE_RESTART, 'server restarting');
          }),
      );
      await Promise.all(closing);
      clients.clear();
      await new Promise<void>((resolve) => wss.close(() => resolve()));
    },
  };
}
export type Hub = ReturnType<typeof createHub>;
