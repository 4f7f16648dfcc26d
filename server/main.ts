// Composition root: config → services → http/ws. Each capability is wired in its own block below;
// capabilities never import each other, they talk through the EventBus and the deps given here.
import http from 'node:http';
import { pathToFileURL } from 'node:url';
import { loadConfig, type Config } from './config.ts';
import { EventBus } from './events.ts';
import { createApp, finishApp } from './http/app.ts';
import { logger } from './log.ts';

const log = logger('main');

export interface Running {
  config: Config;
  server: http.Server;
  port: number;
  bus: EventBus;
  close(): Promise<void>;
}

export async function start(config: Config = loadConfig()): Promise<Running> {
  const bus = new EventBus();
  /** Run in reverse order on shutdown. */
  const closers: Array<() => Promise<void> | void> = [];
  const app = createApp();
  app.get('/api/health', (_req, res) => {
    res.json({ ok: true, demo: config.demo, uptimeS: Math.round(process.uptime()) });
  });

  // ── store ─────────────────────────────────────────────────────────────

  // ── auth ──────────────────────────────────────────────────────────────

  // ── cameras + streams ─────────────────────────────────────────────────

  // ── geo ───────────────────────────────────────────────────────────────

  // ── incidents, units ──────────────────────────────────────────────────

  // ── wall (static) ─────────────────────────────────────────────────────

  finishApp(app);
  const server = http.createServer(app);
  closers.push(() => new Promise<void>((resolve) => server.close(() => resolve())));
  server.closeIdleConnections?.();

  // ── realtime (ws on the same server) ──────────────────────────────────

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const port = (server.address() as { port: number }).port;

  // ── demo (simulated cameras, 112 traffic, units) ──────────────────────

  log.info(`Siaga Wall on http://localhost:${port}${config.demo ? ' (demo)' : ''}`);

  let closing: Promise<void> | undefined;
  const close = () =>
    (closing ??= (async () => {
      server.closeAllConnections?.();
      for (const fn of closers.reverse()) {
        try {
          await fn();
        } catch (err) {
          log.warn('shutdown step failed', { err: String(err) });
        }
      }
    })());
  return { config, server, port, bus, close };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const running = await start().catch((err) => {
    log.error(`start failed: ${err?.message ?? err}`);
    process.exit(1);
  });
  for (const sig of ['SIGINT', 'SIGTERM'] as const) {
    process.once(sig, () => {
      log.info(`${sig}: shutting down`);
      running.close().finally(() => process.exit(0));
    });
  }
}
