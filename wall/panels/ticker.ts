// Incident ticker: newest open incidents first, a fixed number of rows (bounded DOM).
import type { WallContext } from '../state/context.ts';
import { clear, h } from '../ui/dom.ts';
import { categoryColour } from '../ui/categories.ts';
import { areaName, isClosed, reportedMs } from '../state/model.ts';
import { fmtTime, onLangChange, t, term } from '../i18n/index.ts';

const ROWS = 14;

export function mountTicker(root: HTMLElement, ctx: WallContext): void {
  const list = h('ol.ticker-list');
  const heading = h('h2');
  root.append(h('section.ticker', null, heading, list));
  let pending = false;
  const paint = () => {
    pending = false;
    heading.textContent = t('incidents');
    clear(list);
    const rows = ctx.store.incidentList(ROWS * 3).filter((i) => !isClosed(i)).slice(0, ROWS);
    if (!rows.length) list.append(h('li.empty', null, t('noIncidents')));
    for (const i of rows) {
      const [r, g, b] = categoryColour(i.category);
      list.append(
        h(
          'li.incident-row',
          {
            dataset: { incidentId: i.id },
            class: `incident-row p${i.priority ?? 3}${i.id === ctx.store.selectedId ? ' selected' : ''}`,
            onclick: () => ctx.selectIncident(i.id),
          },
          h('span.swatch', { style: `background: rgb(${r},${g},${b})` }),
          h('span.time', null, fmtTime(reportedMs(i))),
          h('span.cat', null, term('category', i.category)),
          h('span.where.free-text', null, areaName(i.location.kelurahan) !== '—' ? areaName(i.location.kelurahan) : (i.location.text ?? '')),
          h('span.status', null, term('status', i.status)),
        ),
      );
    }
  };
  const schedule = () => {
    if (pending) return;
    pending = true;
    setTimeout(paint, 300);
  };
  ctx.store.on((what) => (what === 'incidents' || what === 'select') && schedule());
  onLangChange(paint);
  paint();
}
