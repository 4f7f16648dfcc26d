import { beforeAll, describe, expect, it } from 'vitest';
import { createGeo, type Geo } from '../../geo/index.ts';
import { distanceM } from '../../geo/spatial.ts';
import { loadGeoData } from '../../server/geo/load.ts';
import type { GeoData } from '../../geo/data-types.ts';

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
