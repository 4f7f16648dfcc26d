// Transactions with after-commit hooks, and group commit.
// With synchronous=FULL every COMMIT is one fsync (~8 ms under load). Work queued in the same event-loop turn
// (requests that arrived while the previous fsync blocked the loop) shares ONE transaction: each item runs in its own
// SAVEPOINT (a failing item rolls back alone and rejects alone), the batch commits once, then the item's after-commit
// hooks run (bus.publish) and its promise resolves — so a 2xx is only ever sent after the commit that holds it.
// One Transactor per connection (transactorFor), shared by every repository/service on that db, so incidents and
// unit positions arriving together cost one fsync.
import type { Database } from 'better-sqlite3';
import { logger } from '../log.ts';

const log = logger('store');

interface Queued {
  work: () => unknown;
  resolve: (v: unknown) => void;
  reject: (e: unknown) => void;
}

export interface Transactor {
  /**
   * Runs fn in a transaction (a SAVEPOINT when already inside one). afterCommit hooks registered inside run after
   * the outermost commit, or are dropped if this (or an enclosing) transaction rolls back.
   */
  transaction<T>(fn: () => T): T;
  /** Runs fn after the current transaction commits; right away when none is open. */
  afterCommit(fn: () => void): void;
  /** Group commit: fn runs in a shared transaction at the end of this event-loop turn; resolves after its COMMIT. */
  enqueue<T>(fn: () => T): Promise<T>;
  /** Resolves once every item queued so far (and any queued meanwhile) has committed or failed: used on shutdown. */
  drain(): Promise<void>;
}

/** Items per transaction; the rest go in the next turn's transaction. */
const MAX_BATCH = 256;

const byDb = new WeakMap<Database, Transactor>();

/** The one Transactor of this connection (created on first use). */
export function transactorFor(db: Database): Transactor {
  let t = byDb.get(db);
  if (!t) byDb.set(db, (t = createTransactor(db)));
  return t;
}

function createTransactor(db: Database): Transactor {
  // one frame of pending hooks per open (nested) transaction
  const frames: Array<Array<() => void>> = [];
  const queue: Queued[] = [];

  const runHooks = (hooks: Array<() => void>) => {
    for (const h of hooks) {
      try {
        h();
      } catch (err) {
        // a subscriber's bug must not turn a committed write into an error for its caller
        log.error('after-commit hook failed', { err: String(err) });
      }
    }
  };

  function transaction<T>(fn: () => T): T {
    frames.push([]);
    let result: T;
    try {
      result = db.transaction(fn)(); // better-sqlite3 turns a nested call into a SAVEPOINT
    } catch (err) {
      frames.pop();
      throw err;
    }
    const hooks = frames.pop()!;
    if (frames.length) frames[frames.length - 1].push(...hooks);
    else runHooks(hooks);
    return result;
  }

  let drained: Array<() => void> = [];
  const settleDrains = () => {
    if (queue.length) return;
    const waiting = drained;
    drained = [];
    waiting.forEach((fn) => fn());
  };

  function flush(): void {
    try {
      flushBatch();
    } finally {
      settleDrains();
    }
  }

  function flushBatch(): void {
    // bounded, so one huge batch cannot hold the event loop (ws fan-out, other requests) for long
    const batch = queue.splice(0, MAX_BATCH);
    if (queue.length) setImmediate(flush);
    frames.push([]);
    const outcomes: Array<{ ok: true; value: unknown; hooks: Array<() => void> } | { ok: false; err: unknown }> = [];
    try {
      db.transaction(() => {
        for (const item of batch) {
          frames.push([]);
          try {
            const value = db.transaction(item.work)(); // SAVEPOINT: rolled back alone on a throw
            outcomes.push({ ok: true, value, hooks: frames.pop()! });
          } catch (err) {
            frames.pop();
            outcomes.push({ ok: false, err });
          }
        }
      })();
    } catch (err) {
      // the COMMIT itself failed: nothing of the batch is stored, nobody gets a 2xx
      frames.pop();
      log.error('group commit failed', { items: batch.length, err: String(err) });
      for (const item of batch) item.reject(err);
      return;
    }
    frames.pop();
    batch.forEach((item, i) => {
      const o = outcomes[i];
      if (o.ok) {
        runHooks(o.hooks);
        item.resolve(o.value);
      } else item.reject(o.err);
    });
  }

  return {
    transaction,
    afterCommit(fn) {
      if (frames.length) frames[frames.length - 1].push(fn);
      else fn();
    },
    enqueue<T>(fn: () => T): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        // setImmediate: after the poll phase has handed us every request that is already readable
        if (queue.push({ work: fn, resolve: resolve as (v: unknown) => void, reject }) === 1) setImmediate(flush);
      });
    },
    drain(): Promise<void> {
      if (!queue.length) return Promise.resolve();
      return new Promise<void>((resolve) => drained.push(resolve));
    },
  };
}
