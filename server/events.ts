// In-process domain event bus: capabilities publish, the realtime hub (and metrics) subscribe.
// Keeps capabilities from importing each other; a Redis/NATS fan-out can sit behind the same interface later.
import { EventEmitter } from 'node:events';
import type { CameraView } from '../domain/camera.ts';
import type { Incident } from '../domain/incident.ts';
import type { PublicUnit } from '../domain/unit.ts';

export interface DomainEvents {
  /** An incident was created or changed (data: the full public Incident). */
  incident: [data: Incident];
  /** A unit's position or status changed (data: the public Unit with its last position). */
  unit: [data: PublicUnit];
  /** A camera's health changed (data: the public camera view, no credentials). */
  camera: [data: CameraView];
}

export class EventBus {
  private emitter = new EventEmitter();
  constructor() {
    this.emitter.setMaxListeners(100);
  }
  publish<K extends keyof DomainEvents>(type: K, ...args: DomainEvents[K]): void {
    this.emitter.emit(type, ...args);
  }
  subscribe<K extends keyof DomainEvents>(type: K, fn: (...args: DomainEvents[K]) => void): () => void {
    this.emitter.on(type, fn as (...a: unknown[]) => void);
    return () => this.emitter.off(type, fn as (...a: unknown[]) => void);
  }
}
