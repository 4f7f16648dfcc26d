// "Informasi": the intake log (GET /api/intake/log, newest first), valid messages the server kept out of the live
// queue (an expired CAP alert, one for somewhere else, a test). Under the console's form and actions, collapsed by
// default and bounded when open, with the count in its heading. Polled every 30 s while the page is visible, and at
// once when opened or when the console regains focus. A 403 (not an operator) hides it. Everything from the feed
// goes in as text (dom.ts), never as HTML.
import type { IntakeLogEntry } from '../../domain/intake-log.ts';
import type { ListOf } from '../../domain/messages.ts';
import { api, ApiError } from '../state/api.ts';
import { clear, h } from '../ui/dom.ts';
import { fmtTime, onLangChange, t, term } from '../i18n/index.ts';

const POLL_MS = 30_000;
/** Focus and visibility can fire in bursts: at most one refresh per this gap, unless the operator opens the panel. */
const MIN_GAP_MS = 3_000;
const LIMIT = 100;

export function mountIntakeLog(): HTMLElement {
  const toggle = h('button.il-toggle', { type: 'button', 'aria-expanded': 'false', title: t('intakeLogHint') });
  const list = h('ol.il-list');
  const el = h('section.intake-log.collapsed', null, toggle, list);
  let items: IntakeLogEntry[] | null = null; // null until the first answer
  let busy = false;
  let lastAt = 0;
  let timer: ReturnType<typeof setInterval> | undefined;

  const paint = () => {
    const open = !el.classList.contains('collapsed');
    const count = items === null ? '…' : `${items.length}${items.length >= LIMIT ? '+' : ''}`;
    toggle.textContent = `${t('intakeLog')} (${count}) ${open ? '▾' : '▸'}`;
    toggle.title = t('intakeLogHint');
    toggle.setAttribute('aria-expanded', String(open));
    clear(list);
    if (!open || items === null) return;
    if (!items.length) return void list.append(h('li.empty', null, t('intakeLogEmpty')));
    for (const e of items) {
      list.append(
        h(
          'li.il-row',
          { dataset: { action: e.action, source: e.source } },
          h('span.time', null, `${fmtTime(e.at, true)} WIB`),
          h('span.il-source', null, term('source', e.source)),
          h('span.il-action', null, term('intake', e.action)),
          h('span.il-summary.free-text', { title: e.ref ?? undefined }, e.summary),
        ),
      );
    }
  };

  const refresh = async (force = false) => {
    if (el.hidden || busy || (!force && Date.now() - lastAt < MIN_GAP_MS)) return;
    busy = true;
    lastAt = Date.now();
    try {
      items = (await api<ListOf<IntakeLogEntry>>(`/api/intake/log?limit=${LIMIT}`)).items;
    } catch (err) {
      if (err instanceof ApiError && err.status === 403) {
        el.hidden = true; // not an operator: no log to show, and no asking again
        clearInterval(timer);
        return;
      }
      // anything else (server away, signed out): keep what is shown, the next poll tries again
    } finally {
      busy = false;
    }
    paint();
  };

  toggle.addEventListener('click', () => {
    el.classList.toggle('collapsed');
    paint();
    if (!el.classList.contains('collapsed')) void refresh(true);
  });
  timer = setInterval(() => document.visibilityState === 'visible' && void refresh(), POLL_MS);
  window.addEventListener('focus', () => void refresh());
  document.addEventListener('visibilitychange', () => document.visibilityState === 'visible' && void refresh());
  onLangChange(paint);
  paint();
  void refresh(true);
  return el;
}
