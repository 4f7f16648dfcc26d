// Who is this screen? GET /api/me gives the role; a 401 means show the login screen.
import { api, ApiError } from '../state/api.ts';

export type Role = 'viewer' | 'operator' | 'admin';

export async function currentRole(): Promise<Role | null> {
  try {
    const me = await api<{ role?: Role }>('/api/me');
    return me?.role ?? 'viewer';
  } catch (err) {
    if (err instanceof ApiError && (err.status === 401 || err.status === 403)) return null;
    if (err instanceof ApiError && err.status === 404) return 'viewer'; // server without /api/me: read-only wall
    throw err;
  }
}

export function canOperate(role: Role): boolean {
  return role === 'operator' || role === 'admin';
}
