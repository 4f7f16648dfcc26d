// Top bar: title, clock (WIB), connection state, view links (the places screen for admins only), language toggle;
// plus the "server unreachable" banner shown while /ws is down or /api fails at the network level.
import { reachability } from '../state/api.ts';
import type { WallContext } from '../state/context.ts';
import { h } from '../ui/dom.ts';
import { currentLang, fmtTime, onLangChange, setLang, t } from '../i18n/index.ts';

export function mountStatusBar(root: HTMLElement, ctx: WallContext): void {
  const title = h('span.title');
  const clock = h('span.clock');
  const conn = h('span.conn');
  const langBtn = h('button.lang', { onclick: () => setLang(currentLang() === 'id' ? 'en' : 'id') });
  const views = h('nav.views');
  // the common-place screen is for admins (the server refuses the others)
  const names = ctx.role === 'admin' ? (['wall', 'grid', 'console', 'briefing', 'places'] as const) : (['wall', 'grid', 'console', 'briefing'] as const);
  const viewLinks = names.map((v) => {
    const q = new URLSearchParams(location.search);
    q.set('view', v);
    const a = h('a', { href: `?${q}`, class: v === ctx.view ? 'active' : '', dataset: { view: v } });
    views.append(a);
    return a;
  });
  const banner = h('div.banner', { role: 'alert', hidden: true });
  root.append(h('header.statusbar', null, title, views, conn, clock, langBtn), banner);

  const paint = () => {
    title.textContent = t('appTitle') + (ctx.follow ? ` · ${t('follow')}` : '');
    langBtn.textContent = t('language');
    for (const a of viewLinks) a.textContent = t(`view.${a.dataset.view as 'wall'}`);
    const s = ctx.realtime.state;
    conn.textContent = s === 'open' ? `● ${t('connected')}` : `○ ${t(s === 'restarting' ? 'restarting' : 'connecting')}`;
    conn.className = `conn ${s}`;
    const away = s === 'down' || s === 'restarting' || !reachability.ok;
    banner.hidden = !away;
    banner.textContent = t(s === 'restarting' ? 'restarting' : 'unreachable');
    document.body.classList.toggle('server-away', away);
  };
  const tick = () => (clock.textContent = `${fmtTime(Date.now())} WIB`);
  ctx.realtime.onState(paint);
  reachability.listeners.add(paint);
  onLangChange(paint);
  paint();
  tick();
  setInterval(tick, 1000);
}
