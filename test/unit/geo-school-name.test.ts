import { describe, expect, it } from 'vitest';
import { tokenize } from '../../geo/address.ts';
import { parseSchoolName, schoolMatch, schoolOf, type SchoolName } from '../../geo/school-name.ts';

/** The school phrase of a query, as the geocoder reads it (from its first school kind word). */
const said = (q: string): SchoolName | null => {
  const tokens = tokenize(q);
  const at = tokens.findIndex((t) => t.t === 'facility');
  return at < 0 ? null : schoolOf(tokens, at);
};
/** A register name read with the register's status (N/S), as build:geo ships it. */
const register = (name: string, status: 'N' | 'S' = 'N'): SchoolName => ({ ...parseSchoolName(name)!, status: status === 'N' ? 'negeri' : 'swasta' });

describe('school names as people say them', () => {
  const sman2 = { levels: ['sma'], status: 'negeri', number: '2', words: [] };
  it('"SMAN 2", "SMA N 2", "SMA Negeri 2 Pekanbaru", "sman 2 pku" are one school', () => {
    for (const q of ['SMAN 2', 'SMA N 2', 'SMA Negeri 2 Pekanbaru', 'sman 2 pku', 'SMA NEGERI 02 PEKANBARU', 'sma negri 2', 'Sekolah Menengah Atas Negeri 2']) expect(said(q), q).toEqual(sman2);
    expect(said('SMA 2')).toEqual({ ...sman2, status: null });
  });
  it('"SD 105", "SMPN 4", "SDN 47" and the register\'s spellings ("SD NEGER 110", "PEKAN BARU")', () => {
    expect(said('SD 105')).toEqual({ levels: ['sd'], status: null, number: '105', words: [] });
    expect(said('depan SMPN 4 jl. sutomo')).toEqual({ levels: ['smp'], status: 'negeri', number: '4', words: [] });
    expect(parseSchoolName('SD NEGER 110 PEKANBARU')).toEqual({ levels: ['sd'], status: 'negeri', number: '110', words: [] });
    expect(parseSchoolName('SD NEGERI 16 PEKAN BARU')).toEqual({ levels: ['sd'], status: 'negeri', number: '16', words: [] });
    expect(parseSchoolName('SDS IT AL-FIKRI ISLAMIC GREEN SCHOOL')).toEqual({ levels: ['sd'], status: 'swasta', number: null, words: ['it', 'al', 'fikri', 'islamic', 'gren', 'school'] }); // canonical words: doubled letters collapse
    expect(parseSchoolName('SMP-SMA An Namiroh Pekanbaru')?.levels).toEqual(['smp', 'sma']);
    expect(parseSchoolName('Sekolah Kristen Kalam Kudus')).toBeNull(); // no level said
    expect(said('kebakaran sekolah jl. kartini')).toBeNull();
  });
  it('the phrase ends where the address goes on (marker, relation, km post, another school)', () => {
    expect(said('SDIT Al- Manar, jl. duyung')?.words).toEqual(['it', 'al', 'manar']); // "AL- MANAR": the article's separator is not a boundary
    expect(said('SMPN 4 dekat SD 5')?.number).toBe('4');
    expect(said('SD 5 jl. soebrantas km 10,5')).toEqual({ levels: ['sd'], status: null, number: '5', words: [] });
  });
});

describe('which school a query can mean', () => {
  it('kind, status and number must agree: SMPN 4 is not SMPN 40, SMK 2 is not SMA 2, SMAS is not SMAN', () => {
    const smpn4 = register('SMP NEGERI 4 PEKANBARU');
    expect(schoolMatch(said('SMPN 4')!, smpn4)).toBeGreaterThan(0);
    expect(schoolMatch(said('smp 4')!, smpn4)).toBeGreaterThan(0);
    expect(schoolMatch(said('SMPN 40')!, smpn4)).toBe(0);
    expect(schoolMatch(said('SMK 4')!, smpn4)).toBe(0);
    expect(schoolMatch(said('SMPS 4')!, smpn4)).toBe(0);
    expect(schoolMatch(said('SMPN')!, smpn4)).toBe(0); // nothing that tells schools apart
  });
  it('"SD 2" means SD Negeri 2, not SD Muhammadiyah 2; the name words pick the private one', () => {
    const muh2 = register('SD MUHAMMADIYAH 2', 'S');
    const sdn2 = register('SD NEGERI 2 PEKANBARU');
    expect(schoolMatch(said('SD 2')!, muh2)).toBe(0);
    expect(schoolMatch(said('SD 2')!, sdn2)).toBeGreaterThan(0);
    expect(schoolMatch(said('SD Muhammadiyah 2')!, muh2)).toBeGreaterThan(0);
    expect(schoolMatch(said('SD Muhammadiyah 2')!, sdn2)).toBe(0); // "muhammadiyah" is not a word of it
    expect(schoolMatch(said('SD Muhammadiyah 3')!, muh2)).toBe(0);
  });
  it('kind words may be left out or joined ("SD Al Fikri", "sdit alfikri"); an unknown word means another school', () => {
    const fikri = register('SDS IT AL-FIKRI ISLAMIC GREEN SCHOOL', 'S');
    expect(schoolMatch(said('sd al fikri')!, fikri)).toBeGreaterThan(0);
    expect(schoolMatch(said('sdit alfikri')!, fikri)).toBeGreaterThan(0);
    expect(schoolMatch(said('SD IT')!, fikri)).toBe(0);
    expect(schoolMatch(said('sd al fikri cendekia')!, fikri)).toBe(0);
    expect(schoolMatch(said('sd al fikri rumbai')!, fikri, (w) => w === 'rumbai')).toBeGreaterThan(0); // its kecamatan explains it
  });
  it('the whole name said beats a longer name that contains it', () => {
    const q = said('SMP Nurul Falah')!;
    expect(schoolMatch(q, register('SMP NURUL FALAH', 'S'))).toBeGreaterThan(schoolMatch(q, register('SMP NURUL FALAH KULIM', 'S')));
  });
});
