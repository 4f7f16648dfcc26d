// Which page a browser request comes from. A cookie (session or kiosk) rides along whichever page sends the request,
// so a page of another site could act with a wall's or an operator's session; browsers always say which page it is.
import type http from 'node:http';

/** Origins configured as this server's own too (SIAGA_ALLOWED_ORIGINS: a public name the proxy does not forward). */
let configured = new Set<string>();
export function allowOrigins(origins: readonly string[]): void {
  configured = new Set(origins.map((o) => new URL(o).origin));
}

/**
 * True when the request has no Origin (not a browser: it proves itself with a token) or its Origin names this host
 * (or the public host a proxy on this machine forwards). Used on WebSocket upgrades and every state-changing request.
 */
export function sameOrigin(req: http.IncomingMessage): boolean {
  const origin = req.headers.origin;
  if (origin === undefined) return true;
  // A reverse proxy on this machine (trusted like express's 'trust proxy' loopback) may name the public host.
  const viaLocalProxy = /^(::ffff:)?127\.|^::1$/.test(req.socket?.remoteAddress ?? '');
  const forwarded = viaLocalProxy ? String(req.headers['x-forwarded-host'] ?? '').split(',')[0].trim() : '';
  try {
    const url = new URL(origin);
    return url.host === req.headers.host || (forwarded !== '' && url.host === forwarded) || configured.has(url.origin);
  } catch {
    return false;
  }
}

