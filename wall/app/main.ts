// Entry: who am I (role) → login or the chosen view; one Store fed by /ws; follow mode via 'select' messages.
import { mountLogin } from '../panels/login.ts';
import { mountStatusBar } from '../panels/statusbar.ts';
import { api } from '../state/api.ts';
import type { ViewName, WallContext } from '../state/context.ts';
import { debugState, exposeDebug } from './debug.ts';
import { Realtime } from '../state/realtime.ts';
import { currentRole } from './session.ts';
import { LIMITS, Store } from '../state/store.ts';
import type { Incident } from '../../domain/incident.ts';
import { mountView } from './views.ts';
import type { ListOf } from '../../domain/messages.ts';

const VIEWS: ViewName[] = ['wall', 'grid', 'console', 'briefing', 'places'];

async function boot(): Promise<void> {
  exposeDebug();
  const root = document.getElementById('app')!;
  const params = new URLSearchParams(location.search);
  // ?view=… (or #console etc., as in the demo's printed URLs)
  const asked = params.get('view') ?? location.hash.slice(1);
  const view = (VIEWS.includes(asked as ViewName) ? asked : 'wall') as ViewName;
  const follow = params.get('follow') === '1';
  // the crew page is a phone page of its own: no wall session, no /ws (server/units/crew-routes.ts)
  if (asked === 'crew') return (await import('../panels/crew.ts')).mountCrew(root);

  let role;
  try {
    role = await currentRole();
  } catch {
    role = 'viewer' as const; // server away: start anyway, the banner and ws backoff take over
  }
  if (!role) return mountLogin(root);

  const store = new Store();
  const realtime = new Realtime(store);
  debugState.store = store;
  debugState.realtime = realtime;
  const ctx: WallContext = {
    store,
    realtime,
    role,
    view,
    follow,
    selectIncident(id) {
      store.select(id);
      realtime.send({ type: 'select', data: { incidentId: id } });
    },
  };
  realtime.onRemoteSelect((id) => {
    if (follow) store.select(id);
  });
  document.body.dataset.view = view;
  mountStatusBar(root, ctx);
  await mountView(root, ctx);
  realtime.connect();
  // The heatmap's windows and its colour domain need more history than the live snapshot carries.
  const since = new Date(Date.now() - LIMITS.heatHistoryDays * 86_400_000).toISOString();
  api<ListOf<Incident>>(`/api/incidents?since=${encodeURIComponent(since)}&limit=5000`)
    .then(({ items }) => {
      for (const i of items) store.addHeat(i);
      store.heatHistoryLoaded = true;
      store.emit('incidents');
    })
    .catch(() => undefined);
}

void boot();
