// The briefing's two charts (uPlot): incident volume by hour of day (WIB) and share within SLA per agency.
import { term } from '../i18n/index.ts';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import type { AgencyKpis } from '../../domain/kpis.ts';
import { bt } from './briefing-i18n.ts';

const AXIS = { stroke: '#c9d4e5', grid: { stroke: 'rgba(255,255,255,0.08)' }, ticks: { stroke: 'rgba(255,255,255,0.15)' } };

function sizeOf(el: HTMLElement): { width: number; height: number } {
  const r = el.getBoundingClientRect();
  return { width: Math.max(200, Math.floor(r.width)), height: Math.max(120, Math.floor(r.height)) };
}

/** "Damkar (Pemadam Kebakaran)" → "Damkar": the chart's row names; the table beside it keeps the full names. */
function shortAgency(agency: string): string {
  return term('agency', agency).replace(/\s*\(.*\)$/, '');
}

/** Width in CSS pixels of the longest label in uPlot's axis font. */
function labelWidth(labels: string[]): number {
  const ctx = document.createElement('canvas').getContext('2d');
  if (!ctx) return 120;
  ctx.font = '12px system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif';
  return Math.ceil(Math.max(40, ...labels.map((l) => ctx.measureText(l).width)));
}

export class BriefingCharts {
  private volume: uPlot | null = null;
  private sla: uPlot | null = null;
  private agencies: string[] = [];
  private ro: ResizeObserver;

  constructor(
    private volumeEl: HTMLElement,
    private slaEl: HTMLElement,
  ) {
    this.ro = new ResizeObserver(() => this.resize());
    this.ro.observe(volumeEl);
    this.ro.observe(slaEl);
  }

  update(byHourWib: number[], byAgency: AgencyKpis[]): void {
    this.volume?.destroy();
    this.sla?.destroy();
    const hours = byHourWib.map((_, h) => h);
    this.volume = new uPlot(
      {
        ...sizeOf(this.volumeEl),
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, range: [-0.5, 23.5] }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [
          { ...AXIS, values: (_u, v) => v.map((x) => (Number.isInteger(x) ? String(x).padStart(2, '0') : '')) },
          { ...AXIS, size: 60 },
        ],
        series: [{}, { label: bt('total'), stroke: '#ff7ac8', fill: 'rgba(255,122,200,0.55)', paths: uPlot.paths.bars!({ size: [0.8, 60] }), points: { show: false } }],
      },
      [hours, byHourWib],
      this.volumeEl,
    );
    // One bar per (agency, target): a Damkar fire share and a Damkar tree share are different numbers. Bars lie
    // horizontally with their names on the left, so long agency names cannot run into each other.
    const bars = byAgency.flatMap((a) => a.slas.map((x) => ({ label: `${shortAgency(a.agency)} ${x.rule.minutes}′`, share: x.share })));
    this.agencies = bars.map((b) => b.label);
    const xs = bars.map((_, i) => i);
    const share = bars.map((b) => (b.share === null ? null : Math.round(b.share * 1000) / 10));
    this.slaEl.style.height = `${Math.max(120, 34 + bars.length * 26)}px`;
    this.sla = new uPlot(
      {
        ...sizeOf(this.slaEl),
        legend: { show: false },
        cursor: { show: false },
        scales: { x: { time: false, ori: 1, dir: -1, range: [-0.5, Math.max(0.5, xs.length - 0.5)] }, y: { ori: 0, range: [0, 100] } },
        axes: [
          { ...AXIS, side: 3, size: labelWidth(this.agencies) + 16, gap: 6, splits: () => xs, values: (_u, v) => v.map((x) => (Number.isInteger(x) ? (this.agencies[x] ?? '') : '')) },
          { ...AXIS, side: 2, size: 30, splits: () => [0, 25, 50, 75, 100], values: (_u, v) => v.map((x) => `${x}%`) },
        ],
        series: [{}, { label: bt('within'), stroke: '#3ddc97', fill: 'rgba(61,220,151,0.6)', paths: uPlot.paths.bars!({ size: [0.7, 22] }), points: { show: false } }],
      },
      [xs, share],
      this.slaEl,
    );
  }

  /** The chart canvases, for the PNG export. */
  canvases(): { volume: HTMLCanvasElement | null; sla: HTMLCanvasElement | null } {
    return { volume: this.volume?.ctx.canvas ?? null, sla: this.sla?.ctx.canvas ?? null };
  }

  private resize(): void {
    this.volume?.setSize(sizeOf(this.volumeEl));
    this.sla?.setSize(sizeOf(this.slaEl));
  }

  destroy(): void {
    this.ro.disconnect();
    this.volume?.destroy();
    this.sla?.destroy();
  }
}
