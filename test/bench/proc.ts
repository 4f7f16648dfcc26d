// CPU and memory of processes, read from /proc (Linux), for the benchmarks that measure the real server and its
// ffmpeg children (bench:streams, bench:rewind).
import fs from 'node:fs';

/** USER_HZ on Linux: /proc/<pid>/stat counts CPU time in these ticks per second. */
export const TICK = 100;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** The fields of /proc/<pid>/stat after the command name (state is [0], ppid [1], utime [11]). */
export function statFields(pid: number): string[] | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

/** CPU ticks `pid` has used so far (utime + stime); 0 once it is gone. */
export function cpuTicks(pid: number): number {
  const f = statFields(pid);
  return f ? Number(f[11]) + Number(f[12]) : 0;
}

/** CPU of `pid`'s children that have exited and been reaped (cutime + cstime): catches short-lived runs that
 *  1 s polling would miss (on-demand snapshot decodes, well under a second each). */
export function reapedChildTicks(pid: number): number {
  const f = statFields(pid);
  return f ? Number(f[13]) + Number(f[14]) : 0;
}

/** A camera pipeline: ffmpeg writing fMP4 to the segmenter (server/streams/args.ts). */
export const isPipeline = (pid: number) => {
  try {
    return fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('-frag_duration');
  } catch {
    return false;
  }
};

export function rssMb(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) / 1024 : 0;
  } catch {
    return 0;
  }
}

export function childrenOf(ppid: number): number[] {
  return fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d)).map(Number).filter((pid) => Number(statFields(pid)?.[1]) === ppid);
}

/**
 * CPU seconds used over `seconds` by each group of processes, sampled together each second (pids re-read each
 * time so restarts are counted): several groups measured over the same window see the same machine.
 */
export async function cpuOverGroups(seconds: number, groups: Array<() => number[]>, onSample?: () => void): Promise<number[]> {
  const start = groups.map(() => new Map<number, number>());
  const last = groups.map(() => new Map<number, number>());
  const end = Date.now() + seconds * 1000;
  while (Date.now() < end) {
    groups.forEach((pids, g) => {
      for (const pid of pids()) {
        const t = cpuTicks(pid);
        if (!start[g].has(pid)) start[g].set(pid, t);
        if (t) last[g].set(pid, t);
      }
    });
    onSample?.();
    await sleep(1000);
  }
  return start.map((s, g) => {
    let ticks = 0;
    for (const [pid, t0] of s) ticks += (last[g].get(pid) ?? t0) - t0;
    return ticks / TICK;
  });
}

/** CPU seconds used by `pids()` over `seconds`. */
export async function cpuOver(seconds: number, pids: () => number[], onSample?: () => void): Promise<number> {
  return (await cpuOverGroups(seconds, [pids], onSample))[0];
}
