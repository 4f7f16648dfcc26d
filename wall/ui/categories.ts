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

export { CATEGORIES, STATUSES } from '../../domain/incident.ts';

export function categoryColour(category: string): RGB {
  const c = category.toLowerCase();
  for (const [re, rgb] of CATEGORY_COLOURS) if (re.test(c)) return rgb;
  return [230, 230, 240];
}

/** Unit colours by agency id (server/site/routing.json); the legend lists the agencies on the map from here. */
export const AGENCY_COLOURS: Record<string, RGB> = {
  damkar: [255, 90, 50],
  polisi: [70, 130, 255],
  psc: [255, 255, 255],
  bpbd: [255, 170, 0],
  basarnas: [255, 140, 0],
  pln: [255, 230, 80],
  dinas_pu: [255, 230, 80],
  dishub: [0, 200, 170],
  satpol_pp: [170, 120, 255],
};
const OTHER_AGENCY: RGB = [200, 220, 255];
/** Stale units (no fix for 2 min, or flagged by the server) are grey whatever their agency. */
export const STALE_UNIT: [number, number, number, number] = [110, 110, 120, 200];

export function agencyColour(agency: string | undefined): RGB {
  return AGENCY_COLOURS[(agency ?? '').toLowerCase()] ?? OTHER_AGENCY;
}

export const HEALTH_STATES = ['online', 'starting', 'stalled', 'offline'] as const;

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
