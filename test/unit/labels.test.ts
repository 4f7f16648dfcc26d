// Every code the server sends that a person reads on a wall has a label in both languages, so the Indonesian wall
// never falls back to a raw code ("unit moving", "no unit available") and the English one never to Indonesian.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CATEGORIES, HISTORY_EVENTS, SOURCES, STATUSES } from '../../domain/incident.ts';
import { INTAKE_LOG_ACTIONS } from '../../domain/intake-log.ts';
import { PLACE_AUDIT_ACTIONS } from '../../domain/places.ts';
import { CAP_AREA_MARGIN_M, decodeCap } from '../../server/incidents/intake-cap.ts';
import { loadSiteTables } from '../../server/site/tables.ts';
import { en } from '../../wall/i18n/en.ts';
import { id } from '../../wall/i18n/id.ts';

const codes: Array<[kind: string, list: readonly string[]]> = [
  ['category', CATEGORIES],
  ['status', STATUSES],
  ['source', SOURCES],
  ['event', HISTORY_EVENTS],
  ['intake', INTAKE_LOG_ACTIONS],
  ['placeAudit', PLACE_AUDIT_ACTIONS],
  ['agency', Object.keys(loadSiteTables().routing.agencies)],
];

describe('labels', () => {
  for (const [lang, dict] of [['id', id], ['en', en]] as const) {
    it(`every category, status, source, history event, agency, intake-log and place-audit action has a ${lang} label`, () => {
      const missing = codes.flatMap(([kind, list]) => list.map((c) => `${kind}.${c}`)).filter((k) => !(dict as Record<string, string>)[k]?.trim());
      expect(missing).toEqual([]);
    });
  }

  it('the two languages differ where they should (not an English copy under Indonesian keys)', () => {
    const same = HISTORY_EVENTS.filter((e) => (id as Record<string, string>)[`event.${e}`] === (en as Record<string, string>)[`event.${e}`]);
    expect(same.filter((e) => !e.startsWith('cap_'))).toEqual([]);
  });

  it('the intake-log actions are exactly those the CAP decoder writes (AML ignores nothing), and read differently in each language', () => {
    const xml = readFileSync(path.resolve(import.meta.dirname, '../fixtures/incidents/cap/oasis-example2.xml'), 'utf8'); // California, expired
    const pekanbaru = { box: [101.35, 0.4, 101.55, 0.65] as [number, number, number, number], marginM: CAP_AREA_MARGIN_M };
    const beforeExpiry = Date.parse('2003-06-17T15:00:00-07:00');
    const logged = new Set<string>();
    for (const status of ['Actual', 'Exercise', 'System', 'Test', 'Draft']) {
      for (const msgType of ['Alert', 'Ack', 'Error']) {
        const alert = xml.replace('<status>Actual</status>', `<status>${status}</status>`).replace('<msgType>Alert</msgType>', `<msgType>${msgType}</msgType>`);
        for (const now of [Date.now(), beforeExpiry]) {
          const m = decodeCap(alert, now, pekanbaru);
          if (m.kind === 'ignore') logged.add(m.action);
        }
      }
    }
    expect([...logged].sort()).toEqual([...INTAKE_LOG_ACTIONS].sort());
    expect(INTAKE_LOG_ACTIONS.filter((a) => (id as Record<string, string>)[`intake.${a}`] === (en as Record<string, string>)[`intake.${a}`])).toEqual([]);
  });
});
