// School names, as callers say them and as the national register writes them, to one shape:
//   "SMAN 2", "SMA N 2", "SMA Negeri 2 Pekanbaru", "sman 2 pku" → {levels: [sma], status: negeri, number: "2", words: []}
//   "SDS IT AL-FIKRI ISLAMIC GREEN SCHOOL"                     → {levels: [sd], status: swasta, number: null,
//                                                                  words: [it, al, fikri, islamic, gren, school]}
//   (canonical words, as address.ts spells them: doubled letters collapse)
// It reads address.ts tokens, so a query and a register name meet on the same canonical words (titles, the city's
// name and filler already gone). schoolMatch() says whether a query can mean a school: the kind must agree, a number
// must be the school's, and every word typed must be one of its words.
import { tokenize, type Token } from './address.ts';

export type SchoolLevel = 'tk' | 'sd' | 'smp' | 'sma' | 'smk' | 'slb' | 'mts' | 'ma';
export type SchoolStatus = 'negeri' | 'swasta';
export interface SchoolName {
  levels: SchoolLevel[];
  status: SchoolStatus | null;
  number: string | null;
  words: string[];
}

/** The kind words (address.ts facility words of the school group) and what each says. */
const KIND: Record<string, { level: SchoolLevel; status?: SchoolStatus; word?: string }> = {
  tk: { level: 'tk' }, paud: { level: 'tk' },
  sd: { level: 'sd' }, sdn: { level: 'sd', status: 'negeri' }, sds: { level: 'sd', status: 'swasta' },
  sdit: { level: 'sd', word: 'it' }, sdi: { level: 'sd', word: 'islam' },
  smp: { level: 'smp' }, smpn: { level: 'smp', status: 'negeri' }, smps: { level: 'smp', status: 'swasta' }, smpit: { level: 'smp', word: 'it' },
  sma: { level: 'sma' }, sman: { level: 'sma', status: 'negeri' }, smas: { level: 'sma', status: 'swasta' }, smait: { level: 'sma', word: 'it' },
  smk: { level: 'smk' }, smkn: { level: 'smk', status: 'negeri' }, smks: { level: 'smk', status: 'swasta' }, smkit: { level: 'smk', word: 'it' },
  slb: { level: 'slb' }, slbn: { level: 'slb', status: 'negeri' }, sdlb: { level: 'slb' }, smplb: { level: 'slb' }, smalb: { level: 'slb' },
  mts: { level: 'mts' }, mtsn: { level: 'mts', status: 'negeri' }, ma: { level: 'ma' }, man: { level: 'ma', status: 'negeri' },
};
/** "Sekolah Menengah Atas" and friends, after the word "sekolah". */
const SPELLED: Array<[string[], SchoolLevel]> = [
  [['dasar'], 'sd'], [['menengah', 'pertama'], 'smp'], [['menengah', 'atas'], 'sma'], [['menengah', 'kejuruan'], 'smk'], [['luar', 'biasa'], 'slb'],
];
const STATUS_WORD: Record<string, SchoolStatus> = { negeri: 'negeri', negri: 'negeri', neger: 'negeri', neg: 'negeri', swasta: 'swasta' };
/** Words that never tell one school from another ("PEKAN" of "PEKAN BARU", as the register sometimes splits the city). */
const FILLER = new Set(['pekan', 'prop', 'provinsi', 'dan']);
/** Words a caller may leave out: they describe a school's kind, not which one it is ("SD IT Al Fikri" = "SD Al Fikri"). */
const SOFT = new Set(['it', 'islam', 'islamic', 'terpadu', 'al', 'an', 'ar', 'as', 'ad', 'at', 'az', 'asy', 'ash', 'adz', 'ats', 'el', 'plus', 'unggulan', 'school', 'boarding', 'international', 'nasional', 'kristen', 'katolik']);
/** Arabic articles written "AL- MANAR": the separator after them is not a phrase boundary. */
const ARTICLE = new Set(['al', 'an', 'ar', 'as', 'ad', 'at', 'az', 'asy', 'ash', 'adz', 'ats', 'el']);

/** The city's name cut short by the register's field width ("SD NEGERI 66 PEKANBAR"). */
function isCityName(w: string): boolean {
  return w.length >= 6 && 'pekanbaru'.startsWith(w);
}

export function isSchoolKind(v: string): boolean {
  return v in KIND || v === 'sekolah';
}

/** A register or OSM name → its school shape, or null when no kind word says it is a school of a level. */
export function parseSchoolName(name: string): SchoolName | null {
  return schoolOf(tokenize(name), 0, { whole: true });
}

/**
 * The school phrase starting at tokens[start] (a facility token of a school kind). A query's phrase ends at a
 * marker, relation, kilometre post, another facility or a separator (except after an article); `whole` reads every
 * token of a name instead. Null when no level is named ("sekolah" alone, "kampus").
 */
export function schoolOf(tokens: Token[], start: number, opts: { whole?: boolean } = {}): SchoolName | null {
  const levels = new Set<SchoolLevel>();
  let status: SchoolStatus | null = null;
  let number: string | null = null;
  const words: string[] = [];
  for (let i = start; i < tokens.length; i++) {
    const t = tokens[i];
    if (t.t === 'facility') {
      const kind = KIND[t.v];
      if (kind) {
        if (!opts.whole && i > start && levels.size) break; // "SD 5 … SMP 2": another school
        levels.add(kind.level);
        status ??= kind.status ?? null;
        if (kind.word) words.push(kind.word);
        continue;
      }
      if (t.v === 'sekolah') {
        const rest = tokens.slice(i + 1, i + 3).map((x) => (x.t === 'word' ? x.v : ''));
        const spelled = SPELLED.find(([ws]) => ws.every((w, k) => rest[k] === w));
        if (spelled) (levels.add(spelled[1]), (i += spelled[0].length));
        else if (!opts.whole && i > start) break;
        continue;
      }
      if (!opts.whole) break;
      words.push(t.v); // "… ISLAMIC GREEN SCHOOL": a facility word inside a name is a word of it
      continue;
    }
    if (t.t === 'word') {
      const st = STATUS_WORD[t.v];
      const prev = tokens[i - 1];
      if (st) status ??= st;
      else if (FILLER.has(t.v) || isCityName(t.v) || (t.v === 'baru' && prev?.t === 'word' && prev.v === 'pekan')) continue; // "PEKAN BARU"
      else words.push(t.v);
      continue;
    }
    if (t.t === 'num') {
      if (number === null) number = t.v;
      else words.push(t.v);
      continue;
    }
    if (opts.whole) continue;
    if (t.t === 'sep' && ARTICLE.has(words[words.length - 1] ?? '')) continue;
    break;
  }
  if (!levels.size) return null;
  return { levels: [...levels], status, number, words };
}

function sameWord(a: string, b: string): boolean {
  return a === b || (Math.min(a.length, b.length) >= 4 && (a.startsWith(b) || b.startsWith(a)));
}
export function isSoftSchoolWord(w: string): boolean {
  return SOFT.has(w);
}
/** A query word is one of the name's words: the same word, a prefix of ≥ 4 letters, or written with its article
 *  joined or apart ("alfikri" / "al fikri", "fikri" / "AL-FIKRI" written as one word). */
function nameHas(words: string[], w: string): boolean {
  for (let i = 0; i < words.length; i++) {
    const x = words[i];
    if (sameWord(w, x)) return true;
    if (ARTICLE.has(x) && words[i + 1] !== undefined && x + words[i + 1] === w) return true;
    for (const a of ARTICLE) if (x === a + w || w === a + x) return true;
  }
  return false;
}

/**
 * 0 when the query cannot mean this school; else a score (higher = more of the name said). `explains` may accept a
 * query word the name lacks (the school's kelurahan or kecamatan: "SD 5 Rumbai").
 * - the levels must meet, a stated status must agree;
 * - a number in the query must be the school's ("SMPN 4" is not SMPN 40);
 * - every word of the query must be a word of the name (or explained); kind words ("IT", "Islam") may be left out
 *   on either side;
 * - a school whose name has words besides its number ("SD Muhammadiyah 2") needs one of them said: "SD 2" means
 *   SD Negeri 2;
 * - something that tells schools apart must be said: the number or a word that is not only a kind ("SD IT").
 */
export function schoolMatch(q: SchoolName, s: SchoolName, explains: (w: string) => boolean = () => false): number {
  if (!q.levels.some((l) => s.levels.includes(l))) return 0;
  if (q.status && s.status && q.status !== s.status) return 0;
  if (q.number !== null && q.number !== s.number) return 0;
  let hard = 0, soft = 0;
  for (const w of q.words) {
    if (nameHas(s.words, w)) SOFT.has(w) ? soft++ : hard++;
    else if (!SOFT.has(w) && !explains(w)) return 0;
  }
  if (!hard && s.words.some((w) => !SOFT.has(w))) return 0;
  if (q.number === null && !hard) return 0;
  // The whole name said ("SMP Nurul Falah") beats a longer name that merely contains it ("SMP Nurul Falah Kulim").
  const whole = hard === s.words.filter((w) => !SOFT.has(w)).length && (s.number === null || q.number === s.number);
  return (q.number !== null ? 2 : 0) + hard + soft * 0.25 + (whole ? 0.5 : 0);
}
