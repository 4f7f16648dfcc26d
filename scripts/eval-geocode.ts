// Scores the geocoder on a file of {id, query, lat, lon, kelurahan_kode, kecamatan_kode, tolerance_m,
// kelurahan_confidence} records, judged on the top candidate. Last line of output = one JSON object.
// Usage: npm run eval:geocode -- [file.json] [--url http://host:port] [--verbose]
import fs from 'node:fs';
import { createGeo, type Candidate } from '../geo/index.ts';
import { distanceM } from '../geo/spatial.ts';
import { loadGeoData } from '../server/geo/load.ts';
import type { ListOf } from '../domain/messages.ts';

interface Rec { id: string; query: string; lat: number; lon: number; kelurahan_kode: string | null; kecamatan_kode: string | null; tolerance_m: number; kelurahan_confidence?: string }

const args = process.argv.slice(2);
const file = args.find((a) => !a.startsWith('--') && !/^https?:/.test(a)) ?? 'test/fixtures/geocode-dev.json';
const urlIdx = args.indexOf('--url');
const url = urlIdx >= 0 ? args[urlIdx + 1] : null;
const verbose = args.includes('--verbose');
const records: Rec[] = JSON.parse(fs.readFileSync(file, 'utf8'));

const geo = url ? null : createGeo(loadGeoData());
async function top(q: string): Promise<Candidate | null> {
  if (geo) return geo.geocode(q, { limit: 1 })[0] ?? null;
  const res = await fetch(`${url}/api/geocode?q=${encodeURIComponent(q)}&limit=1`, { headers: process.env.SIAGA_TOKEN ? { authorization: `Bearer ${process.env.SIAGA_TOKEN}` } : {} });
  const list = ((await res.json()) as ListOf<Candidate>).items;
  return list[0] ?? null;
}

const median = (xs: number[]) => {
  if (!xs.length) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};
let hit = 0, covered = 0, over = 0, none = 0, kelN = 0, kelOk = 0, kecN = 0, kecOk = 0;
const errors: number[] = [], uncert: number[] = [];
for (const r of records) {
  const c = await top(r.query);
  if (c && r.kecamatan_kode) kecN++;
  if (r.kelurahan_confidence === 'high' || r.kelurahan_confidence === 'by_construction') kelN++;
  if (!c) {
    none++;
    if (verbose) console.log(`NONE  ${r.id} ${r.query}`);
    continue;
  }
  const err = distanceM(c.lon, c.lat, r.lon, r.lat);
  errors.push(err);
  uncert.push(c.uncertaintyM);
  const isHit = err <= r.tolerance_m;
  const isCovered = err <= Math.max(r.tolerance_m, c.uncertaintyM);
  if (isHit) hit++;
  if (isCovered) covered++;
  else over++;
  if ((r.kelurahan_confidence === 'high' || r.kelurahan_confidence === 'by_construction') && c.kelurahan?.code === r.kelurahan_kode) kelOk++;
  if (r.kecamatan_kode && c.kecamatan?.code === r.kecamatan_kode) kecOk++;
  if (verbose) console.log(`${isCovered ? (isHit ? 'HIT ' : 'COV ') : 'OVER'}  ${r.id} err=${Math.round(err)} u=${c.uncertaintyM} ${c.kind} "${r.query}" → ${c.label} [${c.kelurahan?.name}]`);
}
const n = records.length;
const r3 = (x: number) => Math.round(x * 1000) / 1000;
console.log(JSON.stringify({
  n,
  hit_rate: r3(hit / n),
  covered_rate: r3(covered / n),
  overconfident_rate: r3(over / n),
  no_result_rate: r3(none / n),
  median_error_m: errors.length ? Math.round(median(errors)!) : null,
  median_uncertainty_m: uncert.length ? Math.round(median(uncert)!) : null,
  kelurahan_acc: kelN ? r3(kelOk / kelN) : null,
  kecamatan_acc: kecN ? r3(kecOk / n) : null,
}));
