// Forward geocoder. Strategy, most specific first: named POI → junction of two named streets → street stretch
// inside the named kelurahan/kecamatan → whole street → kelurahan → kecamatan. Each answer's uncertaintyM is a
// circle that covers everything the words could mean (the whole stretch, the whole kelurahan), so "unsure"
// shows up as a big radius or no answer, never as a confident wrong point.
import MiniSearch from 'minisearch';
import { compact, facilityGroup, nameKey, tokenize, TITLES, type FacilityGroup, type Marker, type Token } from './address.ts';
import type { AreaIndex, Kelurahan } from './areas.ts';
import type { Gazetteer, PlaceRecord } from './data-types.ts';
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
const CONFIDENCE_FLOOR = 0.2;
const MAX_SPAN = 5;

const GENERIC_PLACE_WORDS = new Set(
  ('rs rsu rsud rsia rsj rumah sakit klinik pratama apotek apotik puskesmas sma sman smas smp smk negeri negri n sekolah menengah atas ' +
    'kantor lurah dinas camat pekanbaru kota riau prop provinsi hospital medical centre center boarding school dan tk plus umum daerah ' +
    'perw wilayah div reg bidan pemadam kebakaran damkar penyelamatan').split(' '),
);
const CATEGORY_GROUP: Record<string, FacilityGroup> = {
  pemadam_kebakaran: 'fire', rumah_sakit: 'health', klinik: 'health', puskesmas: 'health', apotek: 'health', lainnya: 'health',
  sekolah_sma: 'school', kantor_lurah: 'office', kantor_pemerintahan: 'office',
};
const FACILITY_EXPANSION: Record<string, string[]> = { sman: ['sma', 'negeri'], smkn: ['smk', 'negeri'], smpn: ['smp', 'negeri'], sdn: ['sd', 'negeri'], smas: ['sma'] };

interface Place extends PlaceRecord {
  distinctive: string[];
  groups: Set<FacilityGroup>;
  /** All distinctive words are also street/area words: only a facility word in the query makes it a POI. */
  needsFacilityWord: boolean;
  /** Only numbers tell it from its peers ("SMA Negeri 2"): the facility kind must match too. */
  numberOnly: boolean;
  nameWords: Set<string>;
}

type AreaHit = { kind: 'kel' | 'kelLama' | 'kec' | 'kecOld' | 'postcode' | 'locality'; codes: string[]; text: string; inFacilityName: boolean };
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
}

export class Geocoder {
  private kelKeys = new Map<string, Set<string>>();
  private kelLamaKeys = new Map<string, Set<string>>();
  private kecKeys = new Map<string, Set<string>>();
  private kecOldKeys = new Map<string, Set<string>>();
  private streetCompact = new Map<string, Street>();
  private streetPhrases = new Set<string>();
  private places: Place[] = [];
  private vocab = new Set<string>();
  private areaOrStreetWords = new Set<string>();
  private corrector: MiniSearch<{ id: number; term: string }>;
  private corrections = new Map<string, string | null>();
  private phraseCorrector: MiniSearch<{ id: number; term: string }> | null = null;
  private phraseCorrections = new Map<string, string>();
  private kelWords = new Map<string, Set<string>>();
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
    for (const p of gaz.places) {
      const words = [p.name, ...p.aliases].map((n) => nameKey(n, { dropTitles: true })).join(' ').split(' ').filter(Boolean);
      const distinctive = [...new Set(nameKey(p.name, { dropTitles: true }).split(' ').filter((w) => w && !GENERIC_PLACE_WORDS.has(w) && !isFacilityWord(w)))];
      if (!distinctive.length) continue; // "Apotek", "Pemadam Kebakaran": nothing to tell it from its peers
      const groups = new Set<FacilityGroup>([CATEGORY_GROUP[p.category] ?? 'other']);
      for (const w of words) {
        const g = facilityGroupOf(w);
        if (g) groups.add(g);
      }
      // Prefixes count too: the 2016 office "Kantor Lurah Tangkerang Selata" must not answer "kel. Tangkerang Selatan".
      const needsFacilityWord = distinctive.every((w) => /^\d+$/.test(w) || hasWord(this.areaOrStreetWords, w));
      const numberOnly = distinctive.every((w) => /^\d+$/.test(w));
      this.places.push({ ...p, distinctive, groups, needsFacilityWord, numberOnly, nameWords: new Set(words.flatMap((w) => [w, ...(FACILITY_EXPANSION[w] ?? [])])) });
      distinctive.forEach((w) => this.vocab.add(w));
    }
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
    this.corrector = new MiniSearch({ fields: ['term'], storeFields: ['term'] });
    this.corrector.addAll([...this.vocab].filter((t) => t.length >= 3 && !/^\d+$/.test(t)).map((term, id) => ({ id, term })));
  }

  geocode(query: string, limit = 5): Candidate[] {
    if (typeof query !== 'string' || !query.trim()) return [];
    const tokens = tokenize(query).map((t) => (t.t === 'word' ? { ...t, v: this.correct(t.v) } : t));
    const parsed = this.parse(tokens);
    const out: Candidate[] = [];
    const allowed = this.allowedKelurahan(parsed.areas);
    const push = (c: Candidate | null) => {
      if (c && c.confidence >= CONFIDENCE_FLOOR && Number.isFinite(c.lat) && Number.isFinite(c.lon)) out.push(c);
    };
    // Area words inside a facility name ("Puskesmas Simpang Tiga") do not say where that facility is.
    push(this.poi(parsed, this.allowedKelurahan(parsed.areas.filter((a) => !a.inFacilityName))));
    push(this.junction(parsed, allowed));
    push(this.street(parsed, allowed));
    push(this.area(parsed, allowed));
    // Drop a later candidate that says the same thing less precisely only when it would duplicate the label.
    const seen = new Set<string>();
    return out.filter((c) => !seen.has(c.label) && seen.add(c.label)).slice(0, Math.max(1, limit));
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
    const parsed: Parsed = { streets: [], areas: [], words: new Set(), unmarkedWords: new Set(), facilityGroups: new Set(), facilityKinds: [], facilityWords: [], hasJunctionMarker: false };
    // Cut the token stream into runs of words; each run remembers the marker before it and whether it is a facility phrase.
    type Run = { hint: Marker | null; facility: boolean; words: string[] };
    const runs: Run[] = [];
    let cur: Run | null = null;
    for (const t of tokens) {
      if (t.t === 'num' && this.postcodes.has(t.v)) {
        parsed.areas.push({ kind: 'postcode', codes: this.postcodes.get(t.v)!, text: t.v, inFacilityName: false });
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
    while (i < w.length) {
      let matched = 0;
      for (let len = Math.min(MAX_SPAN, w.length - i); len >= 1 && !matched; len--) {
        const key = w.slice(i, i + len).join(' ');
        const ck = compact(key);
        // In a facility phrase, a street is only a long name after the first two words ("RS Awal Bros Sudirman"):
        // "Masjid Raya An Nur" is not on Jl. M. Nur, "RSUD Arifin Achmad" not on Jl. Arifin Ahmad.
        const facilityName = run.facility && (i < 2 || ck.length < 6);
        const lookups = this.lookupOrder(run.hint, facilityName);
        for (const kind of lookups) {
          if (kind === 'street') {
            let s = this.streets.byKey.get(key) ?? (len > 1 || key.length >= 6 ? this.streetCompact.get(ck) : undefined);
            // Only after a street marker: a whole-name correction of two or more words ("jalan part indah").
            if (!s && len > 1 && run.hint === 'street' && ck.length >= 8) s = this.streetCompact.get(this.correctPhrase(ck));
            if (s && !/^\d+$/.test(key)) {
              parsed.streets.push({ street: s, hint: run.hint, text: key });
              matched = len;
              break;
            }
          } else {
            const map = { kel: this.kelKeys, kelLama: this.kelLamaKeys, kec: this.kecKeys, kecOld: this.kecOldKeys, locality: this.localityKeys }[kind];
            const codes = map.get(key) ?? map.get(ck);
            if (codes) {
              parsed.areas.push({ kind, codes: [...codes], text: key, inFacilityName: run.facility });
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

  private poi(p: Parsed, allowed: Set<string> | null): Candidate | null {
    let best: Place[] = [];
    let bestScore = 0;
    for (const place of this.places) {
      if (place.needsFacilityWord && !p.facilityGroups.size) continue;
      if (p.facilityGroups.size && ![...p.facilityGroups].some((g) => place.groups.has(g))) continue;
      if (!place.distinctive.every((d) => hasWord(p.words, d))) continue;
      // "Jl. Aulia" names a street, not "Rumah Sakit Aulia": without a facility word, the name must be typed bare.
      if (!p.facilityGroups.size && !place.distinctive.every((d) => /^\d+$/.test(d) || hasWord(p.unmarkedWords, d))) continue;
      // "SMA Negeri 2" is told from "SMK 2" / "SMP 2" only by its kind word: every facility word typed must be in the name.
      if (place.numberOnly && p.facilityKinds.some((k) => !place.nameWords.has(k))) continue;
      // Words of the facility phrase that this place does not explain mean another facility ("RS Awal Bros Panam").
      const unexplained = p.facilityWords.filter((w) => !GENERIC_PLACE_WORDS.has(w) && !place.distinctive.some((d) => sameWord(w, d)) && !this.explainsArea(w, place));
      if (unexplained.length) continue;
      const score = place.distinctive.length;
      if (score > bestScore) (best = [place]), (bestScore = score);
      else if (score === bestScore) best.push(place);
    }
    if (!best.length) return null;
    let places = best;
    if (allowed) places = places.filter((pl) => allowed.has(pl.kelurahan_kode));
    const onStreet = p.streets[0]?.street;
    if (onStreet && !p.streets.some((s) => s.hint !== null && s.hint !== 'street')) {
      const near = places.filter((pl) => this.distanceToStreet(pl, onStreet) <= 400);
      if (near.length) places = near;
    }
    if (!places.length) return null;
    // Same facility mapped twice (or two nearby objects of one name): answer with a circle covering them all.
    places = best.filter((b) => places.some((pl) => distanceM(pl.lon, pl.lat, b.lon, b.lat) <= 1000));
    const cover = medoidCover(places.map((pl) => [pl.lon, pl.lat] as LonLat));
    const ambiguous = cover.radiusM > 500;
    return this.candidate('poi', cover.point, cover.radiusM + POI_RADIUS_M, ambiguous ? 0.35 : 0.9, places[0].name, [
      `poi:${places[0].name}`,
    ]);
  }

  private explainsArea(word: string, place: Place): boolean {
    let words = this.kelWords.get(place.kelurahan_kode);
    if (!words) {
      const kel = this.areas.kelByCode.get(place.kelurahan_kode);
      words = new Set(kel ? [kel.nama, ...kel.aliases, kel.kecRef.name].flatMap((n) => nameKey(n).split(' ')) : []);
      this.kelWords.set(place.kelurahan_kode, words);
    }
    return words.has(word);
  }

  private distanceToStreet(pl: PlaceRecord, s: Street): number {
    let best = Infinity;
    for (const sm of s.samples) best = Math.min(best, distanceM(pl.lon, pl.lat, sm.p[0], sm.p[1]));
    return best;
  }

  private junction(p: Parsed, allowed: Set<string> | null): Candidate | null {
    const distinct = [...new Map(p.streets.map((s) => [s.street.id, s])).values()];
    if (distinct.length < 2) return null;
    const [a, b] = distinct;
    let points = this.streets.junctions(a.street, b.street);
    if (allowed) points = points.filter((j) => allowed.has(this.areas.kelurahanAt(j.point[0], j.point[1])?.kel.kode ?? ''));
    if (!points.length) return null;
    const cover = medoidCover(points.map((j) => j.point));
    const gap = Math.max(...points.map((j) => j.gapM));
    const single = cover.radiusM < 300;
    return this.candidate('intersection', cover.point, cover.radiusM + gap + 50, single ? 0.85 : 0.45, `Simpang ${a.street.label} – ${b.street.label}`, [
      `street:${a.street.label}`,
      `street:${b.street.label}`,
    ]);
  }

  private street(p: Parsed, allowed: Set<string> | null): Candidate | null {
    const primary = p.streets.find((s) => s.hint === 'street') ?? p.streets[0];
    if (!primary) return null;
    const s = primary.street;
    let samples = s.samples;
    const matched = [`street:${s.label}`];
    let confidence = 0.55;
    if (allowed) {
      const inside = samples.filter((sm) => sm.kel && allowed.has(sm.kel));
      confidence = 0.7;
      if (onlyLocality(p.areas)) {
        const codes = [...allowed];
        samples = samples.filter((sm) => (sm.kel && allowed.has(sm.kel)) || codes.some((c) => this.areas.isNear(c, sm.p[0], sm.p[1], LOCALITY_MARGIN_M)));
        if (!samples.length) return null;
        confidence = 0.45;
      } else if (inside.length) samples = inside;
      else {
        // Kelurahan borders often run along the street itself, and the polygons are simplified: a street just
        // outside the named kelurahan still is the address. Farther away, trust the area.
        const codes = [...allowed];
        samples = samples.filter((sm) => codes.some((c) => this.areas.isNear(c, sm.p[0], sm.p[1], AREA_EDGE_M)));
        if (!samples.length) return null;
        confidence = 0.6;
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
    const cover = medoidCover(samples.map((sm) => sm.p));
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
function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  return Math.min(a.length, b.length) >= 4 && (a.startsWith(b) || b.startsWith(a));
}
function hasWord(words: Set<string>, w: string): boolean {
  if (words.has(w)) return true;
  for (const q of words) if (sameWord(q, w)) return true;
  return false;
}
const facilityGroupOf = facilityGroup;
function isFacilityWord(word: string): boolean {
  return facilityGroupOf(word) !== null || TITLES.has(word);
}
