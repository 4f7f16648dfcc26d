// An incident's categories and statuses, and which statuses are closed: one list for the server, its SQL and the wall.

export const CATEGORIES = [
  'kebakaran', 'pohon_tumbang', 'hewan_liar', 'banjir', 'pju_padam', 'bencana_alam', 'longsor', 'gempa',
  'kecelakaan', 'narkoba', 'kesehatan', 'kdrt', 'kekerasan_anak', 'kriminalitas', 'lainnya',
] as const;
export type Category = (typeof CATEGORIES)[number];

export const STATUSES = ['baru', 'diverifikasi', 'didisposisikan', 'dalam_penanganan', 'selesai', 'iseng', 'batal'] as const;
export type Status = (typeof STATUSES)[number];

export const OPEN_STATUSES: readonly Status[] = ['baru', 'diverifikasi', 'didisposisikan', 'dalam_penanganan'];
/** The forward path of a handled incident: a unit's progress only ever moves an incident along it. */
export const STATUS_FLOW: readonly Status[] = [...OPEN_STATUSES, 'selesai'];
/** Final: handled (selesai), a prank call (iseng) or cancelled (batal). */
export const CLOSED_STATUSES = STATUSES.filter((s) => !OPEN_STATUSES.includes(s));

export function isClosedStatus(status: string): boolean {
  return (CLOSED_STATUSES as readonly string[]).includes(status);
}

/** The closed statuses as an SQL list, `('selesai','iseng','batal')`, for queries and triggers. */
export const CLOSED_STATUSES_SQL = `(${CLOSED_STATUSES.map((s) => `'${s}'`).join(', ')})`;
