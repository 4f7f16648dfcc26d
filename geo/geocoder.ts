// Forward geocoder. Strategy, most specific first: named place (POI, office, register school) → junction of two
// named streets → street stretch inside the named kelurahan/kecamatan → whole street → kelurahan → kecamatan. Each
// answer's uncertaintyM is a circle that covers everything the words could mean (the whole stretch, the whole
// kelurahan), so "unsure" shows up as a big radius or no answer, never as a confident wrong point.
//
// Relation words widen the answer around the place named instead of being dropped (RELATION_WIDEN_M). A kilometre
// post ("Km 12,5") is never turned into a point: nothing in geo/data says where any road's kilometres are measured
// from, so the answer stays the whole road inside the named area. A named place that the named street contradicts
// (> 1 km from it) gives way to that street.
import MiniSearch from 'minisearch';
import { compact, nameKey, relationOf, tokenize, type FacilityGroup, type Marker, type Relation, type Token } from './address.ts';
import type { AreaIndex, Kelurahan } from './areas.ts';
import type { Gazetteer } from './data-types.ts';
import { FACILITY_EXPANSION, GENERIC_PLACE_WORDS, hasWord, PlaceIndex, type Place } from './places.ts';
import { isSchoolKind, isSoftSchoolWord, schoolOf, type SchoolName } from './school-name.ts';
import { distanceM, medoidCover, type LonLat } from './spatial.ts';
import type { StreetIndex, Street } from './streets.ts';
import type { Candidate, CandidateKind } from './types.ts';

/** How far a real address can sit from the register's road centre line (setbacks, gang entrances). */
const ROAD_BUFFER_M = 75;
const POI_RADIUS_M = 100;
/** A street this close to the named kelurahan counts as in it (border roads, simplified polygons). */
const AREA_EDGE_M = 150;
/** A neighbourhood learnt from a few addresses may reach past the kelurahan of those addresses: widen by this. */
const LOCALITY_MARGIN_M = 1000;
/** A named place this close to the street named with it is on it (OSM places lie 9–124 m from the register line of
 *  their addr:street); beyond CONTRADICTED_M the street and the name disagree (a namesake, a branch, a slip). In
 *  between is a campus down an access lane (SMAN 12 lies ~570 m from the register's Jl. Garuda Sakti). */
const ON_STREET_M = 400;
const CONTRADICTED_M = 1000;
/** Two named streets that do not meet in the register (a junction drawn short) but pass this close: their closest
 *  approach is the junction, with the gap added to its radius. */
const NEAR_JUNCTION_M = 250;
const CONFIDENCE_FLOOR = 0.2;
const MAX_SPAN = 5;

/**
 * Metres added to the radius of a place, junction or street by a relation word. No source measures how far
 * "depan" reaches, so the figures are set from the register's geometry and stated here:
 * - depan (in front of): the road in front — ROAD_BUFFER_M, how far an address sits from the road's centre line
 *   (half the register schools within 34 m of a named road line, three quarters within 83 m);
 * - samping (beside): the neighbouring lots, 100 m;
 * - seberang (across): the road and the lots on its far side, 2 × ROAD_BUFFER_M;
 * - belakang (behind): the back of the lot and the lane behind it, 200 m;
 * - ujung (the end of): the lane that ends there — 90 % of the register's gang lines are ≤ 317 m long, so 320 m;
 *   said of a street, its whole length already covers both its ends;
 * - dekat (near): walking distance, 500 m;
 * - sekitar (around, the area of): 1,000 m.
 */
export const RELATION_WIDEN_M: Record<Relation, number> = {
  depan: ROAD_BUFFER_M, samping: 100, seberang: 2 * ROAD_BUFFER_M, belakang: 200, ujung: 320, dekat: 500, sekitar: 1000,
};

type AreaHit = { kind: 'kel' | 'kelLama' | 'kec' | 'kecOld' | 'postcode' | 'locality'; codes: string[]; text: string; inFacilityName: boolean; hint: Marker | null };
interface Parsed {
  streets: { street: Street; hint: Marker | null; text: string }[];
  areas: AreaHit[];
  words: Set<string>;
  /** Words not introduced by a street/kelurahan/kecamatan/junction marker (facility phrases and bare words). */
  unmarkedWords: Set<string>;
  facilityGroups: Set<FacilityGroup>;
  /** Facility words as typed, expanded (sman → sma, negeri). */
  facilityKinds: string[];
  /** Words of facility phrases ("rs awal bros panam" → awal, bros, panam). */
  facilityWords: string[];
  hasJunctionMarker: boolean;
  /** The school phrase, when a school kind is named ("SMPN 4", "SD IT Al Fikri"). */
  school: SchoolName | null;
  relation: Relation | null;
  /** A kilometre post, "Km 12,5" → 12.5. */
  km: number | null;
}
/** A named-place answer: the candidate, and what the geocoder must do with it. */
interface PoiAnswer {
  candidate: Candidate;
  /** A register school known only by its kecamatan: these kelurahan narrow a named street. */
  area: Set<string> | null;
  /** The query's street does not pass near it (or only its area is known): the street answers first. */
  weak: boolean;
}
const AFTER_STREET: Array<'street' | 'kel' | 'kelLama' | 'kec' | 'kecOld' | 'locality'> = ['kel', 'kec', 'street', 'locality'];
/** "Simpang Tiga" / "Simpang Empat" are kelurahan, and also what a junction is called ("simpang tiga Sudirman"). */
const JUNCTION_NAMED_KEL = new Set(['simpang tiga', 'simpang empat', 'simpangtiga', 'simpangempat']);

export class Geocoder {
  private kelKeys = new Map<string, Set<string>>();
  private kelLamaKeys = new Map<string, Set<string>>();
  private kecKeys = new Map<string, Set<string>>();
  private kecOldKeys = new Map<string, Set<string>>();
  private streetCompact = new Map<string, Street>();
  private streetPhrases = new Set<string>();
  private places!: PlaceIndex;
  private vocab = new Set<string>();
  private areaOrStreetWords = new Set<string>();
  private corrector: MiniSearch<{ id: number; term: string }>;
  private corrections = new Map<string, string | null>();
  private phraseCorrector: MiniSearch<{ id: number; term: string }> | null = null;
  private phraseCorrections = new Map<string, string>();
  /** Postal code → kelurahan codes (a postcode covers 1–6 kelurahan; "…, Riau 28291" in copied addresses). */
  private postcodes = new Map<string, string[]>();
  /** Neighbourhood names that are neither street nor kelurahan ("Panam", "UNRI"), learnt from the OSM addresses of
   *  the places in the data → the kelurahan of those places. Only a source-backed, area-level hint. */
  private localityKeys = new Map<string, Set<string>>();

  constructor(private areas: AreaIndex, private streets: StreetIndex, gaz: Gazetteer) {
    const add = (map: Map<string, Set<string>>, name: string, code: string) => {
      const key = nameKey(name);
      if (!key) return;
      for (const k of [key, compact(key)]) {
        if (!map.has(k)) map.set(k, new Set());
        map.get(k)!.add(code);
      }
      key.split(' ').forEach((w) => (this.vocab.add(w), this.areaOrStreetWords.add(w)));
      this.vocab.add(compact(key));
    };
    for (const k of areas.kelurahan) for (const n of [k.nama, ...k.aliases]) add(this.kelKeys, n, k.kode);
    for (const r of gaz.kelurahanLama) if (r.share_pct >= 20) add(this.kelLamaKeys, r.kelurahan_lama, r.kelurahan_kode);
    for (const k of areas.kecamatan) {
      for (const n of [k.nama, ...k.aliases]) add(this.kecKeys, n, k.kode);
      for (const old of k.kecamatan_2018_asal) add(this.kecOldKeys, old, k.kode);
    }
    for (const k of areas.kelurahan) if (k.kodepos) this.postcodes.set(k.kodepos, [...(this.postcodes.get(k.kodepos) ?? []), k.kode]);
    for (const a of gaz.streetAliases) streets.addAlias(nameKey(a.alias, { dropTitles: true }), nameKey(a.name, { dropTitles: true }));
    for (const [key, s] of streets.byKey) {
      this.streetCompact.set(compact(key), s);
      key.split(' ').forEach((w) => (this.vocab.add(w), this.areaOrStreetWords.add(w)));
      // Compact multi-word names let a typo in a short word ("Part Indah") be corrected on the whole name.
      if (key.includes(' ') && compact(key).length >= 8) this.streetPhrases.add(compact(key));
    }
    // "Is this word (or a ≥ 4-letter prefix relation of it) a street or area word?", through the words sharing its
    // first 4 letters: asked for every place word at start, a scan of all ~3,000 words each time cost ~50 ms.
    const byPrefix = new Map<string, string[]>();
    for (const w of this.areaOrStreetWords) if (w.length >= 4) byPrefix.set(w.slice(0, 4), [...(byPrefix.get(w.slice(0, 4)) ?? []), w]);
    const isAreaOrStreetWord = (w: string) => this.areaOrStreetWords.has(w) || (w.length >= 4 && hasWord(new Set(byPrefix.get(w.slice(0, 4)) ?? []), w));
    this.places = new PlaceIndex(gaz, areas, isAreaOrStreetWord);
    for (const w of this.places.vocabulary((p) => p.source !== 'dapodik')) this.vocab.add(w);
    for (const p of gaz.places) {
      for (const text of [p.street, p.address]) {
        for (const t of text ? tokenize(text) : []) {
          if (t.t !== 'word' || t.v.length < 4 || this.vocab.has(t.v) || GENERIC_PLACE_WORDS.has(t.v)) continue;
          if (!this.localityKeys.has(t.v)) this.localityKeys.set(t.v, new Set());
          this.localityKeys.get(t.v)!.add(p.kelurahan_kode);
        }
      }
    }
    for (const w of this.localityKeys.keys()) this.vocab.add(w);
    // Register school names join the vocabulary only now: a word of a school's name ("Panam" in "SLB Panam Mulia")
    // must not stop the same word in an OSM address from being learnt as a neighbourhood.
    for (const w of this.places.vocabulary((p) => p.source === 'dapodik')) if (w.length >= 3) this.vocab.add(w);
    this.corrector = new MiniSearch({ fields: ['term'], storeFields: ['term'] });
    this.corrector.addAll([...this.vocab].filter((t) => t.length >= 3 && !/^\d+$/.test(t)).map((term, id) => ({ id, term })));
  }

  geocode(query: string, limit = 5): Candidate[] {
    if (typeof query !== 'string' || !query.trim()) return [];
    const tokens = tokenize(query).map((t) => (t.t === 'word' ? { ...t, v: this.correct(t.v) } : t));
    const parsed = this.parse(tokens);
    const out: Candidate[] = [];
    // "simpang tiga <road>" names a junction as often as the kelurahan Simpang Tiga: with a road, it is no limit.
    const junctionName = (a: AreaHit) => a.kind === 'kel' && a.hint === null && !a.inFacilityName && JUNCTION_NAMED_KEL.has(a.text);
    const allowed = this.allowedKelurahan(parsed.streets.length ? parsed.areas.filter((a) => !junctionName(a)) : parsed.areas);
    const push = (c: Candidate | null) => {
      if (c && c.confidence >= CONFIDENCE_FLOOR && Number.isFinite(c.lat) && Number.isFinite(c.lon)) out.push(c);
    };
    // Area words inside a facility name ("Puskesmas Simpang Tiga") do not say where that facility is.
    const poi = this.poi(parsed, this.allowedKelurahan(parsed.areas.filter((a) => !a.inFacilityName)));
    if (poi && !poi.weak) push(poi.candidate);
    push(this.junction(parsed, allowed));
    // A register school known only by its kecamatan narrows the street named with it ("SD 112 jl. Paus").
    if (poi?.area) {
      const inSchool = allowed ? new Set([...allowed].filter((c) => poi.area!.has(c))) : poi.area;
      const c = inSchool.size ? this.street(parsed, inSchool) : null;
      if (c) c.matched.push(`school-area:${poi.candidate.label}`);
      push(c);
    }
    push(this.street(parsed, allowed));
    if (poi?.weak) push(poi.candidate);
    push(this.area(parsed, allowed));
    if (parsed.relation) for (const c of out) this.widen(c, parsed.relation);
    if (parsed.km !== null) for (const c of out) c.matched.push(`km:${parsed.km} (no kilometre origin in the data: not placed along the road)`);
    // Drop a later candidate that says the same thing less precisely only when it would duplicate the label.
    const seen = new Set<string>();
    return out.filter((c) => !seen.has(c.label) && seen.add(c.label)).slice(0, Math.max(1, limit));
  }

  /** Widen an answer by what the relation word allows (RELATION_WIDEN_M). Areas already cover their surroundings'
   *  answers; a street covers both of its ends. */
  private widen(c: Candidate, rel: Relation): void {
    if (c.kind === 'kelurahan' || c.kind === 'kecamatan') return;
    const by = rel === 'ujung' && c.kind === 'street' ? 0 : RELATION_WIDEN_M[rel];
    c.uncertaintyM += by;
    c.matched.push(`rel:${rel} (+${by} m)`);
  }

  /** Spelling correction of one canonical word against the gazetteer vocabulary (MiniSearch fuzzy + prefix). */
  private correct(word: string): string {
    if (this.vocab.has(word) || word.length < 5 || /\d/.test(word)) return word;
    const cached = this.corrections.get(word);
    if (cached !== undefined) return cached ?? word;
    const maxEdits = word.length >= 9 ? 2 : word.length >= 6 ? 1 : 0; // 5 letters: completion only
    const hits = this.corrector.search(word, { fuzzy: maxEdits || false, prefix: true, maxFuzzy: 2 });
    const best = hits.find((h) => {
      const term = h.term as string;
      return term.startsWith(word) ? term.length - word.length <= 4 : Math.abs(term.length - word.length) <= maxEdits;
    });
    const fixed = best ? (best.term as string) : null;
    if (this.corrections.size > 5000) this.corrections.clear();
    this.corrections.set(word, fixed);
    return fixed ?? word;
  }

  /** Spelling correction of a compact multi-word street name against the compact street names. */
  private correctPhrase(ck: string): string {
    const cached = this.phraseCorrections.get(ck);
    if (cached !== undefined) return cached;
    this.phraseCorrector ??= new MiniSearch({ fields: ['term'], storeFields: ['term'] });
    if (this.phraseCorrector.documentCount === 0) this.phraseCorrector.addAll([...this.streetPhrases].map((term, id) => ({ id, term })));
    const hit = this.phraseCorrector.search(ck, { fuzzy: ck.length >= 10 ? 2 : 1, maxFuzzy: 2 }).find((h) => Math.abs((h.term as string).length - ck.length) <= 2);
    const fixed = hit ? (hit.term as string) : ck;
    if (this.phraseCorrections.size > 5000) this.phraseCorrections.clear();
    this.phraseCorrections.set(ck, fixed);
    return fixed;
  }

  private parse(tokens: Token[]): Parsed {
    const parsed: Parsed = {
      streets: [], areas: [], words: new Set(), unmarkedWords: new Set(), facilityGroups: new Set(), facilityKinds: [], facilityWords: [], hasJunctionMarker: false,
      school: null, relation: relationOf(tokens), km: null,
    };
    const schoolAt = tokens.findIndex((t) => t.t === 'facility' && isSchoolKind(t.v));
    if (schoolAt >= 0) parsed.school = schoolOf(tokens, schoolAt);
    // Cut the token stream into runs of words; each run remembers the marker before it and whether it is a facility phrase.
    type Run = { hint: Marker | null; facility: boolean; words: string[] };
    const runs: Run[] = [];
    let cur: Run | null = null;
    for (const t of tokens) {
      if (t.t === 'km') {
        parsed.km = t.v; // a kilometre post continues its street's phrase, as before it was read
        continue;
      }
      if (t.t === 'num' && this.postcodes.has(t.v)) {
        parsed.areas.push({ kind: 'postcode', codes: this.postcodes.get(t.v)!, text: t.v, inFacilityName: false, hint: null });
        cur = null;
        continue;
      }
      if (t.t === 'word' || t.t === 'num') {
        parsed.words.add(t.v);
        if (!cur) runs.push((cur = { hint: null, facility: false, words: [] }));
        cur.words.push(t.v);
        if (cur.facility) parsed.facilityWords.push(t.v);
        if (cur.hint === null) parsed.unmarkedWords.add(t.v);
      } else if (t.t === 'facility') {
        parsed.facilityGroups.add(t.group);
        for (const w of FACILITY_EXPANSION[t.v] ?? [t.v]) parsed.words.add(w), parsed.facilityKinds.push(w);
        runs.push((cur = { hint: null, facility: true, words: [] }));
      } else if (t.t === 'marker') {
        if (t.v === 'junction') parsed.hasJunctionMarker = true;
        runs.push((cur = { hint: t.v, facility: false, words: [] }));
      } else cur = null;
    }
    for (const run of runs) this.matchRun(run, parsed);
    return parsed;
  }

  private matchRun(run: { hint: Marker | null; facility: boolean; words: string[] }, parsed: Parsed): void {
    const w = run.words;
    let i = 0;
    let streetSeen = false;
    while (i < w.length) {
      let matched = 0;
      for (let len = Math.min(MAX_SPAN, w.length - i); len >= 1 && !matched; len--) {
        const key = w.slice(i, i + len).join(' ');
        const ck = compact(key);
        // In a facility phrase, a street is only a long name after the first two words ("RS Awal Bros Sudirman"):
        // "Masjid Raya An Nur" is not on Jl. M. Nur, "RSUD Arifin Achmad" not on Jl. Arifin Ahmad.
        const facilityName = run.facility && (i < 2 || ck.length < 6);
        // After "Jl. Yos Sudarso", a name that is both a street and a kelurahan ("Lembah Damai") is the kelurahan:
        // addresses go street → kelurahan.
        const lookups = streetSeen && run.hint === 'street' && !facilityName ? AFTER_STREET : this.lookupOrder(run.hint, facilityName);
        for (const kind of lookups) {
          if (kind === 'street') {
            let s = this.streets.byKey.get(key) ?? (len > 1 || key.length >= 6 ? this.streetCompact.get(ck) : undefined);
            // Only after a street marker: a whole-name correction of two or more words ("jalan part indah").
            if (!s && len > 1 && run.hint === 'street' && ck.length >= 8) s = this.streetCompact.get(this.correctPhrase(ck));
            if (s && !/^\d+$/.test(key)) {
              parsed.streets.push({ street: s, hint: run.hint, text: key });
              streetSeen = true;
              matched = len;
              break;
            }
          } else {
            const map = { kel: this.kelKeys, kelLama: this.kelLamaKeys, kec: this.kecKeys, kecOld: this.kecOldKeys, locality: this.localityKeys }[kind];
            const codes = map.get(key) ?? map.get(ck);
            if (codes) {
              parsed.areas.push({ kind, codes: [...codes], text: key, inFacilityName: run.facility, hint: run.hint });
              matched = len;
              break;
            }
          }
        }
      }
      i += matched || 1;
    }
  }

  /** Which gazetteers a run is looked up in, in order. Facility names (first words after "RS", "Masjid"…) never
   *  count as streets: "RSUD Arifin Achmad" is not on Jl. Arifin Achmad. */
  private lookupOrder(hint: Marker | null, facilityName: boolean): Array<'street' | 'kel' | 'kelLama' | 'kec' | 'kecOld' | 'locality'> {
    if (facilityName) return ['kel', 'kelLama', 'kec', 'locality'];
    switch (hint) {
      case 'street':
      case 'junction':
        return ['street', 'kel', 'kec', 'locality'];
      case 'kel':
        return ['kel', 'kelLama', 'kec', 'kecOld'];
      case 'kec':
        return ['kec', 'kecOld', 'kel', 'kelLama'];
      default:
        return ['kel', 'kec', 'kecOld', 'kelLama', 'street', 'locality'];
    }
  }

  /** Kelurahan codes the place must be in, from the named kelurahan/kecamatan (old names resolved) and postcode, or null. */
  private allowedKelurahan(areas: AreaHit[]): Set<string> | null {
    const kelHits = areas.filter((a) => a.kind === 'kel');
    const kels = new Set((kelHits.length ? kelHits : areas.filter((a) => a.kind === 'kelLama')).flatMap((a) => a.codes));
    const kecHits = areas.filter((a) => a.kind === 'kec');
    const kecs = new Set((kecHits.length ? kecHits : areas.filter((a) => a.kind === 'kecOld')).flatMap((a) => a.codes));
    const inKec = new Set([...kecs].flatMap((c) => this.areas.kecByCode.get(c)?.kelurahan.map((k) => k.kode) ?? []));
    let base: Set<string> | null = null;
    // A neighbourhood name stands in for a kelurahan only when none is named; inside a named kecamatan it narrows it.
    const locality = new Set(areas.filter((a) => a.kind === 'locality').flatMap((a) => a.codes));
    if (!kels.size && locality.size) {
      const both = [...locality].filter((c) => !inKec.size || inKec.has(c));
      if (both.length) for (const c of both) kels.add(c);
    }
    if (kels.size && inKec.size) {
      const both = new Set([...kels].filter((c) => inKec.has(c)));
      base = both.size ? both : kels; // a wrong kecamatan is a commoner slip than a wrong kelurahan
    } else if (kels.size) base = kels;
    else if (inKec.size) base = inKec;
    // A postcode narrows what the names say (or stands in for them); a contradicting postcode is ignored.
    const post = new Set(areas.filter((a) => a.kind === 'postcode').flatMap((a) => a.codes));
    if (post.size) {
      const both = base ? new Set([...base].filter((c) => post.has(c))) : post;
      if (both.size) base = both;
    }
    return base;
  }

  private poi(p: Parsed, allowed: Set<string> | null): PoiAnswer | null {
    const best = this.places.match(p);
    if (!best.length) return null;
    const located = best.filter((pl) => Number.isFinite(pl.lat) && Number.isFinite(pl.lon));
    // A register school whose point failed the gate, named like a located place of the same school (OSM, or the
    // register itself), is that place: the point answers. A different school that ties keeps its area.
    let areaOnly = best.filter((pl) => pl.area && !located.some((l) => sameSchool(l, pl)));
    let places = located;
    if (allowed) {
      places = places.filter((pl) => this.inAllowed(pl, allowed));
      areaOnly = areaOnly.filter((pl) => pl.area!.some((c) => allowed.has(c)));
    }
    let weak = false;
    const onStreet = p.streets[0]?.street;
    if (onStreet && places.length && !p.streets.some((s) => s.hint !== null && s.hint !== 'street')) {
      const d = places.map((pl) => this.distanceToStreet(pl, onStreet));
      const near = places.filter((_, i) => d[i] <= ON_STREET_M);
      if (near.length) places = near;
      // "RS X, Jl. Y" with X nowhere near Y: the address contradicts the name; the street answers first.
      else if (p.streets[0].hint === 'street' && Math.min(...d) > CONTRADICTED_M) weak = true;
    }
    if (!places.length && !areaOnly.length) return null;
    let corroborated = false;
    if (places.length) {
      // Same facility mapped twice (or two nearby objects of one name): answer with a circle covering them all.
      places = located.filter((b) => places.some((pl) => distanceM(pl.lon, pl.lat, b.lon, b.lat) <= 1000));
      // One school mapped twice far apart ("SMA Negeri 12" twice in OSM, 11 km apart): when exactly one group is
      // named by two sources (OSM and the register) and each other group by one, the group two sources agree on
      // answers. Different places that share words ("Santa Maria": SD, SMP, SMA) stay one wide answer.
      const groups = clusters(places, 1000);
      const agreed = groups.filter((g) => new Set(g.map((pl) => pl.source)).size >= 2);
      if (groups.length > 1 && agreed.length === 1 && places.every((pl) => sameSchool(pl, places[0]))) (places = agreed[0]), (corroborated = true);
    }
    const label = (places[0] ?? areaOnly[0]).name;
    const matched = [`poi:${label}`, ...[...places, ...areaOnly].filter((pl) => pl.npsn).slice(0, 3).map((pl) => `dapodik:${pl.npsn}`)];
    if (!areaOnly.length) {
      const cover = medoidCover(places.map((pl) => [pl.lon, pl.lat] as LonLat));
      const ambiguous = cover.radiusM > 500;
      if (weak) matched.push(`not-on-street:${onStreet!.label}`);
      if (corroborated) matched.push(`agreed:${[...new Set(places.map((pl) => pl.source))].join('+')} (a namesake elsewhere left out)`);
      const c = this.candidate('poi', cover.point, cover.radiusM + POI_RADIUS_M, weak ? 0.3 : ambiguous ? 0.35 : corroborated ? 0.75 : 0.9, label, matched);
      return { candidate: c, area: null, weak };
    }
    // Only the stated kecamatan is known (the register's point failed the gate): answer with the area, after any
    // street named with it inside that area.
    const codes = new Set(areaOnly.flatMap((pl) => pl.area!).filter((c) => !allowed || allowed.has(c)));
    const kels = [...codes].map((c) => this.areas.kelByCode.get(c)).filter((k): k is Kelurahan => !!k);
    if (!kels.length) return null;
    const cover = this.coverOf(places.map((pl) => [pl.lon, pl.lat] as LonLat), kels);
    const kecCodes = [...new Set(kels.map((k) => k.kecamatan_kode))];
    const where = kecCodes.map((c) => this.areas.kecByCode.get(c)?.nama ?? c).join(' / ');
    matched.push(`area:Kec. ${where} (register point not trusted)`);
    const c = this.candidate(places.length ? 'poi' : 'kecamatan', cover.point, cover.radiusM, places.length ? 0.3 : 0.35, `${label} (Kec. ${where})`, matched);
    c.kelurahan = null;
    if (kecCodes.length > 1 || places.length) c.kecamatan = null;
    return { candidate: c, area: codes, weak: true };
  }

  /** In (or within AREA_EDGE_M of) one of the allowed kelurahan: a place on a border road belongs to both sides. */
  private inAllowed(pl: Place, allowed: Set<string>): boolean {
    if (pl.kelurahan_kode && allowed.has(pl.kelurahan_kode)) return true;
    for (const c of allowed) if (this.areas.isNear(c, pl.lon, pl.lat, AREA_EDGE_M)) return true;
    return false;
  }

  /** The smallest circle centred on one of the points or kelurahan centroids that holds every point and kelurahan. */
  private coverOf(points: LonLat[], kels: Kelurahan[]): { point: LonLat; radiusM: number } {
    if (!points.length) return this.areas.coverOf(kels);
    let best = { point: points[0], radiusM: Infinity };
    for (const c of [...points, ...kels.map((k) => k.centroid)]) {
      let r = 0;
      for (const [x, y] of points) r = Math.max(r, distanceM(c[0], c[1], x, y));
      for (const k of kels) for (const poly of k.polygons) for (const [x, y] of poly[0]) r = Math.max(r, distanceM(c[0], c[1], x, y));
      if (r < best.radiusM) best = { point: c, radiusM: r };
    }
    return best;
  }

  private distanceToStreet(pl: { lon: number; lat: number }, s: Street): number {
    let best = Infinity;
    for (const sm of s.samples) best = Math.min(best, distanceM(pl.lon, pl.lat, sm.p[0], sm.p[1]));
    return best;
  }

  /** The junction of the first two named streets. "Simpang Tiga" said with two roads is the junction's name, not
   *  a limit: points in that kelurahan are preferred, not required. Streets that do not meet in the register but
   *  whose line ends come within NEAR_JUNCTION_M (a T-junction drawn short) meet at that gap, which widens the radius. */
  private junction(p: Parsed, allowed: Set<string> | null): Candidate | null {
    const distinct = [...new Map(p.streets.map((s) => [s.street.id, s])).values()];
    if (distinct.length < 2) return null;
    const [a, b] = distinct;
    // geocode() has already left such a kelurahan out of `allowed`; here it only picks among the junction's points.
    const named = p.areas.filter((x) => x.kind === 'kel' && x.hint === null && JUNCTION_NAMED_KEL.has(x.text));
    const within = (pt: LonLat, codes: Set<string>) => [...codes].some((c) => this.areas.isNear(c, pt[0], pt[1], AREA_EDGE_M));
    let points = this.streets.junctions(a.street, b.street);
    if (allowed) points = points.filter((j) => within(j.point, allowed));
    let drawnShort = false;
    if (!points.length) {
      points = this.streets.closestApproach(a.street, b.street, NEAR_JUNCTION_M);
      if (allowed) points = points.filter((j) => within(j.point, allowed));
      drawnShort = points.length > 0;
    }
    if (named.length) {
      const inKel = points.filter((j) => within(j.point, new Set(named.flatMap((x) => x.codes))));
      if (inKel.length) points = inKel;
    }
    if (!points.length) return null;
    const cover = medoidCover(points.map((j) => j.point));
    const gap = Math.max(...points.map((j) => j.gapM));
    const single = cover.radiusM < 300;
    const matched = [`street:${a.street.label}`, `street:${b.street.label}`];
    if (drawnShort) matched.push(`gap:${Math.round(gap)} m (the register's lines do not meet)`);
    return this.candidate('intersection', cover.point, cover.radiusM + gap + 50, single ? (drawnShort ? 0.6 : 0.85) : 0.45, `Simpang ${a.street.label} – ${b.street.label}`, matched);
  }

  private street(p: Parsed, allowed: Set<string> | null): Candidate | null {
    const primary = p.streets.find((s) => s.hint === 'street') ?? p.streets[0];
    if (!primary) return null;
    const s = primary.street;
    let samples = s.samples;
    /** Samples the answer's point may be: those inside the named area, so the point reports that kelurahan. */
    let core: typeof samples | null = null;
    const matched = [`street:${s.label}`];
    let confidence = 0.55;
    if (allowed) {
      const codes = [...allowed];
      const inside = (sm: Street['samples'][number]) => !!sm.kel && allowed.has(sm.kel);
      confidence = 0.7;
      if (onlyLocality(p.areas)) {
        samples = samples.filter((sm) => inside(sm) || codes.some((c) => this.areas.isNear(c, sm.p[0], sm.p[1], LOCALITY_MARGIN_M)));
        if (!samples.length) return null;
        confidence = 0.45;
      } else {
        // Kelurahan borders often run along the street itself, and the polygons are simplified: the street's stretch
        // "in" the kelurahan is every sample inside it or within AREA_EDGE_M of it, so a border road counts whole
        // (an address on it may lie on either side), not only the few samples that fall inside the polygon.
        const within = samples.filter(inside);
        samples = samples.filter((sm) => inside(sm) || codes.some((c) => this.areas.isNear(c, sm.p[0], sm.p[1], AREA_EDGE_M)));
        if (!samples.length) return null;
        if (within.length) core = within;
        else confidence = 0.6;
      }
      matched.push(...p.areas.map((a) => `${a.kind}:${a.text}`));
    }
    // A second named street that does not meet the first still narrows it: keep the stretch near it.
    const other = p.streets.find((o) => o.street.id !== s.id);
    if (other) {
      const cells = this.streets.cellsOf(other.street);
      const near = samples.filter((sm) => this.streets.nearCells(cells, sm.p));
      if (near.length) samples = near;
    }
    if (!samples.length) return null;
    const coreSet = core && new Set(core);
    const among = coreSet ? samples.filter((sm) => coreSet.has(sm)) : [];
    const cover = medoidCover(samples.map((sm) => sm.p), among.length ? among.map((sm) => sm.p) : undefined);
    if (cover.radiusM > 3000) confidence = Math.min(confidence, 0.3);
    return this.candidate('street', cover.point, cover.radiusM + ROAD_BUFFER_M, confidence, s.label, matched);
  }

  private area(p: Parsed, allowed: Set<string> | null): Candidate | null {
    if (!allowed || !allowed.size) return null;
    const kels = [...allowed].map((c) => this.areas.kelByCode.get(c)).filter((k): k is Kelurahan => !!k);
    if (!kels.length) return null;
    const matched = p.areas.map((a) => `${a.kind}:${a.text}`);
    const hasKel = p.areas.some((a) => a.kind === 'kel' || a.kind === 'kelLama' || a.kind === 'postcode' || a.kind === 'locality');
    if (!hasKel) {
      // Kecamatan only (or an old kecamatan name resolved to its 2025 successors).
      const kecCodes = [...new Set(kels.map((k) => k.kecamatan_kode))];
      const cover = kecCodes.length === 1 ? this.kecCover(kecCodes[0]) : this.areas.coverOf(kels);
      const label = kecCodes.map((c) => `Kec. ${this.areas.kecByCode.get(c)?.nama ?? c}`).join(' / ');
      const c = this.candidate('kecamatan', cover.point, cover.radiusM, kecCodes.length === 1 ? 0.4 : 0.25, label, matched);
      if (kecCodes.length > 1) c.kecamatan = null;
      c.kelurahan = null;
      return c;
    }
    const cover = this.areas.coverOf(kels);
    const label = kels.map((k) => `Kel. ${k.nama}`).join(' / ');
    if (onlyLocality(p.areas)) return this.candidate('kelurahan', cover.point, cover.radiusM + LOCALITY_MARGIN_M, 0.25, label, matched);
    return this.candidate('kelurahan', cover.point, cover.radiusM, kels.length === 1 ? 0.5 : 0.3, label, matched);
  }

  private kecCover(code: string): { point: LonLat; radiusM: number } {
    const kec = this.areas.kecByCode.get(code)!;
    return { point: kec.centroid, radiusM: kec.coverRadiusM };
  }

  private candidate(kind: CandidateKind, point: LonLat, uncertaintyM: number, confidence: number, label: string, matched: string[]): Candidate {
    const at = this.areas.kelurahanAt(point[0], point[1]);
    return {
      lat: round6(point[1]),
      lon: round6(point[0]),
      kind,
      label,
      confidence,
      uncertaintyM: Math.round(uncertaintyM),
      kelurahan: at?.kel.ref ?? null,
      kecamatan: at?.kel.kecRef ?? null,
      matched,
    };
  }
}

/** The only place words are a learnt neighbourhood name (no kelurahan, old kelurahan or postcode). */
function onlyLocality(areas: AreaHit[]): boolean {
  return areas.some((a) => a.kind === 'locality') && !areas.some((a) => a.kind === 'kel' || a.kind === 'kelLama' || a.kind === 'postcode');
}
function round6(x: number): number {
  return Math.round(x * 1e6) / 1e6;
}
/** Two places are one school when their names read as the same kind, number and name words (OSM "SMA Negeri 2
 *  Pekanbaru" and the register's "SMA NEGERI 2 PEKANBARU"). */
function sameSchool(a: Place, b: Place): boolean {
  const x = a.school, y = b.school;
  if (!x || !y || x.number !== y.number || !x.levels.some((l) => y.levels.includes(l))) return false;
  const hard = (w: string[]) => w.filter((v) => !GENERIC_PLACE_WORDS.has(v) && !isSoftSchoolWord(v)).sort().join(' ');
  return hard(x.words) === hard(y.words);
}
/** Single-link groups of places within linkM of each other. */
function clusters(places: Place[], linkM: number): Place[][] {
  const groups: Place[][] = [];
  for (const pl of places) {
    const joined = groups.filter((g) => g.some((o) => distanceM(o.lon, o.lat, pl.lon, pl.lat) <= linkM));
    const merged = [pl, ...joined.flat()];
    for (const g of joined) groups.splice(groups.indexOf(g), 1);
    groups.push(merged);
  }
  return groups;
}
