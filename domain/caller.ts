// How a caller's identity is shown where it must not be read in full (walls, viewers): one rule for server and wall.
// Both functions are idempotent, so a wall may mask what the server already masked.

/** "Budi Santoso" → "Bu** Sa*****": enough for an operator to recognise a repeat caller on a wall, no more. */
export function maskName(name: string | null): string | null {
  if (!name) return name;
  return name
    .trim()
    .split(/\s+/)
    .map((w) => (w.length <= 2 ? w[0] + '*'.repeat(w.length - 1) : w.slice(0, 2) + '*'.repeat(w.length - 2)))
    .join(' ');
}

/** "081234565678" → "0812****5678". Short numbers keep only their last two digits. */
export function maskPhone(phone: string | null): string | null {
  if (!phone) return phone;
  if (phone.length >= 10) return phone.slice(0, 4) + '*'.repeat(phone.length - 8) + phone.slice(-4);
  return '*'.repeat(Math.max(0, phone.length - 2)) + phone.slice(-2);
}

/** A handset identifier (IMEI, IMSI, MSISDN) as an AML message's reference: only its last four digits. */
export function maskDeviceId(id: string | null): string | null {
  if (!id) return id;
  return '*'.repeat(Math.max(0, id.length - 4)) + id.slice(-4);
}

/** Who did something, for viewers: a user's name masked, an API token only as "token" (its label names a system or
 * a person). Service actors ('system', 'avl', …) stay as they are. */
export function maskActor(by: string): string {
  if (by.startsWith('token:')) return 'token';
  if (by.startsWith('user:')) return `user:${maskName(by.slice(5)) ?? ''}`;
  return by;
}
