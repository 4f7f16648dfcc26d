// The console's dispatch desk (issue 17), from the keyboard, in real Chromium against the real server in demo mode
// (its units drive the city's roads and report over OsmAnd): an operator creates an incident from typed text, finds
// it on top of the queue with its timer running, sends the recommended unit with D and walks the incident through
// the statuses S offers, which are exactly those the state machine allows. Then a call arriving live chimes, a repeat
// call about it merges from its row, the arrows reach it, and a cancel asks for its reason before it is sent. One
// server and one browser for the file.
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { canTransition, TRANSITIONS, type Incident, type Status } from '../../domain/incident.ts';
import type { DispatchRoute, UnitRecommendation } from '../../domain/dispatch.ts';
import type { Dispatch } from '../../domain/unit.ts';
import type { ListOf } from '../../domain/messages.ts';
import { startWallHarness, type WallHarness } from './wall-harness.ts';

const ARTIFACTS = path.resolve('test/artifacts');
// a junction the shipped geocoder places to within 50 m (confidence 0.85): the incident gets a point to route to
const ADDRESS = 'Simpang Jl. Sudirman Jl. Imam Munandar';
let h: WallHarness;
let page: Page;

beforeAll(async () => {
  fs.mkdirSync(ARTIFACTS, { recursive: true });
  h = await startWallHarness();
}, 240_000);

afterAll(async () => {
  await h?.close();
}, 60_000);

const incident = (id: string) => h.api<Incident>(`/api/incidents/${id}`);
/** What the status menu offers, in order. */
const offered = () => page.locator('.desk .status-menu:not([hidden]) .status-option').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.status));
const selectedId = () => page.evaluate(() => window.__siaga.selectedId);

describe('console dispatch desk (e2e, keyboard only)', () => {
  let created = '';

  it('creates an incident from text, which tops the queue with a running timer; D sends the recommended unit; S offers only allowed statuses', { timeout: 240_000 }, async () => {
    // A quiet moment: a P1 incident reported earlier stays above a new one (priority, then the longest wait), so
    // another operator closes the demo's open P1 calls first, each with a reason where one is needed.
    for (const i of (await h.api<ListOf<Incident>>('/api/incidents?status=open&limit=500')).items.filter((x) => x.priority === 1)) {
      const status: Status = canTransition(i.status, 'batal') ? 'batal' : 'selesai';
      await h.api(`/api/incidents/${i.id}`, { method: 'PATCH', body: JSON.stringify({ status, note: 'e2e: antrean dikosongkan' }) });
    }

    page = await h.context.newPage();
    page.on('pageerror', (err) => console.warn(`[console] ${err.message}`));
    await page.goto(`${h.base}/?view=console`);
    await page.waitForFunction(() => window.__siaga?.conn?.state === 'open', null, { timeout: 120_000 });
    // the shortcuts are on screen
    expect(await page.locator('.console .shortcuts kbd').allInnerTexts()).toEqual(expect.arrayContaining(['N', 'D', 'S', 'Esc']));

    // N puts the cursor in the form; no "n" lands in it
    await page.keyboard.press('n');
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('address');
    await page.keyboard.type(ADDRESS);
    expect(await page.locator('input[name=address]').inputValue()).toBe(ADDRESS);
    await page.keyboard.press('Tab');
    await page.keyboard.type('Keb'); // the category list, by its first letters
    await page.keyboard.press('Tab');
    await page.keyboard.type('P1');
    await page.keyboard.press('Tab');
    await page.keyboard.type('e2e: asap tebal dari ruko, api di lantai dua');
    await page.keyboard.press('Control+Enter');
    const result = page.locator('.new-incident .result');
    await expect.poll(() => result.getAttribute('data-incident-id'), { timeout: 15_000 }).toBeTruthy();
    created = (await result.getAttribute('data-incident-id'))!;
    const stored = await incident(created);
    expect(stored).toMatchObject({ category: 'kebakaran', priority: 1, status: 'baru' });
    expect(stored.location.lat).not.toBeNull(); // placed from the text by the server's geocoder

    // On top of the queue, selected, with a timer that runs.
    const row = page.locator(`.queue-row[data-incident-id="${created}"]`);
    // at the top: only P1 calls already waiting longer may stand above it (the demo keeps taking calls meanwhile)
    await expect.poll(async () => {
      const rows = await page.locator('.queue-row').evaluateAll((els) => els.map((e) => [(e as HTMLElement).dataset.incidentId, (e as HTMLElement).dataset.priority]));
      const at = rows.findIndex(([id]) => id === created);
      return at >= 0 && rows.slice(0, at).every(([, p]) => p === '1');
    }, { timeout: 10_000 }).toBe(true);
    expect(await selectedId()).toBe(created);
    expect(await row.getAttribute('class')).toMatch(/selected/);
    expect(await row.locator('.q-agency').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.agency))).toEqual(stored.agencies.map((a) => a.id));
    expect(await row.locator('.q-unit').innerText()).toBe('belum ada unit');
    const t0 = await row.locator('.q-wait').innerText();
    // it runs (polled: a busy wall PC may paint a second late)
    await expect.poll(() => row.locator('.q-wait').innerText(), { timeout: 10_000 }).not.toBe(t0);
    const t1 = await row.locator('.q-wait').innerText();
    expect(t0).toMatch(/^\d+:\d{2}$/);
    expect(t1).toMatch(/^\d+:\d{2}$/);
    expect(await row.getAttribute('data-wait')).toBe('ok'); // well inside the 60 s of sla.json

    // Recommended units by road time, lead agency (Damkar for a fire) first; D sends the marked one.
    const top = page.locator('.desk .rec.top');
    await top.waitFor({ timeout: 60_000 });
    const unitId = (await top.getAttribute('data-unit-id'))!;
    expect(await top.getAttribute('data-agency')).toBe('damkar');
    expect(await page.locator('.desk .rec-agency').first().getAttribute('data-agency')).toBe('damkar');
    expect(await page.locator('.desk .rec-agency[data-agency="damkar"] .rec').count()).toBeLessThanOrEqual(3);
    const ranked = (await h.api<ListOf<UnitRecommendation>>(`/api/incidents/${created}/recommendations`)).items.filter((r) => r.agency === 'damkar');
    expect(ranked.slice(0, 3).map((r) => r.unitId)).toContain(unitId); // the server's own ranking (units move meanwhile)
    expect(await top.innerText()).toMatch(/\d+ mnt[\s\S]*\d+,\d km[\s\S]*posisi \d+ dtk lalu/);
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-desk.png') });
    await page.keyboard.press('d');
    await expect.poll(async () => (await h.api<ListOf<Dispatch>>(`/api/incidents/${created}/dispatches`)).items.map((d) => d.unitId), { timeout: 15_000 }).toEqual([unitId]);
    await expect.poll(() => row.getAttribute('data-wait'), { timeout: 15_000 }).toBe('assigned'); // the timer stopped
    await expect.poll(async () => (await incident(created)).status, { timeout: 10_000 }).toBe('didisposisikan');

    // The unit's road route is drawn on the map; the first camera it will pass plays, labelled with the unit.
    const [sent] = (await h.api<ListOf<Dispatch>>(`/api/incidents/${created}/dispatches`)).items;
    const route = await h.api<DispatchRoute>(`/api/dispatches/${sent.id}/route`);
    expect(route.path.coordinates.length).toBeGreaterThan(1);
    await expect.poll(() => page.evaluate(() => (window as any).__siaga.layers['dispatch-routes'] ?? 0), { timeout: 30_000 }).toBeGreaterThan(0);
    // (which camera is first moves on with the unit; that one of them plays is what the wall promises)
    if (route.cameras.length) await expect.poll(() => page.locator('.tile:not([hidden]) .tile-meta', { hasText: 'rute' }).count(), { timeout: 30_000 }).toBeGreaterThan(0);

    // S: the statuses the machine allows from here, and no other; a number picks one.
    for (const expected of ['dalam_penanganan', 'selesai'] as const) {
      const from = (await incident(created)).status;
      await expect.poll(() => page.locator('.desk .status-pill').getAttribute('data-status'), { timeout: 10_000 }).toBe(from);
      await page.keyboard.press('s');
      await expect.poll(offered, { timeout: 5_000 }).toEqual([...TRANSITIONS[from]]);
      expect(await offered()).not.toContain('baru');
      const n = TRANSITIONS[from].indexOf(expected) + 1;
      await page.keyboard.press(String(n));
      await expect.poll(async () => (await incident(created)).status, { timeout: 10_000 }).toBe(expected);
    }
    // Closed: out of the queue, and S has nothing to offer.
    await expect.poll(() => row.count(), { timeout: 10_000 }).toBe(0);
    await page.keyboard.press('s');
    expect(await page.locator('.desk .status-menu').count()).toBe(0);
    expect(await page.locator('.desk .status-final').count()).toBe(1);
  });

  it('a call arriving live chimes; a repeat call merges in one click; the arrows reach it; a cancel waits for its reason and keeps it in the history', { timeout: 120_000 }, async () => {
    const queue = page.locator('.console .queue');
    const chimes = Number(await queue.getAttribute('data-chimes'));
    const report = (description: string) =>
      h.api<Incident>('/api/incidents', { method: 'POST', body: JSON.stringify({ category: 'pohon_tumbang', priority: 3, description, location: { text: ADDRESS } }) });
    const call = await report('e2e: dahan patah menutup jalan');
    await expect.poll(() => page.locator(`.queue-row[data-incident-id="${call.id}"]`).count(), { timeout: 15_000 }).toBe(1);
    expect(Number(await queue.getAttribute('data-chimes'))).toBeGreaterThan(chimes);

    // The same tree from another caller: flagged at intake, merged from its row ("gabungkan").
    const repeat = await report('e2e: pohon tumbang, jalan tertutup');
    expect(repeat.possibleDuplicateOf).toBe(call.id);
    const merge = page.locator(`.queue-row[data-incident-id="${repeat.id}"] .q-merge`);
    await merge.waitFor({ timeout: 15_000 });
    expect(await merge.getAttribute('data-into')).toBe(call.id);
    expect(await merge.innerText()).toBe('Gabungkan');
    await merge.click();
    await expect.poll(async () => (await incident(repeat.id)).status, { timeout: 10_000 }).toBe('digabung');
    expect((await incident(call.id)).callCount).toBe(2);
    await expect.poll(() => page.locator(`.queue-row[data-incident-id="${repeat.id}"]`).count(), { timeout: 10_000 }).toBe(0);
    await expect.poll(() => page.locator(`.queue-row[data-incident-id="${call.id}"] .q-calls`).innerText(), { timeout: 10_000 }).toMatch(/2 panggilan/);
    // M mutes (and says so), M again unmutes
    await page.keyboard.press('m');
    expect(await queue.getAttribute('data-muted')).toBe('1');
    await page.keyboard.press('m');
    expect(await queue.getAttribute('data-muted')).toBe('0');

    // ↓ from nothing selected in the queue goes to its first row, then one row down per press. The demo's calls keep
    // arriving and closing, and may reorder the queue between reading it and the key press: the row reached must be the
    // one below in the order just before the press or in the order just after it.
    const rowIds = () => page.locator('.queue-row').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.incidentId!));
    const next = (rows: string[], from: string | null, step: 1 | -1) =>
      from === null || !rows.includes(from) ? rows[0] : rows[Math.max(0, Math.min(rows.length - 1, rows.indexOf(from) + step))];
    /** One press of ↓ or ↑; the row it reached. */
    const press = async (step: 1 | -1, from: string | null): Promise<string> => {
      const before = await rowIds();
      expect(before).toContain(call.id);
      const was = await selectedId();
      await page.keyboard.press(step > 0 ? 'ArrowDown' : 'ArrowUp');
      await expect.poll(selectedId, { timeout: 5_000 }).not.toBe(was);
      const reached = await selectedId();
      expect([next(before, from, step), next(await rowIds(), from, step)]).toContain(reached);
      return reached!;
    };
    let at: string | null = null;
    for (let presses = 0; at !== call.id; presses++) {
      expect(presses).toBeLessThan(50);
      at = await press(1, at);
    }
    if ((await rowIds()).indexOf(call.id) > 0) {
      at = await press(-1, at);
      expect(at).not.toBe(call.id);
      expect(await press(1, at)).toBe(call.id);
    }

    // batal without a reason sends nothing: the note takes the focus, and letters typed there are text, not keys.
    await page.keyboard.press('s');
    await expect.poll(offered, { timeout: 5_000 }).toEqual([...TRANSITIONS.baru]);
    await page.keyboard.press(String(TRANSITIONS.baru.indexOf('batal') + 1));
    await expect.poll(() => page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name), { timeout: 5_000 }).toBe('note');
    expect(await page.locator('.desk .status-option.pending').getAttribute('data-status')).toBe('batal');
    expect((await incident(call.id)).status).toBe('baru');
    const reason = 'dobel laporan: sudah ditangani, penelepon sama';
    await page.keyboard.type(reason.slice(0, 12));
    // a third call about it is merged meanwhile (the incident changes under the officer's hands): the cursor stays in
    // the reason, and what is typed next still lands there
    const third = await report('e2e: pohon tumbang lagi');
    await h.api(`/api/incidents/${third.id}/merge`, { method: 'POST', body: JSON.stringify({ into: call.id }) });
    await expect.poll(() => page.locator(`.queue-row[data-incident-id="${call.id}"] .q-calls`).innerText(), { timeout: 10_000 }).toMatch(/3 panggilan/);
    await page.keyboard.type(reason.slice(12));
    expect(await page.evaluate(() => (document.activeElement as HTMLInputElement | null)?.name)).toBe('note');
    expect(await page.locator('.desk input[name=note]').inputValue()).toBe(reason);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await incident(call.id)).status, { timeout: 10_000 }).toBe('batal');
    const after = await incident(call.id);
    expect(after.history.at(-1)).toMatchObject({ status: 'batal', note: reason });
    expect((await h.api<ListOf<Dispatch>>(`/api/incidents/${call.id}/dispatches`)).items).toEqual([]); // the "d" in the reason sent nobody
    await page.screenshot({ path: path.join(ARTIFACTS, 'console-desk-reason.png') });
    await page.close();
  });
});
