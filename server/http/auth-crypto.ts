// Secret handling for auth: random secrets, sha256 for tokens/session ids, scrypt for passwords (node:crypto only).
import crypto from 'node:crypto';

export const newSecret = (prefix: string) => `${prefix}_${crypto.randomBytes(32).toString('base64url')}`;
export const sha256 = (s: string) => crypto.createHash('sha256').update(s).digest('hex');

// OWASP Password Storage Cheat Sheet: scrypt N=2^17, r=8, p=1. That needs 128·N·r = 128 MiB per hash, above node's
// 32 MiB default maxmem; it runs on libuv's thread pool (crypto.scrypt), never on the event loop.
const SCRYPT = { N: 2 ** 17, r: 8, p: 1, keyLen: 32 };
const maxmemFor = (N: number, r: number) => 128 * N * r + 1024 * 1024;
const scrypt = (password: string, salt: Buffer, keyLen: number, N: number, r: number, p: number) =>
  new Promise<Buffer>((resolve, reject) =>
    crypto.scrypt(password, salt, keyLen, { N, r, p, maxmem: maxmemFor(N, r) }, (err, key) => (err ? reject(err) : resolve(key))),
  );

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const key = await scrypt(password, salt, SCRYPT.keyLen, SCRYPT.N, SCRYPT.r, SCRYPT.p);
  return `scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

/** Only hashes this code could have written verify: a tampered cost cannot make a login burn the server. */
const KNOWN_COSTS = new Set([`${2 ** 14}$8$1`, `${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}`]);

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [scheme, n, r, p, salt, key] = stored.split('$');
  if (scheme !== 'scrypt' || !salt || !key || !KNOWN_COSTS.has(`${n}$${r}$${p}`)) return false;
  const expected = Buffer.from(key, 'base64url');
  const actual = await scrypt(password, Buffer.from(salt, 'base64url'), expected.length, Number(n), Number(r), Number(p));
  return crypto.timingSafeEqual(actual, expected);
}

/** A hash made with a lower cost than today's: rehash it at the next successful login. */
export const needsRehash = (stored: string) => !stored.startsWith(`scrypt$${SCRYPT.N}$${SCRYPT.r}$${SCRYPT.p}$`);

/** Cookie header → name/value map (no dependency needed for this). */
export function parseCookies(header: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const part of (header ?? '').split(';')) {
    const i = part.indexOf('=');
    if (i < 0) continue;
    const name = part.slice(0, i).trim();
    if (!name || name in out) continue;
    try {
      out[name] = decodeURIComponent(part.slice(i + 1).trim());
    } catch {
      /* a malformed cookie is ignored, not fatal */
    }
  }
  return out;
}
