// /ws client: snapshot then deltas with a monotonic seq. A gap asks for a resync; a dropped socket reconnects
// with jittered exponential backoff (1 s → 30 s). The wall keeps showing the last state while away. A close with
// 1012 (Service Restart) is the server stopping on purpose: retry every 0.5–1.5 s until its successor answers,
// and never reload the page.
import type { Store } from './store.ts';
import type { WsMessage } from '../../domain/messages.ts';

export type ConnState = 'connecting' | 'open' | 'down' | 'restarting';

/** The server's close code for a planned stop (server/realtime/hub.ts SERVICE_RESTART). */
const SERVICE_RESTART = 1012;

export class Realtime {
  state: ConnState = 'connecting';
  seq = -1;
  resyncs = 0;
  reconnects = 0;
  private ws: WebSocket | null = null;
  private attempt = 0;
  private timer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  /** Set by a 1012 close; cleared when a socket opens again. */
  private restarting = false;
  private stateListeners = new Set<(s: ConnState) => void>();
  private selectListeners = new Set<(id: string | null) => void>();

  constructor(private store: Store) {}

  onState(fn: (s: ConnState) => void): void {
    this.stateListeners.add(fn);
  }
  /** Another screen selected an incident (follow mode acts on this). */
  onRemoteSelect(fn: (id: string | null) => void): void {
    this.selectListeners.add(fn);
  }

  connect(): void {
    this.closed = false;
    const url = `${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}/ws`;
    const ws = new WebSocket(url);
    this.ws = ws;
    this.setState('connecting');
    ws.onopen = () => {
      this.attempt = 0;
      this.restarting = false;
      this.setState('open');
    };
    ws.onmessage = (ev) => {
      let msg: WsMessage;
      try {
        msg = JSON.parse(String(ev.data));
      } catch {
        return;
      }
      this.handle(msg);
    };
    ws.onclose = (ev) => {
      if (this.ws !== ws) return;
      this.ws = null;
      if (ev.code === SERVICE_RESTART) this.restarting = true;
      this.setState(this.restarting ? 'restarting' : 'down');
      if (!this.closed) this.scheduleReconnect();
    };
    ws.onerror = () => ws.close();
  }

  private scheduleReconnect(): void {
    const base = Math.min(30_000, 1000 * 2 ** this.attempt++);
    const delay = this.restarting ? 500 + Math.random() * 1000 : base / 2 + Math.random() * (base / 2);
    this.reconnects++;
    this.timer = setTimeout(() => this.connect(), delay);
  }

  private handle(msg: WsMessage): void {
    if (msg.type === 'snapshot') {
      this.seq = msg.seq;
      this.store.reset(msg.data ?? {});
      return;
    }
    if (typeof msg.seq === 'number') {
      if (this.seq >= 0 && msg.seq > this.seq + 1) {
        // Missed deltas: ask for a fresh snapshot rather than show a state that never existed.
        this.resyncs++;
        this.send({ type: 'resync' });
      }
      if (msg.seq <= this.seq && msg.type !== 'select') return;
      this.seq = Math.max(this.seq, msg.seq);
    }
    switch (msg.type) {
      case 'incident':
        this.store.upsertIncident(msg.data);
        break;
      case 'unit':
        this.store.upsertUnit(msg.data);
        break;
      case 'camera':
        this.store.upsertCamera(msg.data);
        break;
      case 'select':
        for (const fn of this.selectListeners) fn(msg.data?.incidentId ?? null);
        break;
    }
  }

  send(msg: unknown): void {
    if (this.ws?.readyState === WebSocket.OPEN) this.ws.send(JSON.stringify(msg));
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    this.ws?.close();
  }

  private setState(s: ConnState): void {
    this.state = s;
    for (const fn of this.stateListeners) fn(s);
  }
}
