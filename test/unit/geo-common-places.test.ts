// geo/common-places.ts on the shipped geo/data: the centre's approved places are searched first, replaced at runtime,
// and matched on the address normaliser's canonical words. The point is a real gazetteer place (Kel. Kulim's fire
// post, OSM "Pemadam Kebakaran", which the shipped data cannot name).
import { describe, expect, it } from 'vitest';
import { COMMON_PLACE_LABEL, createGeo, placeKey } from '../../geo/index.ts';
import { RELATION_WIDEN_M } from '../../geo/geocoder.ts';
import { loadGeoData } from '../../server/geo/load.ts';

const data = loadGeoData();
const geo = createGeo(data);
const post = data.gazetteer.places.find((p) => p.id === 'node/3243088126')!;
const kel = data.gazetteer.kelurahan.find((k) => k.kode === post.kelurahan_kode)!;
const place = { id: '7', name: `Pos Damkar ${kel.nama}`, aliases: ['Gudang Pemadam Kulim'], lat: post.lat, lon: post.lon, radiusM: 60, source: 'uji' };

describe('common places', () => {
  it('normalises text the way the geocoder reads it', () => {
    expect(placeKey('Jalan  Soebrantas')).toBe(placeKey('jl. subrantas'));
    expect(placeKey('depan Pos Damkar Kulim')).toBe(placeKey('pos damkar kulim'));
    expect(placeKey('   ')).toBe('');
  });

  it('are answered first, with their radius, kelurahan and label; relation words widen them', () => {
    geo.setCommonPlaces([place]);
    const [top] = geo.geocode(`pos damkar ${kel.nama.toUpperCase()}`);
    expect(top).toMatchObject({ kind: 'common_place', lat: post.lat, lon: post.lon, uncertaintyM: 60, label: `${place.name} · ${COMMON_PLACE_LABEL}` });
    expect(top.kelurahan?.code).toBe(kel.kode);
    expect(top.matched).toContain('source:uji');
    expect(geo.geocode(`dekat ${place.name}`)[0].uncertaintyM).toBe(60 + RELATION_WIDEN_M.dekat);
    expect(geo.geocode('gudang pemadam kulim')[0].kind).toBe('common_place');
    // a query that holds only part of the name is not this place
    expect(geo.geocode(`pos ${kel.nama}`)[0]?.kind).not.toBe('common_place');
  });

  it('are replaced as a whole at runtime', () => {
    geo.setCommonPlaces([place]);
    geo.setCommonPlaces([]);
    expect(geo.geocode(place.name)[0]?.kind).not.toBe('common_place');
  });
});
