// The processes below this test's own (ffmpeg pulls, the camera simulator and its publishers), with their argv, read
// from /proc: a test file runs in its own worker process, so its children are told apart from another file's.
import fs from 'node:fs';

export function descendants(pid = process.pid): Array<{ pid: number; argv: string[] }> {
  const children = new Map<number, number[]>();
  for (const d of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const ppid = Number(/^\d+ \(.*\) \S (\d+)/s.exec(fs.readFileSync(`/proc/${d}/stat`, 'utf8'))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {
      // exited meanwhile
    }
  }
  const out: Array<{ pid: number; argv: string[] }> = [];
  const walk = (p: number) =>
    (children.get(p) ?? []).forEach((c) => {
      try {
        out.push({ pid: c, argv: fs.readFileSync(`/proc/${c}/cmdline`, 'utf8').split('\0').filter(Boolean) });
      } catch {
        // exited meanwhile
      }
      walk(c);
    });
  walk(pid);
  return out;
}

/** Our camera pulls: ffmpeg reading a camera (rtsp://, rtmp://) into fMP4 on stdout; not a publisher, not a snapshot. */
export function cameraPulls(): Array<{ pid: number; argv: string[] }> {
  return descendants().filter(({ argv }) => argv.includes('pipe:1') && argv.some((a) => /^(rtsp|rtmp):\/\//.test(a)) && !argv.includes('-re'));
}
