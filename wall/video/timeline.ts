// A tile's timeline: the camera's recorded past as a bar under the picture, now at its right end (the live edge),
// recorded spans solid and gaps shaded (GET /api/cameras/:id/recordings); a click or a drag on it plays that
// wall-clock time, "LIVE" goes back. While in the past, a badge on the picture says so in large type, with the
// time playing, and "LIVE" becomes "kembali ke live". An incident's tile also gets "saat laporan masuk" (reportedAt − 60 s).
//
// The bar shows the last hour by default: 72 h on a ~300 px bar is 15 min a pixel, no aim at all, and what an
// officer looks for is nearly always minutes back. The zoom button widens it (15 min → 1 h → 6 h → 24 h → all
// kept), only as far as there is recording. A viewer (and a session the server refuses) gets the live badge only.
import type { RecordingsAnswer } from '../../domain/camera.ts';
import { fmtTime, t, tf } from '../i18n/index.ts';
import { api, ApiError } from '../state/api.ts';
import { h } from '../ui/dom.ts';
import { LIVE_THRESHOLD_MS, type RewindState } from './rewind.ts';


/** The bar's widths; DEFAULT_WINDOW is the one a tile starts with. */
export const WINDOWS_MS = [15 * 60_000, 3_600_000, 6 * 3_600_000, 24 * 3_600_000, 72 * 3_600_000] as const;
const DEFAULT_WINDOW = 1;
/** "saat laporan masuk" starts this long before the report: what led up to the call. */
export const BEFORE_REPORT_MS = 60_000;
/** Spans are fetched this long after a camera is attached (its live start goes first), then this often. */
const FIRST_FETCH_MS = 1500;
const REFRESH_MS = 30_000;
/** Arrow keys on the bar move this much. */
const KEY_STEP_MS = 10_000;

export interface Span {
  from: number;
  to: number;
}

/** Spans as [left, width] fractions of a window [from, to], clipped to it. Pure. */
export function spanBoxes(spans: readonly Span[], from: number, to: number): Array<[number, number]> {
  const len = to - from;
  const out: Array<[number, number]> = [];
  for (const s of spans) {
    const a = Math.max(s.from, from);
    const b = Math.min(s.to, to);
    if (b > a) out.push([(a - from) / len, (b - a) / len]);
  }
  return out;
}

/** The wall-clock time at fraction `x` (0..1, clamped) of a window. Pure. */
export const timeAtFraction = (x: number, from: number, to: number) => from + Math.min(1, Math.max(0, x)) * (to - from);

/** The widths worth offering for a recording kept since `retainedFrom`: up to the first that shows all of it. Pure. */
export function windowChoices(retainedFrom: number | null, now: number): number[] {
  const age = retainedFrom === null ? 0 : now - retainedFrom;
  const i = WINDOWS_MS.findIndex((w) => w >= age);
  return WINDOWS_MS.slice(0, Math.max(DEFAULT_WINDOW, i === -1 ? WINDOWS_MS.length - 1 : i) + 1);
}

const windowLabel = (ms: number) => (ms < 3_600_000 ? tf('tlMinutes', { n: ms / 60_000 }) : tf('tlHours', { n: ms / 3_600_000 }));

/** What the tile tells its timeline about the picture. */
export interface PastStatus {
  state: RewindState;
  /** Wall-clock time of the picture (hls.playingDate), or the time asked for until there is one. */
  ms: number | null;
  /** Held in step with the incident's other tiles (wall/video/sync.ts). */
  synced: boolean;
}

export interface TimelineHost {
  /** Play wall-clock `ms` (a recorded instant). */
  seek(ms: number): void;
  live(): void;
  /** null while live. */
  past(): PastStatus | null;
}

export class Timeline {
  /** The bar under the picture. */
  readonly el: HTMLElement;
  /** The "in the past" badge over the picture. */
  readonly badge: HTMLElement;
  private readonly track: HTMLElement;
  private readonly recs: HTMLElement;
  private readonly head: HTMLElement;
  private readonly mark: HTMLElement;
  private readonly startLabel: HTMLElement;
  private readonly liveBtn: HTMLButtonElement;
  private readonly reportBtn: HTMLButtonElement;
  private readonly zoomBtn: HTMLButtonElement;
  private readonly badgeTime: HTMLElement;
  private readonly badgeNote: HTMLElement;
  private cameraId: string | null = null;
  private reportedMs: number | undefined;
  private answer: { state: RecordingsAnswer['state']; retainedFrom: number | null; spans: Span[]; at: number } | null = null;
  private windowMs: number = WINDOWS_MS[DEFAULT_WINDOW];
  private drag: number | null = null;
  private fetchTimer: ReturnType<typeof setTimeout> | undefined;
  private fetchSeq = 0;
  private allowed: boolean;

  constructor(
    private readonly host: TimelineHost,
    canRewind: boolean,
  ) {
    this.allowed = canRewind;
    this.liveBtn = h('button.tl-live', { type: 'button', onclick: (e: Event) => (e.stopPropagation(), host.live()) }) as HTMLButtonElement;
    this.recs = h('div.tl-recs');
    this.head = h('div.tl-head');
    this.mark = h('div.tl-mark');
    this.startLabel = h('span.tl-start');
    this.track = h('div.tl-track', { tabindex: '0', role: 'slider' }, this.recs, this.mark, this.head, this.startLabel);
    this.reportBtn = h('button.tl-report', { type: 'button', onclick: (e: Event) => (e.stopPropagation(), this.reportedMs !== undefined && host.seek(this.reportedMs - BEFORE_REPORT_MS)) }) as HTMLButtonElement;
    this.zoomBtn = h('button.tl-zoom', { type: 'button', onclick: (e: Event) => (e.stopPropagation(), this.widen()) }) as HTMLButtonElement;
    this.el = h('div.tl', null, this.liveBtn, this.track, this.reportBtn, this.zoomBtn);
    this.badgeTime = h('span.tp-time');
    this.badgeNote = h('span.tp-note');
    this.badge = h('div.tile-past', { hidden: true }, this.badgeTime, this.badgeNote);
    this.bindPointer();
    this.setAllowed(canRewind);
  }

  /** The camera this bar is about (null: none); `playable`: this browser can decode it. */
  setCamera(cameraId: string | null, o: { reportedMs?: number; playable: boolean }): void {
    this.reportedMs = o.reportedMs;
    if (cameraId === this.cameraId && this.el.dataset.playable === String(o.playable)) return this.render();
    this.cameraId = cameraId;
    this.el.dataset.playable = String(o.playable);
    this.answer = null;
    this.windowMs = WINDOWS_MS[DEFAULT_WINDOW];
    clearTimeout(this.fetchTimer);
    if (cameraId && this.allowed && o.playable) this.fetchTimer = setTimeout(() => void this.fetch(), FIRST_FETCH_MS);
    this.render();
  }

  /** Rewind is not for this session (a viewer, or the server said 403): the live badge only. */
  setAllowed(allowed: boolean): void {
    this.allowed = allowed;
    this.el.classList.toggle('live-only', !allowed);
    if (!allowed) clearTimeout(this.fetchTimer);
    this.render();
  }

  get canRewind(): boolean {
    return this.allowed && this.cameraId !== null && this.el.dataset.playable === 'true';
  }

  private async fetch(): Promise<void> {
    clearTimeout(this.fetchTimer);
    const id = this.cameraId;
    if (!id || !this.allowed) return;
    const seq = ++this.fetchSeq;
    const now = Date.now();
    try {
      const a = await api<RecordingsAnswer>(`/api/cameras/${encodeURIComponent(id)}/recordings?from=${Math.floor(now - this.windowMs)}&to=${now + 60_000}`);
      if (seq !== this.fetchSeq || id !== this.cameraId) return;
      this.answer = { state: a.state, retainedFrom: a.retainedFrom ? Date.parse(a.retainedFrom) : null, spans: a.spans.map((s) => ({ from: Date.parse(s.from), to: Date.parse(s.to) })), at: now };
    } catch (err) {
      if (seq !== this.fetchSeq || id !== this.cameraId) return;
      if (err instanceof ApiError && (err.status === 403 || err.status === 401)) return this.setAllowed(false);
      if (err instanceof ApiError && err.status === 404) this.answer = { state: 'off', retainedFrom: null, spans: [], at: now };
    }
    this.render();
    this.fetchTimer = setTimeout(() => void this.fetch(), REFRESH_MS);
  }

  private widen(): void {
    const choices = windowChoices(this.answer?.retainedFrom ?? null, Date.now());
    this.windowMs = choices[(choices.indexOf(this.windowMs) + 1) % choices.length] ?? WINDOWS_MS[DEFAULT_WINDOW];
    this.render();
    void this.fetch();
  }

  /** Repaints (the tile calls it about once a second, and at every change). */
  render(): void {
    const past = this.host.past();
    const now = Date.now();
    // a picture older than the window widens it (a jump to an old report, the briefing's cursor)
    if (past?.ms != null && now - past.ms > this.windowMs) {
      this.windowMs = WINDOWS_MS.find((w) => w > now - past.ms! + 60_000) ?? WINDOWS_MS.at(-1)!;
      if (this.canRewind) void this.fetch();
    }
    const from = now - this.windowMs;
    const isLive = past === null;
    // live: a badge; in the past: the way back, in words where the tile is wide enough (CSS container query).
    // Rebuilt only when it changes: a button whose insides are replaced under the pointer may lose the click.
    const liveKey = `${isLive}|${t('backToLive')}`;
    if (this.liveBtn.dataset.key !== liveKey) {
      this.liveBtn.dataset.key = liveKey;
      this.liveBtn.replaceChildren(
        ...(isLive ? [t('liveBadge')] : ['▶ ', h('span.tl-long', null, t('backToLive')), h('span.tl-short', null, t('liveBadge'))]),
      );
    }
    this.liveBtn.classList.toggle('on', isLive);
    this.liveBtn.title = isLive ? t('liveNow') : t('backToLive');
    this.liveBtn.disabled = isLive;
    this.el.classList.toggle('past', !isLive);
    this.renderBadge(past);
    const usable = this.canRewind;
    this.track.hidden = this.reportBtn.hidden = this.zoomBtn.hidden = !usable;
    if (!usable) return;
    const a = this.answer;
    this.track.classList.toggle('off', a?.state === 'off');
    this.track.title = a?.state === 'off' ? t('notRecorded') : a?.state?.startsWith('paused') ? t('recordingPaused') : t('tlHint');
    this.track.setAttribute('aria-valuetext', past?.ms != null ? fmtTime(past.ms) : t('liveBadge'));
    // still recording: the span that was running when asked runs on to now (not a gap until the next answer)
    const spans = a?.spans.map((x, i) => (a.state === 'recording' && i === a.spans.length - 1 && x.to >= a.at - 5000 ? { from: x.from, to: now } : x));
    const boxes = spanBoxes(spans ?? [], from, now);
    while (this.recs.children.length > boxes.length) this.recs.lastElementChild!.remove();
    while (this.recs.children.length < boxes.length) this.recs.append(h('div.tl-rec'));
    boxes.forEach(([left, width], i) => {
      const el = this.recs.children[i] as HTMLElement;
      el.style.left = `${left * 100}%`;
      el.style.width = `${width * 100}%`;
    });
    const at = this.drag ?? past?.ms ?? null;
    this.head.hidden = at === null;
    if (at !== null) {
      const frac = Math.min(1, Math.max(0, (at - from) / this.windowMs));
      this.head.style.left = `${frac * 100}%`;
      this.head.classList.toggle('flip', frac > 0.6);
      this.head.dataset.time = fmtTime(at);
      this.head.classList.toggle('dragging', this.drag !== null);
    }
    const r = this.reportedMs;
    this.mark.hidden = r === undefined || r < from;
    if (r !== undefined && r >= from) this.mark.style.left = `${((r - from) / this.windowMs) * 100}%`;
    this.startLabel.textContent = fmtTime(from).slice(0, 5);
    const reportKept = r !== undefined && (a?.retainedFrom == null || r >= a.retainedFrom - BEFORE_REPORT_MS);
    this.reportBtn.hidden = r === undefined;
    this.reportBtn.disabled = !reportKept;
    const reportText = `⚑ ${t('atReportShort')}`;
    if (this.reportBtn.textContent !== reportText) this.reportBtn.textContent = reportText;
    this.reportBtn.title = reportKept ? t('atReport') : t('notRetained');
    const zoomText = windowLabel(this.windowMs);
    if (this.zoomBtn.textContent !== zoomText) this.zoomBtn.textContent = zoomText;
    this.zoomBtn.title = t('tlZoom');
  }

  private renderBadge(past: PastStatus | null): void {
    this.badge.hidden = past === null;
    if (!past) return;
    this.badge.dataset.state = past.state;
    this.badgeTime.textContent = past.ms != null ? `◀◀ ${fmtTime(past.ms)}` : '◀◀';
    const notes: Record<RewindState, string> = {
      loading: t('loadingRecording'),
      playing: '',
      paused: '',
      none: t('noRecording'),
      forbidden: t('noRecording'),
      error: t('recordingError'),
      caughtUp: '',
    };
    this.badgeNote.textContent = [notes[past.state], past.synced ? t('synced') : ''].filter(Boolean).join(' · ');
  }

  private fractionAt(e: PointerEvent | MouseEvent): number {
    const box = this.track.getBoundingClientRect();
    return (e.clientX - box.left) / Math.max(1, box.width);
  }

  private bindPointer(): void {
    const tr = this.track;
    const timeOf = (e: PointerEvent) => {
      const now = Date.now();
      return timeAtFraction(this.fractionAt(e), now - this.windowMs, now);
    };
    tr.addEventListener('pointerdown', (e) => {
      if (!this.canRewind || e.button !== 0) return;
      e.stopPropagation();
      tr.setPointerCapture(e.pointerId);
      this.drag = timeOf(e);
      this.render();
    });
    tr.addEventListener('pointermove', (e) => {
      if (this.drag === null) return;
      this.drag = timeOf(e);
      this.render();
    });
    tr.addEventListener('pointerup', (e) => {
      if (this.drag === null) return;
      const at = timeOf(e);
      this.drag = null;
      this.go(at);
    });
    tr.addEventListener('pointercancel', () => {
      this.drag = null;
      this.render();
    });
    tr.addEventListener('click', (e) => e.stopPropagation());
    tr.addEventListener('keydown', (e) => {
      if (!this.canRewind || (e.key !== 'ArrowLeft' && e.key !== 'ArrowRight')) return;
      e.preventDefault();
      const base = this.host.past()?.ms ?? Date.now();
      this.go(base + (e.key === 'ArrowLeft' ? -KEY_STEP_MS : KEY_STEP_MS));
    });
  }

  private go(ms: number): void {
    if (Date.now() - ms < LIVE_THRESHOLD_MS) this.host.live();
    else this.host.seek(ms);
    this.render();
  }

  destroy(): void {
    clearTimeout(this.fetchTimer);
    this.fetchSeq++;
    this.cameraId = null;
  }
}
