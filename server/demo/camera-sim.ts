// Demo camera simulator (the embedded default): cached clips → a real RTSP server (separate child process) → one
// looping `ffmpeg -re -stream_loop -1 -c copy` publisher per camera. The supervisor pulls these URLs exactly as it
// pulls real cameras (over UDP: the server has no TCP interleaving).
import fs from 'node:fs';
import path from 'node:path';
import { logger } from '../log.ts';
import { resolveFfmpeg } from '../streams/ffmpeg.ts';
import { Background, ensureClips, planClips } from './camera-sim-clips.ts';
import { Publisher, startRtspServerChild, type RtspCredentials } from './camera-sim-rtsp.ts';

const log = logger('camera-sim');

export interface CameraSimOptions {
  ids: string[];
  /** Burnt into each camera's clip when the ffmpeg build has drawtext and a font is found. */
  labels?: Record<string, string>;
  /** Clips are cached in workDir/clips. */
  workDir: string;
  ffmpegPath?: string;
  /** RTSP client (pull) port; 0 / unset = pick a free one. */
  rtspPort?: number;
  /** RTSP publish port; 0 / unset = pick a free one. */
  publishPort?: number;
  /** Font for labels; default: the first of a list of common system fonts. */
  fontFile?: string;
  /** false = never burn labels (the shared testsrc2 variants a font-less machine gets). Default true. */
  burnLabels?: boolean;
  /** How long startup may wait for labelled clips before falling back to shared unlabelled ones. Default 10 s. */
  clipBudgetMs?: number;
  /** These cameras publish H.265 instead of H.264. */
  h265Ids?: string[];
  /** Pulls must authenticate (RTSP Basic) with these, as a real camera's do. Default: open. */
  credentials?: RtspCredentials;
}

export interface CameraSim {
  /** "127.0.0.1:<clientPort>" */
  host: string;
  /** rtsp://127.0.0.1:<clientPort>/<id> — pull with `-rtsp_transport udp`. */
  url(id: string): string;
  /** Kill that camera's publisher: the camera goes dark (its mount disappears, DESCRIBE → 404). */
  stop(id: string): Promise<void>;
  /** Start it again; resolves when it is sending. */
  resume(id: string): Promise<void>;
  /** Kill server + all publishers, no orphan. */
  close(): Promise<void>;
  /** What was done at start, for logs and benches. */
  stats: {
    clipsGenerated: number;
    clipMs: number;
    publishersUpMs: number;
    /** Every camera shows its label (false: some or all run on shared unlabelled clips this time). */
    labelled: boolean;
    labelledCameras: number;
    serverPid: number;
    /** The RTSP server's own RTP/RTCP ports, [first, end). */
    rtpPorts: [number, number];
  };
  publisherPid(id: string): number | undefined;
}

const ID_PATTERN = /^[\w.-]{1,64}$/;

export async function startCameraSim(opts: CameraSimOptions): Promise<CameraSim> {
  for (const id of opts.ids) if (!ID_PATTERN.test(id)) throw new Error(`camera-sim: invalid camera id "${id}"`);
  const ffmpeg = await resolveFfmpeg(opts.ffmpegPath);

  const t0 = Date.now();
  const clipDir = path.join(opts.workDir, 'clips');
  const budgetMs = opts.clipBudgetMs ?? 10_000;
  const wantedPlan = planClips(ffmpeg, opts.ids, opts.labels ?? {}, clipDir, {
    fontFile: opts.fontFile,
    burnLabels: opts.burnLabels,
    h265Ids: opts.h265Ids,
  });
  // Labelled clips cost one x264 encode per camera (~0.3 s each on 2 idle cores, far more on a busy machine). They are
  // generated within a time budget; cameras whose clip is not ready by then start on a few shared unlabelled clips and
  // the labelled ones keep generating in the background, used from the next start (never swapped live: no flapping).
  const abort = new AbortController();
  const missingAtStart = wantedPlan.specs.filter((spec) => !fs.existsSync(spec.file));
  let clipsGenerated = 0;
  const background = new Background();
  const wantedJob = ensureClips(ffmpeg, wantedPlan, { signal: abort.signal, background }).then(
    () => 'done' as const,
    (err) => {
      if (!abort.signal.aborted) log.warn('demo clip generation failed', { err: String(err).slice(0, 300) });
      return 'failed' as const;
    },
  );
  let budgetTimer: NodeJS.Timeout | undefined;
  const allCached = missingAtStart.length === 0;
  const outcome = !wantedPlan.labelled || allCached
    ? await wantedJob
    : await Promise.race([wantedJob, new Promise<'late'>((r) => (budgetTimer = setTimeout(() => r('late'), budgetMs)))]);
  clearTimeout(budgetTimer);
  if (outcome === 'failed' && !wantedPlan.labelled) throw new Error('camera-sim: could not generate demo clips');
  const clipFor = new Map(wantedPlan.clips);
  /** Stop the background generation before giving up: no ffmpeg may outlive a failed start. */
  const failStart = async (err: unknown): Promise<never> => {
    abort.abort();
    await wantedJob;
    throw err;
  };
  if (outcome !== 'done') {
    // What is ready at the deadline is used; the rest runs on shared unlabelled clips this time.
    const late = opts.ids.filter((id) => !fs.existsSync(clipFor.get(id)!));
    background.lower(); // the fallback clips below are what startup waits for now
    const plain = planClips(ffmpeg, opts.ids, {}, clipDir, { burnLabels: false, h265Ids: opts.h265Ids });
    clipsGenerated += await ensureClips(ffmpeg, plain).catch(failStart);
    for (const id of late) clipFor.set(id, plain.clips.get(id)!);
  }
  clipsGenerated += missingAtStart.filter((spec) => fs.existsSync(spec.file)).length;
  const labelledCameras = wantedPlan.labelled ? opts.ids.filter((id) => clipFor.get(id) === wantedPlan.clips.get(id)).length : 0;
  const clipMs = Date.now() - t0;
  log.info(`clips ready: ${clipsGenerated} generated, ${labelledCameras}/${opts.ids.length} cameras labelled`, {
    ms: clipMs,
    ffmpeg: ffmpeg.version,
    ...(outcome === 'late' ? { note: 'labelled clips still generating in the background, used from the next start' } : {}),
  });

  let server = await startRtspServerChild({ publishPort: opts.publishPort, clientPort: opts.rtspPort, credentials: opts.credentials }).catch(failStart);
  const host = `127.0.0.1:${server.clientPort}`;
  let closed = false;
  const publishers = new Map<string, Publisher>();
  for (const id of opts.ids) {
    publishers.set(
      id,
      new Publisher({
        name: id,
        ffmpegPath: ffmpeg.path,
        clip: clipFor.get(id)!,
        target: `rtsp://127.0.0.1:${server.publishPort}/${id}`,
        beforeStart: () => server.drop(id),
      }),
    );
  }
  /** Desired state per camera (stop/resume), so a server restart brings back only the ones that should run. */
  const wanted = new Set(opts.ids);
  // The server child should never die; if it does, bring it back on the same ports (the camera URLs stay valid) and
  // restart the publishers, whose UDP senders would otherwise keep streaming into nothing.
  const watch = (child: typeof server) => {
    void child.exited.then(async () => {
      if (closed) return;
      log.error('RTSP server child died: restarting it and every publisher');
      await Promise.all([...publishers.values()].map((p) => p.stop()));
      for (let attempt = 1; !closed; attempt++) {
        try {
          server = await startRtspServerChild({ publishPort: child.publishPort, clientPort: child.clientPort, credentials: opts.credentials });
          break;
        } catch (err) {
          log.warn(`RTSP server restart failed (attempt ${attempt})`, { err: String(err) });
          await new Promise((r) => setTimeout(r, Math.min(1000 * attempt, 5000)));
        }
      }
      if (closed) return void server.close();
      watch(server);
      for (const id of wanted) void publishers.get(id)!.start();
    });
  };
  watch(server);

  const t1 = Date.now();
  const allUp = Promise.all([...publishers.values()].map((p) => p.start()));
  const timeout = new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 20_000).unref());
  if ((await Promise.race([allUp, timeout])) === 'timeout') log.warn('not every demo publisher was up after 20 s');
  const publishersUpMs = Date.now() - t1;
  log.info(`${publishers.size} demo cameras publishing on ${host}`, { ms: publishersUpMs });

  const get = (id: string) => {
    const p = publishers.get(id);
    if (!p) throw new Error(`camera-sim: unknown camera "${id}"`);
    return p;
  };
  return {
    host,
    url: (id) => `rtsp://${host}/${encodeURIComponent(id)}`,
    async stop(id) {
      wanted.delete(id);
      await get(id).stop();
      await server.drop(id);
    },
    resume(id) {
      wanted.add(id);
      return get(id).start();
    },
    async close() {
      closed = true;
      abort.abort(); // background clip generation, if any
      await wantedJob;
      // all at once: TEARDOWNs to a server that is going away too are not worth a sequential grace period
      await Promise.all([...[...publishers.values()].map((p) => p.stop()), server.close()]);
    },
    stats: {
      clipsGenerated,
      clipMs,
      publishersUpMs,
      labelled: labelledCameras === opts.ids.length,
      labelledCameras,
      get serverPid() {
        return server.pid;
      },
      get rtpPorts(): [number, number] {
        return [server.rtpPortStart, server.rtpPortStart + server.rtpPortCount];
      },
    },
    publisherPid: (id) => get(id).pid,
  };
}
