// Puts a backup (server/store/backup.ts) back as the store of this data dir. Stop the server first.
//
//   npm run restore -- <backup file> [--force]
//
// Checks the backup (integrity_check, migrations table), refuses while the store looks in use (non-empty -wal or a
// -shm: a running server, or one that crashed; --force overrides), keeps the current store as
// siaga.sqlite.before-restore-<time> (with its -wal when it has one), then swaps the backup in. The data dir is the
// server's (SIAGA_DATA_DIR, via loadConfig). Exit code 0 on success, 1 when refused or failed, 2 on bad usage.
import fs from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../server/config.ts';
import { verifyBackup } from '../server/store/backup.ts';

class Refused extends Error {}

/** Set once the store itself is being changed (stale files removed, swap). */
let swapping: { aside: string | undefined; incoming: string } | undefined;

const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : -1);
const stamp = () => new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');

/** fsync of a file, or of a directory to make a rename durable (best effort: not every platform can). */
function fsync(p: string): void {
  const isDir = fs.statSync(p).isDirectory();
  let fd: number | undefined;
  try {
    fd = fs.openSync(p, isDir ? 'r' : 'r+');
    fs.fsyncSync(fd);
  } catch (err) {
    if (!isDir) throw err;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function restore(backupArg: string, force: boolean): void {
  const backup = path.resolve(backupArg);
  const { dataDir } = loadConfig(process.env, []);
  const target = path.join(dataDir, 'siaga.sqlite');
  if (backup === target) throw new Refused(`${backup} is the store itself; give a backup file`);
  if (size(`${backup}-wal`) > 0) {
    throw new Refused(`${backup}-wal is not empty: that file is not a self-contained backup (open and close it with sqlite3 first)`);
  }

  const summary = verifyBackup(backup);
  const counts = Object.entries(summary.counts).map(([t, n]) => `${t} ${n}`).join(', ');
  console.log(`backup ok: ${backup} (${summary.bytes} bytes, ${summary.migrations.length} migrations, ${counts})`);

  const inUse = [
    size(`${target}-wal`) > 0 && `${target}-wal is not empty`,
    fs.existsSync(`${target}-shm`) && `${target}-shm exists`,
  ].filter(Boolean);
  if (inUse.length && !force) {
    throw new Refused(`${inUse.join(' and ')}: a server is probably running on ${dataDir} (or it crashed). ` +
      `Stop it and try again; --force restores anyway (the current store, with its -wal, is still kept aside)`);
  }

  // 1. the backup, copied next to the target and checked again there (nothing is touched if this fails)
  fs.mkdirSync(dataDir, { recursive: true });
  const incoming = `${target}.restoring`;
  fs.copyFileSync(backup, incoming);
  try {
    fsync(incoming);
    verifyBackup(incoming);
  } catch (err) {
    fs.rmSync(incoming, { force: true });
    throw err;
  }
  // 2. the current store kept aside, with its -wal so that copy is whole
  let aside: string | undefined;
  try {
    if (fs.existsSync(target)) {
      aside = `${target}.before-restore-${stamp()}`;
      fs.copyFileSync(target, aside, fs.constants.COPYFILE_EXCL);
      if (size(`${target}-wal`) > 0) fs.copyFileSync(`${target}-wal`, `${aside}-wal`, fs.constants.COPYFILE_EXCL);
      fsync(aside);
    }
  } catch (err) {
    fs.rmSync(incoming, { force: true });
    throw err;
  }
  // 3. stale -wal/-shm go first (SQLite would replay an old -wal onto the restored file), then the swap
  swapping = { aside, incoming };
  for (const f of [`${target}-wal`, `${target}-shm`, `${target}-journal`]) fs.rmSync(f, { force: true });
  fs.renameSync(incoming, target);
  fsync(dataDir);
  console.log(`restored ${target} from ${backup}`);
  if (aside) console.log(`previous store kept as ${aside}`);
}

const args = process.argv.slice(2);
const force = args.includes('--force');
const files = args.filter((a) => a !== '--force');
if (files.length !== 1 || files[0].startsWith('-')) {
  console.error('usage: npm run restore -- <backup file> [--force]   (data dir: SIAGA_DATA_DIR, default ./data)');
  process.exit(2);
}
try {
  restore(files[0], force);
} catch (err) {
  console.error(`restore ${err instanceof Refused ? 'refused' : 'failed'}: ${(err as Error)?.message ?? err}`);
  if (!swapping) console.error('the store was not changed');
  else console.error(`the swap did not finish: the backup is at ${swapping.incoming}` + (swapping.aside ? `, the previous store at ${swapping.aside}` : ''));
  process.exit(1);
}
