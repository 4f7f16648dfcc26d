// Rewind (recorded video on the wall) in real Chromium against the real server in demo mode, which records every
// camera as it restreams it: an incident's tiles go back together to the moment before the report and play in step
// from the recording (not the live playlist), a click on one tile's timeline moves them to that time, and "kembali
// ke live" brings every tile back to its live playlist with no recorded player left. Correctness only: how fast and
// how tightly in step is the benchmark's business (window.__siaga.rewind).
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CameraView } from '../../domain/camera.ts';
import type { Incident } from '../../domain/incident.ts';
import type { ListOf } from '../../domain/messages.ts';
import { camerasFor } from '../../geo/coverage.ts';
import { destination } from '../../geo/spatial.ts';
import { startWallHarness, type WallHarness } from './wall-harness.ts';
import type { RewindDebug } from '../../wall/app/debug.ts';
import { id as idText } from '../../wall/i18n/id.ts';

const ARTIFACTS = path.resolve('test/artifacts');
/** How much recording every camera of the incident must have before the test rewinds. */
const RECORDED_MS = 20_000;
/** The tiles show the same instant to within this (the benchmark measures the real figure; this is "in step"). */
const AGREE_MS = 1000;

const rewindOf = (p: Page) => p.evaluate(() => (window.__siaga as unknown as { rewind: RewindDebug }).rewind);

let h: WallHarness;
let page: Page;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  h = await startWallHarness();
}, 240_000);

afterAll(async () => {
  await h?.close();
}, 60_000);

/** First recorded instant of each camera (epoch ms), once each has at least RECORDED_MS on disk. */
async function recordedSince(ids: string[]): Promise<Map<string, number>> {
  const out = new Map<string, number>();
  await expect
    .poll(
      async () => {
        for (const id of ids) {
          const r = await h.api<{ spans: Array<{ from: string; to: string }> }>(`/api/cameras/${id}/recordings`);
          const first = r.spans[0];
          if (first && Date.parse(r.spans.at(-1)!.to) - Date.parse(first.from) >= RECORDED_MS) out.set(id, Date.parse(first.from));
        }
        return ids.filter((id) => !out.has(id));
      },
      { timeout: 120_000, interval: 2000 },
    )
    .toEqual([]);
  return out;
}

describe('rewind (e2e, real server in demo mode)', () => {
  let incidentId = '';

  it('an incident\'s tiles rewind together to before the report, play recorded video in step, seek from a timeline, and all go back to live', { timeout: 240_000 }, async () => {
    // An incident 40 m in front of an online H.264 camera; its cameras are ranked by the same code as the wall's.
    const cams = (await h.api<ListOf<CameraView>>('/api/cameras')).items;
    const h264 = (c: CameraView) => !c.health.codec?.startsWith('hvc1') && !c.health.codec?.startsWith('hev1') && c.id !== 'cam-16';
    await expect.poll(async () => (await h.api<ListOf<CameraView>>('/api/cameras')).items.filter((c) => c.health.status === 'online' && h264(c)).length, { timeout: 90_000 }).toBeGreaterThan(4);
    const online = (await h.api<ListOf<CameraView>>('/api/cameras')).items.filter((c) => c.health.status === 'online' && h264(c));
    const cam = online[0];
    const [lon, lat] = destination(cam.lon, cam.lat, cam.bearingDeg, 40);
    const ranked = camerasFor({ lat, lon }, 0, cams, { limit: 4 }).map((c) => c.cameraId).filter((id) => online.some((c) => c.id === id));
    expect(ranked).toContain(cam.id);

    // Every one of them recorded for a while; "saat laporan masuk" (report − 60 s) lies inside all their recordings.
    const since = await recordedSince(ranked);
    const latestStart = Math.max(...since.values());
    const reportedAt = Math.max(Date.now(), latestStart + 65_000);
    const incident = await h.api<Incident>('/api/incidents', {
      method: 'POST',
      headers: { 'Idempotency-Key': `e2e-rewind-${Date.now()}` },
      body: JSON.stringify({
        category: 'kecelakaan',
        priority: 1,
        description: 'e2e: putar ulang kamera',
        reportedAt: new Date(reportedAt).toISOString(),
        location: { lat, lon, method: 'gps' },
      }),
    });
    const target = reportedAt - 60_000;
    incidentId = incident.id;

    page = await h.context.newPage();
    page.on('pageerror', (err) => console.warn(`[wall] ${err.message}`));
    await page.goto(`${h.base}/?view=wall`);
    await page.waitForFunction((id) => window.__siaga?.store()?.incidents.has(id), incident.id, { timeout: 120_000 });
    await page.locator(`.incident-row[data-incident-id="${incident.id}"]`).click({ timeout: 30_000 });
    await page.waitForFunction((id) => window.__siaga.selectedId === id, incident.id, { timeout: 10_000 });
    // live first: the tiles play their live playlists and the incident's control is offered
    await page.waitForFunction(() => window.__siaga.tiles.some((t) => t.currentTime > 0), null, { timeout: 30_000 });
    const start = page.locator('.rewind-all .rewind-start');
    await start.waitFor({ state: 'visible', timeout: 15_000 });
    const live0 = await rewindOf(page);
    expect(live0.tiles.every((t) => t.mode === 'live' && t.url?.includes('/hls/'))).toBe(true);

    // One press: every tile of the incident to report − 60 s, played in step from the recording.
    await start.click();
    await page.waitForFunction(
      () => {
        const r = (window.__siaga as unknown as { rewind: RewindDebug }).rewind;
        // a camera down since (nothing recorded there) says so on its tile; the others play
        const members = (r.sync?.members ?? []).filter((m) => m.state !== 'none');
        return Boolean(r.sync?.running) && members.length > 0 && members.every((m) => m.state === 'playing' && m.driftMs !== null);
      },
      null,
      { timeout: 30_000 },
    );
    const r1 = await rewindOf(page);
    const members = r1.sync!.members.filter((m) => m.state === 'playing').map((m) => m.camera);
    expect(members.length).toBeGreaterThanOrEqual(Math.min(2, ranked.length));
    expect(members).toContain(cam.id);
    const past = r1.tiles.filter((t) => members.includes(t.camera!));
    for (const t of past) {
      expect(t.mode).toBe('past');
      expect(t.url).toMatch(new RegExp(`^/api/cameras/${t.camera}/recordings/index\\.m3u8\\?from=${target}$`));
      expect(t.liveDecoder).toBe(false); // its live player went once the recorded frame was up
      expect(t.firstFrameMs).not.toBeNull();
      // the picture is the past: just after report − 60 s, not now
      expect(t.playingDateMs!).toBeGreaterThanOrEqual(target - 1500);
      expect(t.playingDateMs!).toBeLessThan(Date.now() - 10_000);
    }
    // the recorded video advances, and the tiles show the same instant (read in one go, in the page)
    await page.waitForTimeout(2000);
    const r2 = await rewindOf(page);
    for (const t of r2.tiles.filter((x) => members.includes(x.camera!))) {
      const before = past.find((x) => x.camera === t.camera)!;
      expect(t.currentTime).toBeGreaterThan(before.currentTime + 0.5);
      expect(t.playingDateMs!).toBeGreaterThan(before.playingDateMs! + 500);
    }
    const dates = r2.tiles.filter((x) => members.includes(x.camera!) && x.state === 'playing').map((x) => x.playingDateMs!);
    expect(Math.max(...dates) - Math.min(...dates)).toBeLessThanOrEqual(AGREE_MS);
    expect(Math.abs(r2.sync!.masterMs - dates[0])).toBeLessThanOrEqual(AGREE_MS);
    // the picture says so: the time it shows, and the way back
    const tile = page.locator(`.strip .tile[data-camera-id="${members[0]}"]`);
    await expect.poll(() => tile.locator('.tile-past .tp-time').innerText()).toMatch(/◀◀ \d{2}[.:]\d{2}[.:]\d{2}/);
    expect(await tile.locator('.tl.past .tl-live').isEnabled()).toBe(true);
    await page.screenshot({ path: path.join(ARTIFACTS, 'rewind-synced.png') });

    // A click on one tile's timeline (narrowed to 15 minutes) moves the group to that time.
    await tile.locator('.tl-zoom').click();
    await expect.poll(() => tile.locator('.tl-zoom').innerText()).toBe(idText.tlMinutes.replace('{n}', '15')); // the wall's own Indonesian label
    const box = (await tile.locator('.tl-track').boundingBox())!;
    const want = Date.now() - 15_000 - 5_000; // recorded by every member, well short of live
    const clickedAt = Date.now();
    const x = box.x + ((want - (clickedAt - 15 * 60_000)) / (15 * 60_000)) * box.width;
    await page.mouse.click(x, box.y + box.height / 2);
    const msPerPx = (15 * 60_000) / box.width;
    const expected = clickedAt - 15 * 60_000 + ((x - box.x) / box.width) * 15 * 60_000;
    await page.waitForFunction(
      (cam) => {
        const r = (window.__siaga as unknown as { rewind: RewindDebug }).rewind;
        const m = r.sync?.members.find((x) => x.camera === cam);
        return Boolean(r.sync?.running) && m?.state === 'playing' && m.driftMs !== null;
      },
      members[0],
      { timeout: 20_000 },
    );
    const r3 = await rewindOf(page);
    const moved = r3.tiles.find((t) => t.camera === members[0])!;
    const tolerance = 2 * msPerPx + 2000;
    expect(moved.requestedMs!).toBeGreaterThan(expected - tolerance);
    expect(moved.requestedMs!).toBeLessThan(expected + tolerance);
    expect(moved.playingDateMs!).toBeGreaterThan(expected - tolerance);
    expect(moved.playingDateMs!).toBeLessThan(expected + tolerance + (Date.now() - clickedAt));
    expect(Math.abs(r3.sync!.masterMs - moved.playingDateMs!)).toBeLessThanOrEqual(AGREE_MS);
    await page.screenshot({ path: path.join(ARTIFACTS, 'rewind-seek.png') });

    // "Kembali ke live": every tile back on its live playlist, no recorded player left.
    await page.locator('.rewind-all .rewind-live').click();
    await page.waitForFunction(
      () => {
        const r = (window.__siaga as unknown as { rewind: RewindDebug }).rewind;
        return r.sync === null && r.players.length === 0 && r.tiles.every((t) => t.mode === 'live' && t.url?.includes('/hls/'));
      },
      null,
      { timeout: 15_000 },
    );
    const liveAgain = async () => Object.fromEntries((await rewindOf(page)).tiles.map((t) => [t.camera, t.currentTime]));
    const a = await liveAgain();
    await page.waitForTimeout(2500);
    const b = await liveAgain();
    expect(members.filter((id) => b[id] > (a[id] ?? 0)).length).toBeGreaterThanOrEqual(1);
    expect(await page.locator('.strip .tile.in-past').count()).toBe(0);
    await page.screenshot({ path: path.join(ARTIFACTS, 'rewind-live.png') });
  });

  it('a viewer\'s tiles show the live badge only: no bar to scrub, no "replay all"', { timeout: 120_000 }, async () => {
    const { token } = await h.api<{ token: string }>('/api/tokens', { method: 'POST', body: JSON.stringify({ role: 'viewer', label: 'e2e-rewind-viewer' }) });
    const context = await h.browser.newContext({ viewport: { width: 1920, height: 1080 } });
    try {
      const login = await context.newPage();
      await login.goto(`${h.base}/?token=${encodeURIComponent(token)}`, { waitUntil: 'commit', timeout: 60_000 });
      await login.close();
      const viewer = await context.newPage();
      await viewer.goto(`${h.base}/?view=wall`);
      await viewer.waitForFunction((id) => window.__siaga?.store()?.incidents.has(id), incidentId, { timeout: 90_000 });
      await viewer.locator(`.incident-row[data-incident-id="${incidentId}"]`).click({ timeout: 30_000 });
      await viewer.waitForFunction(() => window.__siaga.tiles.length > 0, null, { timeout: 20_000 });
      const shown = viewer.locator('.strip .tile:not([hidden])');
      await expect.poll(() => shown.locator('.tl.live-only .tl-live').count(), { timeout: 10_000 }).toBeGreaterThan(0);
      expect(await shown.locator('.tl-track:visible, .tl-report:visible, .tl-zoom:visible').count()).toBe(0);
      expect(await viewer.locator('.rewind-all:visible').count()).toBe(0);
      await viewer.screenshot({ path: path.join(ARTIFACTS, 'rewind-viewer.png') });
    } finally {
      await context.close();
    }
  });
});
