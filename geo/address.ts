// Address normaliser: turns what a 112 operator types into canonical tokens with roles.
// "simp. sudirman - tambusai" → [junction] sudirman [sep] tambusai; "gg. mawar rt 02 kel. tuah madani kec. tampan"
// → [street] mawar [kel] tuah madani [kec] tampan. Both the gazetteer names and the queries go through canonWord(),
// so spelling variants (Soebrantas/Subrantas, Achmad/Ahmad, Kaharuddin/Kaharudin) meet on one form.

export type Marker = 'street' | 'kel' | 'kec' | 'junction';
/** Where the caller is relative to the place named: "depan SMPN 4", "dekat RS Santa Maria", "ujung gang …". */
export type Relation = 'depan' | 'seberang' | 'samping' | 'belakang' | 'dekat' | 'sekitar' | 'ujung';
export type Token =
  | { t: 'word'; v: string; raw: string }
  | { t: 'num'; v: string }
  | { t: 'marker'; v: Marker }
  | { t: 'facility'; v: string; group: FacilityGroup }
  /** A relation word: a phrase boundary like a separator, kept so the geocoder can widen its answer. */
  | { t: 'rel'; v: Relation }
  /** A kilometre post, "Km 12,5" → 12.5 (a place along a radial road, measured from somewhere the data must say). */
  | { t: 'km'; v: number }
  | { t: 'sep' };
export type FacilityGroup = 'health' | 'school' | 'fire' | 'office' | 'worship' | 'other';

/** Old-spelling and phonetic variants to one form, then doubled letters collapsed. */
export function canonWord(word: string): string {
  return word
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/oe/g, 'u')
    .replace(/dj/g, 'j')
    .replace(/tj/g, 'c')
    .replace(/sj/g, 'sy')
    .replace(/[ck]h/g, 'h')
    .replace(/q/g, 'k')
    .replace(/ph/g, 'f')
    .replace(/([a-z])\1+/g, '$1');
}

const MARKERS: Record<string, Marker> = {
  jl: 'street', jln: 'street', jlan: 'street', jalan: 'street', gg: 'street', gang: 'street', lorong: 'street', lr: 'street',
  kel: 'kel', kelurahan: 'kel', lurah: 'kel', desa: 'kel', ds: 'kel', kelrahan: 'kel',
  kec: 'kec', kecamatan: 'kec', kcmtn: 'kec', camat: 'kec',
  simp: 'junction', spg: 'junction', smpg: 'junction', simpang: 'junction', simpangan: 'junction', persimpangan: 'junction',
  perempatan: 'junction', prapatan: 'junction', pertigaan: 'junction', bundaran: 'junction', bunderan: 'junction',
  bundaren: 'junction', perapatan: 'junction', pertelon: 'junction',
  // Typed slips of the markers (doubled letters are collapsed before this lookup: "kelurahaan" → "kelurahan").
  jlm: 'street', jaln: 'street', jaaln: 'street', kelurhan: 'kel', kelurahn: 'kel', kelurah: 'kel', kecamatn: 'kec', kecmatan: 'kec', kecamtan: 'kec',
  // English, as typed by some operators and in app-forwarded reports.
  street: 'street', st: 'street', road: 'street', rd: 'street', lane: 'street', alley: 'street', avenue: 'street', ave: 'street',
  village: 'kel', district: 'kec', subdistrict: 'kec',
  junction: 'junction', intersection: 'junction', crossroad: 'junction', crossroads: 'junction', crossing: 'junction', roundabout: 'junction',
};
/** Markers that may be glued to the next word without a space or dot: "jlsudirman", "jlnkartini", "gg.mawar". */
const GLUED_MARKER = /^(jalan|jln|jl|gang|gg)([a-z]{4,})$/;
/** Compass-word abbreviations after a name: "Sidomulyo Bar." = Sidomulyo Barat, "Tangkerang Sel." = … Selatan. */
const COMPASS: Record<string, string> = { bar: 'barat', brt: 'barat', tim: 'timur', tmr: 'timur', sel: 'selatan', slt: 'selatan', sltn: 'selatan', ut: 'utara', utr: 'utara', tgh: 'tengah', teng: 'tengah' };

/** Facility words: the phrase they start names a place (matched against POIs only, never as a street). */
const FACILITY: Record<string, FacilityGroup> = {};
const addFacility = (group: FacilityGroup, words: string) => words.split(' ').forEach((w) => (FACILITY[w] = group));
addFacility('health', 'rs rsu rsud rsia rsj rsb rsau rsal rsud puskesmas pustu klinik klinic apotek apotik bidan hospital poliklinik posyandu');
addFacility('school', 'sekolah sd sdn sdit smp smpn smpit sma sman smas smk smkn smait ma man mts mtsn tk paud pesantren ponpes universitas univ kampus akademi politeknik poltekkes stikes sekolah');
// The register's own kind words (Dapodik): swasta forms, special-needs schools, Islamic-integrated forms.
addFacility('school', 'sds smps smks slb slbn sdlb smplb smalb smpit smait smkit sdi');
addFacility('fire', 'damkar pemadam');
addFacility('office', 'kantor dinas polsek polres polresta polda koramil kodim korem lanud kejaksaan pengadilan samsat bpjs lapas rutan bappeda bpn');
addFacility('worship', 'masjid mesjid musholla mushola musala surau gereja vihara klenteng pura mosque church temple');
addFacility('health', 'clinic pharmacy');
addFacility('school', 'school university college madrasah');
addFacility('office', 'office police polisi kantor bank');
addFacility('other', 'market mal supermarket hotel station gas restaurant shop store apartment apartemen');
addFacility('other', 'hotel wisma mal mall plaza pasar toko swalayan supermarket minimarket indomaret alfamart spbu pom bank atm bandara terminal stasiun gor stadion lapangan taman pabrik gudang bengkel showroom cafe kafe warung rm restoran resto gedung yayasan panti ruko kos kost asrama hypermart transmart lottemart');

/** The facility group of a (raw or canonical) word, or null. */
export function facilityGroup(word: string): FacilityGroup | null {
  return FACILITY[word] ?? null;
}

/** Words dropped together with the number after them (house number, RT/RW, kilometre post, block). */
const WITH_NUMBER = new Set(['no', 'nomor', 'nmr', 'nom', 'rt', 'rw', 'km', 'blok', 'blk', 'kav', 'kavling', 'lt', 'lantai']);
/** Relation words, as typed (abbreviations, English). They end a phrase like STOP words, and widen the answer. */
const RELATIONS: Record<string, Relation> = {
  depan: 'depan', dpn: 'depan', front: 'depan',
  seberang: 'seberang', sebrang: 'seberang', sbrg: 'seberang', sberang: 'seberang', opposite: 'seberang', across: 'seberang',
  samping: 'samping', sampingnya: 'samping', sebelah: 'samping', sblh: 'samping', beside: 'samping', next: 'samping',
  belakang: 'belakang', blkg: 'belakang', blakang: 'belakang', behind: 'belakang',
  dekat: 'dekat', dkt: 'dekat', deket: 'dekat', dekatnya: 'dekat', near: 'dekat', nearby: 'dekat',
  sekitar: 'sekitar', sekitaran: 'sekitar', around: 'sekitar',
  // "ujung" only before a place ("ujung jl. X", "di ujung gang"): after a name it is part of it ("Jl. Diponegoro Ujung").
  ujung: 'ujung',
};
/** School kind words after which a lone "n"/"s" means negeri/swasta ("SMA N 2"). */
const SCHOOL_STATUS_AFTER = new Set(['sd', 'smp', 'sma', 'smk', 'slb']);

/** Relation words, non-place words and filler: phrase boundaries, never fuzzy-corrected into a place name. */
const STOP = new Set(
  (
    'depan dpn dekat dkt deket samping sampingnya seberang sebrang sbrg belakang blkg bawah sebelah sblh arah persis sekitar sekitaran ' +
    'kawasan area daerah lokasi tkp alamat di ke dari dan atau yg yang ada dengan dgn dekatnya tepat pinggir tepi arahnya menuju ' +
    'kecelakaan laka lantas tabrakan kebakaran terbakar api asap banjir genangan pohon tumbang longsor rumah warga igd korban pasien orang ' +
    'motor mobil truk bus angkot sepeda tolong mohon bantuan segera cepat ular sapi anjing hewan liar jatuh pingsan kdrt narkoba maling ' +
    'pencurian begal perkelahian tawuran pju padam lampu mati terjadi laporan lapor pelapor bpk bapak ibu pak bu sdr komp komplek kompleks ' +
    'perum perumahan pku pekanbaru riau kota prov provinsi indonesia wilayah rumahnya kantornya sebelum sesudah setelah lewat simpangnya ' +
    'ruas jalur lajur km0 ttk titik ' +
    // English relation and incident words.
    'near nearby in front of at the on behind beside next to opposite across from around between and area accident crash fire flood ' +
    'house home building car motorcycle victim help please fallen tree'
  ).split(' '),
);
// "kota" and "pekanbaru" are STOP only when they are not part of an area name (Pekanbaru Kota, Kota Baru, Kota Tinggi):
// the tokenizer keeps them as words when the next/previous word makes an area name; see KEEP_PAIRS.
const KEEP_PAIRS = new Set(['pekanbaru kota', 'kota baru', 'kota tinggi', 'rumah sakit']);
/** STOP words that also begin street names of the register ("Jl. Riau", "Jl. DI Panjaitan", "Jl. Pinggir …"): words
 *  right after a street marker. */
const STREET_NAME_STOPS = new Set(['riau', 'provinsi', 'pinggir', 'di']);

/** Whether the tokenizer drops this (canonical) word: a name word that can never be typed, so never required. */
export function isDroppedWord(word: string): boolean {
  return STOP.has(word) && !(word in RELATIONS);
}

/** Titles removed from street and person-based names: Jend. Sudirman = Sudirman, HR Soebrantas = Subrantas. */
export const TITLES = new Set(
  'jend jendral jenderal jen h hj haji dr drs ir prof tgk t tengku teuku tuanku sultan kh hr st sh let letjen mayjen brigjen kol kapt laks marsekal pangeran mr'.split(' '),
);

/** Split raw text into lower-case pieces: words, numbers and separators. "jl.sudirman" → jl, sudirman; "rt02" → rt, 02. */
function pieces(text: string): string[] {
  return (
    text
      .normalize('NFD')
      .replace(/[\u0300-\u036f]/g, '')
      .toLowerCase()
      .replace(/([a-z])(\d)/g, '$1 $2')
      .replace(/(\d)([a-z])/g, '$1 $2')
      // "Km 12,5" / "KM.10.5": keep the decimal with its kilometre post (one piece "12_5"), not a stray number.
      .replace(/\b(km|kilometer)\s*\.?\s*(\d+)[.,](\d+)/g, '$1 $2_$3')
      .replace(/\s+x\s+/g, ' / ')
      .replace(/[,;:()|\\/&+–—-]/g, ' , ')
      .match(/[a-z0-9'_]+|,/g) ?? []
  )
    .map((p) => p.replace(/'/g, ''))
    .map((p, i, all) => (ROMAN[p] && i > 0 && /^[a-z]{2,}$/.test(all[i - 1]) && !WITH_NUMBER.has(all[i - 1]) ? ROMAN[p] : p));
}

/** Roman numerals after a name word are numbers: "Gg. Mawar II" = "gg mawar 2" (the road file uses both). */
const ROMAN: Record<string, string> = { i: '1', ii: '2', iii: '3', iv: '4', v: '5', vi: '6', vii: '7', viii: '8', ix: '9', x: '10' };

const MAX_QUERY_CHARS = 300;

export function tokenize(query: string): Token[] {
  const raw = pieces(String(query ?? '').slice(0, MAX_QUERY_CHARS));
  const out: Token[] = [];
  for (let i = 0; i < raw.length; i++) {
    const p = raw[i];
    if (!p) continue;
    if (p === ',') {
      if (out.length && out[out.length - 1].t !== 'sep') out.push({ t: 'sep' });
      continue;
    }
    const glued = GLUED_MARKER.exec(p);
    if (glued && !MARKERS[p]) {
      // "jlsudirman" → [street] sudirman (no Indonesian word starts with jl/gg; "jalan" needs ≥ 4 more letters).
      raw.splice(i + 1, 0, glued[2]);
      out.push({ t: 'marker', v: 'street' });
      continue;
    }
    if (/^\d+$/.test(p)) {
      out.push({ t: 'num', v: String(Number(p)) });
      continue;
    }
    if (WITH_NUMBER.has(p)) {
      const next = raw[i + 1] ?? '';
      if (p === 'km' && /^\d+(_\d+)?$/.test(next)) out.push({ t: 'km', v: Number(next.replace('_', '.')) }), i++;
      else if (/^\d+$/.test(next)) i++;
      continue;
    }
    if (/_/.test(p)) continue; // a decimal kilometre left without its "km" (cannot happen; never a word)
    const pair = `${p} ${raw[i + 1] ?? ''}`;
    const prevPair = `${raw[i - 1] ?? ''} ${p}`;
    if (pair === 'rumah sakit') {
      out.push({ t: 'facility', v: 'rs', group: 'health' }), i++;
      continue;
    }
    if (pair === 'lampu merah' || pair === 'traffic light') {
      out.push({ t: 'marker', v: 'junction' }), i++;
      continue;
    }
    // "Kantor Lurah X" is an office, not a kelurahan marker.
    if (p === 'lurah' && out[out.length - 1]?.t === 'facility') continue;
    const marker = MARKERS[p] ?? MARKERS[canonWord(p)];
    // "simpang tiga/empat/baru" are kelurahan names, not junction markers.
    if (marker && !(marker === 'junction' && /^(tiga|empat|baru|3|4)$/.test(raw[i + 1] ?? ''))) {
      out.push({ t: 'marker', v: marker });
      continue;
    }
    const prev = out[out.length - 1];
    const facility = FACILITY[p];
    if (facility && !(prev?.t === 'marker' && prev.v === 'street')) {
      out.push({ t: 'facility', v: p, group: facility });
      continue;
    }
    const relation = RELATIONS[p];
    if (relation && !(relation === 'ujung' && prev && prev.t !== 'sep' && prev.t !== 'rel')) {
      out.push({ t: 'rel', v: relation });
      continue;
    }
    // "SMA N 2", "SMP S Al Azhar": the lone letter after a school kind is its status, not an initial.
    if ((p === 'n' || p === 's') && prev?.t === 'facility' && SCHOOL_STATUS_AFTER.has(prev.v)) {
      out.push({ t: 'word', v: p === 'n' ? 'negeri' : 'swasta', raw: p });
      continue;
    }
    if (STOP.has(p) && !KEEP_PAIRS.has(pair) && !KEEP_PAIRS.has(prevPair) && !(STREET_NAME_STOPS.has(p) && prev?.t === 'marker' && prev.v === 'street')) {
      if (prev && prev.t !== 'sep') out.push({ t: 'sep' });
      continue;
    }
    if (TITLES.has(p) || p.length === 1) continue; // "Jend.", "H.", "T.", initials: transparent
    if (COMPASS[p] && prev?.t === 'word') {
      out.push({ t: 'word', v: COMPASS[p], raw: p });
      continue;
    }
    out.push({ t: 'word', v: canonWord(p), raw: p });
  }
  while (out.length && out[out.length - 1].t === 'sep') out.pop();
  return out;
}

/** Canonical key of a name as used by the gazetteer: canonical words joined by one space. */
export function nameKey(name: string, opts: { dropTitles?: boolean } = {}): string {
  const words = pieces(name)
    .filter((p) => p !== ',')
    .filter((p) => !(opts.dropTitles && (TITLES.has(p) || (p.length === 1 && /[a-z]/.test(p)))))
    .map((p) => (/^\d+$/.test(p) ? String(Number(p)) : canonWord(p)));
  return words.join(' ');
}

export function compact(key: string): string {
  return key.replace(/ /g, '');
}

/** Human-readable normal form (for logs, tests and the `matched` field). Relation words read as the phrase
 *  boundaries they are; the relation itself is reported by relationOf(). */
export function normalizeQuery(query: string): string {
  const parts: string[] = [];
  for (const t of tokenize(query)) {
    if (t.t === 'sep' || t.t === 'rel') {
      if (parts.length && parts[parts.length - 1] !== ',') parts.push(',');
    } else parts.push(t.t === 'word' || t.t === 'num' ? t.v : t.t === 'marker' ? `[${t.v}]` : t.t === 'facility' ? `<${t.v}>` : `km${t.v}`);
  }
  while (parts[parts.length - 1] === ',') parts.pop();
  return parts.join(' ');
}

/** How wide a relation reaches around its place: the order in which the widest one wins. */
const RELATION_ORDER: Relation[] = ['depan', 'samping', 'seberang', 'belakang', 'ujung', 'dekat', 'sekitar'];

/** The widest relation in the tokens ("depan … dekat …" → dekat), or null. */
export function relationOf(tokens: Token[]): Relation | null {
  let best = -1;
  for (const t of tokens) if (t.t === 'rel') best = Math.max(best, RELATION_ORDER.indexOf(t.v));
  return best >= 0 ? RELATION_ORDER[best] : null;
}
