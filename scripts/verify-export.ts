// Checks an evidence package (server/recordings/exports.ts) against its manifest: every file it lists is there with
// its byte count and SHA-256, and the directory holds nothing else. Prints "intact" or what differs; exit 0 when
// intact, 1 otherwise (a directory or manifest that cannot be read included). Needs nothing but Node: a copy of this file, or
// `sha256sum`, checks a package away from the server.
//
//   npm run verify -- data/exports/20261130-0123456789abcdef
//
// The manifest holds the hashes, so it does not vouch for itself: its own SHA-256 is printed, to compare with the one
// the server recorded when it made the package (GET /api/incidents/<id>/clips, manifestSha256).
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { hashFile } from '../server/recordings/clip.ts';

const MANIFEST = 'manifest.json';

export interface VerifyResult {
  ok: boolean;
  manifestSha256: string;
  /** One line per file: "ok <file>", "DIFFERS <file>: …", "MISSING <file>", "EXTRA <file>". */
  lines: string[];
}


export async function verifyExport(dir: string): Promise<VerifyResult> {
  const text = fs.readFileSync(path.join(dir, MANIFEST));
  const manifest = JSON.parse(text.toString('utf8')) as { clips?: Array<{ file?: unknown; bytes?: unknown; sha256?: unknown }> };
  if (!Array.isArray(manifest.clips) || !manifest.clips.length) throw new Error(`${MANIFEST}: no clips listed`);
  const lines: string[] = [];
  let ok = true;
  const listed = new Set<string>([MANIFEST]);
  for (const clip of manifest.clips) {
    const name = clip.file;
    // a manifest names files in its own directory, never a path
    if (typeof name !== 'string' || name !== path.basename(name) || name.startsWith('.') || typeof clip.sha256 !== 'string') {
      throw new Error(`${MANIFEST}: a clip entry without a plain file name and sha256: ${JSON.stringify(clip).slice(0, 200)}`);
    }
    listed.add(name);
    const file = path.join(dir, name);
    if (!fs.existsSync(file)) {
      ok = false;
      lines.push(`MISSING ${name}`);
      continue;
    }
    const got = await hashFile(file);
    if (got.sha256 !== clip.sha256 || got.bytes !== clip.bytes) {
      ok = false;
      lines.push(`DIFFERS ${name}: sha256 ${got.sha256} (${got.bytes} bytes), manifest says ${clip.sha256} (${String(clip.bytes)} bytes)`);
    } else lines.push(`ok ${name} ${got.sha256}`);
  }
  for (const name of fs.readdirSync(dir).sort()) {
    if (!listed.has(name)) {
      ok = false;
      lines.push(`EXTRA ${name}: not in the manifest`);
    }
  }
  return { ok, manifestSha256: crypto.createHash('sha256').update(text).digest('hex'), lines };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: npm run verify -- <export directory>');
    process.exit(1);
  }
  try {
    const r = await verifyExport(path.resolve(dir));
    for (const l of r.lines) console.log(l);
    console.log(`${MANIFEST} sha256 ${r.manifestSha256} (compare with the server's manifestSha256 for this export)`);
    console.log(r.ok ? `intact: every file matches ${MANIFEST}` : `NOT INTACT: ${r.lines.filter((l) => !l.startsWith('ok ')).length} problem(s) above`);
    process.exit(r.ok ? 0 : 1);
  } catch (err) {
    console.error(`cannot verify ${dir}: ${(err as Error).message}`);
    process.exit(1);
  }
}
