// Users, bearer tokens and sessions. Secrets are never stored: tokens and session ids as sha256, passwords as scrypt.
import type { Db } from './db.ts';

export interface TokenRow {
  id: number;
  role: string;
  label: string;
  created_at: string;
  revoked_at: string | null;
  /** ISO time the token stops working; null: never (migration 150-token-expiry). */
  expires_at: string | null;
}

/** When a token issued now with a lifetime of `ttlDays` stops working; 0 = never (null). */
export function tokenExpiresAt(ttlDays: number, nowMs = Date.now()): string | null {
  return ttlDays > 0 ? new Date(nowMs + ttlDays * 86_400_000).toISOString() : null;
}

export function createAuthRepo(db: Db) {
  const s = {
    tokenByHash: db.prepare(`SELECT id, role, label FROM tokens WHERE hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)`),
    anyTokenByHash: db.prepare(`SELECT id, role, label, revoked_at FROM tokens WHERE hash = ?`),
    unrevoke: db.prepare(`UPDATE tokens SET revoked_at = NULL WHERE hash = ?`),
    insertToken: db.prepare(`INSERT INTO tokens (hash, role, label, created_at, expires_at) VALUES (?, ?, ?, ?, ?)`),
    revokeByLabel: db.prepare(`UPDATE tokens SET revoked_at = ? WHERE label = ? AND revoked_at IS NULL AND hash <> ?`),
    revokeById: db.prepare(`UPDATE tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL`),
    listTokens: db.prepare(`SELECT id, role, label, created_at, revoked_at, expires_at FROM tokens ORDER BY id`),
    userByName: db.prepare(`SELECT username, role, password_hash AS passwordHash, disabled_at AS disabledAt FROM users WHERE username = ?`),
    setDisabled: db.prepare(`UPDATE users SET disabled_at = ? WHERE username = ?`),
    setPasswordHash: db.prepare(`UPDATE users SET password_hash = ? WHERE username = ?`),
    insertKiosk: db.prepare(`INSERT INTO kiosk_sessions (id_hash, token_id, created_at) VALUES (?, ?, ?)`),
    kioskTokenHash: db.prepare(`SELECT t.hash FROM kiosk_sessions k JOIN tokens t ON t.id = k.token_id WHERE k.id_hash = ?`),
    upsertUser: db.prepare(
      `INSERT INTO users (username, role, password_hash, created_at) VALUES (?, ?, ?, ?)
       ON CONFLICT(username) DO UPDATE SET role = excluded.role, password_hash = excluded.password_hash`,
    ),
    insertSession: db.prepare(`INSERT INTO sessions (id_hash, username, expires_at) VALUES (?, ?, ?)`),
    sessionByHash: db.prepare(
      `SELECT s.username, u.role FROM sessions s JOIN users u ON u.username = s.username
        WHERE s.id_hash = ? AND s.expires_at > ? AND u.disabled_at IS NULL`,
    ),
    deleteSession: db.prepare(`DELETE FROM sessions WHERE id_hash = ?`),
    deleteUserSessions: db.prepare(`DELETE FROM sessions WHERE username = ?`),
    purgeSessions: db.prepare(`DELETE FROM sessions WHERE expires_at <= ?`),
    // retention (server/store/retention.ts): dead tokens a while after they died, with the kiosk sessions made from them
    deadTokens: db.prepare(`SELECT id FROM tokens WHERE revoked_at < ? OR expires_at < ? LIMIT ?`).pluck(),
    purgeKioskOf: db.prepare(`DELETE FROM kiosk_sessions WHERE token_id IN (SELECT value FROM json_each(?))`),
    purgeTokens: db.prepare(`DELETE FROM tokens WHERE id IN (SELECT value FROM json_each(?))`),
    purgeSessionsBatch: db.prepare(`DELETE FROM sessions WHERE id_hash IN (SELECT id_hash FROM sessions WHERE expires_at <= ? LIMIT ?)`),
  };
  const now = () => new Date().toISOString();
  return {
    /** A live token: not revoked, not expired. */
    tokenByHash: (hash: string) => (s.tokenByHash.get(hash, now()) as { id: number; role: string; label: string } | undefined) ?? null,
    /** Including revoked ones (a re-configured env token comes back to life). */
    anyTokenByHash: (hash: string) =>
      (s.anyTokenByHash.get(hash) as { id: number; role: string; label: string; revoked_at: string | null } | undefined) ?? null,
    unrevoke: (hash: string) => s.unrevoke.run(hash),
    /** `expiresAt`: ISO time it stops working (tokenExpiresAt); null/omitted: never. */
    insertToken: (hash: string, role: string, label: string, expiresAt: string | null = null) =>
      Number(s.insertToken.run(hash, role, label, now(), expiresAt).lastInsertRowid),
    /** Keeps `keepHash` (if it exists), revokes every other live token with this label. */
    revokeLabel: (label: string, keepHash = '') => s.revokeByLabel.run(now(), label, keepHash).changes,
    revokeToken: (id: number) => s.revokeById.run(now(), id).changes > 0,
    listTokens: () => s.listTokens.all() as TokenRow[],
    user: (username: string) =>
      (s.userByName.get(username) as { username: string; role: string; passwordHash: string; disabledAt: string | null } | undefined) ?? null,
    /** The same password at a new cost (an upgrade at login): sessions stay, nothing about the user changed. */
    rehash: (username: string, passwordHash: string) => void s.setPasswordHash.run(passwordHash, username),
    /** Disabling signs the user out everywhere; the row stays (history names it). False when there is no such user. */
    setDisabled: (username: string, disabled: boolean) =>
      db.transaction(() => {
        if (disabled) s.deleteUserSessions.run(username);
        return s.setDisabled.run(disabled ? now() : null, username).changes > 0;
      })(),
    insertKioskSession: (idHash: string, tokenId: number) => void s.insertKiosk.run(idHash, tokenId, now()),
    /** The token hash behind a kiosk session (its validity is the token's: revoked or expired, the session is too). */
    kioskTokenHash: (idHash: string) => (s.kioskTokenHash.pluck().get(idHash) as string | undefined) ?? null,
    /** Creates or changes a user; a change (new password, new role) signs every session of theirs out. */
    upsertUser: (username: string, role: string, passwordHash: string) =>
      db.transaction(() => {
        s.deleteUserSessions.run(username);
        s.upsertUser.run(username, role, passwordHash, now());
      })(),
    insertSession: (idHash: string, username: string, expiresAt: string) => {
      s.purgeSessions.run(now());
      s.insertSession.run(idHash, username, expiresAt);
    },
    session: (idHash: string) => (s.sessionByHash.get(idHash, now()) as { username: string; role: string } | undefined) ?? null,
    deleteSession: (idHash: string) => s.deleteSession.run(idHash),
    /**
     * Deletes up to `limit` tokens revoked or expired before `beforeIso`, and the kiosk sessions made from them (they
     * already stopped working with their token). Returns how many tokens went. Call inside a transaction.
     */
    purgeDeadTokens: (beforeIso: string, limit: number): number => {
      const ids = JSON.stringify(s.deadTokens.all(beforeIso, beforeIso, limit));
      s.purgeKioskOf.run(ids);
      return s.purgeTokens.run(ids).changes;
    },
    /** Deletes up to `limit` sessions expired at `atIso`; returns how many. */
    purgeExpiredSessions: (atIso: string, limit: number): number => s.purgeSessionsBatch.run(atIso, limit).changes,
  };
}
export type AuthRepo = ReturnType<typeof createAuthRepo>;
