// Shared by the wall e2e test and `npm run bench:wall`: the real server in demo mode (temp data/runtime dirs,
// free ports, a known admin token) and headless Debian Chromium with a session cookie. `demo: false` starts it
// without cameras, simulators or history, for screens that need none (quicker).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { loadConfig } from '../../server/config.ts';
import { ensureWallBuilt } from '../../server/http/wall-static.ts';
import { start, type Running } from '../../server/main.ts';
import type { ListOf } from '../../domain/messages.ts';

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  '--autoplay-policy=no-user-gesture-required',
];

export interface WallHarness {
  base: string;
  adminToken: string;
  running: Running;
  browser: Browser;
  context: BrowserContext;
  /** fetch /api with the admin token. */
  api<T>(p: string, init?: RequestInit): Promise<T>;
  close(): Promise<void>;
}

export async function startWallHarness(opts: { viewport?: { width: number; height: number }; demo?: boolean } = {}): Promise<WallHarness> {
  const demo = opts.demo ?? true;
  await ensureWallBuilt();
  const adminToken = `e2e-admin-${process.pid}-${Date.now()}`;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-wall-'));
  const config = loadConfig(
    {
      PORT: '0',
      HOST: '127.0.0.1',
      SIAGA_DATA_DIR: path.join(tmp, 'data'),
      SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'),
      SIAGA_ADMIN_TOKEN: adminToken,
      SIAGA_RTMP_PORT: '0',
      SIAGA_OSMAND_PORT: '0',
      SIAGA_LOG_LEVEL: 'warn',
      FFMPEG_PATH: process.env.FFMPEG_PATH,
      ...(demo ? {} : { SIAGA_NO_STREAMS: '1', SIAGA_BACKUP_INTERVAL_S: '0' }),
    },
    demo ? ['--demo'] : [],
  );
  let running: Running | undefined;
  let browser: Browser | undefined;
  try {
    running = await start(config);
    const base = `http://127.0.0.1:${running.port}`;
    browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
    const context = await browser.newContext({ viewport: opts.viewport ?? { width: 1920, height: 1080 } });
    // Kiosk login: ?token= sets the session cookie for every page of this context.
    const login = await context.newPage();
    // The cookie comes with the response: no need to wait for the page's load (slow on a loaded 2-core machine).
    await login.goto(`${base}/?token=${encodeURIComponent(adminToken)}`, { waitUntil: 'commit', timeout: 120_000 });
    await login.close();
    const r = running;
    const b = browser;
    return {
      base,
      adminToken,
      running: r,
      browser: b,
      context,
      async api<T>(p: string, init: RequestInit = {}) {
        const res = await fetch(`${base}${p}`, {
          ...init,
          headers: { authorization: `Bearer ${adminToken}`, 'content-type': 'application/json', ...(init.headers ?? {}) },
        });
        if (!res.ok) throw new Error(`${p}: HTTP ${res.status} ${await res.text()}`);
        return (await res.json()) as T;
      },
      async close() {
        await b.close().catch(() => undefined);
        await r.close();
        fs.rmSync(tmp, { recursive: true, force: true });
      },
    };
  } catch (err) {
    await browser?.close().catch(() => undefined);
    await running?.close();
    fs.rmSync(tmp, { recursive: true, force: true });
    throw err;
  }
}

/** The demo seeds its month of history in the background: wait until the count stops growing. */
export async function waitForDemoHistory(h: WallHarness): Promise<number> {
  const since = new Date(Date.now() - 31 * 86_400_000).toISOString();
  const count = async () => (await h.api<ListOf<unknown>>(`/api/incidents?since=${encodeURIComponent(since)}&limit=5000`)).items.length;
  let last = await count();
  for (let i = 0; i < 100; i++) {
    await new Promise((r) => setTimeout(r, 3000));
    const now = await count();
    if (now > 100 && now - last <= 1) return now;
    last = now;
  }
  throw new Error(`history still growing: ${last}`);
}

/** The debug surface the wall exposes as window.__siaga (wall/app/debug.ts). */
export interface SiagaDebug {
  mapReady: boolean;
  error?: string;
  layers: Record<string, number>;
  mapStats: { updates: number; lastUpdateMs: number; totalUpdateMs: number; firstRenderAt: number; firstDataRenderAt: number };
  selectedId: string | null;
  counts: { cameras: number; incidents: number; units: number; heat: number; trails: number } | null;
  conn: { state: string } | null;
  tiles: Array<{ cameraId: string; attachedAt: number; firstFrameAt: number; latencyMs: number | null; currentTime: number; timing: Record<string, number>; posterSource: 'keyframe' | 'snapshot' | null }>;
  liveDecoders: number;
  hlsTransport: { socket: number; http: number; blocking: number };
  project(lon: number, lat: number): { x: number; y: number } | null;
  pickAt(x: number, y: number): { layer: string; id: string } | null;
  map(): any;
  store(): any;
}
declare global {
  interface Window {
    __siaga: SiagaDebug;
  }
}

/** RGB of every `step`-th pixel of an element's screenshot, flattened [r, g, b, r, g, b, …] (decoded in the page). */
export async function sampleRgb(page: Page, selector: string, step: number): Promise<number[]> {
  const png = await page.locator(selector).screenshot();
  return page.evaluate(
    async ({ b64, step }) => {
      const img = new Image();
      img.src = `data:image/png;base64,${b64}`;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.width;
      c.height = img.height;
      const g = c.getContext('2d')!;
      g.drawImage(img, 0, 0);
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const out: number[] = [];
      for (let i = 0; i < d.length; i += 4 * step) out.push(d[i], d[i + 1], d[i + 2]);
      return out;
    },
    { b64: png.toString('base64'), step },
  );
}
