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
  /** First word of a name or alias key → the entries with such a key (a query looks at a handful, not all). */
  private byFirst = new Map<string, Entry[]>();

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
    this.byFirst = new Map();
    for (const e of this.entries) for (const w of new Set(e.keys.map((k) => k[0]))) this.byFirst.set(w, [...(this.byFirst.get(w) ?? []), e]);
  }

  /** The common places the query names, best (longest key) first, as geocoder candidates. */
  match(query: string): Candidate[] {
    if (!this.entries.length || typeof query !== 'string') return [];
    const tokens = tokenize(query);
    const words = keyOf(tokens).split(' ').filter(Boolean);
    if (!words.length) return [];
    const hits: Array<{ e: Entry; len: number }> = [];
    for (const e of new Set(words.flatMap((w) => this.byFirst.get(w) ?? []))) {
      const len = Math.max(0, ...e.keys.filter((k) => containsRun(words, k)).map((k) => k.length));
      if (len) hits.push({ e, len });
    }
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
