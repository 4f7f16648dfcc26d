// Who is opening a WebSocket, for every upgrade endpoint (/ws realtime, /hls-ws video): the session or kiosk cookie
// (a browser sends it with the upgrade) or a Bearer header (any other client). Never `?token=`: a token in a URL ends
// up in logs and histories. Watching needs viewer or higher; an 'integration' (intake-only) token may not watch, and
// no page of another site may open one (Origin).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { sameOrigin } from './origin.ts';

export type Authenticate = (req: http.IncomingMessage) => { role: string; subject?: string } | null;

const WATCH_ROLES = new Set(['viewer', 'operator', 'admin']);

/** The watcher, or null after answering 401/403 on the raw socket. */
export function admitWatcher(req: http.IncomingMessage, socket: Duplex, authenticate: Authenticate) {
  if (!sameOrigin(req)) {
    socket.end('HTTP/1.1 403 Forbidden\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    return null;
  }
  const who = authenticate(req);
  if (who && WATCH_ROLES.has(who.role)) return who;
  const status = who ? '403 Forbidden' : '401 Unauthorized';
  socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
  return null;
}
