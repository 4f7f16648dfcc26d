import { beforeAll, describe, expect, it } from 'vitest';
import { createGeo, type Geo } from '../../geo/index.ts';
import { distanceM } from '../../geo/spatial.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import type { GeoData } from '../../geo/data-types.ts';
import { AreaIndex } from '../../geo/areas.ts';
import { StreetIndex } from '../../geo/streets.ts';

let geo: Geo;
let data: GeoData;
beforeAll(() => {
  data = loadGeoData();
  geo = createGeo(data);
});
const top = (q: string) => geo.geocode(q)[0];

describe('forward geocoder strategies', () => {
  it('POI in the data, behind a relation word', () => {
    const p = data.gazetteer.places.find((x) => x.name === 'SMAN 4 Pekanbaru')!;
    const c = top('depan SMAN 4 pku');
    expect(c.kind).toBe('poi');
    expect(distanceM(c.lon, c.lat, p.lon, p.lat)).toBeLessThan(c.uncertaintyM);
  });
  it('junction of two named streets, abbreviations and aliases (Tambusai = Tuanku Tambusai)', () => {
    const c = top('simp. sudirman - tambusai');
    expect(c.kind).toBe('intersection');
    expect(c.uncertaintyM).toBeLessThan(200);
    // The CCTV list in shared/data puts this junction at the crossing of the same road lines.
    expect(c.kelurahan?.name).toBe('Jadirejo');
  });
  it('street constrained by kelurahan: the point lies on the stretch inside that kelurahan', () => {
    const c = top('jl. kartini kel. sumahilang');
    expect(c.kind).toBe('street');
    expect(c.kelurahan?.code).toBe(data.gazetteer.kelurahan.find((k) => k.nama === 'Sumahilang')!.kode);
  });
  it('street alone gets a radius covering the whole street', () => {
    const c = top('jln hr soebrantas');
    expect(c.kind).toBe('street');
    expect(c.label).toMatch(/Subrantas/);
    expect(c.uncertaintyM).toBeGreaterThan(3000);
  });
  it('kelurahan alone: spaced and compact names, radius covering the polygon', () => {
    const a = top('kel. tuah madani');
    const b = top('kelurahan tuahmadani');
    expect(a.kind).toBe('kelurahan');
    expect(a.kelurahan?.name).toBe('Tuahmadani');
    expect(b.kelurahan?.name).toBe('Tuahmadani');
    expect(a.uncertaintyM).toBeGreaterThan(500);
  });
  it('old kecamatan names resolve through the kelurahan (Tampan → Tuahmadani / Binawidya)', () => {
    const c = top('kec. tampan');
    expect(c.kind).toBe('kecamatan');
    expect(c.label).toMatch(/Binawidya|Tuahmadani/);
    const k = top('kel. tampan'); // the kelurahan Tampan in Payung Sekaki, not the old kecamatan
    expect(k.kecamatan?.name).toBe('Payung Sekaki');
  });
  it('a facility that is not in the data falls back to the street, never to a fuzzy-wrong POI', () => {
    const c = top('depan Masjid Al Ikhlas jl. kartini');
    expect(c.kind).toBe('street');
    expect(c.label).toMatch(/Kartini/);
    expect(top('depan RSUD arifin achmad')?.kind ?? 'none').not.toBe('street');
    expect(geo.geocode('rs awal bros panam').every((x) => x.kind !== 'poi')).toBe(true);
  });
  it('typos are fixed by fuzzy matching', () => {
    expect(top('jl. sudirmn').label).toMatch(/Sudirman/);
    expect(top('kel. tangkerang tenga').kelurahan?.name).toBe('Tangkerang Tengah');
  });
  it('bad input gives a clear empty result, no throw', () => {
    expect(geo.geocode('')).toEqual([]);
    expect(geo.geocode('   ')).toEqual([]);
    expect(geo.geocode('x'.repeat(10_000))).toEqual([]);
    expect(geo.geocode('kecelakaan motor')).toEqual([]);
    expect(() => geo.geocode(undefined as unknown as string)).not.toThrow();
  });
});

describe('operator phrasing (held-out style)', () => {
  const kelCode = (nama: string) => data.gazetteer.kelurahan.find((k) => k.nama === nama)!.kode;
  it('glued markers, all caps, house/RT/RW numbers and KM posts do not change the answer', () => {
    const base = top('jl. kartini kel. sumahilang');
    for (const q of ['JL.KARTINI NO.12 RT.03/RW.05 KEL.SUMAHILANG', 'jlkartini no12 kel sumahilang', 'jl kartini km 3 kel sumahilang']) {
      const c = top(q);
      expect(c.kind, q).toBe('street');
      expect(distanceM(c.lon, c.lat, base.lon, base.lat), q).toBeLessThan(1);
    }
  });
  it('English junction and street words', () => {
    expect(top('sudirman and tambusai intersection').kind).toBe('intersection');
    expect(top('near Alfamart, Kartini street, Sumahilang village').kelurahan?.code).toBe(kelCode('Sumahilang'));
  });
  it('a postcode alone narrows to its kelurahan; a contradicting one is ignored', () => {
    const k = data.gazetteer.kelurahan.find((x) => x.nama === 'Sumahilang')!;
    const c = top(`toko di ${k.kodepos}`);
    expect(c.kind).toBe('kelurahan');
    expect(c.kelurahan?.code).toBe(k.kode);
    const other = data.gazetteer.kelurahan.find((x) => x.kodepos && x.kodepos !== k.kodepos)!;
    expect(top(`kel. sumahilang ${other.kodepos}`).kelurahan?.code).toBe(k.kode);
  });
  it('compass abbreviations in copied addresses ("Tangkerang Sel.")', () => {
    expect(top('Tangkerang Sel.').kelurahan?.code).toBe(kelCode('Tangkerang Selatan'));
  });
  it('a typo in a short word of a multi-word street is corrected on the whole name', () => {
    const street = data.roads.flatMap((c) => c.features).find((f) => f.properties.name === 'Parit Indah');
    if (!street) return; // road file without it: nothing to check
    expect(top('jalan part indah').label).toMatch(/Parit Indah/);
  });
  it('a street named with a kelurahan it only borders gives the street stretch along that border', () => {
    // A (street, kelurahan) pair computed from the data: no sample inside the kelurahan, some within 60 m of it.
    const areas = new AreaIndex(data);
    const streets = new StreetIndex(data, areas);
    let found: { street: string; kel: string; near: [number, number][] } | null = null;
    for (const st of streets.streets.filter((x) => x.rank >= 4 && x.key.length > 5 && streets.byKey.get(x.key) === x)) {
      const inside = new Set(st.samples.map((sm) => sm.kel));
      for (const k of areas.kelurahan) {
        if (inside.has(k.kode)) continue;
        const near = st.samples.filter((sm) => areas.isNear(k.kode, sm.p[0], sm.p[1], 60)).map((sm) => sm.p);
        if (near.length >= 3) found = { street: st.label, kel: k.nama, near };
        if (found) break;
      }
      if (found) break;
    }
    expect(found).not.toBeNull();
    const c = top(`${found!.street} kel. ${found!.kel}`);
    expect(c.kind).toBe('street');
    expect(Math.min(...found!.near.map(([lon, lat]) => distanceM(c.lon, c.lat, lon, lat)))).toBeLessThanOrEqual(c.uncertaintyM);
  });
  it('a street named with each kelurahan it crosses answers with the street, never a look-alike office', () => {
    const g = createGeo(data);
    const rev = (lat: number, lon: number) => g.reverse(lat, lon).kelurahan?.code;
    const sud = data.roads[0].features.find((f) => f.properties.name === 'Sudirman')!;
    const pts = sud.geometry.type === 'LineString' ? sud.geometry.coordinates : sud.geometry.coordinates.flat();
    const crossed = new Set(pts.map(([lon, lat]) => rev(lat, lon)));
    const c = top('jl. sudirman');
    expect(c.kind).toBe('street');
    for (const code of crossed) if (code) expect(top(`jl sudirman kel ${data.gazetteer.kelurahan.find((k) => k.kode === code)!.nama}`).kind).toBe('street');
  });
});

describe('learnt neighbourhood names and numbered streets', () => {
  it('a neighbourhood named in OSM addresses ("Panam") gives an area answer covering every place addressed with it', () => {
    const addressed = data.gazetteer.places.filter((p) => /panam\b/i.test(`${p.street ?? ''} ${p.address ?? ''}`));
    expect(addressed.length).toBeGreaterThan(0);
    const c = top('rs awal bros panam');
    expect(c.kind).toBe('kelurahan');
    expect(c.confidence).toBeLessThan(0.5);
    for (const p of addressed) expect(distanceM(c.lon, c.lat, p.lon, p.lat)).toBeLessThan(c.uncertaintyM);
    // With a street it narrows to that street's stretch there, still wider than the kelurahan-named case.
    const s = top('jln hr soebrantas panam');
    expect(s.kind).toBe('street');
    expect(s.uncertaintyM).toBeLessThan(top('jln hr soebrantas').uncertaintyM);
  });
  it('look-alikes are not trusted: another school kind with the same number, a short street name inside a facility name', () => {
    // "SMK Negeri 2" is in the data since the school register: "smk 2" answers it, never its look-alike "SMA Negeri 2".
    expect(geo.geocode('smk 2').some((c) => /SMA/.test(c.label))).toBe(false);
    expect(geo.geocode('smk 2').filter((c) => c.kind === 'poi').every((c) => /^SMK/.test(c.label))).toBe(true);
    expect(top('sman 2 pekanbaru')?.kind).toBe('poi');
    expect(geo.geocode('masjid raya an nur').some((c) => /Nur/.test(c.label))).toBe(false); // not Jl. M. Nur
    expect(geo.geocode('jl. aulia').some((c) => c.kind === 'poi')).toBe(false); // a street word, not "Rumah Sakit Aulia"
    expect(top('rs aulia')?.kind).toBe('poi');
  });
  it('roman and arabic street numbers meet ("Gg. Mawar II" = "gg mawar 2")', () => {
    const numbered = data.roads.flatMap((c) => c.features).find((f) => / II$/.test(f.properties.name ?? ''))!;
    const base = numbered.properties.name!.replace(/ II$/, '');
    const a = top(`gg. ${base} II`), b = top(`gg ${base} 2`);
    expect(a.label).toBe(b.label);
    expect(a.label).toMatch(/ II$/);
  });
});

describe('precomputed geocode index (geo/data/geocode-index.json)', () => {
  it('is used when present and gives the same junctions and street stretches as computing at start', () => {
    expect(data.geocodeIndex).toBeDefined();
    const fresh = createGeo({ ...data, geocodeIndex: undefined });
    const queries = ['simp. sudirman - tambusai', 'Gajah Mada x Diponegoro', 'jl. kartini kel. sumahilang', 'jln hr soebrantas kec. tampan', 'perempatan sudirman imam munandar'];
    for (const q of queries) {
      const a = geo.geocode(q)[0], b = fresh.geocode(q)[0];
      expect(a.kind, q).toBe(b.kind);
      expect(distanceM(a.lon, a.lat, b.lon, b.lat), q).toBeLessThan(3); // junction points are stored to 1e-5°
      expect(Math.abs(a.uncertaintyM - b.uncertaintyM), q).toBeLessThan(3);
    }
  });
  it('a stale index (other roads) is ignored, not trusted', () => {
    const stale = { ...data.geocodeIndex!, fingerprint: 'x' };
    const g = createGeo({ ...data, geocodeIndex: stale });
    expect(g.geocode('simp. sudirman - tambusai')[0].kind).toBe('intersection');
  });
});

describe('reverse geocoder', () => {
  it("every kelurahan's interior point returns that kelurahan", () => {
    for (const k of data.gazetteer.kelurahan) {
      const r = geo.reverse(k.centroid[1], k.centroid[0]);
      expect(r.kelurahan?.code, k.nama).toBe(k.kode);
      expect(r.kecamatan?.code).toBe(k.kecamatan_kode);
      expect(r.inside).toBe(true);
    }
  });
  it('reports the nearest named street and its distance', () => {
    const c = top('simp. sudirman - tambusai');
    const r = geo.reverse(c.lat, c.lon);
    expect(r.street).not.toBeNull();
    expect(r.street!.distanceM).toBeLessThan(80);
    expect(r.label).toContain('Kel. ');
  });
  it('outside the city (Jakarta) and NaN', () => {
    expect(geo.reverse(-6.2, 106.816666)).toMatchObject({ inside: false, kelurahan: null, label: 'Di luar Kota Pekanbaru' });
    expect(geo.reverse(NaN, 101.45).inside).toBe(false);
  });
  it('kelurahanList has all 83 with kecamatan', () => {
    const list = geo.kelurahanList();
    expect(list).toHaveLength(83);
    expect(list.every((k) => k.kecamatan.code && Number.isFinite(k.lat))).toBe(true);
  });
});
