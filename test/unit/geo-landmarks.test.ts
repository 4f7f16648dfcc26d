// Landmarks on the shipped geo/data: the school register behind its quality gate, relation words that widen,
// a facility given only by street and area, named junctions, kilometre posts. Truth comes from the data itself.
import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { AreaIndex } from '../../geo/areas.ts';
import type { GeoData, SchoolRecord } from '../../geo/data-types.ts';
import { RELATION_WIDEN_M } from '../../geo/geocoder.ts';
import { createGeo, type Candidate, type Geo } from '../../geo/index.ts';
import { distanceM } from '../../geo/spatial.ts';
import { StreetIndex } from '../../geo/streets.ts';
import { GEO_DATA_DIR, loadGeoData } from '../../server/geo/load.ts';

let geo: Geo;
let data: GeoData;
let areas: AreaIndex;
let streets: StreetIndex;
let schools: SchoolRecord[];
beforeAll(() => {
  data = loadGeoData();
  geo = createGeo(data);
  areas = new AreaIndex(data);
  streets = new StreetIndex(data, areas);
  schools = data.gazetteer.schools ?? [];
});
const top = (q: string) => geo.geocode(q)[0];
const covers = (c: Candidate, lon: number, lat: number) => distanceM(c.lon, c.lat, lon, lat) <= c.uncertaintyM;
const kelOfOldKec = (name: string) => data.gazetteer.kelurahan.filter((k) => k.kecamatan_2018 === name).map((k) => k.kode);

describe('the school register in geo/data', () => {
  it('ships with its licence and attribution, and the gate counts SOURCES.md states', () => {
    const attribution = JSON.parse(fs.readFileSync(path.join(GEO_DATA_DIR, 'attribution.json'), 'utf8'));
    const source = attribution.sources.find((s: { id: string }) => s.id === 'dapodik');
    expect(source.licence).toBe('MIT');
    expect(fs.readFileSync(path.join(GEO_DATA_DIR, source.licenceFile), 'utf8')).toMatch(/Copyright \(c\) 2019 suryavip/);
    expect(attribution.short).toMatch(/suryavip/);
    const doc = fs.readFileSync(path.join(GEO_DATA_DIR, 'SOURCES.md'), 'utf8');
    const row = (label: RegExp) => Number(doc.split('\n').find((l) => label.test(l))!.split('|').at(-2)!.trim());
    const points = schools.filter((s) => s.trust === 'point').length;
    expect(row(/point inside its stated kecamatan/) + row(/within \d+ m of its edge/)).toBe(points);
    expect(row(/point outside the city/)).toBe(schools.filter((s) => s.gate === 'outside_city').length);
    expect(row(/in the city but > \d+ m/)).toBe(schools.filter((s) => s.gate === 'outside_kecamatan').length);
    expect(points + row(/point outside the city/) + row(/in the city but > \d+ m/) + row(/no coordinates/) + row(/not a known pre-2020/)).toBe(542);
  });
  it('a trusted point lies in the city and in (or within 200 m of) its stated pre-2020 kecamatan; an untrusted one ships no point', () => {
    expect(schools.length).toBeGreaterThan(500);
    for (const s of schools) {
      if (s.trust === 'point') {
        const at = areas.kelurahanAt(s.lon!, s.lat!);
        expect(at?.kel.kode, s.name).toBe(s.kelurahan_kode);
        const area = kelOfOldKec(s.kecamatan_2018);
        expect(area.includes(s.kelurahan_kode!) || area.some((c) => areas.isNear(c, s.lon!, s.lat!, 200)), s.name).toBe(true);
      } else {
        expect(s.lat ?? s.lon, s.name).toBeUndefined();
        expect(s.area, s.name).toEqual(kelOfOldKec(s.kecamatan_2018));
      }
    }
  });
});

describe('schools by the names people use', () => {
  const point = (name: string) => schools.find((s) => s.name === name && s.trust === 'point')!;
  it('"SD 105", "SMPN 4", "depan SMPN 4" find the register school at school size', () => {
    for (const [q, name] of [['SD 105', 'SD NEGERI 105 PEKANBARU'], ['SMPN 4', 'SMP NEGERI 4 PEKANBARU'], ['smp negeri 4 pku', 'SMP NEGERI 4 PEKANBARU'], ['SMK N 2', 'SMK NEGERI 2 PEKANBARU']]) {
      const s = point(name);
      const c = top(q);
      expect(c.kind, q).toBe('poi');
      expect(distanceM(c.lon, c.lat, s.lon!, s.lat!), q).toBeLessThan(5);
      expect(c.uncertaintyM, q).toBe(100);
      expect(c.matched, q).toContain(`dapodik:${s.npsn}`);
    }
  });
  it('every trusted negeri school, said as "<kind>N <number>", is covered by the answer', () => {
    let n = 0;
    for (const s of schools.filter((x) => x.trust === 'point' && x.status === 'N' && /^(SD|SMP|SMA|SMK)$/.test(x.bentuk))) {
      const num = /NEGE?R?I?\s+0*(\d+)/i.exec(s.name)?.[1];
      if (!num) continue;
      const c = top(`${s.bentuk}N ${num}`);
      expect(c, s.name).toBeDefined();
      expect(covers(c, s.lon!, s.lat!), `${s.name} → ${c.label} ${c.uncertaintyM} m`).toBe(true);
      n++;
    }
    expect(n).toBeGreaterThan(150);
  });
  it('a school whose register point failed the gate answers with its stated kecamatan, and narrows a street named with it', () => {
    const s = schools.find((x) => x.name === 'SD NEGERI 112 PEKANBARU')!;
    expect(s.trust).toBe('area');
    const c = top('SD 112');
    expect(c.kind).toBe('kecamatan');
    expect(c.confidence).toBeLessThan(0.5);
    for (const code of s.area!) expect(covers(c, ...areas.kelByCode.get(code)!.centroid), code).toBe(true);
    const st = streets.streets.find((x) => x.samples.some((sm) => sm.kel && s.area!.includes(sm.kel)) && x.samples.some((sm) => sm.kel && !s.area!.includes(sm.kel)) && x.rank >= 4)!;
    const withStreet = top(`SD 112 ${st.label}`);
    expect(withStreet.kind).toBe('street');
    expect(withStreet.matched.some((m) => m.startsWith('school-area:'))).toBe(true);
    expect(s.area).toContain(withStreet.kelurahan?.code);
  });
  it('namesakes: the group two sources agree on answers ("SMA 12": OSM twice, 11 km apart; the register agrees with one)', () => {
    const s = point('SMA NEGERI 12 PEKANBARU');
    const c = top('sman 12');
    expect(c.kind).toBe('poi');
    expect(covers(c, s.lon!, s.lat!)).toBe(true);
    expect(c.uncertaintyM).toBeLessThan(300);
  });
});

describe('relation words widen, never drop', () => {
  it('each relation adds its stated figure around a place', () => {
    const base = top('SMPN 4');
    for (const [word, rel] of [['depan', 'depan'], ['dpn', 'depan'], ['seberang', 'seberang'], ['samping', 'samping'], ['belakang', 'belakang'], ['dekat', 'dekat'], ['sekitar', 'sekitar'], ['ujung gang dekat', 'dekat'], ['di ujung', 'ujung']] as const) {
      const c = top(`${word} SMPN 4`);
      expect(c.kind, word).toBe('poi');
      expect(c.uncertaintyM - base.uncertaintyM, word).toBe(RELATION_WIDEN_M[rel]);
      expect(distanceM(c.lon, c.lat, base.lon, base.lat)).toBe(0);
    }
  });
  it('around a junction too; "ujung" of a street keeps the whole street; "Jl. Diponegoro Ujung" stays a name', () => {
    expect(top('dekat simpang sudirman tambusai').uncertaintyM - top('simpang sudirman tambusai').uncertaintyM).toBe(RELATION_WIDEN_M.dekat);
    expect(top('ujung jl. diponegoro').uncertaintyM).toBe(top('jl. diponegoro').uncertaintyM);
    expect(top('jl diponegoro ujung').label).toMatch(/Diponegoro Ujung/);
  });
});

describe('a facility given only by its street and area', () => {
  it('answers the street inside that area with a radius holding all of the street there', () => {
    let n = 0;
    for (const st of streets.streets.filter((x) => x.rank >= 4 && streets.byKey.get(x.key) === x)) {
      const kels = [...new Set(st.samples.map((sm) => sm.kel).filter((k): k is string => !!k))];
      if (kels.length < 2 || n >= 25) continue;
      const kel = areas.kelByCode.get(kels[n % kels.length])!;
      const c = top(`sekolah ${st.label} kel. ${kel.nama}`);
      expect(c.kind).toBe('street');
      expect(c.kelurahan?.code, `${st.label} / ${kel.nama}`).toBe(kel.kode);
      for (const sm of st.samples.filter((x) => x.kel === kel.kode)) expect(covers(c, sm.p[0], sm.p[1]), `${st.label} / ${kel.nama}`).toBe(true);
      n++;
    }
    expect(n).toBe(25);
  });
  it('a named place the named street contradicts (> 1 km away) gives way to the street', () => {
    const c = geo.geocode('rs aulia jl. sudirman');
    expect(c[0].kind).toBe('street');
    expect(c.find((x) => x.kind === 'poi')?.confidence).toBeLessThan(0.5);
    expect(top('rs aulia jl. subrantas').kind).toBe('poi');
  });
  it('"Km 12,5" is not placed along the road: the whole road (inside the named area)', () => {
    const plain = top('jl. subrantas'), km = top('jl. subrantas km 12,5');
    expect([km.kind, km.lat, km.lon, km.uncertaintyM]).toEqual([plain.kind, plain.lat, plain.lon, plain.uncertaintyM]);
    expect(km.matched.some((m) => m.startsWith('km:12.5'))).toBe(true);
    const inKel = top('sekolah jl. subrantas km 10,5 kel. tobekgodang');
    expect(inKel.kind).toBe('street');
    expect(inKel.kelurahan?.name).toBe('Tobekgodang');
    const sd105 = point105();
    expect(covers(inKel, sd105.lon!, sd105.lat!)).toBe(true); // the register's "Jl. Soebrantas Km. 10.5" school
  });
  const point105 = () => schools.find((s) => s.name === 'SD NEGERI 105 PEKANBARU')!;
});

describe('named junctions before either road', () => {
  it('"simpang tiga <road> <road>" is the junction of the two roads, even across the kelurahan Simpang Tiga\'s border', () => {
    const a = streets.byKey.get('sudirman')!, b = streets.byKey.get('kaharudin nasution')!;
    const [j] = streets.junctions(a, b);
    const c = top('simpang tiga sudirman kaharudin nasution');
    expect(c.kind).toBe('intersection');
    expect(distanceM(c.lon, c.lat, j.point[0], j.point[1])).toBeLessThan(5);
  });
  it('two roads whose register lines stop short of each other meet across the gap, the gap in the radius', () => {
    const a = streets.byKey.get('tambusai')!, b = streets.byKey.get('patimura')!;
    expect(streets.junctions(a, b)).toEqual([]);
    const [near] = streets.closestApproach(a, b, 250);
    const c = top('simpang tambusai - patimura');
    expect(c.kind).toBe('intersection');
    expect(c.uncertaintyM).toBeGreaterThanOrEqual(near.gapM);
    expect(c.matched.some((m) => m.startsWith('gap:'))).toBe(true);
  });
  it('"simpang tiga" with one road is no limit to the kelurahan Simpang Tiga', () => {
    const c = top('simpang tiga jl. kulim');
    expect(c.kind).toBe('street');
    expect(c.label).toMatch(/Kulim/);
    expect(c.uncertaintyM).toBe(top('jl. kulim').uncertaintyM);
  });
});
