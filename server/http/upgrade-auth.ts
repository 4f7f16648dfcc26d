// Who is opening a WebSocket, for every upgrade endpoint (/ws realtime, /hls-ws video): the session cookie or a
// Bearer header, else `?token=` (browsers cannot set headers on a WebSocket). Watching needs viewer or higher; an
// 'integration' (intake-only) token may not watch, and no page of another site may open one (Origin).
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { sameOrigin } from './origin.ts';

export type Authenticate = (req: http.IncomingMessage) => { role: string; subject?: string } | null;

const WATCH_ROLES = new Set(['viewer', 'operator', 'admin']);

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
