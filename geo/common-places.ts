// Common places the centre approves (issue #14): its own names for places the shipped data does not know ("gudang
// Pupuk Sinar Jaya"), with aliases and a radius. Pure: the server passes the approved rows in at start and again after
// every change (Geo.setCommonPlaces); nothing is read from disk here and geo/data is never rebuilt for them.
// A query names a common place when its normalised words (placeKey) hold the whole key of the name or of an alias,
// as consecutive words: the longest such key wins. They are searched before the shipped data.
import { relationOf, tokenize, type Token } from './address.ts';
import type { AreaIndex } from './areas.ts';
import { RELATION_WIDEN_M } from './geocoder.ts';
import type { Candidate } from './types.ts';

/** An approved common place, as the server stores it. */
export interface CommonPlace {
  id: string;
  name: string;
  aliases: string[];
  lat: number;
  lon: number;
  radiusM: number;
  /** Where the place came from: 'operator picks', the list a centre imported ("Dinkes puskesmas 2025"), … */
  source: string;
}

/** What the geocoder calls a centre-approved place (kind `common_place`). */
export const COMMON_PLACE_LABEL = 'tempat umum (pusat)';
const CONFIDENCE = 0.95;

/**
 * The normal form of a place text, the key candidates are grouped by and common places are matched on: the address
 * normaliser's canonical tokens (spelling variants meet, "jalan"/"jl." become one marker), without relation words
 * ("depan", "dekat": where the caller stands, not what the place is called) and separators.
 */
export function placeKey(text: string): string {
  return keyOf(tokenize(text));
}

function keyOf(tokens: Token[]): string {
  const out: string[] = [];
  for (const t of tokens) {
    if (t.t === 'word' || t.t === 'num' || t.t === 'facility') out.push(t.v);
    else if (t.t === 'marker') out.push(`[${t.v}]`);
    else if (t.t === 'km') out.push(`km${t.v}`);
  }
  return out.join(' ');
}

interface Entry {
  place: CommonPlace;
  keys: string[][];
}

export class CommonPlaceIndex {
  private entries: Entry[] = [];
  /**
   * Each key under its rarest word: a key the query holds whole holds that word too, so a query looks only at the
   * keys filed under its own words — a handful, even when a centre's 5,000 names all begin "Pos" or "Puskesmas".
   */
  private byRarest = new Map<string, Array<{ e: Entry; key: string[] }>>();

  constructor(private areas: AreaIndex) {}

  get size(): number {
    return this.entries.length;
  }

  /** Replaces the whole list (the server's approved rows). Names without a single word are ignored. */
  set(places: CommonPlace[]): void {
    this.entries = places
      .filter((p) => Number.isFinite(p.lat) && Number.isFinite(p.lon))
      .map((place) => ({ place, keys: [place.name, ...place.aliases].map((n) => placeKey(n).split(' ').filter(Boolean)).filter((k) => k.length) }))
      .filter((e) => e.keys.length);
    const count = new Map<string, number>();
    for (const e of this.entries) for (const k of e.keys) for (const w of k) count.set(w, (count.get(w) ?? 0) + 1);
    this.byRarest = new Map();
    for (const e of this.entries) {
      for (const key of e.keys) {
        const rarest = key.reduce((a, w) => (count.get(w)! < count.get(a)! ? w : a));
        const list = this.byRarest.get(rarest);
        if (list) list.push({ e, key });
        else this.byRarest.set(rarest, [{ e, key }]);
      }
    }
  }

  /** The common places the query names, best (longest key) first, as geocoder candidates. */
  match(query: string): Candidate[] {
    if (!this.entries.length || typeof query !== 'string') return [];
    const tokens = tokenize(query);
    const words = keyOf(tokens).split(' ').filter(Boolean);
    if (!words.length) return [];
    const best = new Map<Entry, number>();
    for (const w of new Set(words)) {
      for (const { e, key } of this.byRarest.get(w) ?? []) {
        if (key.length > (best.get(e) ?? 0) && containsRun(words, key)) best.set(e, key.length);
      }
    }
    const hits = [...best].map(([e, len]) => ({ e, len }));
    if (!hits.length) return [];
    const rel = relationOf(tokens);
    const widen = rel ? RELATION_WIDEN_M[rel] : 0;
    return hits
      .sort((a, b) => b.len - a.len || a.e.place.radiusM - b.e.place.radiusM)
      .map(({ e: { place } }) => {
        const at = this.areas.kelurahanAt(place.lon, place.lat);
        return {
          lat: place.lat,
          lon: place.lon,
          kind: 'common_place' as const,
          label: `${place.name} · ${COMMON_PLACE_LABEL}`,
          confidence: CONFIDENCE,
          uncertaintyM: place.radiusM + widen,
          kelurahan: at?.kel.ref ?? null,
          kecamatan: at?.kel.kecRef ?? null,
          matched: [`common-place:${place.id}`, `source:${place.source}`, ...(rel ? [`rel:${rel} (+${widen} m)`] : [])],
        };
      });
  }
}

/** Whether `key` occurs in `words` as consecutive words. */
function containsRun(words: string[], key: string[]): boolean {
  outer: for (let i = 0; i + key.length <= words.length; i++) {
    for (let j = 0; j < key.length; j++) if (words[i + j] !== key[j]) continue outer;
    return true;
  }
  return false;
}
