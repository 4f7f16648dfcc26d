import { describe, expect, it } from 'vitest';
import { maskName, maskPhone } from '../../domain/caller.ts';
import { CLOSED_STATUSES, CLOSED_STATUSES_SQL, isClosedStatus, OPEN_STATUSES, STATUSES } from '../../domain/incident.ts';
import { publicIncident, TRANSITIONS, type Incident } from '../../server/incidents/model.ts';
import { maskCaller } from '../../wall/state/model.ts';

describe('caller masking (domain/caller.ts)', () => {
  it('masks names and numbers, and masking twice changes nothing (a wall may re-mask what the server masked)', () => {
    expect(maskName('Budi Santoso')).toBe('Bu** Sa*****');
    expect(maskPhone('081234565678')).toBe('0812****5678');
    expect(maskPhone('112')).toBe('*12');
    for (const name of ['Budi Santoso', 'Al', 'I Made Wirawan']) expect(maskName(maskName(name))).toBe(maskName(name));
    for (const phone of ['081234565678', '+6281234565678', '0761123', '5']) expect(maskPhone(maskPhone(phone))).toBe(maskPhone(phone));
  });

  it('the wall shows the same masked caller whether it got the full caller (operator) or the server-masked one (viewer)', () => {
    const caller = { name: 'Budi Santoso', phone: '081234565678' };
    const masked = publicIncident({ caller, callers: [], source: 'form', sourceRef: null, history: [] } as unknown as Incident).caller;
    expect(maskCaller(caller)).toBe('Bu** Sa***** (0812****5678)');
    expect(maskCaller(masked)).toBe(maskCaller(caller));
    expect(maskCaller(null)).toBe('—');
  });
});

describe('incident statuses (domain/incident.ts)', () => {
  it('closed statuses are exactly those with no way out, and their SQL list is the text the newest KPI triggers were made with', () => {
    expect([...CLOSED_STATUSES].sort()).toEqual(STATUSES.filter((s) => TRANSITIONS[s].length === 0).sort());
    expect(STATUSES.filter((s) => !isClosedStatus(s))).toEqual([...OPEN_STATUSES]);
    // 302–307 keep their frozen ('selesai', 'iseng', 'batal'); 308 re-made the triggers with digabung (server/store/schema/kpis.ts)
    expect(CLOSED_STATUSES_SQL).toBe("('selesai', 'iseng', 'batal', 'digabung')");
    expect(isClosedStatus('resolved')).toBe(false); // the server never sends it; the wall no longer guesses
  });
});

describe('identifiers and actors for viewers (domain/caller.ts)', () => {
  it('keeps the last four digits of a handset id, and hides who a token or user is', async () => {
    const { maskActor, maskDeviceId } = await import('../../domain/caller.ts');
    expect(maskDeviceId('358239059042542')).toBe('***********2542');
    expect(maskDeviceId('12')).toBe('12');
    expect(maskActor('token:7:Budi laptop')).toBe('token');
    expect(maskActor('user:budi')).toBe('user:bu**');
    expect(maskActor('avl')).toBe('avl');
  });
});

describe('publicIncident by role (domain/roles.ts)', () => {
  const incident = {
    id: 'INC-1', source: 'aml', sourceRef: '358239059042542', caller: { name: 'Budi Santoso', phone: '081234565678' },
    // a repeat call merged into it: its caller is read by the same rule
    callers: [{ incidentId: 'INC-2', source: 'form', reportedAt: '2026-12-01T00:01:00Z', caller: { name: 'Budi Santoso', phone: '081234565678' } }],
    history: [{ at: '2026-12-01T00:00:00Z', status: 'baru', event: 'created', by: 'user:siti', note: 'source aml' }],
  } as unknown as Incident;

  it('operators and admins read the caller in full; walls, feeds, crews and the hub (no role) do not', () => {
    for (const role of ['operator', 'admin']) expect(publicIncident(incident, role)).toBe(incident);
    for (const role of ['viewer', 'integration', 'unit', undefined, null]) {
      const seen = publicIncident(incident, role);
      expect(seen.caller).toEqual({ name: 'Bu** Sa*****', phone: '0812****5678' });
      expect(seen.sourceRef).not.toContain('35823905904');
      expect(JSON.stringify(seen)).not.toContain('Budi');
    }
  });
});
