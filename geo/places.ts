// Named places the geocoder can answer with: OSM POIs, the 2016 offices and the schools of the national register
// (Dapodik). A place is named when every distinctive word of its name is typed (prefixes of ≥ 4 letters count);
// a query that says a school kind ("SMPN 4", "SD IT Al Fikri") is matched on kind, status, number and name words
// instead (school-name.ts). A register school whose point failed build:geo's quality gate has no point, only the
// kelurahan of its stated kecamatan (`area`). Places are indexed by the first letters of a word every match must
// contain, so a query looks at a handful of the ~680 places, not all of them.
import { facilityGroup, isDroppedWord, nameKey, tokenize, TITLES, type FacilityGroup, type Token } from './address.ts';
import type { AreaIndex } from './areas.ts';
import type { Gazetteer, PlaceRecord, SchoolRecord } from './data-types.ts';
import { isSoftSchoolWord, parseSchoolName, schoolMatch, schoolOf, type SchoolName } from './school-name.ts';

export const GENERIC_PLACE_WORDS = new Set(
  ('rs rsu rsud rsia rsj rumah sakit klinik pratama apotek apotik puskesmas sma sman smas smp smk negeri negri n sekolah menengah atas ' +
    'kantor lurah dinas camat pekanbaru kota riau prop provinsi hospital medical centre center boarding school dan tk plus umum daerah ' +
    'perw wilayah div reg bidan pemadam kebakaran damkar penyelamatan').split(' '),
);
const CATEGORY_GROUP: Record<string, FacilityGroup> = {
  pemadam_kebakaran: 'fire', rumah_sakit: 'health', klinik: 'health', puskesmas: 'health', apotek: 'health', lainnya: 'health',
  sekolah_sma: 'school', kantor_lurah: 'office', kantor_pemerintahan: 'office',
};
export const FACILITY_EXPANSION: Record<string, string[]> = { sman: ['sma', 'negeri'], smkn: ['smk', 'negeri'], smpn: ['smp', 'negeri'], sdn: ['sd', 'negeri'], smas: ['sma'] };
const ARTICLES = /^(al|an|ar|as|ad|at|az|asy|ash|adz|ats|el)(.{3,})$/;

/** A place as the geocoder holds it: the gazetteer's record (or a register school in its shape) and what matching needs. */
export interface Place extends Omit<PlaceRecord, 'kelurahan_kode' | 'source'> {
  /** NaN for a register school whose point failed the gate (then `area` says where it is). */
  lat: number;
  lon: number;
  kelurahan_kode: string | null;
  source: PlaceRecord['source'] | 'dapodik';
  npsn?: string;
  /** The 2025 kelurahan of the school's stated kecamatan, when its point is not trusted; else null. */
  area: string[] | null;
  distinctive: string[];
  groups: Set<FacilityGroup>;
  /** All distinctive words are also street/area words: only a facility word in the query makes it a POI. */
  needsFacilityWord: boolean;
  /** Only numbers tell it from its peers ("SMA Negeri 2"): the facility kind must match too. */
  numberOnly: boolean;
  nameWords: Set<string>;
  /** Its name read as a school (kind, status, number, words), or null. */
  school: SchoolName | null;
}

/** What of a query the place matching reads (geocoder.ts parses it). */
export interface PlaceQuery {
  words: Set<string>;
  unmarkedWords: Set<string>;
  facilityGroups: Set<FacilityGroup>;
  facilityKinds: string[];
  facilityWords: string[];
  /** The query's school phrase ("SMPN 4" → smp, negeri, 4), when it names a school kind. */
  school: SchoolName | null;
}

export class PlaceIndex {
  readonly places: Place[] = [];
  private byKey = new Map<string, Place[]>();
  private areaWords = new Map<Place, Set<string>>();

  constructor(gaz: Gazetteer, private areas: AreaIndex, isAreaOrStreetWord: (w: string) => boolean) {
    const add = (p: Omit<Place, 'distinctive' | 'groups' | 'needsFacilityWord' | 'numberOnly' | 'nameWords' | 'school'>, read: (tokens: Token[]) => SchoolName | null) => {
      const tokens = tokenize(p.name);
      const school = read(tokens);
      const own = nameKey(p.name, { dropTitles: true }).split(' ').filter(Boolean);
      const words = [...own, ...p.aliases.flatMap((n) => nameKey(n, { dropTitles: true }).split(' ')).filter(Boolean)];
      // Only words a query can carry can be required: read the name as a query is read, so a word the tokenizer
      // drops ("Ibu" in "RS Kasih Ibu") or takes as a facility ("School" — canonically "shol") is never required.
      const typed = tokens.flatMap((t) => (t.t === 'word' || t.t === 'num' ? [t.v] : []));
      const distinctive = [...new Set(typed.filter((w) => !GENERIC_PLACE_WORDS.has(w) && !isFacilityWord(w) && !isDroppedWord(w)))];
      if (!distinctive.length && !school) return; // "Apotek", "Pemadam Kebakaran": nothing to tell it from its peers
      const groups = new Set<FacilityGroup>([CATEGORY_GROUP[p.category] ?? (school ? 'school' : 'other')]);
      for (const w of words) {
        const g = facilityGroup(w);
        if (g) groups.add(g);
      }
      // Prefixes count too: the 2016 office "Kantor Lurah Tangkerang Selata" must not answer "kel. Tangkerang Selatan".
      const needsFacilityWord = distinctive.every((w) => /^\d+$/.test(w) || hasWord(isAreaOrStreetWord, w));
      const numberOnly = distinctive.every((w) => /^\d+$/.test(w));
      const place: Place = { ...p, distinctive, groups, needsFacilityWord, numberOnly, nameWords: new Set(words.flatMap((w) => [w, ...(FACILITY_EXPANSION[w] ?? [])])), school };
      this.places.push(place);
      const keys = new Set<string>();
      if (distinctive.length) keys.add(wordKey(distinctive[0]));
      if (school) {
        if (school.number) keys.add(wordKey(school.number));
        for (const w of school.words) {
          if (isSoftSchoolWord(w)) continue;
          keys.add(wordKey(w));
          const art = ARTICLES.exec(w);
          if (art) keys.add(wordKey(art[2])); // name "ALFIKRI", typed "al fikri"
        }
        for (let i = 0; i + 1 < school.words.length; i++) if (ARTICLES.exec(school.words[i] + school.words[i + 1])?.[1] === school.words[i]) keys.add(wordKey(school.words[i] + school.words[i + 1])); // name "AL FIKRI", typed "alfikri"
      }
      for (const k of keys) this.byKey.set(k, [...(this.byKey.get(k) ?? []), place]);
    };
    for (const p of gaz.places) add({ ...p, area: null }, (tokens) => schoolOf(tokens, 0, { whole: true }));
    for (const s of gaz.schools ?? []) add(schoolPlace(s), (tokens) => registerSchool(s, tokens));
  }

  /** Distinctive words of every place name (for the spelling corrector). */
  vocabulary(source: (p: Place) => boolean): string[] {
    return this.places.filter(source).flatMap((p) => [...p.distinctive, ...(p.school?.words ?? [])]);
  }

  /** The best-scoring places the query names (several when tied), or []. A school phrase is matched by kind,
   *  status, number and name words; when it names no school that way ("SMP-SMA An Namiroh", whose phrase stops at
   *  the hyphen), and for everything else: every distinctive word typed. */
  match(q: PlaceQuery): Place[] {
    const seen = new Set<Place>();
    for (const w of q.words) for (const p of this.byKey.get(wordKey(w)) ?? []) seen.add(p);
    const best = (score: (p: Place) => number): Place[] => {
      let top: Place[] = [], topScore = 0;
      for (const place of seen) {
        const s = score(place);
        if (s > topScore) (top = [place]), (topScore = s);
        else if (s && s === topScore) top.push(place);
      }
      return top;
    };
    const school = q.school;
    const bySchool = school ? best((p) => (p.school ? schoolMatch(school, p.school, (w) => this.explainsArea(w, p)) : 0)) : [];
    return bySchool.length ? bySchool : best((p) => this.genericScore(q, p));
  }

  private genericScore(p: PlaceQuery, place: Place): number {
    if (!place.distinctive.length) return 0;
    if (place.needsFacilityWord && !p.facilityGroups.size) return 0;
    if (p.facilityGroups.size && ![...p.facilityGroups].some((g) => place.groups.has(g))) return 0;
    if (!place.distinctive.every((d) => hasWord(p.words, d))) return 0;
    // "Jl. Aulia" names a street, not "Rumah Sakit Aulia": without a facility word, the name must be typed bare.
    if (!p.facilityGroups.size && !place.distinctive.every((d) => /^\d+$/.test(d) || hasWord(p.unmarkedWords, d))) return 0;
    // "SMA Negeri 2" is told from "SMK 2" / "SMP 2" only by its kind word: every facility word typed must be in the name.
    if (place.numberOnly && p.facilityKinds.some((k) => !place.nameWords.has(k))) return 0;
    // Words of the facility phrase that this place does not explain mean another facility ("RS Awal Bros Panam").
    if (p.facilityWords.some((w) => !GENERIC_PLACE_WORDS.has(w) && !place.distinctive.some((d) => sameWord(w, d)) && !this.explainsArea(w, place))) return 0;
    return place.distinctive.length;
  }

  /** Whether a word names where the place is (its kelurahan, kecamatan; for a register school, its stated kecamatan). */
  explainsArea(word: string, place: Place): boolean {
    let words = this.areaWords.get(place);
    if (!words) {
      const codes = place.area ?? (place.kelurahan_kode ? [place.kelurahan_kode] : []);
      const names = codes.flatMap((c) => {
        const kel = this.areas.kelByCode.get(c);
        return kel ? [kel.nama, ...kel.aliases, kel.kecRef.name, kel.kecamatan_2018 ?? ''] : [];
      });
      words = new Set(names.flatMap((n) => nameKey(n).split(' ')).filter(Boolean));
      this.areaWords.set(place, words);
    }
    return words.has(word);
  }
}

function schoolPlace(s: SchoolRecord): Omit<Place, 'distinctive' | 'groups' | 'needsFacilityWord' | 'numberOnly' | 'nameWords' | 'school'> {
  const point = s.trust === 'point' && Number.isFinite(s.lat) && Number.isFinite(s.lon);
  return {
    id: `dapodik/${s.npsn}`, npsn: s.npsn, name: s.name, aliases: [], category: `sekolah_${s.bentuk.toLowerCase()}`, street: s.street,
    lat: point ? s.lat! : NaN, lon: point ? s.lon! : NaN, kelurahan_kode: point ? s.kelurahan_kode ?? null : null,
    dup_group: null, source: 'dapodik', area: point ? null : s.area ?? [],
  };
}
/** The register's name read as a school, with the register's own status (N/S) over what the name says. */
function registerSchool(s: SchoolRecord, tokens: Token[]): SchoolName | null {
  const parsed = schoolOf(tokens, 0, { whole: true }) ?? parseSchoolName(`${s.bentuk} ${s.name}`);
  return parsed && { ...parsed, status: s.status === 'N' ? 'negeri' : 'swasta' };
}

/** Index key of a word: its first 4 letters (sameWord() matches only words that share them), or the whole word. */
function wordKey(w: string): string {
  return w.length >= 4 ? w.slice(0, 4) : w;
}
export function sameWord(a: string, b: string): boolean {
  if (a === b) return true;
  return Math.min(a.length, b.length) >= 4 && (a.startsWith(b) || b.startsWith(a));
}
export function hasWord(words: Set<string> | ((w: string) => boolean), w: string): boolean {
  if (typeof words === 'function') return words(w);
  if (words.has(w)) return true;
  for (const q of words) if (sameWord(q, w)) return true;
  return false;
}
function isFacilityWord(word: string): boolean {
  return facilityGroup(word) !== null || TITLES.has(word);
}
