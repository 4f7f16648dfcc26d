// Repeat calls (issue #17): is a new report possibly another call about an open incident? Pure: the service reads the
// candidates (incidents-repo openOfCategory / openOfHandset) and stores the answer as Incident.possibleDuplicateOf.
// Nothing is merged here: the operator merges (POST /api/incidents/:id/merge) or leaves the flag.
//
// Two rules, the same for every source (JSON/form, CAP, AML):
// * the same event: same category, both placed (coordinates), at most radiusM + both location uncertainties apart, and
//   reported within windowMinutes of the open incident's calls (its own report to its latest merged call);
// * the same handset: an AML report whose handset (IMEI, IMSI or number: the incident's sourceRef) already has an open
//   AML incident whose calls are within windowMinutes — whatever its category now (an operator may have verified the
//   first call from "lainnya" to "kebakaran") and wherever the new fix is (a caller on the move, a better fix: GNSS
//   after cell). AML sends a message per call, and sometimes another in the same call; which one it is only the operator
//   can tell (a new emergency from the same phone must not disappear into the old one), so it is flagged like any other
//   repeat, not merged on arrival.
// Several candidates: a handset match before a category match, then an incident not itself flagged as a repeat (the
// original call of the event), then the nearest, then the oldest.
import { distanceM } from '../../geo/spatial.ts';
import type { RepeatCallsRule } from '../site/repeat-calls.ts';
import type { OpenIncidentBrief } from '../store/incidents-repo.ts';

export interface NewReport {
  source: string;
  sourceRef: string | null;
  reportedAt: string;
  lat: number | null;
  lon: number | null;
  uncertaintyM: number | null;
}

/** The handset reference of an AML report, if it has one (the only reports the handset rule applies to). */
export const handsetOf = (r: { source: string; sourceRef: string | null }): string | null => (r.source === 'aml' && r.sourceRef ? r.sourceRef : null);

/** Whether `t` (epoch ms) lies within the window of the incident's calls: from its report − window to its latest call + window. */
function inWindow(c: OpenIncidentBrief, t: number, windowMs: number): boolean {
  const first = Date.parse(c.reportedAt);
  const last = Math.max(first, ...c.callTimes.map(Date.parse).filter(Number.isFinite));
  return t >= first - windowMs && t <= last + windowMs;
}

/** Metres between the two points, or null when either is not placed. */
function gapM(r: NewReport, c: OpenIncidentBrief): number | null {
  if (r.lat === null || r.lon === null || c.lat === null || c.lon === null) return null;
  return distanceM(r.lon, r.lat, c.lon, c.lat);
}

/** The open incident the new report is possibly a repeat of, or null. */
export function findPossibleDuplicate(
  report: NewReport,
  candidates: { byHandset: OpenIncidentBrief[]; byCategory: OpenIncidentBrief[] },
  rule: RepeatCallsRule,
): string | null {
  const t = Date.parse(report.reportedAt);
  const windowMs = rule.windowMinutes * 60_000;
  type Match = { c: OpenIncidentBrief; handset: boolean; gap: number };
  const matches: Match[] = [];
  for (const c of candidates.byHandset) {
    if (inWindow(c, t, windowMs)) matches.push({ c, handset: true, gap: gapM(report, c) ?? Infinity });
  }
  for (const c of candidates.byCategory) {
    const gap = gapM(report, c);
    if (gap === null || !inWindow(c, t, windowMs)) continue;
    if (gap <= rule.radiusM + (report.uncertaintyM ?? 0) + (c.uncertaintyM ?? 0)) matches.push({ c, handset: false, gap });
  }
  matches.sort(
    (a, b) =>
      Number(b.handset) - Number(a.handset) ||
      Number(a.c.possibleDuplicateOf !== null) - Number(b.c.possibleDuplicateOf !== null) ||
      a.gap - b.gap ||
      (a.c.reportedAt < b.c.reportedAt ? -1 : a.c.reportedAt > b.c.reportedAt ? 1 : 0),
  );
  return matches[0]?.c.id ?? null;
}
