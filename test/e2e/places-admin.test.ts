// The admins' common-place screen (?view=places) in real Chromium against the real server (no demo: no cameras, no
// simulated traffic, so the only candidates are the ones made here): an operator's hand-placed incident shows up as a
// candidate after "Muat ulang", the admin approves it with a name, an alias and a radius, and finds it among the
// approved places and in the audit trail; the geocoder then answers the alias. Deleting asks first; a CSV file from
// the picker is refused whole while a row is bad (the notice names it), and goes in once fixed. A viewer gets a
// polite refusal.
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { placeKey } from '../../geo/index.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { startWallHarness, type WallHarness } from './wall-harness.ts';

// a real point the geocoder cannot name (the learning test's fire post in Kel. Kulim)
const data = loadGeoData();
const post = data.gazetteer.places.find((p) => p.id === 'node/3243088126')!;
const kel = data.gazetteer.kelurahan.find((k) => k.kode === post.kelurahan_kode)!;
const TYPED = `Gudang pupuk uji e2e ${kel.nama}`;
const NAME = `Gudang Pupuk Sinar Jaya ${kel.nama}`;
const ALIAS = 'gudang sinar jaya e2e';

let h: WallHarness;
let page: Page;

beforeAll(async () => {
  h = await startWallHarness({ demo: false, viewport: { width: 1600, height: 1000 } });
}, 240_000);

afterAll(async () => {
  await h?.close();
}, 60_000);

describe('common places admin screen (e2e)', () => {
  it('lists a candidate made through the API, approves it with a name, alias and radius, and lists the place', { timeout: 120_000 }, async () => {
    page = await h.context.newPage();
    const errors: string[] = [];
    page.on('pageerror', (err) => errors.push(err.message));
    await page.goto(`${h.base}/?view=places`);
    const screen = page.locator('.places-admin[data-state="ready"]');
    await screen.waitFor({ timeout: 60_000 });
    expect(await page.locator('.statusbar a[data-view="places"]').getAttribute('class')).toBe('active');
    expect(await screen.locator('.pl-candidates .empty').innerText()).toBe('Belum ada kandidat');
    expect(await screen.locator('.pl-places .empty').innerText()).toBe('Belum ada tempat umum');

    // an operator placed an incident by hand after typing a text the geocoder does not know
    await h.api('/api/incidents', {
      method: 'POST',
      headers: { 'Idempotency-Key': 'e2e-places-1' },
      body: JSON.stringify({
        source: 'form', category: 'kebakaran', description: 'e2e: asap dari gudang',
        location: { text: 'dipilih di peta', lat: post.lat, lon: post.lon, uncertaintyM: 25, method: 'manual', query: TYPED },
      }),
    });
    await screen.locator('.pl-reload').click();
    const row = screen.locator(`.pl-candidate[data-norm="${placeKey(TYPED)}"]`);
    await row.waitFor({ timeout: 15_000 });
    expect(await row.locator('td').allInnerTexts()).toEqual([TYPED, '1', '0 m', expect.stringMatching(/WIB$/), 'Setujui']);

    await row.locator('.pl-approve').click();
    const form = screen.locator('.pl-approve-form');
    expect(await form.locator('input[name=name]').inputValue()).toBe(TYPED); // prefilled with what was typed
    await form.locator('input[name=name]').fill(NAME);
    await form.locator('textarea[name=aliases]').fill(`${ALIAS}\n`);
    await form.locator('input[name=radius]').fill('80');
    await form.locator('button[type=submit]').click();

    const place = screen.locator('.pl-place', { hasText: NAME });
    await place.waitFor({ timeout: 15_000 });
    expect(await place.locator('td').allInnerTexts()).toEqual([NAME, ALIAS, '80', 'operator picks', expect.stringMatching(/WIB$/), 'Hapus']);
    expect(await screen.locator('.pl-notice').innerText()).toBe(`Disetujui: ${NAME}`);
    expect(await screen.locator('.pl-candidate').count()).toBe(0); // approved candidates leave the list
    expect(await screen.locator('.pl-audit li').first().innerText()).toContain('disetujui');
    expect(await screen.locator('.pl-audit li').first().innerText()).toContain(NAME);
    // what the screen showed is what the server stored, and the geocoder now answers the alias there
    const stored = (await h.api<{ items: Array<{ name: string; aliases: string[]; radiusM: number }> }>('/api/places')).items;
    expect(stored).toEqual([expect.objectContaining({ name: NAME, aliases: [ALIAS], radiusM: 80 })]);
    const top = (await h.api<{ items: Array<{ kind: string; label: string }> }>(`/api/geocode?q=${encodeURIComponent(ALIAS)}`)).items[0];
    expect(top).toMatchObject({ kind: 'common_place', label: expect.stringContaining(NAME) });

    // deleting asks first, then the place goes and its candidate comes back
    page.once('dialog', (d) => void d.accept());
    await place.locator('.pl-delete').click();
    await row.waitFor({ timeout: 15_000 });
    expect(await screen.locator('.pl-place').count()).toBe(0);

    // a CSV file from the picker: a bad row is refused whole, naming it; the fixed file goes in
    const sheet = (lat: string) => Buffer.from(`name,aliases,lat,lon\r\nPosko RW 05,posko|pos rw lima,${post.lat},${post.lon}\r\nPos Kamling 3,,${lat},${post.lon}\r\n`);
    await screen.locator('input[name=import]').setInputFiles({ name: 'tempat.csv', mimeType: 'text/csv', buffer: sheet('utara') });
    await expect.poll(() => screen.locator('.pl-notice.bad').textContent(), { timeout: 15_000 }).toMatch(/rows\.1\.lat \(line 3\)/);
    expect(await screen.locator('.pl-place').count()).toBe(0);
    await screen.locator('input[name=import]').setInputFiles({ name: 'tempat.csv', mimeType: 'text/csv', buffer: sheet(String(post.lat)) });
    await expect.poll(() => screen.locator('.pl-notice').textContent(), { timeout: 15_000 }).toBe('2 tempat diimpor');
    expect(await screen.locator('.pl-place .pl-name').allInnerTexts()).toEqual(['Posko RW 05', 'Pos Kamling 3']);
    expect(errors).toEqual([]);
  });

  it('tells a viewer politely that the screen is for admins, without a places link', { timeout: 60_000 }, async () => {
    const { token } = await h.api<{ token: string }>('/api/tokens', { method: 'POST', body: JSON.stringify({ role: 'viewer', label: 'e2e viewer' }) });
    const context = await h.browser.newContext();
    try {
      const viewer = await context.newPage();
      await viewer.goto(`${h.base}/?view=places&token=${encodeURIComponent(token)}`);
      const refused = viewer.locator('.places-admin .pl-refused');
      await refused.waitFor({ timeout: 30_000 });
      expect(await refused.innerText()).toMatch(/khusus admin/);
      expect(await viewer.locator('.statusbar a[data-view="places"]').count()).toBe(0);
      expect(await viewer.locator('.pl-candidates').count()).toBe(0);
    } finally {
      await context.close();
    }
  });
});
