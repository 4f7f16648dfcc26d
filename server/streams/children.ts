// Every ffmpeg we start is registered here so that no exit path (SIGINT/SIGTERM, an uncaught error, process.exit)
// leaves one behind: the 'exit' hook runs synchronously and SIGKILLs whatever is still alive.
import type { ChildProcess } from 'node:child_process';

const alive = new Set<ChildProcess>();
let hooked = false;

function killAllNow(): void {
  for (const child of alive) {
    try {
      child.kill('SIGKILL');
    } catch {
      /* already gone */
    }
  }
  alive.clear();
}

export function trackChild(child: ChildProcess): void {
  if (!hooked) {
    hooked = true;
    process.on('exit', killAllNow);
  }
  alive.add(child);
  child.once('exit', () => alive.delete(child));
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the child has exited. */
export function stopChild(child: ChildProcess, graceMs = 2000): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

export function trackedChildCount(): number {
  return alive.size;
}
