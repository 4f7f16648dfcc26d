// Every code the server sends that a person reads on a wall has a label in both languages, so the Indonesian wall
// never falls back to a raw code ("unit moving", "no unit available") and the English one never to Indonesian.
import { describe, expect, it } from 'vitest';
import { CATEGORIES, HISTORY_EVENTS, SOURCES, STATUSES } from '../../domain/incident.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { en } from '../../wall/i18n/en.ts';
import { id } from '../../wall/i18n/id.ts';

const codes: Array<[kind: string, list: readonly string[]]> = [
  ['category', CATEGORIES],
  ['status', STATUSES],
  ['source', SOURCES],
  ['event', HISTORY_EVENTS],
  ['agency', Object.keys(loadSiteTables().routing.agencies)],
];

describe('labels', () => {
  for (const [lang, dict] of [['id', id], ['en', en]] as const) {
    it(`every category, status, source, history event and agency has a ${lang} label`, () => {
      const missing = codes.flatMap(([kind, list]) => list.map((c) => `${kind}.${c}`)).filter((k) => !(dict as Record<string, string>)[k]?.trim());
      expect(missing).toEqual([]);
    });
  }

  it('the two languages differ where they should (not an English copy under Indonesian keys)', () => {
    const same = HISTORY_EVENTS.filter((e) => (id as Record<string, string>)[`event.${e}`] === (en as Record<string, string>)[`event.${e}`]);
    expect(same.filter((e) => !e.startsWith('cap_'))).toEqual([]);
  });
});
