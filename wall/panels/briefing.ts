// ?view=briefing — ten minutes in front of the wall: pick a period, replay it with one time cursor (heatmap,
// incidents, unit trails move together), see who responded how fast (charts + table), export a PNG / PDF.
// Figures come from GET /api/kpis, the replay from GET /api/kpis/replay; nothing is computed from typed-in numbers.
import { NOT_MEASURED_REASONS, type AgencyKpis } from '../../domain/kpis.ts';
import type { StageSource } from '../../domain/dispatch.ts';
import type { KpiResult } from '../../domain/kpis.ts';
import { presetPeriod, type Period, type PresetPeriod } from '../../domain/period.ts';
import { currentLang, fmtTime, onLangChange, term } from '../i18n/index.ts';
import { api } from '../state/api.ts';
import type { WallContext } from '../state/context.ts';
import { h } from '../ui/dom.ts';
import { BriefingCharts } from './briefing-charts.ts';
import { composeBriefing, downloadPng, printImage } from './briefing-export.ts';
import { frameAt, prepareReplay, topHotspots, type Frame, type Prepared, type ReplayData } from './briefing-frame.ts';

/** A target's label in the briefing's language (the source citation stays as written: it is a document). */
const ruleLabel = (r: { label: string; labelEn?: string }) => (currentLang() === 'en' && r.labelEn ? r.labelEn : r.label);
import { bt } from './briefing-i18n.ts';
import { BriefingMap } from './briefing-map.ts';
import { BriefingCamera } from './briefing-camera.ts';
import './briefing.css';

const SPEEDS = [1, 10, 60, 300, 900, 3600];
/** The heatmap shows the incidents of this window before the cursor (shorter for short periods). */
const heatWindow = (p: Period) => Math.min(24 * 3_600_000, Math.max(3_600_000, (p.to - p.from) / 6));
/** Redraw the map at most this often while playing (software GL on walls without a GPU). */
const FRAME_MS = 100;

interface BriefingDebug {
  ready: boolean;
  period: Period | null;
  cursor: number;
  frame: Frame | null;
  kpis: KpiResult | null;
  setCursor(t: number): void;
  mapUpdateMs(): number;
}
declare global {
  interface Window {
    __briefing?: BriefingDebug;
  }
}

const fmtNum = (n: number) => n.toLocaleString(currentLang() === 'id' ? 'id-ID' : 'en-GB');
const fmtPct = (x: number | null) => (x === null ? '—' : `${(x * 100).toFixed(0)}%`);
function fmtDur(s: number | null, missed: number): string {
  if (s === null) return missed > 0 ? `> (${bt('notReached')})` : '—';
  return s < 90 ? `${Math.round(s)} s` : `${(s / 60).toFixed(1)} min`;
}
/** datetime-local value ↔ epoch ms, the value read as WIB wall-clock. */
const toLocalInput = (t: number) => new Date(t + 7 * 3_600_000).toISOString().slice(0, 16);

/**
 * A datetime-local picker whose text is ours: the browser writes its value in the OS locale (11/30/2026, 12:00 AM on
 * an English-US machine), so the picker lies transparent over a label in the wall's language and WIB. Clicking or
 * typing still goes to the native input.
 */
function wibField(input: HTMLInputElement): HTMLElement {
  const text = h('span.b-when-text');
  const paint = () => {
    const t = Date.parse(`${input.value}:00Z`) - 7 * 3_600_000;
    text.textContent = Number.isFinite(t) ? fmtTime(t, true) : '—';
  };
  input.addEventListener('input', paint);
  onLangChange(paint);
  return h('label.b-when', null, text, input);
}

export async function mountBriefing(root: HTMLElement, ctx: WallContext): Promise<void> {
  const el = {
    presets: h('div.b-presets'),
    from: h('input', { type: 'datetime-local' }) as HTMLInputElement,
    to: h('input', { type: 'datetime-local' }) as HTMLInputElement,
    apply: h('button.b-apply') as HTMLButtonElement,
    png: h('button.b-png') as HTMLButtonElement,
    pdf: h('button.b-pdf') as HTMLButtonElement,
    title: h('h1.b-title'),
    periodLabel: h('div.b-period'),
    map: h('div.b-map'),
    figures: h('div.b-figures'),
    volumeTitle: h('h2'),
    volume: h('div.b-chart.b-volume'),
    slaTitle: h('h2'),
    sla: h('div.b-chart.b-sla'),
    table: h('table.b-table'),
    hotTitle: h('h2'),
    hot: h('ol.b-hot'),
    play: h('button.b-play') as HTMLButtonElement,
    speed: h('select.b-speed') as HTMLSelectElement,
    slider: h('input.b-slider', { type: 'range', min: '0', max: '1000', value: '1000' }) as HTMLInputElement,
    cursor: h('div.b-cursor'),
    status: h('div.b-status'),
  };
  for (const s of SPEEDS) el.speed.append(h('option', { value: String(s) }, `${s}×`));
  el.speed.value = '3600';
  const screen = h(
    'div.briefing',
    null,
    h('header.b-head', null, el.title, el.periodLabel, el.presets, h('div.b-custom', null, wibField(el.from), wibField(el.to), el.apply), el.png, el.pdf),
    h('main.b-body', null, el.map, h('aside.b-side', null, el.figures, el.volumeTitle, el.volume, el.slaTitle, el.sla, el.table, el.hotTitle, el.hot)),
    h('footer.b-foot', null, el.play, el.speed, el.slider, el.cursor, el.status),
  );
  root.append(screen);

  const map = new BriefingMap(el.map);
  // a camera's recording at the cursor's time (operator and above, while that time is still kept)
  const camera = new BriefingCamera(el.map, ctx, () => ({ ms: cursor, frame }));
  el.cursor.after(camera.button);
  const charts = new BriefingCharts(el.volume, el.sla);
  let period: Period = presetPeriod('today', Date.now());
  let preset: PresetPeriod | 'custom' = 'today';
  let kpis: KpiResult | null = null;
  let prepared: Prepared | null = null;
  let cursor = period.to;
  let frame: Frame | null = null;
  let playing = false;
  let lastTick = 0;
  let lastDraw = 0;
  let loadSeq = 0;

  const debug: BriefingDebug = {
    ready: false,
    period: null,
    cursor,
    frame: null,
    kpis: null,
    setCursor: (t) => setCursor(t, true),
    mapUpdateMs: () => map.lastUpdateMs,
  };
  window.__briefing = debug;

  function setCursor(t: number, draw: boolean): void {
    cursor = Math.max(period.from, Math.min(period.to, t));
    debug.cursor = cursor;
    el.slider.value = String(Math.round(((cursor - period.from) / (period.to - period.from)) * 1000));
    el.cursor.textContent = `${bt('cursor')}: ${fmtTime(cursor, true)} WIB`;
    if (!prepared || !draw) return;
    frame = frameAt(prepared, cursor, heatWindow(period));
    debug.frame = frame;
    map.setFrame(frame);
  }

  function renderTexts(): void {
    el.title.textContent = bt('title');
    el.periodLabel.textContent = `${bt('period')}: ${fmtTime(period.from, true)} – ${fmtTime(period.to, true)} WIB`;
    el.presets.replaceChildren(
      ...(['today', 'shift', '7d', '30d'] as const).map((p) => {
        const b = h('button', { 'data-preset': p }, bt(p === '7d' ? 'd7' : p === '30d' ? 'd30' : p)) as HTMLButtonElement;
        b.classList.toggle('active', preset === p);
        b.onclick = () => choose(p);
        return b;
      }),
    );
    el.apply.textContent = bt('custom');
    el.png.textContent = bt('exportPng');
    el.pdf.textContent = bt('exportPdf');
    el.play.textContent = playing ? bt('pause') : bt('play');
    el.speed.title = bt('speed');
    el.volumeTitle.textContent = bt('volumeByHour');
    el.slaTitle.textContent = bt('slaByAgency');
    el.hotTitle.textContent = bt('hotspots');
    renderFigures();
  }

  /** Why part of an agency's routed incidents is not in its figures: counts per reason. */
  function notMeasuredText(a: AgencyKpis): string {
    return NOT_MEASURED_REASONS.filter((r) => a.notMeasured[r] > 0).map((r) => `${bt(r)}: ${fmtNum(a.notMeasured[r])}`).join(' · ');
  }
  /** The share of first movements and of arrivals per source (distance, station, geofence, crew, operator). */
  function stageSourcesText(a: AgencyKpis): string {
    const label = (src: StageSource) => bt(src === 'speed' ? 'speedRule' : src);
    const shares = (title: 'movingBy' | 'arrivalBy', bySource: Partial<Record<StageSource, number>>) => {
      const all = Object.values(bySource).reduce((x, y) => x + (y ?? 0), 0);
      const parts = Object.entries(bySource).map(([src, n]) => `${label(src as StageSource)} ${fmtPct((n ?? 0) / all)}`);
      return all ? [`${bt(title)}: ${parts.join(' · ')}`] : [];
    };
    return [...shares('movingBy', a.movementsBySource), ...shares('arrivalBy', a.arrivalsBySource)].join('\n');
  }

  function renderFigures(): void {
    if (!kpis) return;
    const k = kpis;
    el.figures.replaceChildren(
      figure(bt('total'), fmtNum(k.total)),
      // every report, repeat calls merged into an incident included (domain/kpis.ts)
      figure(bt('calls'), fmtNum(k.calls)),
      figure(bt('prank'), `${fmtNum(k.prank.count)} (${fmtPct(k.prank.share)}) · ${bt('cancelled')} ${fmtNum(k.cancelled)}`),
      figure(bt('backlog'), fmtNum(k.openBacklog)),
    );
    const head = h('tr', null, ...[bt('agency'), bt('dispatch'), bt('moving'), bt('arrival'), bt('within')].map((x) => h('th', null, x)));
    const rows = k.byAgency.map((a: AgencyKpis) =>
      h(
        'tr',
        null,
        h('td', { title: notMeasuredText(a) }, h('div', null, term('agency', a.agency)), h('div.b-denom', null, `${fmtNum(a.measured)} / ${fmtNum(a.routed)} ${bt('measuredOfRouted')}`)),
        ...(['dispatch', 'moving', 'arrival'] as const).map((s) =>
          h('td', { title: `p90 ${fmtDur(a.stages[s].p90S, a.stages[s].missed)}` }, fmtDur(a.stages[s].medianS, a.stages[s].missed)),
        ),
        // each share with the rule it is measured against, named
        h('td', { title: stageSourcesText(a) }, ...a.slas.map((x) => h('div', null, `${fmtPct(x.share)} ${ruleLabel(x.rule)} (n ${fmtNum(x.n)})`, h('span.free-text.b-src', { title: x.rule.source }, 'i')))),
      ),
    );
    el.table.replaceChildren(h('thead', null, head), h('tbody', null, ...rows));
    const hot = k.byKecamatan.length ? k.byKecamatan.slice(0, 5) : topHotspots(prepared?.incidents ?? []);
    el.hot.replaceChildren(
      ...hot.map((a) => h('li', null, h('span.free-text', null, a.name), ` — ${fmtNum(a.count)}${'ratePer10k' in a && a.ratePer10k !== undefined ? ` (${a.ratePer10k} ${bt('perTenK')})` : ''}`)),
    );
    if (k.total === 0) el.hot.replaceChildren(h('li', null, bt('noData')));
    const cats = Object.entries(k.byCategory).sort((a, b) => b[1] - a[1]).slice(0, 4);
    el.figures.append(h('div.b-cats', null, cats.map(([c, n]) => `${term('category', c)} ${fmtNum(n)}`).join(' · ')));
  }

  function figure(name: string, value: string): HTMLElement {
    return h('div.b-fig', null, h('div.b-fig-v', null, value), h('div.b-fig-n', null, name));
  }

  async function load(p: Period): Promise<void> {
    const seq = ++loadSeq;
    period = p;
    debug.ready = false;
    el.status.textContent = bt('loading');
    renderTexts();
    const qs = `from=${encodeURIComponent(new Date(p.from).toISOString())}&to=${encodeURIComponent(new Date(p.to).toISOString())}`;
    try {
      const [k, replay] = await Promise.all([api<KpiResult>(`/api/kpis?${qs}`), api<ReplayData>(`/api/kpis/replay?${qs}`)]);
      if (seq !== loadSeq) return; // a newer choice won
      kpis = k;
      prepared = prepareReplay(replay);
      debug.kpis = k;
      debug.period = p;
      el.from.value = toLocalInput(p.from);
      el.to.value = toLocalInput(p.to);
      for (const input of [el.from, el.to]) input.dispatchEvent(new Event('input'));
      charts.update(k.byHourWib, k.byAgency);
      await map.ready;
      map.setData(prepared, k.byKecamatan);
      setCursor(p.to, true);
      renderFigures();
      el.status.textContent = `${fmtNum(replay.incidents.length)} · ${fmtNum(replay.trails.length)} unit`;
      debug.ready = true;
    } catch (err) {
      el.status.textContent = `${bt('error')}: ${String((err as Error)?.message ?? err)}`;
    }
  }

  function choose(p: PresetPeriod): void {
    preset = p;
    void load(presetPeriod(p, Date.now()));
  }

  el.apply.onclick = () => {
    // datetime-local values are WIB wall-clock: send them without a zone, the server reads them as WIB
    const from = Date.parse(el.from.value + ':00Z') - 7 * 3_600_000;
    const to = Date.parse(el.to.value + ':00Z') - 7 * 3_600_000;
    if (!Number.isFinite(from) || !Number.isFinite(to) || from >= to) {
      el.status.textContent = `${bt('error')}: ${bt('period')}`;
      return;
    }
    preset = 'custom';
    void load({ from, to });
  };
  el.slider.oninput = () => {
    setCursor(period.from + (Number(el.slider.value) / 1000) * (period.to - period.from), true);
  };
  el.play.onclick = () => {
    playing = !playing;
    if (playing && cursor >= period.to) setCursor(period.from, true);
    lastTick = performance.now();
    el.play.textContent = playing ? bt('pause') : bt('play');
    if (playing) requestAnimationFrame(tick);
  };
  function tick(now: number): void {
    if (!playing) return;
    const dt = now - lastTick;
    lastTick = now;
    const next = cursor + dt * Number(el.speed.value);
    const draw = now - lastDraw >= FRAME_MS;
    if (draw) lastDraw = now;
    setCursor(next, draw);
    if (cursor >= period.to) {
      playing = false;
      setCursor(period.to, true);
      el.play.textContent = bt('play');
      return;
    }
    requestAnimationFrame(tick);
  }

  async function exportCanvas(): Promise<HTMLCanvasElement> {
    map.repaint();
    const c = charts.canvases();
    const k = kpis;
    return composeBriefing({
      title: bt('title'),
      period: `${bt('period')}: ${fmtTime(period.from, true)} – ${fmtTime(period.to, true)} WIB`,
      cursor: `${bt('cursor')}: ${fmtTime(cursor, true)} WIB`,
      mapCanvases: map.canvases(),
      charts: [
        { title: bt('volumeByHour'), canvas: c.volume },
        { title: bt('slaByAgency'), canvas: c.sla },
      ],
      lines: k
        ? [
            `${bt('total')}: ${fmtNum(k.total)}   ${bt('calls')}: ${fmtNum(k.calls)}   ${bt('prank')}: ${fmtPct(k.prank.share)}   ${bt('backlog')}: ${fmtNum(k.openBacklog)}`,
            ...k.byAgency.map(
              (a) =>
                `${term('agency', a.agency)} (${fmtNum(a.measured)}/${fmtNum(a.routed)} ${bt('measuredOfRouted')}): ${bt('arrival')} ${bt('median')} ${fmtDur(a.stages.arrival.medianS, a.stages.arrival.missed)}, ${a.slas.map((x) => `${fmtPct(x.share)} ${ruleLabel(x.rule)}`).join(', ')}`,
            ),
          ].slice(0, 9)
        : [],
    });
  }
  const fileName = () => `briefing-${toLocalInput(period.from).slice(0, 10)}_${toLocalInput(period.to).slice(0, 10)}.png`;
  el.png.onclick = async () => downloadPng(await exportCanvas(), fileName());
  el.pdf.onclick = async () => printImage(await exportCanvas());

  onLangChange(() => {
    renderTexts();
    camera.renderTexts();
    if (kpis) charts.update(kpis.byHourWib, kpis.byAgency);
    setCursor(cursor, false);
  });
  renderTexts();
  await load(period);
}

export default mountBriefing;
