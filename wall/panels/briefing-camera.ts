// The briefing's "what did the camera see then": a small overlay on the briefing map with one camera tile playing its
// recording from the replay cursor's time (wall/video/tile.ts, started in the past, with its own timeline and a
// way back to live). Offered only to roles that may watch recordings, and only while the cursor's time is still
// kept on disk. The camera offered first is the one that best sees the incident reported last before the cursor.
import { camerasFor } from '../../geo/coverage.ts';
import type { CameraView as Camera } from '../../domain/camera.ts';
import { fmtTime } from '../i18n/index.ts';
import { api } from '../state/api.ts';
import type { WallContext } from '../state/context.ts';
import { h } from '../ui/dom.ts';
import type { RecordingsAnswer } from '../../domain/camera.ts';
import { LIVE_THRESHOLD_MS } from '../video/rewind.ts';
import { VideoTile } from '../video/tile.ts';
import type { Frame } from './briefing-frame.ts';
import { bt } from './briefing-i18n.ts';

/** Cameras for the cursor: those that see the latest incident open at it first (up to 4), then the rest by id. */
export function camerasAtCursor(cameras: readonly Camera[], frame: Frame | null): Array<{ camera: Camera; near: boolean }> {
  const latest = frame?.open.reduce<Frame['open'][number] | null>((a, b) => (a && a.t >= b.t ? a : b), null) ?? null;
  const near = latest ? camerasFor({ lat: latest.lat, lon: latest.lon }, 0, [...cameras], { limit: 4 }).map((c) => c.cameraId) : [];
  const byId = new Map(cameras.map((c) => [c.id, c]));
  const first = near.flatMap((id) => (byId.has(id) ? [{ camera: byId.get(id)!, near: true }] : []));
  const rest = [...cameras].filter((c) => !near.includes(c.id)).sort((a, b) => a.id.localeCompare(b.id)).map((camera) => ({ camera, near: false }));
  return [...first, ...rest];
}

export class BriefingCamera {
  readonly button: HTMLButtonElement;
  private readonly panel: HTMLElement;
  private readonly select: HTMLSelectElement;
  private readonly note: HTMLElement;
  private readonly toCursor: HTMLButtonElement;
  private readonly close: HTMLButtonElement;
  private tile: VideoTile | null = null;
  private seq = 0;

  constructor(
    mapEl: HTMLElement,
    private readonly ctx: WallContext,
    private readonly cursor: () => { ms: number; frame: Frame | null },
  ) {
    this.button = h('button.b-camera', { type: 'button', onclick: () => this.open() }) as HTMLButtonElement;
    this.select = h('select.b-cam-select', { onchange: () => this.play() }) as HTMLSelectElement;
    this.note = h('div.b-cam-note');
    this.toCursor = h('button.b-cam-cursor', { type: 'button', onclick: () => this.play() }) as HTMLButtonElement;
    this.close = h('button.b-cam-close', { type: 'button', onclick: () => this.hide() }) as HTMLButtonElement;
    this.panel = h('div.b-cam', { hidden: true }, h('div.b-cam-head', null, this.select, this.toCursor, this.close), this.note);
    mapEl.append(this.panel);
    this.button.hidden = !(ctx.role === 'operator' || ctx.role === 'admin'); // recordings are operator and above
    this.renderTexts();
  }

  renderTexts(): void {
    this.button.textContent = `◀◀ ${bt('cameraAtCursor')}`;
    this.toCursor.textContent = bt('toCursor');
    this.close.textContent = '×';
    this.close.title = bt('close');
  }

  private open(): void {
    const { frame } = this.cursor();
    const cams = camerasAtCursor([...this.ctx.store.cameras.values()], frame);
    this.select.replaceChildren(
      ...cams.map(({ camera, near }) => h('option', { value: camera.id }, `${camera.id.toUpperCase()} · ${camera.name}${near ? ` (${bt('nearIncident')})` : ''}`)),
    );
    this.panel.hidden = false;
    this.play();
  }

  /** The chosen camera at the cursor's time, if that time is still kept. */
  private async play(): Promise<void> {
    const seq = ++this.seq;
    const camera = this.ctx.store.cameras.get(this.select.value);
    const { ms } = this.cursor();
    this.note.textContent = '';
    if (!camera) return;
    let kept: number | null = null;
    try {
      const a = await api<RecordingsAnswer>(`/api/cameras/${encodeURIComponent(camera.id)}/recordings?from=${Math.floor(ms)}&to=${Math.floor(ms) + 1}`);
      kept = a.retainedFrom ? Date.parse(a.retainedFrom) : null;
    } catch {
      kept = null;
    }
    if (seq !== this.seq) return;
    if (kept === null || ms < kept - 1000) {
      this.tile?.destroy();
      this.tile = null;
      this.note.textContent = kept === null ? bt('noRecording') : `${bt('notRetained')} ${fmtTime(kept, true)} WIB`;
      return;
    }
    if (!this.tile) {
      this.tile = new VideoTile({ rewind: true });
      this.panel.insertBefore(this.tile.el, this.note);
    }
    const live = Date.now() - ms < LIVE_THRESHOLD_MS; // the cursor at the period's end: now
    if (this.tile.camera?.id !== camera.id) this.tile.attach(camera, {}, live ? undefined : ms);
    else if (live) this.tile.live();
    else this.tile.seek(ms);
  }

  private hide(): void {
    this.seq++;
    this.tile?.destroy();
    this.tile = null;
    this.panel.hidden = true;
  }
}
