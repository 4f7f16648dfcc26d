// What every view and panel gets: the store, the realtime link, the role and URL options, selection helpers.
import type { Realtime } from './realtime.ts';
import type { Store } from './store.ts';
import type { Role } from '../app/session.ts';

export type ViewName = 'wall' | 'grid' | 'console' | 'briefing' | 'places';

export interface WallContext {
  store: Store;
  realtime: Realtime;
  role: Role;
  view: ViewName;
  follow: boolean;
  /** User picked an incident on this screen: select it here and tell screens in follow mode. */
  selectIncident(id: string | null): void;
}
