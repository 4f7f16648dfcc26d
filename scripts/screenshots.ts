// npm run screenshots — the README's pictures (docs/screenshots/), taken from the real demo, never edited by hand:
// the same harness as the browser tests and bench:wall (real server in demo mode, headless Debian Chromium,
// software GL), 1920×1080, after the demo's month of history is in and its cameras are live.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { camerasFor } from '../geo/coverage.ts';
import { destination } from '../geo/spatial.ts';
import type { CameraView as Camera } from '../domain/camera.ts';
import { startWallHarness, waitForDemoHistory, type WallHarness } from '../test/e2e/wall-harness.ts';
import type { ListOf } from '../domain/messages.ts';

const OUT = path.resolve('docs/screenshots');
/** A PNG above this is written as JPEG instead: the README should not weigh megabytes per picture. */
const MAX_PNG_BYTES = 1.5 * 2 ** 20;
/** Software GL draws the last frame late: the time a picture gets to settle before it is taken. */
const SETTLE_MS = 3000;

/** The wall's debug fields this script waits on, beyond the harness's SiagaDebug (wall/app/debug.ts). */
type HistoryDebug = { historyLoaded: boolean; heat: { points: number } | null };

async function save(page: Page, name: string): Promise<void> {
  await page.waitForTimeout(SETTLE_MS);
  const png = await page.screenshot();
  const [file, buf] = png.length <= MAX_PNG_BYTES ? [`${name}.png`, png] : [`${name}.jpg`, await page.screenshot({ type: 'jpeg', quality: 80 })];
  for (const old of [`${name}.png`, `${name}.jpg`]) fs.rmSync(path.join(OUT, old), { force: true });
  fs.writeFileSync(path.join(OUT, file), buf);
  console.log(`${file} ${(buf.length / 1024).toFixed(0)} KiB`);
  if (file.endsWith('.jpg')) console.warn(`${name}: written as JPEG, README.md links ${name}.png: update the link`);
}

async function open(h: WallHarness, query: string): Promise<Page> {
  const page = await h.context.newPage();
  page.on('pageerror', (err) => console.warn(`[${query}] ${err.message}`));
  await page.goto(`${h.base}/${query}`);
  return page;
}

/** A map screen with its history heat, every camera drawn, the live feed open and the map at rest. */
async function openMapScreen(h: WallHarness, query: string): Promise<Page> {
  const page = await open(h, query);
  await page.waitForFunction(() => window.__siaga?.mapReady || window.__siaga?.error, null, { timeout: 120_000 });
  const error = await page.evaluate(() => window.__siaga.error);
  if (error) throw new Error(`${query}: ${error}`);
  await page.waitForFunction(
    () => {
      const w = window.__siaga as typeof window.__siaga & HistoryDebug;
      return w.historyLoaded && (w.heat?.points ?? 0) > 50 && (w.layers.cameras ?? 0) >= 35 && w.conn?.state === 'open';
    },
    null,
    { timeout: 120_000 },
  );
  await mapIdle(page);
  return page;
}

const mapIdle = (page: Page) =>
  page.evaluate(() => new Promise<void>((resolve) => {
    const m = window.__siaga.map().map;
    if (m.loaded() && !m.isMoving()) resolve();
    else m.once('idle', () => resolve());
  }));

/** The demo's cameras are pulled in the background: wait until most are online, as on a wall in service. */
async function camerasLive(page: Page): Promise<void> {
  await page.waitForFunction(
    () => [...window.__siaga.store().cameras.values()].filter((c: { health: { status?: string } }) => c.health.status === 'online').length >= 30,
    null,
    { timeout: 120_000 },
  );
}

/**
 * The demo's own calls seldom land in view of a camera, so one is called in through the operator API, as an
 * operator would: a crash just in front of the playable online camera whose spot the most other cameras also see.
 */
async function callInIncident(h: WallHarness): Promise<string> {
  // H.265 cameras show a "cannot play" card in Chromium: a picture of the product shows ones that play.
  const cams = (await h.api<ListOf<Camera>>('/api/cameras')).items.filter((c) => c.health?.status === 'online' && c.health.codec?.startsWith('avc1') !== false);
  const spots = cams.map((c) => {
    const [lon, lat] = destination(c.lon, c.lat, c.bearingDeg, 30);
    return { lon, lat, inView: camerasFor({ lon, lat }, 30, cams, { limit: 4 }).filter((r) => r.inView).length };
  });
  const spot = spots.sort((a, b) => b.inView - a.inView)[0];
  if (!spot) throw new Error('no online camera to call an incident in front of');
  const inc = await h.api<{ id: string }>('/api/incidents', {
    method: 'POST',
    headers: { 'Idempotency-Key': `screenshots-${Date.now()}` },
    body: JSON.stringify({
      source: 'form',
      category: 'kecelakaan',
      priority: 1,
      description: 'tabrakan sepeda motor dan mobil di simpang, satu korban luka',
      caller: { name: 'Rina', phone: '081234567890' },
      location: { lat: spot.lat, lon: spot.lon, method: 'gps', uncertaintyM: 30 },
    }),
  });
  return inc.id;
}

/** Open the incident's card and wait until its camera tiles show video. */
async function showIncident(page: Page, id: string): Promise<void> {
  await page.waitForFunction((i) => window.__siaga.store().incidents.has(i), id, { timeout: 30_000 });
  await page.evaluate((i) => window.__siaga.store().select(i), id);
  await page.waitForFunction((i) => window.__siaga.selectedId === i && window.__siaga.tiles.some((t) => t.firstFrameAt > 0), id, { timeout: 60_000 });
  // The other tiles get a little longer; a camera that never delivers stays as the wall shows it.
  await page.waitForFunction(() => window.__siaga.tiles.every((t) => t.firstFrameAt > 0), null, { timeout: 20_000 }).catch(() => console.warn('incident: a tile without a frame'));
  await page.waitForTimeout(2000); // the fly-to starts after the first frame
  await mapIdle(page);
}

async function main() {
  fs.mkdirSync(OUT, { recursive: true });
  const h = await startWallHarness({ viewport: { width: 1920, height: 1080 } });
  try {
    console.log(`demo history: ${await waitForDemoHistory(h)} incidents`);

    const wall = await openMapScreen(h, '?view=wall');
    await camerasLive(wall);
    await save(wall, 'wall');
    await showIncident(wall, await callInIncident(h));
    await save(wall, 'wall-incident');
    await wall.close();

    const english = await openMapScreen(h, '?view=wall&lang=en');
    await save(english, 'wall-en');
    await english.close();

    const grid = await open(h, '?view=grid');
    await grid.waitForFunction(() => document.querySelectorAll('.grid-cell').length >= 35, null, { timeout: 60_000 });
    // Up to 16 cells play live, the rest show snapshots: wait until every cell shows a picture, bar one (the demo's
    // H.265 camera, which Chromium cannot play, shows a card saying so).
    await grid
      .waitForFunction(
        () => {
          const cells = [...document.querySelectorAll('.grid-cell')];
          const painted = cells.filter((c) => {
            const v = c.querySelector('video');
            const img = c.querySelector('img');
            return (v && (v.readyState >= 2 || v.currentTime > 0)) || (img && img.complete && img.naturalWidth > 0);
          });
          return painted.length >= cells.length - 1;
        },
        null,
        { timeout: 90_000 },
      )
      .catch(() => console.warn('grid: some cells still without a picture'));
    await save(grid, 'grid');
    await grid.close();

    const console_ = await openMapScreen(h, '?view=console');
    await save(console_, 'console');
    await console_.close();

    const briefing = await open(h, '?view=briefing');
    await briefing.waitForFunction(() => (window as unknown as { __briefing?: { ready: boolean } }).__briefing?.ready, null, { timeout: 120_000 });
    await briefing.locator('button[data-preset="7d"]').click({ timeout: 60_000 });
    await briefing.waitForFunction(
      () => {
        const b = (window as unknown as { __briefing?: { ready: boolean; kpis: { total: number } | null } }).__briefing;
        return b?.ready && (b.kpis?.total ?? 0) > 0;
      },
      null,
      { timeout: 120_000 },
    );
    await save(briefing, 'briefing');
    await briefing.close();
  } finally {
    await h.close();
  }
}

await main();
process.exit(0);
