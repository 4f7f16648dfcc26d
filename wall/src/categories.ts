// Display colours per category (seeded categories, see DESIGN.md) and per agency. Keys are matched loosely
// (lowercase, any of "_ -/" as separator) so "pohon_tumbang" and "pohon tumbang" are the same category.
type RGB = [number, number, number];

const CATEGORY_COLOURS: Array<[RegExp, RGB]> = [
  [/kebakaran|fire/, [255, 82, 40]],
  [/pohon/, [120, 200, 80]],
  [/hewan|animal/, [190, 150, 90]],
  [/banjir|flood/, [60, 150, 255]],
  [/pju|lampu|light/, [250, 230, 90]],
  [/bencana|longsor|gempa|disaster/, [200, 120, 255]],
  [/kecelakaan|lalu.?lintas|accident|traffic/, [255, 160, 30]],
  [/narkoba|drug/, [230, 90, 200]],
  [/kesehatan|ambulans|medical|health/, [255, 70, 110]],
  [/kdrt|domestic/, [255, 120, 160]],
  [/anak|child/, [255, 150, 200]],
  [/kriminal|crime/, [240, 60, 60]],
  [/iseng|prank/, [140, 140, 150]],
];

/** Category ids accepted by POST /api/incidents (server/incidents/model.ts CATEGORIES). */
export const CATEGORIES = [
  'kebakaran', 'pohon_tumbang', 'hewan_liar', 'banjir', 'pju_padam', 'bencana_alam', 'longsor', 'gempa',
  'kecelakaan', 'narkoba', 'kesehatan', 'kdrt', 'kekerasan_anak', 'kriminalitas', 'lainnya',
];
export const STATUSES = ['baru', 'diverifikasi', 'didisposisikan', 'dalam_penanganan', 'selesai', 'iseng', 'batal'];
/** "pohon_tumbang" → "pohon tumbang" for display. */
export function label(id: string): string {
  return id.replace(/_/g, ' ');
}

export function categoryColour(category: string): RGB {
  const c = category.toLowerCase();
  for (const [re, rgb] of CATEGORY_COLOURS) if (re.test(c)) return rgb;
  return [230, 230, 240];
}

const AGENCY_COLOURS: Array<[RegExp, RGB]> = [
  [/damkar|fire|pemadam/, [255, 90, 50]],
  [/polisi|polri|police|polresta/, [70, 130, 255]],
  [/ambulans|dinkes|kesehatan|psc|medical/, [255, 255, 255]],
  [/bpbd|basarnas|disaster/, [255, 170, 0]],
  [/pln|pu\b|dinas/, [255, 230, 80]],
  [/dishub|transport/, [0, 200, 170]],
  [/satpol/, [170, 120, 255]],
];

export function agencyColour(agency: string | undefined): RGB {
  const a = (agency ?? '').toLowerCase();
  for (const [re, rgb] of AGENCY_COLOURS) if (re.test(a)) return rgb;
  return [200, 220, 255];
}

export function healthColour(state: string | undefined): RGB {
  switch (state) {
    case 'online':
      return [0, 230, 255];
    case 'starting':
      return [255, 210, 60];
    case 'stalled':
      return [255, 130, 0];
    default:
      return [255, 50, 70];
  }
}
