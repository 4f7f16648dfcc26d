// The HTTP access log: one JSON line per request in <data dir>/logs/access-<UTC date>.jsonl, kept SIAGA_ACCESS_LOG_DAYS.
// Never a query string (a kiosk ?token=, a search for a caller's street) or a header: the path, who (the principal's
// audit id), the address, status and time. Live video is left out when it succeeds (a 16-tile wall asks for a part
// per tile several times a second; /metrics counts those), and so are the wall's static files and accepted AVL fixes
// (each is its own row in unit_positions, with the time it was received).
import fs from 'node:fs';
import path from 'node:path';
import type { RequestHandler } from 'express';
import { logger } from '../log.ts';

const log = logger('access');
const QUIET_WHEN_OK = /^\/(hls|assets|basemap|geo)\/|^\/api\/osmand(\/|$)/;

export interface AccessLog {
  middleware: RequestHandler;
  close(): Promise<void>;
}

export function createAccessLog(dir: string, keepDays: number, now: () => number = Date.now): AccessLog {
  fs.mkdirSync(dir, { recursive: true, mode: 0o750 });
  let day = '';
  let out: fs.WriteStream | undefined;

  function stream(): fs.WriteStream {
    const today = new Date(now()).toISOString().slice(0, 10);
    if (out && today === day) return out;
    out?.end();
    day = today;
    out = fs.createWriteStream(path.join(dir, `access-${day}.jsonl`), { flags: 'a', mode: 0o640 });
    out.on('error', (err) => log.warn('access log not written', { err: String(err) }));
    prune();
    return out;
  }

  function prune(): void {
    const oldest = new Date(now() - keepDays * 86_400_000).toISOString().slice(0, 10);
    for (const f of fs.readdirSync(dir)) {
      const d = /^access-(\d{4}-\d{2}-\d{2})\.jsonl$/.exec(f)?.[1];
      if (d && d < oldest) fs.rmSync(path.join(dir, f), { force: true });
    }
  }

  const middleware: RequestHandler = (req, res, next) => {
    const started = process.hrtime.bigint();
    res.on('finish', () => {
      const ok = res.statusCode < 400;
      if (ok && (QUIET_WHEN_OK.test(req.path) || (!req.path.startsWith('/api/') && (req.method === 'GET' || req.method === 'HEAD')))) return;
      const who = (res.locals.principal as { id?: string } | undefined)?.id ?? null;
      const line = {
        t: new Date(now()).toISOString(), ip: req.ip ?? null, method: req.method, path: req.originalUrl.split('?')[0].slice(0, 300),
        status: res.statusCode, ms: Math.round(Number(process.hrtime.bigint() - started) / 1e5) / 10,
        bytes: Number(res.getHeader('content-length') ?? 0) || null, who,
      };
      stream().write(JSON.stringify(line) + '\n');
    });
    next();
  };

  return {
    middleware,
    close: () => new Promise<void>((resolve) => (out ? out.end(resolve) : resolve())),
  };
}
