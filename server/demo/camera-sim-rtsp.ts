// The two moving parts of the camera simulator: the RTSP server child process and one looping ffmpeg publisher per
// camera. Kept apart from camera-sim.ts so the latency bench can publish its own clip the same way.
import { fork, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { logger } from '../log.ts';
import { PROJECT_ROOT } from '../paths.ts';

const log = logger('camera-sim');
const CHILD_SCRIPT = path.join(PROJECT_ROOT, 'server/demo/rtsp-server-child.cjs');

/** Every process we start, so an abrupt exit of this process still kills them (SIGKILL is covered by pdeathsig). */
const live = new Set<ChildProcess>();
let exitHookInstalled = false;
function track(child: ChildProcess): ChildProcess {
  live.add(child);
  child.once('exit', () => live.delete(child));
  if (!exitHookInstalled) {
    exitHookInstalled = true;
    process.once('exit', () => {
      for (const c of live) c.kill('SIGKILL');
    });
  }
  return child;
}

/** `setpriv --pdeathsig KILL` makes the kernel kill ffmpeg when we die, even by SIGKILL (util-linux, Linux only). */
const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => fs.existsSync(p));

export function spawnOrphanProof(cmd: string, args: string[]): ChildProcess {
  const child = SETPRIV
    ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', cmd, ...args], { stdio: ['ignore', 'pipe', 'pipe'] })
    : spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  return track(child);
}

export interface RtspServerChild {
  publishPort: number;
  clientPort: number;
  /** The server's own RTP/RTCP ports: [rtpPortStart, rtpPortStart + rtpPortCount). */
  rtpPortStart: number;
  rtpPortCount: number;
  pid: number;
  /** Forget mount /<id> (a publisher killed without TEARDOWN would otherwise block the next ANNOUNCE). */
  drop(id: string): Promise<void>;
  close(): Promise<void>;
  exited: Promise<void>;
}

export interface RtspCredentials {
  user: string;
  password: string;
}

export async function startRtspServerChild(
  opts: { publishPort?: number; clientPort?: number; credentials?: RtspCredentials } = {},
): Promise<RtspServerChild> {
  const child = track(
    fork(CHILD_SCRIPT, [JSON.stringify({ publishPort: opts.publishPort ?? 0, clientPort: opts.clientPort ?? 0 })], {
      execPath: process.execPath,
      execArgv: [], // not tsx's loader: the child is plain CommonJS
      // the pull credentials go by environment (readable only by our user), never by argv
      env: { ...process.env, SIAGA_SIM_RTSP_CREDENTIALS: opts.credentials ? JSON.stringify(opts.credentials) : '' },
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  );
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const ready = await new Promise<{ publishPort: number; clientPort: number; rtpPortStart: number; rtpPortCount: number }>((resolve, reject) => {
    const timer = setTimeout(() => fail(new Error('RTSP server child did not start within 10 s')), 10_000);
    const fail = (err: Error) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      reject(err);
    };
    child.on('message', (m: any) => {
      if (m?.type === 'ready') {
        clearTimeout(timer);
        resolve(m);
      }
      if (m?.type === 'error') fail(new Error(`RTSP server child: ${m.message}`));
    });
    child.once('exit', (code) => fail(new Error(`RTSP server child exited (${code}) before it was ready`)));
  });
  let seq = 0;
  const waiting = new Map<number, () => void>();
  child.on('message', (m: any) => {
    if (m?.type === 'dropped') waiting.get(m.seq)?.();
  });
  child.once('exit', () => {
    for (const done of waiting.values()) done();
  });
  return {
    publishPort: ready.publishPort,
    clientPort: ready.clientPort,
    rtpPortStart: ready.rtpPortStart,
    rtpPortCount: ready.rtpPortCount,
    pid: child.pid!,
    exited,
    drop(id) {
      if (!child.connected) return Promise.resolve();
      const n = ++seq;
      return new Promise<void>((resolve) => {
        const done = () => {
          waiting.delete(n);
          clearTimeout(timer);
          resolve();
        };
        const timer = setTimeout(done, 2_000);
        waiting.set(n, done);
        try {
          child.send({ type: 'drop', id, seq: n });
        } catch {
          done(); // channel closed meanwhile: the server is gone, and with it the mount
        }
      });
    },
    async close() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), 2_000);
      await exited;
      clearTimeout(t);
    },
  };
}

export interface PublisherOptions {
  ffmpegPath: string;
  clip: string;
  /** rtsp://127.0.0.1:<publishPort>/<id> */
  target: string;
  /** Called before each (re)start, e.g. to clear a stale mount. */
  beforeStart?: () => Promise<void>;
  /** Progress sample from ffmpeg `-progress`: total frames sent so far at wall-clock time `atMs`. */
  onProgress?: (frame: number, atMs: number) => void;
  name: string;
}

/**
 * `ffmpeg -re -stream_loop -1 -i clip -c copy -f rtsp` that restarts itself (backoff 0.5 s → 5 s) when it dies
 * unless stop() was called.
 */
export class Publisher {
  private child: ChildProcess | undefined;
  private stopped = true;
  private backoffMs = 500;
  private restartTimer: NodeJS.Timeout | undefined;
  private upWaiters: Array<() => void> = [];
  /** Wall-clock ms when the current ffmpeg first reported progress (it is sending). */
  upSince: number | undefined;
  restarts = 0;

  constructor(private readonly opts: PublisherOptions) {}

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Resolves once ffmpeg reports it is sending frames. */
  start(): Promise<void> {
    this.stopped = false;
    const up = this.whenUp();
    if (!this.child && !this.restartTimer) void this.launch();
    return up;
  }

  whenUp(): Promise<void> {
    if (this.upSince !== undefined) return Promise.resolve();
    return new Promise((resolve) => this.upWaiters.push(resolve));
  }

  private async launch(): Promise<void> {
    this.restartTimer = undefined;
    if (this.stopped) return;
    await this.opts.beforeStart?.();
    if (this.stopped || this.child) return;
    const args = [
      '-hide_banner', '-nostdin', '-loglevel', 'error', '-nostats', '-progress', 'pipe:1',
      '-re', '-stream_loop', '-1', '-i', this.opts.clip,
      '-c', 'copy', '-f', 'rtsp', '-rtsp_transport', 'udp', this.opts.target,
    ];
    const child = spawnOrphanProof(this.opts.ffmpegPath, args);
    this.child = child;
    const startedAt = Date.now();
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    let frame = 0;
    let buf = '';
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString();
      let nl: number;
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl).trim();
        buf = buf.slice(nl + 1);
        if (line.startsWith('frame=')) frame = Number(line.slice(6)) || 0;
        else if (line.startsWith('progress=') && frame > 0) {
          const now = Date.now();
          this.opts.onProgress?.(frame, now);
          if (this.upSince === undefined) {
            this.upSince = now;
            for (const w of this.upWaiters.splice(0)) w();
          }
        }
      }
    });
    child.once('exit', (code, signal) => {
      if (this.child === child) this.child = undefined;
      this.upSince = undefined;
      if (this.stopped) return;
      // A publisher that ran a while restarts fast; one that keeps failing backs off.
      if (Date.now() - startedAt > 10_000) this.backoffMs = 500;
      log.warn(`publisher ${this.opts.name} exited (${code ?? signal}); restart in ${this.backoffMs} ms`, {
        stderr: stderr.trim().split('\n').slice(-2).join(' | '),
      });
      this.restarts++;
      this.restartTimer = setTimeout(() => void this.launch(), this.backoffMs);
      this.backoffMs = Math.min(this.backoffMs * 2, 5_000);
    });
  }

  /** Stop and wait until ffmpeg is gone (SIGTERM lets it send TEARDOWN; SIGKILL after 2 s). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.restartTimer) clearTimeout(this.restartTimer);
    this.restartTimer = undefined;
    const child = this.child;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const t = setTimeout(() => child.kill('SIGKILL'), 2_000);
    await gone;
    clearTimeout(t);
  }
}
