import { describe, expect, it } from 'vitest';
import { canonWord, nameKey, normalizeQuery, relationOf, tokenize } from '../../geo/address.ts';

describe('address normaliser', () => {
  it('expands street, gang, kelurahan, kecamatan and junction abbreviations', () => {
    expect(normalizeQuery('simp. sudirman - tambusai')).toBe('[junction] sudirman , tambusai');
    expect(normalizeQuery('gg. mawar rt 02 kel. tuah madani kec. tampan')).toBe('[street] mawar [kel] tuah madani [kec] tampan');
    expect(normalizeQuery('Jln. Kartini No.12 RT.03/RW.05 Pku')).toBe('[street] kartini');
    expect(normalizeQuery('perempatan a b')).toBe('[junction]');
  });
  it('drops titles, relation words and non-place words', () => {
    expect(normalizeQuery('depan RSUD arifin achmad')).toBe('<rsud> arifin ahmad');
    expect(normalizeQuery('kecelakaan dekat jl. Jend. Sudirman')).toBe('[street] sudirman');
    expect(normalizeQuery('jln hr soebrantas panam')).toBe('[street] subrantas panam');
    expect(normalizeQuery('Jl. Tgk. Tambusai')).toBe('[street] tambusai');
  });
  it('canonicalises spelling variants', () => {
    expect(canonWord('Soebrantas')).toBe(canonWord('Subrantas'));
    expect(canonWord('Achmad')).toBe(canonWord('Ahmad'));
    expect(canonWord('Kaharuddin')).toBe(canonWord('Kaharudin'));
    expect(canonWord('Djuanda')).toBe('juanda');
    expect(canonWord('Tjut')).toBe('cut');
    expect(canonWord('Pattimura')).toBe(canonWord('Patimura'));
  });
  it('keeps "simpang tiga" as a place name, not a junction marker', () => {
    expect(normalizeQuery('kel simpang tiga')).toBe('[kel] simpang tiga');
  });
  it('name keys: spaced and compact forms differ only by spaces; titles dropped on request', () => {
    expect(nameKey('Tuah Madani').replace(/ /g, '')).toBe(nameKey('Tuahmadani'));
    expect(nameKey('HR. Subrantas', { dropTitles: true })).toBe('subrantas');
    expect(nameKey('Jend. Sudirman', { dropTitles: true })).toBe('sudirman');
  });
  it('glued markers, typed marker slips, English words and compass abbreviations', () => {
    expect(normalizeQuery('jlsudirman no12')).toBe('[street] sudirman');
    expect(normalizeQuery('JLN.KARTINI RT.03/RW.05')).toBe('[street] kartini');
    expect(normalizeQuery('kelurahaan tuah madani')).toBe('[kel] tuah madani');
    expect(normalizeQuery('near the mosque on sudirman street')).toBe('<mosque> , sudirman [street]');
    expect(normalizeQuery('sudirman and tambusai intersection')).toBe('sudirman , tambusai [junction]');
    expect(normalizeQuery('Sidomulyo Bar., Kec. Tampan')).toBe('sidomulyo barat , [kec] tampan');
    expect(normalizeQuery('jalanan rusak')).toBe('jalanan rusak'); // "jalan"+word needs ≥ 4 letters and a non-marker
  });
  it('relation words are phrase boundaries that stay in the tokens; the widest one wins', () => {
    expect(normalizeQuery('depan SMPN 4 pku')).toBe('<smpn> 4');
    expect(tokenize('depan SMPN 4')[0]).toEqual({ t: 'rel', v: 'depan' });
    expect(relationOf(tokenize('dpn sd 5 dekat pasar'))).toBe('dekat');
    expect(relationOf(tokenize('in front of the hospital'))).toBe('depan');
    expect(relationOf(tokenize('sebrang rs aulia'))).toBe('seberang');
    expect(relationOf(tokenize('jl. sudirman'))).toBeNull();
    // "ujung" before a place is a relation; after a name it is part of it (the register has "Diponegoro Ujung").
    expect(relationOf(tokenize('di ujung gg. mawar'))).toBe('ujung');
    expect(normalizeQuery('jl diponegoro ujung')).toBe('[street] diponegoro ujung');
  });
  it('a kilometre post keeps its decimal and leaves no stray number', () => {
    expect(tokenize('jl. subrantas km 12,5').filter((t) => t.t !== 'marker' && t.t !== 'word')).toEqual([{ t: 'km', v: 12.5 }]);
    expect(tokenize('Jl. Soebrantas KM.10.5')).toContainEqual({ t: 'km', v: 10.5 });
    expect(normalizeQuery('jl garuda sakti km 3 kel simpang baru')).toBe('[street] garuda sakti km3 [kel] simpang baru');
  });
  it('school status letters and street names that are also filler words', () => {
    expect(normalizeQuery('SMA N 2')).toBe('<sma> negeri 2');
    expect(normalizeQuery('smp s al azhar')).toBe('<smp> swasta al azhar');
    expect(normalizeQuery('jl. riau')).toBe('[street] riau');
    expect(normalizeQuery('jl. sudirman, pekanbaru, riau')).toBe('[street] sudirman');
  });
  it('survives hostile input', () => {
    expect(tokenize('')).toEqual([]);
    expect(tokenize('x'.repeat(10_000)).length).toBeLessThanOrEqual(1);
    expect(() => tokenize(null as unknown as string)).not.toThrow();
    expect(tokenize('!!!,,,---')).toEqual([]);
  });
});
