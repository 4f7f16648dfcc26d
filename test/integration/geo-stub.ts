// A geocoder stand-in for tests where geocoding is not under test: every point reverse-geocodes to one real
// kelurahan from the shipped gazetteer (geo/data), so incidents get a known kelurahan/kecamatan.
import fs from 'node:fs';
import type { ReverseResult } from '../../geo/types.ts';

interface GazKelurahan { kode: string; nama: string; kecamatan_kode: string; kecamatan: string; centroid: [number, number] }
interface GazPlace { name: string; category: string; lat: number; lon: number }

export const gazetteer: { kelurahan: GazKelurahan[]; places: GazPlace[] } =
  JSON.parse(fs.readFileSync(new URL('../../geo/data/gazetteer.json', import.meta.url), 'utf8'));

export function kelurahanNamed(name: string): GazKelurahan {
  const kel = gazetteer.kelurahan.find((k) => k.nama === name);
  if (!kel) throw new Error(`kelurahan ${name} not in geo/data/gazetteer.json`);
  return kel;
}

export function firstPlace(category: string): GazPlace {
  const place = gazetteer.places.find((p) => p.category === category);
  if (!place) throw new Error(`no ${category} in geo/data/gazetteer.json`);
  return place;
}

export function geoStub(kel: GazKelurahan) {
  return {
    geocode: () => [],
    reverse: (): ReverseResult => ({
      inside: true, kelurahan: { code: kel.kode, name: kel.nama }, kecamatan: { code: kel.kecamatan_kode, name: kel.kecamatan },
      street: null, label: kel.nama,
    }),
  };
}
