// Below the free-disk watermark (SIAGA_MIN_FREE_DISK_MB) the server keeps room for what saves lives: 112 intake,
// incident changes, dispatch and crew taps are still taken; everything else that writes (AVL history, the bulk of
// the growth, and admin changes) is answered 507 and retried by its sender (Traccar Client buffers). Health says
// disk_low meanwhile (health.ts).
import fs from 'node:fs';
import type { RequestHandler } from 'express';
import { DomainError } from '../../domain/errors.ts';

/** Writes still taken below the watermark. */
const CRITICAL_WRITES = /^\/api\/(incidents|intake|login|logout|crew\/taps)(\/|$)/;

export interface DiskGuard {
  /** Free MB on the data disk (statfs at most once a second); null where it cannot be read. */
  freeMB(): number | null;
  /** The refusal a non-critical write gets now, or null. */
  refusal(): DomainError | null;
  /** Express middleware: refuses non-critical writes below the watermark. */
  middleware: RequestHandler;
}

export function createDiskGuard(dataDir: string, minFreeMB: number, now: () => number = Date.now): DiskGuard {
  let readAt = -Infinity;
  let free: number | null = null;
  function freeMB(): number | null {
    if (now() - readAt < 1000) return free;
    readAt = now();
    try {
      const s = fs.statfsSync(dataDir);
      free = Math.floor((s.bavail * s.bsize) / 1_048_576);
    } catch {
      free = null;
    }
    return free;
  }
  function refusal(): DomainError | null {
    const f = freeMB();
    if (f === null || f >= minFreeMB) return null;
    return new DomainError('insufficient_storage', null, `the data disk is almost full (${f} MB free): only 112 calls and dispatch are taken, retry later`);
  }
  const middleware: RequestHandler = (req, _res, next) => {
    if (req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS' || CRITICAL_WRITES.test(req.path)) return next();
    next(refusal() ?? undefined);
  };
  return { freeMB, refusal, middleware };
}
