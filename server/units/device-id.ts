// Device ids are the AVL credential (Traccar Client sends nothing else), so they are treated like tokens: issued by
// the server with 128 random bits, shown once, stored only as a hash, rotatable, and optionally bound to addresses.
import { createHash, randomBytes } from 'node:crypto';
import net from 'node:net';

/** 22 base64url characters: 128 bits, typed into Traccar Client's "Device identifier" once. */
export const newDeviceId = (): string => randomBytes(16).toString('base64url');

/** What the store keeps instead of the id (the same form as SQL's `'sha256:' || sha256_hex(id)` in the migration). */
export const deviceHash = (deviceId: string): string => `sha256:${createHash('sha256').update(deviceId, 'utf8').digest('hex')}`;

/** An address or CIDR block per entry ("203.0.113.7", "10.20.0.0/16", "2001:db8::/32"); null when malformed. */
export function parseAllowList(entries: readonly string[]): net.BlockList | null {
  const list = new net.BlockList();
  for (const e of entries) {
    const [addr, bits, extra] = e.trim().split('/');
    const family = net.isIP(addr);
    if (!family || extra !== undefined) return null;
    const type = family === 6 ? 'ipv6' : 'ipv4';
    if (bits === undefined) list.addAddress(addr, type);
    else {
      const prefix = Number(bits);
      if (!/^\d{1,3}$/.test(bits) || prefix > (family === 6 ? 128 : 32)) return null;
      list.addSubnet(addr, prefix, type);
    }
  }
  return list;
}

/** Is a sender inside the list? IPv4-mapped IPv6 (::ffff:a.b.c.d, as node reports IPv4 on a dual stack) counts as IPv4. */
export function allowedFrom(list: net.BlockList, ip: string): boolean {
  const v4 = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(ip)?.[1];
  if (v4) return list.check(v4, 'ipv4');
  const family = net.isIP(ip);
  return family !== 0 && list.check(ip, family === 6 ? 'ipv6' : 'ipv4');
}
