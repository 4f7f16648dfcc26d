// Crew page (?view=crew): a phone in the unit's cab. Three big buttons (Bahasa Indonesia, ?lang=en) and the browser's own
// position. Signs in with the unit's crew credential (the admin's link `/?view=crew&token=…` becomes an http-only
// cookie, server/http/auth.ts). Made for weak connections: every tap and fix is queued in localStorage with its own
// time and sent when the network allows; the server bounds those times (server/units/crew-routes.ts).
import { h } from '../ui/dom.ts';
import { currentLang, t, term } from '../i18n/index.ts';

type TapKind = 'berangkat' | 'tiba' | 'selesai';
interface Tap { kind: TapKind; incidentId: string; at: string }
interface Fix { lat: number; lon: number; accuracyM: number | null; speedMps: number | null; headingDeg: number | null; at: string }
interface Me {
  unit: { id: string; callsign: string; agency: string };
  job: { incidentId: string; category: string | null; place: string | null } | null;
}

/** The server takes at most 50 per request and refuses taps older than 12 h: keep the newest 50 of each. */
const QUEUE_MAX = 50;
const TAPS_KEY = 'siaga.crew.taps';
const FIXES_KEY = 'siaga.crew.fixes';
const JOB_KEY = 'siaga.crew.job';
const TAPS: readonly TapKind[] = ['berangkat', 'tiba', 'selesai'];

function queue<T>(key: string) {
  const read = (): T[] => {
    try {
      const v = JSON.parse(localStorage.getItem(key) ?? '[]');
      return Array.isArray(v) ? v : [];
    } catch {
      return [];
    }
  };
  const write = (xs: T[]) => localStorage.setItem(key, JSON.stringify(xs.slice(-QUEUE_MAX)));
  return { read, push: (x: T) => write([...read(), x]), drop: (n: number) => write(read().slice(n)) };
}

async function post(url: string, body: unknown): Promise<number> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), credentials: 'same-origin' });
  await res.arrayBuffer();
  return res.status;
}

export function mountCrew(root: HTMLElement): void {
  document.documentElement.lang = currentLang();
  const taps = queue<Tap>(TAPS_KEY);
  const fixes = queue<Fix>(FIXES_KEY);
  const title = h('h1.crew-title', null, t('crew.loading'));
  const job = h('p.crew-job');
  const status = h('p.crew-status', { role: 'status' });
  const buttons = TAPS.map((kind) =>
    h('button.crew-btn', { type: 'button', 'data-kind': kind, onclick: () => tap(kind) }, t(`crew.tap.${kind}`)),
  );
  root.replaceChildren(h('main.crew', null, title, job, ...buttons, status));
  const style = document.createElement('style');
  style.textContent = `
    .crew { font: 20px system-ui, sans-serif; max-width: 30rem; margin: 0 auto; padding: 1rem; color: #eee; }
    .crew-title { font-size: 1.4rem; margin: 0 0 .25rem; } .crew-job { min-height: 3em; color: #ccc; }
    .crew-btn { display: block; width: 100%; min-height: 5rem; margin: 0 0 1rem; font-size: 1.6rem; font-weight: 700;
      border: 0; border-radius: 1rem; color: #fff; background: #1f6feb; }
    .crew-btn[data-kind=tiba] { background: #2da44e; } .crew-btn[data-kind=selesai] { background: #6e7781; }
    .crew-btn:disabled { opacity: .4; } .crew-status { font-size: 1rem; color: #bbb; }`;
  document.head.append(style);

  let current: Me['job'] = JSON.parse(localStorage.getItem(JOB_KEY) ?? 'null');
  const render = (me?: Me) => {
    if (me) title.textContent = me.unit.callsign;
    job.textContent = current ? `${t('crew.job')}: ${term('category', current.category)} — ${current.place ?? ''}` : t('crew.noJob');
    for (const b of buttons) b.disabled = !current;
    const waiting = taps.read().length;
    status.textContent = `${t(navigator.onLine ? 'crew.online' : 'crew.offline')}${waiting ? ` · ${waiting} ${t('crew.waiting')}` : ''}`;
  };

  function tap(kind: TapKind): void {
    if (!current) return;
    taps.push({ kind, incidentId: current.incidentId, at: new Date().toISOString() });
    if (kind === 'selesai') {
      current = null;
      localStorage.setItem(JOB_KEY, 'null');
    }
    render();
    void flush();
  }

  let flushing = false;
  async function flush(): Promise<void> {
    if (flushing || !navigator.onLine) return;
    flushing = true;
    try {
      const queued = taps.read();
      // refused taps (4xx: stale, not this unit's job) are dropped too: resending them can never succeed
      if (queued.length) {
        const s = await post('/api/crew/taps', { taps: queued });
        if (s < 500) taps.drop(queued.length);
        if (s === 401) status.textContent = t('crew.badCredential');
      }
      const f = fixes.read();
      if (f.length) {
        const s = await post('/api/crew/positions', { positions: f });
        if (s < 500) fixes.drop(f.length);
      }
    } catch {
      // offline or the server is away: everything stays queued
    } finally {
      flushing = false;
      render();
    }
  }

  async function refresh(): Promise<void> {
    try {
      const res = await fetch('/api/crew/me', { credentials: 'same-origin' });
      if (res.status === 401 || res.status === 403) {
        title.textContent = t('crew.signedOut');
        job.textContent = t('crew.openLink');
        return;
      }
      const me = (await res.json()) as Me;
      current = me.job;
      localStorage.setItem(JOB_KEY, JSON.stringify(current));
      render(me);
    } catch {
      render(); // offline: the last known job stays
    }
  }

  navigator.geolocation?.watchPosition(
    (p) => {
      fixes.push({
        lat: p.coords.latitude, lon: p.coords.longitude, accuracyM: p.coords.accuracy ?? null,
        speedMps: p.coords.speed ?? null, headingDeg: p.coords.heading ?? null, at: new Date(p.timestamp).toISOString(),
      });
    },
    () => undefined,
    { enableHighAccuracy: true, maximumAge: 10_000 },
  );
  window.addEventListener('online', () => void flush().then(refresh));
  setInterval(() => void flush(), 15_000);
  setInterval(() => void refresh(), 30_000);
  render();
  void refresh().then(flush);
}
