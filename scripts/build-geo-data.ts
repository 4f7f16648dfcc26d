// Regenerates geo/data/ from the shared real-data folder (default ../shared/data).
// Usage: npm run build:geo [-- <shared-data-dir>]
// Every coordinate written here is copied (rounded to 5 decimals ≈ 1.1 m) or simplified (~2 m) from that folder;
// nothing is typed in by hand. geo/data/SOURCES.md documents provenance and licences.
import fs from 'node:fs';
import path from 'node:path';
import * as turf from '@turf/turf';
import type { Feature, FeatureCollection, Geometry, Position } from 'geojson';
import { nameKey } from '../geo/address.ts';
import { AreaIndex } from '../geo/areas.ts';
import type { GeoData, SchoolRecord } from '../geo/data-types.ts';
import { StreetIndex } from '../geo/streets.ts';
import { GEOCODE_INDEX_FILE, loadGeoData } from '../server/geo/load.ts';

const SRC = path.resolve(process.argv[2] ?? '../shared/data');
const OUT = path.resolve('geo/data');
const SIMPLIFY_DEG = 0.000018; // ≈ 2 m at the equator (Pekanbaru is at 0.5° N)

const readJson = (rel: string) => JSON.parse(fs.readFileSync(path.join(SRC, rel), 'utf8'));

/** Minimal CSV reader (quoted fields with "" escapes) — the shared CSVs are small and well-formed. */
function readCsv(rel: string): Record<string, string>[] {
  const text = fs.readFileSync(path.join(SRC, rel), 'utf8').replace(/^\uFEFF/, '');
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(field), (field = '');
    else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && text[i + 1] === '\n') i++;
      row.push(field), rows.push(row), (row = []), (field = '');
    } else field += ch;
  }
  if (field || row.length) row.push(field), rows.push(row);
  const [head, ...body] = rows.filter((r) => r.length > 1 || r[0]);
  return body.map((r) => Object.fromEntries(head.map((h, i) => [h, r[i] ?? ''])));
}

const r5 = (x: number) => Math.round(x * 1e5) / 1e5;
function roundCoords(c: unknown): unknown {
  if (typeof (c as Position)[0] === 'number') return (c as number[]).slice(0, 2).map(r5);
  return (c as unknown[]).map(roundCoords);
}
/** Drop consecutive duplicates created by rounding (keeps rings closed). */
function dedupe(c: unknown): unknown {
  if (typeof (c as Position)[0] === 'number') return c;
  const arr = (c as unknown[]).map(dedupe);
  if (typeof (arr[0] as Position)?.[0] !== 'number') return arr;
  const pts = arr as Position[];
  return pts.filter((p, i) => i === 0 || p[0] !== pts[i - 1][0] || p[1] !== pts[i - 1][1]);
}
function compactGeometry(g: Geometry, simplify: boolean): Geometry {
  let geom = g;
  if (simplify) geom = turf.simplify(turf.feature(g), { tolerance: SIMPLIFY_DEG, highQuality: true }).geometry;
  return { type: geom.type, coordinates: dedupe(roundCoords((geom as { coordinates: unknown }).coordinates)) } as Geometry;
}
function fc(features: Feature[]): FeatureCollection {
  return { type: 'FeatureCollection', features };
}
function write(rel: string, value: unknown): number {
  const file = path.join(OUT, rel);
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const text = JSON.stringify(value);
  fs.writeFileSync(file, text + '\n');
  return text.length;
}

// ── admin ────────────────────────────────────────────────────────────────
const kelSrc = readJson('admin/pekanbaru_kelurahan.geojson') as FeatureCollection;
const kecSrc = readJson('admin/pekanbaru_kecamatan.geojson') as FeatureCollection;
const kotaSrc = readJson('admin/pekanbaru_kota_boundary.geojson') as FeatureCollection;
const riverSrc = readJson('basemap/pekanbaru_sungai_2016.geojson') as FeatureCollection;
const roadSrc = readJson('roads/pekanbaru_jalan_2016.geojson') as FeatureCollection;
const poiSrc = readJson('poi/pekanbaru_poi_osm.geojson') as FeatureCollection;
const kantorSrc = readJson('poi/pekanbaru_kantor_2016.geojson') as FeatureCollection;

const sizes: Record<string, number> = {};
const keep = (p: Record<string, unknown>, keys: string[]) => Object.fromEntries(keys.filter((k) => p[k] != null).map((k) => [k, p[k]]));

// Basemap layers: geometry + only what the wall labels/styles by.
sizes['basemap/kota.geojson'] = write('basemap/kota.geojson', fc(kotaSrc.features.map((f) => ({ type: 'Feature', properties: { nama: 'Kota Pekanbaru', kode: '14.71' }, geometry: compactGeometry(f.geometry, false) }))));
sizes['basemap/kecamatan.geojson'] = write('basemap/kecamatan.geojson', fc(kecSrc.features.map((f) => ({ type: 'Feature', properties: keep(f.properties!, ['kode', 'nama']), geometry: compactGeometry(f.geometry, false) }))));
const kelShapes = fc(kelSrc.features.map((f) => ({ type: 'Feature', properties: keep(f.properties!, ['kode', 'nama', 'kecamatan_kode']), geometry: compactGeometry(f.geometry, false) })));
sizes['basemap/kelurahan.geojson'] = write('basemap/kelurahan.geojson', kelShapes);
sizes['basemap/rivers.geojson'] = write('basemap/rivers.geojson', fc(riverSrc.features.map((f) => ({ type: 'Feature', properties: keep(f.properties!, ['id', 'kind']), geometry: compactGeometry(f.geometry, true) }))));

const MAJOR = new Set(['arteri', 'kolektor']);
const roadFeature = (f: Feature): Feature => ({
  type: 'Feature',
  properties: keep(f.properties!, ['name', 'display_name', 'class']),
  geometry: compactGeometry(f.geometry, true),
});
sizes['basemap/roads-major.geojson'] = write('basemap/roads-major.geojson', fc(roadSrc.features.filter((f) => MAJOR.has(f.properties!.class)).map(roadFeature)));
sizes['basemap/roads-minor.geojson'] = write('basemap/roads-minor.geojson', fc(roadSrc.features.filter((f) => !MAJOR.has(f.properties!.class)).map(roadFeature)));

// ── gazetteer (attributes; geometry lives in basemap/ and is joined by kode in server/geo/load.ts) ──
const kelurahan = kelSrc.features.map((f) => {
  const p = f.properties!;
  return { kode: p.kode, nama: p.nama, aliases: p.aliases ?? [], kecamatan_kode: p.kecamatan_kode, kecamatan: p.kecamatan, centroid: [r5(p.centroid_lon), r5(p.centroid_lat)], area_km2: p.area_km2, kodepos: p.kodepos, kode_2018: p.kode_2018, kecamatan_2018: p.kecamatan_2018 };
});
const kecamatan = kecSrc.features.map((f) => {
  const p = f.properties!;
  return { kode: p.kode, nama: p.nama, aliases: p.aliases ?? [], centroid: [r5(p.centroid_lon), r5(p.centroid_lat)], area_km2: p.area_km2, kecamatan_2018_asal: p.kecamatan_2018_asal ?? [] };
});
const kelurahanLama = readCsv('admin/pekanbaru_kelurahan_lama_ke_2025.csv').map((r) => ({
  kelurahan_lama: r.kelurahan_lama, kecamatan_lama: r.kecamatan_lama, kelurahan_kode: r.kelurahan_kode_2025, share_pct: Number(r.share_of_old_area_pct),
}));
const streetAliases = readCsv('roads/pekanbaru_street_aliases.csv').map((r) => ({ name: r.name_in_road_file, alias: r.alias }));

// Places: OSM POIs and 2016 offices. The 2016 city-hall point is left out on purpose: the office moved to
// Tenayan Raya (SOURCES.md §3), so matching "kantor walikota" to it would be a confident wrong answer.
const MOVED = /walikota/i;
const places = [
  ...poiSrc.features.map((f) => {
    const p = f.properties!;
    const [lon, lat] = (f.geometry as { coordinates: number[] }).coordinates;
    const aliases = [p.short_name, p.official_name].filter((x): x is string => typeof x === 'string' && x !== p.name);
    return { id: `${p.osm_type}/${p.osm_id}`, name: p.name as string, aliases, category: p.category, street: p['addr:street'] ?? null, ...(p['addr:full'] ? { address: p['addr:full'] as string } : {}), lat: r5(lat), lon: r5(lon), kelurahan_kode: p.kelurahan_kode, dup_group: p.dup_group ?? null, source: 'osm' };
  }),
  ...kantorSrc.features.filter((f) => !MOVED.test(f.properties!.name)).map((f) => {
    const p = f.properties!;
    const [lon, lat] = (f.geometry as { coordinates: number[] }).coordinates;
    return { id: p.id, name: p.name as string, aliases: [] as string[], category: p.type, street: null, lat: r5(lat), lon: r5(lon), kelurahan_kode: p.kelurahan_kode, dup_group: null, source: 'kantor2016' };
  }),
].filter((p) => p.name && p.kelurahan_kode);

// Schools of the national register (Dapodik), behind a quality gate. The register's kecamatan are the pre-2020 ones
// ("Kec. Tampan", "Kec. Rumbai Pesisir"); each 2025 kelurahan records the 2018 kecamatan it belonged to
// (kecamatan_2018), so a stated kecamatan is the set of 2025 kelurahan that made it up (Kel. Sungaisibam moved from
// Payung Sekaki to Binawidya and still counts as Payung Sekaki here). The gate, per record:
//   no coordinates (null, or 0 for lat or lon)                     → dropped;
//   point not in the city (> 150 m from every kelurahan polygon)   → trust "area": the stated kecamatan only;
//   point > SCHOOL_KEC_EDGE_M from the stated kecamatan's polygons  → trust "area" as well;
//   otherwise                                                       → trust "point" (school-size radius).
// "area" rather than dropped: the name is still worth an answer, and the register's kecamatan (an administrative
// code) is what the register gets right most often; the point is never shipped, so nothing can use it by mistake.
const SCHOOL_KEC_EDGE_M = 200; // kelurahan borders run along roads, the polygons are simplified; schools sit back from the road
const schoolSrc = readJson('poi/pekanbaru_sekolah_dapodik.json') as Record<string, Record<string, string | null>[]>;
const gateAreas = new AreaIndex({ kelurahanShapes: kelShapes, roads: [], gazetteer: { kelurahan, kecamatan, kelurahanLama: [], streetAliases: [], places: [] } } as unknown as GeoData);
const oldKecKey = (name: string) => nameKey(name.replace(/^\s*kec(amatan)?\.?\s*/i, '')).replace(/ /g, '');
const kelOfOldKec = new Map<string, string[]>();
for (const k of kelurahan) if (k.kecamatan_2018) kelOfOldKec.set(oldKecKey(k.kecamatan_2018), [...(kelOfOldKec.get(oldKecKey(k.kecamatan_2018)) ?? []), k.kode]);
const gate = { total: 0, point: 0, no_coordinates: 0, unknown_kecamatan: 0, outside_city: 0, outside_kecamatan: 0, edge: 0 };
const schools: SchoolRecord[] = [];
for (const r of Object.values(schoolSrc).flat()) {
  gate.total++;
  const lat = Number(r.lintang), lon = Number(r.bujur);
  if (!r.lintang || !r.bujur || !Number.isFinite(lat) || !Number.isFinite(lon) || lat === 0 || lon === 0) {
    gate.no_coordinates++;
    continue;
  }
  const stated = String(r.kecamatan ?? '').replace(/^\s*kec(amatan)?\.?\s*/i, '').trim();
  const area = kelOfOldKec.get(oldKecKey(stated));
  if (!area) {
    gate.unknown_kecamatan++;
    continue;
  }
  const base = { npsn: String(r.npsn).trim(), name: String(r.sekolah).trim(), bentuk: String(r.bentuk).trim(), status: (r.status === 'N' ? 'N' : 'S') as 'N' | 'S', street: r.alamat_jalan?.trim() || null, kecamatan_2018: stated };
  const at = gateAreas.kelurahanAt(lon, lat);
  const inKec = at && (area.includes(at.kel.kode) || area.some((c) => gateAreas.isNear(c, lon, lat, SCHOOL_KEC_EDGE_M)));
  if (at && inKec) {
    if (!area.includes(at.kel.kode)) gate.edge++;
    gate.point++;
    schools.push({ ...base, trust: 'point', lat: r5(lat), lon: r5(lon), kelurahan_kode: at.kel.kode });
  } else {
    const why = at ? 'outside_kecamatan' : 'outside_city';
    gate[why]++;
    schools.push({ ...base, trust: 'area', area, gate: why });
  }
}
console.log('schools (Dapodik):', gate);
const SCHOOL_LICENSE = 'LICENSE-sekolah-dapodik.txt';
fs.copyFileSync(path.join(SRC, 'poi/pekanbaru_sekolah_dapodik.LICENSE'), path.join(OUT, SCHOOL_LICENSE));

sizes['gazetteer.json'] = write('gazetteer.json', { kelurahan, kecamatan, kelurahanLama, streetAliases, places, schools });

// ── precomputed street index: kelurahan of every street sample + all street-street junctions ──
// Computed by geo/ itself from the files just written, so runtime and build can never disagree on the method.
{
  const written = loadGeoData(OUT);
  delete written.geocodeIndex; // never build on a stale index
  const streets = new StreetIndex(written, new AreaIndex(written));
  const index = streets.exportIndex();
  sizes[GEOCODE_INDEX_FILE] = write(GEOCODE_INDEX_FILE, index);
  console.log(`${GEOCODE_INDEX_FILE}: ${index.sampleKel.length} streets, ${index.junctions.length / 5} junction points`);
}

// ── attribution ─────────────────────────────────────────────────────────
const attribution = {
  short: '© OpenStreetMap contributors (ODbL) · Wilayah © 2024–2025 Cahya DSN (MIT) · Sekolah: Dapodik via © 2019 suryavip (MIT) · Jalan/sungai/kantor: kampar/pmapper-pekanbaru-ms4w (no licence stated)',
  sources: [
    { id: 'osm', text: '© OpenStreetMap contributors', licence: 'ODbL 1.0', url: 'https://www.openstreetmap.org/copyright', files: ['gazetteer.json#places[source=osm]'], note: 'Via ryandhapiupiu/webgis-pekanbaru c02039a. A derived database handed out must stay under ODbL.' },
    { id: 'cahyadsn', text: '© 2024–2025 Cahya DSN', licence: 'MIT', url: 'https://github.com/cahyadsn/wilayah_boundaries', files: ['basemap/kota.geojson', 'basemap/kecamatan.geojson', 'basemap/kelurahan.geojson', 'gazetteer.json#kelurahan,kecamatan,kelurahanLama'] },
    { id: 'dapodik', text: '© 2019 suryavip — school list scraped from the Kemdikbud register (Dapodik)', licence: 'MIT', url: 'https://github.com/suryavip/daftar-sekolah-indonesia', files: ['gazetteer.json#schools'], licenceFile: SCHOOL_LICENSE, note: 'result/096000.json @ 48596d293a82dc23a472aadb03d555e0bd895cd7. Keep the copyright and permission notice (LICENSE file beside this one).' },
    { id: 'kampar', text: 'kampar/pmapper-pekanbaru-ms4w (Pekanbaru road register c. 2016)', licence: 'no licence stated — reference/internal use until cleared', url: 'https://github.com/kampar/pmapper-pekanbaru-ms4w', files: ['basemap/roads-major.geojson', 'basemap/roads-minor.geojson', 'basemap/rivers.geojson', 'gazetteer.json#places[source=kantor2016]', 'gazetteer.json#streetAliases'] },
  ],
};
write('attribution.json', attribution);

const total = Object.values(sizes).reduce((a, b) => a + b, 0);
const table = Object.entries(sizes).map(([f, n]) => `| ${f} | ${(n / 1024).toFixed(0)} KB |`).join('\n');
const sourcesMd = `# geo/data — provenance

Generated by \`npm run build:geo\` (scripts/build-geo-data.ts) from the team's shared real-data folder
(\`../shared/data\`, documented in its SOURCES.md). Do not edit by hand; re-run the script.
No coordinate was typed in: every point is copied from those files, rounded to 5 decimals (≈ 1.1 m);
road and river lines are also simplified with a ~2 m tolerance (turf.simplify, high quality).

| file | size |
|---|---|
${table}
| **total** | **${(total / 1024).toFixed(0)} KB** |

## Contents
* \`basemap/kota|kecamatan|kelurahan.geojson\`: admin polygons (properties \`kode\`, \`nama\`; kelurahan also \`kecamatan_kode\`).
  Kecamatan/kota geometry = union of the kelurahan polygons (as in shared/data).
* \`basemap/rivers.geojson\`: river area polygons (Sungai Siak + tributaries), \`id\`, \`kind\`.
* \`basemap/roads-major.geojson\` (class arteri, kolektor) and \`roads-minor.geojson\` (lingkungan, gang, perumahan):
  \`id\`, \`name\`, \`display_name\`, \`class\`. \`class\` is the formal register status, not traffic importance.
  The geocoder uses the named lines of both files as its street gazetteer.
* \`gazetteer.json\`: attributes for the geocoder — \`kelurahan[]\` (2025 code, official name, spaced aliases,
  kecamatan, centroid [lon,lat] from the source, area, 2018 code and kecamatan), \`kecamatan[]\`, \`kelurahanLama[]\`
  (pre-2016 kelurahan → 2025 kelurahan by area overlap), \`streetAliases[]\` (cited aliases only) and \`places[]\`
  (OSM POIs + 2016 offices with their 2025 kelurahan; OSM \`addr:street\` as \`street\`, \`addr:full\` as \`address\` —
  the geocoder learns neighbourhood names such as "Panam" from them, mapped to the kelurahan of those places).
  Left out on purpose: the 2016 "Walikota Pekanbaru" office point (the city hall has since moved to Tenayan Raya).
  The held-out POIs/offices of shared/data are not in shared/data and therefore not here either.
* \`gazetteer.json\` \`schools[]\`: the national school register (Dapodik) for Kota Pekanbaru, ${gate.total} records:
  \`npsn\`, \`name\`, \`bentuk\`, \`status\` (N/S), \`street\` (alamat_jalan) and \`kecamatan_2018\` as the register
  writes them. The register's kecamatan are the pre-2020 ones; each is read as the 2025 kelurahan whose
  \`kecamatan_2018\` it is (old Tampan = Binawidya + Tuahmadani; old Payung Sekaki includes Sungaisibam, now in
  Binawidya). **Quality gate** (the point is the register's \`lintang\`/\`bujur\`, never edited):

  | outcome | records |
  |---|---|
  | no coordinates (null, or lat/lon 0): **dropped** | ${gate.no_coordinates} |
  | stated kecamatan not a known pre-2020 name: dropped | ${gate.unknown_kecamatan} |
  | point outside the city: **\`trust: "area"\`** (point not shipped; the stated kecamatan's kelurahan in \`area\`) | ${gate.outside_city} |
  | point in the city but > ${SCHOOL_KEC_EDGE_M} m from its stated kecamatan: **\`trust: "area"\`** likewise | ${gate.outside_kecamatan} |
  | point inside its stated kecamatan: **\`trust: "point"\`** (school-size radius) | ${gate.point - gate.edge} |
  | point outside it but within ${SCHOOL_KEC_EDGE_M} m of its edge: \`trust: "point"\` (borders run along roads) | ${gate.edge} |

  The geocoder answers a \`point\` school like any place (100 m), an \`area\` school with the whole stated kecamatan
  (or, when the query names a street, that street inside it), and prefers a trusted point of the same name.
* \`geocode-index.json\`: derived, not a source — computed by geo/streets.ts from the road and kelurahan files above:
  the kelurahan of every 50 m street sample (run-length encoded) and every point where two named streets meet
  (≤ 60 m apart). Lets the server start in ~0.1 s instead of ~0.5–1.5 s; geo/ recomputes it when it is missing
  or does not match the roads (fingerprint), so the browser need not load it.
* \`attribution.json\`: machine-readable attribution for the wall to display; \`${SCHOOL_LICENSE}\`: the school list's
  MIT notice, shipped with it.

## Sources and licences (display these)
* **© OpenStreetMap contributors**, ODbL 1.0 — \`gazetteer.json\` places with \`source: "osm"\`
  (from ryandhapiupiu/webgis-pekanbaru @ c02039abe6e0f0eaf0bca658fe2582adea2a1967, itself an OSM extract).
  Show the attribution wherever the data is displayed; a derived database handed out must stay under ODbL.
* **cahyadsn/wilayah_boundaries, cahyadsn/wilayah, cahyadsn/wilayah_kodepos** — MIT, **© 2024–2025 Cahya DSN**:
  kota/kecamatan/kelurahan polygons, names, codes, aliases, the old→new kelurahan table.
* **suryavip/daftar-sekolah-indonesia** @ 48596d293a82dc23a472aadb03d555e0bd895cd7, \`result/096000.json\` — MIT,
  **© 2019 suryavip** (\`${SCHOOL_LICENSE}\`: keep the notice): \`gazetteer.json\` \`schools[]\`, scraped from the
  Kemdikbud school register (Dapodik reference data, sekolah.data.kemdikbud.go.id).
* **kampar/pmapper-pekanbaru-ms4w** @ 8aa45fcec42217b3cd5071200de5cc86a1c30e2c (c. 2016 Pekanbaru road register,
  rivers, offices) — **no licence stated**. Reference/internal use until cleared. Roads date from ~2016.
* Street aliases (\`streetAliases\`): each backed by an OSM tag or news citation, see shared/data/roads/pekanbaru_street_aliases.csv.
`;
fs.writeFileSync(path.join(OUT, 'SOURCES.md'), sourcesMd);
console.log(`geo/data written from ${SRC}: ${(total / 1024).toFixed(0)} KB, ${places.length} places, ${schools.length} schools, ${kelurahan.length} kelurahan`);
console.log(table);
