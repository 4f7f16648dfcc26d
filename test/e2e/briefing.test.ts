// The briefing view in real Chromium against the real server: a temp store seeded with demo history (through the
// incidents/units services), charts drawn, the time cursor changes the heatmap (layer data AND pixels), PNG export.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createGeo } from '../../geo/index.ts';
import { loadConfig } from '../../server/config.ts';
import { seedDemoHistory } from '../../server/demo/history.ts';
import { EventBus } from '../../server/events.ts';
import { GEO_DATA_DIR, loadGeoData } from '../../server/geo/load.ts';
import { ensureWallBuilt } from '../../server/http/wall-static.ts';
import { start, type Running } from '../../server/main.ts';
import { migrate, openDb } from '../../server/store/db.ts';
import { createUnitService } from '../../server/units/service.ts';
import { CHROMIUM_ARGS, sampleRgb } from './wall-harness.ts';

const ARTIFACTS = path.resolve('test/artifacts');
const ADMIN_TOKEN = `e2e-briefing-${process.pid}-${Date.now()}`;

interface BriefingDebug {
  ready: boolean;
  period: { from: number; to: number } | null;
  cursor: number;
  frame: { heat: Array<{ id: string }>; open: unknown[]; trailTime: number } | null;
  kpis: { total: number; byAgency: unknown[] } | null;
  setCursor(t: number): void;
}
/** The view's test hook (wall/panels/briefing.ts). */
type W = { __briefing?: BriefingDebug };

let tmp: string;
let running: Running;
let browser: Browser;
let page: Page;
let seeded = 0;
/** End of the seeded history (epoch ms): the clock the history was seeded with. */
let historyEnd = 0;

/** Sampled RGB of the map area (every 53rd pixel), to compare two cursor positions. */
const mapPixels = (p: Page): Promise<number[]> => sampleRgb(p, '.b-map', 53);

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-e2e-briefing-'));
  const dataDir = path.join(tmp, 'data');
  // Seed 3 days of history into the store the server will open (the same path `npm start` takes on first start).
  const db = openDb(dataDir);
  migrate(db);
  const live = createUnitService({ db, bus: new EventBus(), incidents: { get: () => null, transition: () => null, addEvent: () => null } });
  historyEnd = Date.now() - 3_600_000;
  const r = await seedDemoHistory({
    db, geo: createGeo(loadGeoData()), geoDataDir: GEO_DATA_DIR, days: 3, perDay: 40, until: historyEnd,
    ensureUnit: (u) => void (live.get(u.id) ?? live.register(u)),
  });
  seeded = r.incidents;
  live.close();
  db.close();
  await ensureWallBuilt();
  running = await start(
    loadConfig({
      PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: dataDir, SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'), SIAGA_ADMIN_TOKEN: ADMIN_TOKEN,
      SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_LOG_LEVEL: 'warn', SIAGA_NO_STREAMS: '1', FFMPEG_PATH: process.env.FFMPEG_PATH,
    }, []),
  );
  const base = `http://127.0.0.1:${running.port}`;
  browser = await chromium.launch({ executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium', args: CHROMIUM_ARGS });
  const context = await browser.newContext({ viewport: { width: 1600, height: 900 }, acceptDownloads: true });
  const login = await context.newPage();
  await login.goto(`${base}/?token=${encodeURIComponent(ADMIN_TOKEN)}`);
  await login.close();
  page = await context.newPage();
  page.on('pageerror', (err) => console.warn(`[briefing] ${err.message}`));
  await page.goto(`${base}/?view=briefing`);
}, 600_000);

afterAll(async () => {
  await browser?.close();
  await running?.close();
  if (tmp) fs.rmSync(tmp, { recursive: true, force: true });
}, 60_000);

describe('briefing view (e2e)', () => {
  it('loads the 7-day period from /api/kpis and draws both charts', async () => {
    expect(seeded).toBeGreaterThan(50);
    await page.waitForFunction(() => (window as unknown as W).__briefing?.ready, null, { timeout: 120_000 });
    await page.screenshot({ path: path.join(ARTIFACTS, 'briefing-today.png') });
    await page.locator('button[data-preset="7d"]').click({ timeout: 60_000 });
    await page.waitForFunction(() => (window as unknown as W).__briefing?.ready && ((window as unknown as W).__briefing?.kpis?.total ?? 0) > 0, null, { timeout: 120_000 });
    const total = await page.evaluate(() => (window as unknown as W).__briefing!.kpis!.total);
    expect(total).toBe(seeded);
    // uPlot draws into a canvas per chart; bars mean non-background pixels
    for (const sel of ['.b-volume canvas', '.b-sla canvas']) {
      const box = await page.locator(sel).first().boundingBox();
      expect(box!.width).toBeGreaterThan(100);
      expect(box!.height).toBeGreaterThan(50);
    }
    const volumeInk = await page.evaluate(() => {
      const c = document.querySelector('.b-volume canvas') as HTMLCanvasElement;
      const d = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let ink = 0;
      for (let i = 3; i < d.length; i += 4) if (d[i] > 0) ink++;
      return ink;
    });
    expect(volumeInk).toBeGreaterThan(500);
    expect(await page.locator('.b-table tbody tr').count()).toBeGreaterThan(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'briefing.png') });
  });

  it('the time cursor moves the heatmap: different layer data and different pixels', async () => {
    const period = await page.evaluate(() => (window as unknown as W).__briefing!.period!);
    // cursor A: before any history (the 7-day period starts 4 days before the seeded 3) → empty heat
    await page.evaluate((t) => (window as unknown as W).__briefing!.setCursor(t), period.from + 3_600_000);
    await page.waitForTimeout(1500);
    const a = await page.evaluate(() => (window as unknown as W).__briefing!.frame!.heat.map((h) => h.id));
    const pxA = await mapPixels(page);
    // cursor B: at the end of the seeded history (not the end of the period, which may lie hours ahead of now)
    // → the last 24 h window of incidents
    await page.evaluate((t) => (window as unknown as W).__briefing!.setCursor(t), Math.min(period.to - 60_000, historyEnd));
    await page.waitForTimeout(1500);
    const b = await page.evaluate(() => (window as unknown as W).__briefing!.frame!.heat.map((h) => h.id));
    const pxB = await mapPixels(page);
    expect(a.length).toBe(0);
    expect(b.length).toBeGreaterThan(0);
    let changed = 0;
    for (let i = 0; i < pxA.length; i += 3) {
      if (Math.abs(pxA[i] - pxB[i]) + Math.abs(pxA[i + 1] - pxB[i + 1]) + Math.abs(pxA[i + 2] - pxB[i + 2]) > 30) changed++;
    }
    expect(changed).toBeGreaterThan(20);
  });

  it('exports a 1920×1080 PNG in one click', async () => {
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('button.b-png')]);
    const file = path.join(ARTIFACTS, 'briefing-export.png');
    await download.saveAs(file);
    const buf = fs.readFileSync(file);
    expect(buf.subarray(1, 4).toString()).toBe('PNG');
    expect(buf.readUInt32BE(16)).toBe(1920);
    expect(buf.readUInt32BE(20)).toBe(1080);
  });
});
