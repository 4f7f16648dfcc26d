// The wall read from five metres (issue 16), in real Chromium against the real demo server with its 30-day history:
// the heat shows at the default view, the legend names every drawn layer, no marker covers a kecamatan name, and
// each language shows no word from the other language's table. One server and one browser for the file.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { en } from '../../wall/i18n/en.ts';
import { id } from '../../wall/i18n/id.ts';
import { sampleRgb, startWallHarness, waitForDemoHistory, type WallHarness } from './wall-harness.ts';

const ARTIFACTS = path.resolve('test/artifacts');
let h: WallHarness;

interface LegibilityDebug {
  heat: { domain: [number, number]; points: number } | null;
  historyLoaded: boolean;
  labels: Array<{ text: string; area: boolean; size: number; position: [number, number] }>;
  markersIn(x0: number, y0: number, x1: number, y1: number): Array<{ layer: string; id: string }>;
}

async function openWall(query: string): Promise<Page> {
  const page = await h.context.newPage();
  page.on('pageerror', (err) => console.warn(`[page ${query}] ${err.message}`));
  await page.goto(`${h.base}/${query}`);
  await page.waitForFunction(() => window.__siaga?.mapReady || window.__siaga?.error, null, { timeout: 120_000 });
  expect(await page.evaluate(() => window.__siaga.error ?? null)).toBeNull();
  await page.waitForFunction(
    () => (window.__siaga as unknown as LegibilityDebug).historyLoaded && (window.__siaga.layers.cameras ?? 0) >= 35 && window.__siaga.conn?.state === 'open',
    null,
    { timeout: 120_000 },
  );
  return page;
}

/** Share of sampled pixels that differ between two samples by more than a JPEG-ish noise floor. */
function changedShare(a: number[], b: number[]): number {
  let changed = 0;
  for (let i = 0; i < a.length; i += 3) if (Math.abs(a[i] - b[i]) + Math.abs(a[i + 1] - b[i + 1]) + Math.abs(a[i + 2] - b[i + 2]) > 24) changed++;
  return changed / (a.length / 3);
}

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  h = await startWallHarness();
  await waitForDemoHistory(h);
}, 400_000);

afterAll(async () => {
  await h?.close();
}, 60_000);

describe('the wall read from five metres (e2e, demo history)', () => {
  let wall: Page;

  it('heat changes at least 3 % of the default view, with a domain taken from the data', { timeout: 240_000 }, async () => {
    wall = await openWall('?view=wall&heatWindow=7d&heatCategory=all');
    await wall.waitForFunction(() => ((window.__siaga as unknown as LegibilityDebug).heat?.points ?? 0) > 50, null, { timeout: 60_000 });
    const heat = await wall.evaluate(() => (window.__siaga as unknown as LegibilityDebug).heat!);
    // Domain in incidents/km² within 7 days, from the 30-day history: positive and ordered.
    expect(heat.domain[0]).toBeGreaterThan(0);
    expect(heat.domain[1]).toBeGreaterThan(heat.domain[0]);
    // The legend states the same top value the layer uses.
    expect(Number(await wall.locator('.legend .lg-top').getAttribute('data-top'))).toBeCloseTo(heat.domain[1], 6);

    await wall.evaluate(() => window.__siaga.map().freeze(true)); // units and pulses hold still
    await wall.waitForTimeout(2000); // software GL: let the last frame land
    const withHeat = await sampleRgb(wall, '#map', 13);
    await wall.screenshot({ path: path.join(ARTIFACTS, 'legibility-heat.png') });
    await wall.evaluate(() => window.__siaga.map().setLayerVisible('incident-heatmap', false));
    let share = 0;
    await expect
      .poll(async () => (share = changedShare(withHeat, await sampleRgb(wall, '#map', 13))), { timeout: 30_000, interval: 1000 })
      .toBeGreaterThanOrEqual(0.03);
    console.log(`heat changes ${(share * 100).toFixed(1)} % of sampled map pixels; domain ${heat.domain.map((d) => d.toFixed(2)).join('–')} /km² in 7 days, ${heat.points} points`);
    await wall.evaluate(() => window.__siaga.map().setLayerVisible('incident-heatmap', true));
  });

  it('no kecamatan name is covered by a marker at 1920×1080 (deck pick buffer)', { timeout: 120_000 }, async () => {
    // Still frozen: labels and markers are from the same frame.
    try {
      const boxes = await wall.evaluate(() => {
        const d = window.__siaga as unknown as LegibilityDebug;
        const g = document.createElement('canvas').getContext('2d')!;
        return d.labels
          .filter((l) => l.area && l.text === l.text.toUpperCase())
          .map((l) => {
            // The text's own extent (font metrics), not the placement's estimate, plus the 4 px outline.
            g.font = `600 ${l.size}px "DejaVu Sans", "Noto Sans", "Liberation Sans", Arial, sans-serif`;
            const w = g.measureText(l.text).width;
            const p = window.__siaga.project(l.position[0], l.position[1])!;
            return { text: l.text, box: [p.x - w / 2 - 4, p.y - l.size * 0.6, p.x + w / 2 + 4, p.y + l.size * 0.6] as [number, number, number, number] };
          });
      });
      expect(boxes.length).toBeGreaterThanOrEqual(10); // most of the 15 kecamatan are named at the default view
      const covered = [];
      for (const b of boxes) {
        const hits = await wall.evaluate(([x0, y0, x1, y1]) => (window.__siaga as unknown as LegibilityDebug).markersIn(x0, y0, x1, y1), b.box);
        if (hits.length) covered.push({ label: b.text, hits });
      }
      expect(covered).toEqual([]);
    } finally {
      await wall.evaluate(() => window.__siaga.map().freeze(false));
    }
  });

  it('the legend is open by default and lists every layer on screen', { timeout: 120_000 }, async () => {
    expect(await wall.locator('.legend').isVisible()).toBe(true);
    const drawn = await wall.evaluate(() => Object.entries(window.__siaga.layers).filter(([, n]) => n > 0).map(([layer]) => layer));
    const named = await wall.evaluate(() => [...document.querySelectorAll<HTMLElement>('.legend [data-layer]')].flatMap((e) => e.dataset.layer!.split(' ')));
    expect(drawn.length).toBeGreaterThanOrEqual(6);
    expect(drawn.filter((l) => !named.includes(l))).toEqual([]);
    // Collapsible, and remembered open again on a click.
    await wall.locator('.legend .lg-toggle').click();
    await expect.poll(() => wall.locator('.legend [data-layer]').count()).toBe(0);
    await wall.locator('.legend .lg-toggle').click();
    await expect.poll(() => wall.locator('.legend [data-layer]').count()).toBeGreaterThan(5);
  });

  it('the window and category controls change the heat and are kept per screen', { timeout: 120_000 }, async () => {
    const points = () => wall.evaluate(() => (window.__siaga as unknown as LegibilityDebug).heat?.points ?? 0);
    const week = await points();
    await wall.locator('.legend .lg-windows button[data-window="30d"]').click();
    await expect.poll(points, { timeout: 20_000 }).toBeGreaterThan(week);
    await wall.locator('.legend select.lg-category').selectOption('kebakaran');
    await expect.poll(points, { timeout: 20_000 }).toBeLessThan(week);
    const saved = await wall.evaluate(() => JSON.parse(localStorage.getItem('siaga.heat') ?? '{}'));
    expect(saved).toEqual({ window: '30d', category: 'kebakaran' });
    await wall.evaluate(() => localStorage.removeItem('siaga.heat'));
  });
});

// ── one language at a time ────────────────────────────────────────────────────────────────────────────────────
const words = (texts: string[]) => new Set(texts.flatMap((s) => s.toLowerCase().match(/\p{L}{3,}/gu) ?? []));
const idWords = words(Object.values(id));
const enWords = words(Object.values(en));
/** Words that belong to one table only: seeing one in the other language is a leak. */
const foreign = { id: [...enWords].filter((w) => !idWords.has(w)), en: [...idWords].filter((w) => !enWords.has(w)) };

/** Every string a person reads: visible text, options, placeholders and titles; not caller/place/camera data. */
async function readableText(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const DATA = '.free-text, .maplibregl-ctrl-attrib, script, style';
    const out: string[] = [];
    const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      if (!el || el.closest(DATA) || !n.textContent?.trim()) continue;
      if (el.tagName !== 'OPTION' && !el.checkVisibility()) continue;
      out.push(n.textContent.trim());
    }
    for (const el of document.querySelectorAll<HTMLElement>('[placeholder], [title]')) {
      if (el.closest(DATA)) continue;
      out.push(el.getAttribute('placeholder') ?? '', el.getAttribute('title') ?? '');
    }
    return out.filter(Boolean);
  });
}

describe('one language at a time (e2e)', () => {
  it('the tables are complete and differ', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(id).sort());
    expect(foreign.id.length).toBeGreaterThan(50);
    expect(foreign.en.length).toBeGreaterThan(50);
  });

  for (const lang of ['id', 'en'] as const) {
    it(`every view in "${lang}" shows no word from the other language's table`, { timeout: 400_000 }, async () => {
      const leaks: Array<{ view: string; word: string; text: string }> = [];
      const check = async (view: string, page: Page) => {
        for (const text of await readableText(page)) {
          for (const w of text.toLowerCase().match(/\p{L}{3,}/gu) ?? []) if (foreign[lang].includes(w)) leaks.push({ view, word: w, text });
        }
      };
      // Wall with an incident open: its card, status history (server events and sources), agencies and tiles.
      const wall = await openWall(`?view=wall&lang=${lang}`);
      // An incident from the history that went through dispatch, a moving unit and arrival.
      const picked = await wall.evaluate(async (since) => {
        const list = ((await (await fetch(`/api/incidents?since=${encodeURIComponent(since)}&limit=500`)).json()) as { items: Array<{ id: string; history?: Array<{ event?: string }> }> }).items;
        const best = [...list].sort((a, b) => (b.history?.length ?? 0) - (a.history?.length ?? 0))[0];
        const s = window.__siaga.store();
        s.upsertIncident(best);
        s.select(best.id);
        return best.id;
      }, new Date(Date.now() - 3 * 86_400_000).toISOString());
      await wall.waitForFunction((iid) => document.querySelector('.detail h2') && window.__siaga.selectedId === iid, picked, { timeout: 30_000 });
      await wall.waitForFunction(() => document.querySelectorAll('.detail .timeline li').length >= 3, null, { timeout: 90_000 });
      await wall.waitForTimeout(1500);
      await check('wall + incident', wall);
      await wall.screenshot({ path: path.join(ARTIFACTS, `legibility-wall-${lang}.png`) });
      await wall.close();
      for (const view of ['grid', 'console', 'briefing']) {
        const page = await h.context.newPage();
        await page.goto(`${h.base}/?view=${view}&lang=${lang}`);
        if (view === 'briefing') await page.waitForFunction(() => (window as unknown as { __briefing?: { ready: boolean } }).__briefing?.ready, null, { timeout: 120_000 });
        else if (view === 'grid') await page.waitForFunction(() => document.querySelectorAll('.grid-cell').length >= 35, null, { timeout: 60_000 });
        else await page.waitForFunction(() => window.__siaga?.mapReady, null, { timeout: 120_000 });
        await page.waitForTimeout(1500);
        await check(view, page);
        await page.close();
      }
      expect(leaks).toEqual([]);
    });
  }
});
