// Who is opening a WebSocket, for every upgrade endpoint (/ws realtime, /hls-ws video): the session cookie or a
// Bearer header, else `?token=` (browsers cannot set headers on a WebSocket). Watching needs viewer or higher; an
// 'integration' (intake-only) token may not watch, and no page of another site may open one (Origin).
import type http from 'node:http';
import type { Duplex } from 'node:stream';

export type Authenticate = (req: http.IncomingMessage) => { role: string; subject?: string } | null;

const WATCH_ROLES = new Set(['viewer', 'operator', 'admin']);

/**
 * A browser always says which page opens a WebSocket (Origin), and a cookie rides along whichever page that is: a
 * page from another site must not watch with the wall's session (cross-site WebSocket hijacking). Clients that are
 * not browsers send no Origin and prove themselves with a token.
 */
export function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  // A reverse proxy on this machine (trusted like express's 'trust proxy' loopback) may name the public host.
  const viaLocalProxy = /^(::ffff:)?127\.|^::1$/.test(req.socket?.remoteAddress ?? '');
  const forwarded = viaLocalProxy ? String(req.headers['x-forwarded-host'] ?? '').split(',')[0].trim() : '';
  try {
    const host = new URL(origin).host;
    return host === req.headers.host || (forwarded !== '' && host === forwarded);
  } catch {
    return false;
  }
}

/** The watcher, or null after answering 401/403 on the raw socket. */
export function admitWatcher(req: http.IncomingMessage, socket: Duplex, url: URL, authenticate: Authenticate) {
  if (!sameOrigin(req)) {
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return null;
  }
  let who = authenticate(req);
  const queryToken = url.searchParams.get('token');
  if (!who && queryToken) {
    who = authenticate({ headers: { ...req.headers, authorization: `Bearer ${queryToken}` } } as http.IncomingMessage);
  }
  if (who && WATCH_ROLES.has(who.role)) return who;
  const status = who ? '403 Forbidden' : '401 Unauthorized';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  return null;
}
