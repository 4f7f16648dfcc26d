// Roles, tokens, sessions, kiosk cookies and the intake rate limit over real HTTP and a real SQLite file.
import crypto from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createAuth } from '../../server/http/auth.ts';
import { ADMIN, startIncidents, type IncidentsStack } from './incidents-harness.ts';

let s: IncidentsStack;
beforeAll(async () => {
  s = await startIncidents({ intakeRatePerS: 5 });
});
afterAll(() => s?.close());

const cookieOf = (headers: Headers) => headers.getSetCookie().map((c) => c.split(';')[0]).join('; ');

describe('tokens and roles', () => {
  it('SIAGA_ADMIN_TOKEN is an admin; /api/me tells who is calling; bad or missing credentials → 401', async () => {
    expect((await s.call('GET', '/api/me', 'admin')).body).toMatchObject({ role: 'admin', via: 'token' });
    expect((await s.call('GET', '/api/me', 'viewer')).body.role).toBe('viewer');
    expect((await s.call('GET', '/api/me', null)).status).toBe(401);
    expect((await s.call('GET', '/api/me', null, undefined, { authorization: 'Bearer nope' })).status).toBe(401);
  });

  it('an admin issues a token that is shown once and stored only as a hash; others may not', async () => {
    const r = await s.call('POST', '/api/tokens', 'admin', { role: 'integration', label: 'BMKG CAP feed' });
    expect(r.status).toBe(201);
    expect(r.body.token).toMatch(/^sg_[A-Za-z0-9_-]{40,}$/);
    const list = await s.call('GET', '/api/tokens', 'admin');
    expect(list.body.items.some((t: any) => t.label === 'BMKG CAP feed' && t.role === 'integration')).toBe(true);
    expect(JSON.stringify(list.body)).not.toContain(r.body.token);
    const stored = s.db.prepare('SELECT hash FROM tokens').pluck().all() as string[];
    expect(stored.join()).not.toContain(r.body.token);
    expect(stored.every((h) => /^[0-9a-f]{64}$/.test(h))).toBe(true);
    expect((await s.call('POST', '/api/tokens', 'operator', { role: 'admin', label: 'x' })).status).toBe(403);
    expect((await s.call('GET', '/api/tokens', 'viewer')).status).toBe(403);
    expect((await s.call('POST', '/api/tokens', 'admin', { role: 'root', label: 'x' })).body.field).toBe('role');
    // the new token works, and stops working once revoked
    const feed = { authorization: `Bearer ${r.body.token}` };
    expect((await s.call('GET', '/api/me', null, undefined, feed)).body.role).toBe('integration');
    const id = (await s.call('GET', '/api/tokens', 'admin')).body.items.find((t: any) => t.label === 'BMKG CAP feed').id;
    expect((await s.call('DELETE', `/api/tokens/${id}`, 'admin')).status).toBe(204);
    expect((await s.call('GET', '/api/me', null, undefined, feed)).status).toBe(401);
  });

  it('malformed or oversized JSON bodies on auth routes → 4xx naming the body, nothing stored', async () => {
    const json = { 'content-type': 'application/json' };
    const bad = await s.call('POST', '/api/tokens', 'admin', '{"role":"viewer",', json);
    expect(bad).toMatchObject({ status: 400, body: { error: 'invalid_json', field: 'body' } });
    expect((await s.call('POST', '/api/login', null, '{', json)).body).toEqual({ error: 'invalid_json', field: 'body', message: 'the body is not valid JSON' });
    const huge = await s.call('POST', '/api/users', 'admin', JSON.stringify({ username: 'big', password: 'x'.repeat(20_000), role: 'viewer' }), json);
    expect(huge).toMatchObject({ status: 413, body: { field: 'body' } });
    expect(s.db.prepare("SELECT count(*) FROM users WHERE username = 'big'").pluck().get()).toBe(0);
  });

  it('a rotated SIAGA_ADMIN_TOKEN revokes the previous one', () => {
    createAuth({ db: s.db, config: { adminToken: 'rotated-admin-token-xyz', demo: false, intakeRatePerS: 0 } });
    const a2 = createAuth({ db: s.db, config: { adminToken: undefined, demo: false, intakeRatePerS: 0 } });
    const req = (t: string) => ({ headers: { authorization: `Bearer ${t}` } }) as any;
    expect(a2.authenticate(req('rotated-admin-token-xyz'))?.role).toBe('admin');
    expect(a2.authenticate(req(ADMIN))).toBeNull();
    createAuth({ db: s.db, config: { adminToken: ADMIN, demo: false, intakeRatePerS: 0 } }); // restore for the other tests
    expect(a2.authenticate(req(ADMIN))?.role).toBe('admin');
  });
});

describe('demo start-up', () => {
  it('without SIAGA_ADMIN_TOKEN a demo generates an admin token and prints working wall and console URLs', () => {
    const demo = createAuth({ db: s.db, config: { adminToken: undefined, demo: true, intakeRatePerS: 0 } });
    let printed = '';
    const write = process.stdout.write;
    process.stdout.write = ((chunk: string) => ((printed += chunk), true)) as typeof process.stdout.write;
    try {
      demo.announce(4321);
    } finally {
      process.stdout.write = write;
    }
    const tokenIn = (re: RegExp) => re.exec(printed)?.[1] ?? '';
    const req = (t: string) => ({ headers: { authorization: `Bearer ${t}` } }) as any;
    expect(demo.authenticate(req(tokenIn(/admin token[^:]*: (\S+)/)))?.role).toBe('admin');
    expect(demo.authenticate(req(tokenIn(/http:\/\/localhost:4321\/\?token=(\S+)\n/)))?.role).toBe('viewer');
    expect(demo.authenticate(req(tokenIn(/http:\/\/localhost:4321\/\?token=(\S+)#console/)))?.role).toBe('operator');
  });
});

describe('sessions for people', () => {
  it("changing a user (password or role) signs every session of theirs out", async () => {
    expect((await s.call('POST', '/api/users', 'admin', { username: 'dewi', password: 'first password 1', role: 'operator' })).status).toBe(201);
    const login = await s.call('POST', '/api/login', null, { username: 'dewi', password: 'first password 1' });
    const cookie = cookieOf(login.headers);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie })).status).toBe(200);
    expect((await s.call('POST', '/api/users', 'admin', { username: 'dewi', password: 'second password 2', role: 'viewer' })).status).toBe(201);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie })).status).toBe(401);
  });

  it("a process token (the demo traffic's) replaces any older one of its label, and is revoked at stop", async () => {
    const auth = createAuth({ db: s.db, config: { adminToken: ADMIN, demo: false, intakeRatePerS: 0 } });
    const first = auth.issueProcessToken('operator', 'test:process');
    const second = auth.issueProcessToken('operator', 'test:process');
    const me = (token: string) => s.call('GET', '/api/me', null, undefined, { authorization: `Bearer ${token}` }).then((r) => r.status);
    expect([await me(first.token), await me(second.token)]).toEqual([401, 200]);
    second.revoke();
    expect(await me(second.token)).toBe(401);
  });

  it('login with a scrypt password → http-only SameSite=Strict session cookie; logout ends it', async () => {
    expect((await s.call('POST', '/api/users', 'admin', { username: 'rina', password: 'short', role: 'operator' })).body.field).toBe('password');
    expect((await s.call('POST', '/api/users', 'admin', { username: 'rina', password: 'correct horse battery', role: 'operator' })).status).toBe(201);
    expect((s.db.prepare(`SELECT password_hash FROM users WHERE username='rina'`).pluck().get() as string).startsWith('scrypt$')).toBe(true);
    expect((await s.call('POST', '/api/login', null, { username: 'rina', password: 'wrong password' })).status).toBe(401);
    const login = await s.call('POST', '/api/login', null, { username: 'rina', password: 'correct horse battery' });
    expect(login.status).toBe(200);
    const setCookie = login.headers.getSetCookie().join('\n');
    expect(setCookie).toMatch(/siaga_session=.*HttpOnly/i);
    expect(setCookie).toMatch(/SameSite=Strict/i);
    const cookie = cookieOf(login.headers);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie })).body).toMatchObject({ id: 'user:rina', role: 'operator', via: 'session' });
    const created = await s.call('POST', '/api/incidents', null, { description: 'tes sesi', location: { text: 'Sukajadi' } }, { cookie, 'content-type': 'application/json' });
    expect(created.status).toBe(201);
    expect(created.body.history[0].by).toBe('user:rina');
    expect((await s.call('POST', '/api/logout', null, undefined, { cookie })).status).toBe(204);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie })).status).toBe(401);
  });
});

describe('kiosk walls', () => {
  it('?token= on a page becomes an http-only cookie and the URL is cleaned', async () => {
    const r = await s.call('GET', `/wall?token=${s.tokens.viewer}&layout=2x2`, null);
    expect(r.status).toBe(302);
    expect(r.headers.get('location')).toBe('/wall?layout=2x2');
    const set = r.headers.getSetCookie().join('\n');
    expect(set).toMatch(/siaga_token=.*HttpOnly.*SameSite=Strict|siaga_token=.*SameSite=Strict.*HttpOnly/i);
    const cookie = cookieOf(r.headers);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie })).body.role).toBe('viewer');
    expect((await s.call('GET', '/api/incidents', null, undefined, { cookie })).status).toBe(200);
    expect((await s.call('POST', '/api/incidents', null, { description: 'x', location: { text: 'y' } }, { cookie, 'content-type': 'application/json' })).status).toBe(403);
    expect((await s.call('GET', '/wall?token=forged', null)).status).toBe(401);
    // the cookie holds an opaque session id, never the token; revoking the token ends the session
    expect(set).not.toContain(s.tokens.viewer);
    const label = 'test:kiosk-revoke';
    const created = await s.call('POST', '/api/tokens', 'admin', { role: 'viewer', label });
    const kiosk = cookieOf((await s.call('GET', `/wall?token=${created.body.token}`, null)).headers);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie: kiosk })).status).toBe(200);
    const id = (await s.call('GET', '/api/tokens', 'admin')).body.items.find((t: any) => t.label === label).id;
    expect((await s.call('DELETE', `/api/tokens/${id}`, 'admin')).status).toBe(204);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie: kiosk })).status).toBe(401);
  });
});

describe('token expiry', () => {
  it('a token issued for N days stops working after them, with the kiosk sessions made from it; 0 = until revoked', async () => {
    const lasting = await s.call('POST', '/api/tokens', 'admin', { role: 'viewer', label: 'test:forever', expiresInDays: 0 });
    expect(lasting.body.expiresAt).toBeNull();
    const dated = await s.call('POST', '/api/tokens', 'admin', { role: 'viewer', label: 'test:dated', expiresInDays: 30 });
    expect(Date.parse(dated.body.expiresAt) - Date.now()).toBeGreaterThan(29.9 * 86_400_000);
    expect(await s.call('POST', '/api/tokens', 'admin', { role: 'viewer', label: 'x', expiresInDays: -1 })).toMatchObject({ status: 400, body: { field: 'expiresInDays' } });
    const kiosk = cookieOf((await s.call('GET', `/wall?token=${dated.body.token}`, null)).headers);
    const me = (h: Record<string, string>) => s.call('GET', '/api/me', null, undefined, h).then((r) => r.status);
    expect([await me({ authorization: `Bearer ${dated.body.token}` }), await me({ cookie: kiosk })]).toEqual([200, 200]);
    s.db.prepare(`UPDATE tokens SET expires_at = ? WHERE label = 'test:dated'`).run(new Date(Date.now() - 1000).toISOString());
    expect([await me({ authorization: `Bearer ${dated.body.token}` }), await me({ cookie: kiosk })]).toEqual([401, 401]);
    expect(await me({ authorization: `Bearer ${lasting.body.token}` })).toBe(200);
    const listed = (await s.call('GET', '/api/tokens', 'admin')).body.items.find((t: any) => t.label === 'test:dated');
    expect(Date.parse(listed.expiresAt)).toBeLessThan(Date.now());
  });
});

describe('accounts', () => {
  it('passwords are hashed at OWASP cost off the event loop; an older, cheaper hash is upgraded at the next login', async () => {
    expect((await s.call('POST', '/api/users', 'admin', { username: 'budi', password: 'budi password 1', role: 'viewer' })).status).toBe(201);
    const hash = () => s.db.prepare(`SELECT password_hash FROM users WHERE username='budi'`).pluck().get() as string;
    expect(hash()).toMatch(/^scrypt\$131072\$8\$1\$/);
    // a hash as the first build wrote it (N=2^14), made here with node's own scrypt
    const salt = crypto.randomBytes(16);
    const old = `scrypt$16384$8$1$${salt.toString('base64url')}$${crypto.scryptSync('budi password 1', salt, 32, { N: 16384, r: 8, p: 1 }).toString('base64url')}`;
    const earlier = cookieOf((await s.call('POST', '/api/login', null, { username: 'budi', password: 'budi password 1' })).headers);
    s.db.prepare(`UPDATE users SET password_hash = ? WHERE username='budi'`).run(old);
    // the event loop keeps turning while a login hashes
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 5);
    const login = await s.call('POST', '/api/login', null, { username: 'budi', password: 'budi password 1' });
    clearInterval(ticker);
    expect(login.status).toBe(200);
    expect(ticks).toBeGreaterThan(0);
    expect(hash()).toMatch(/^scrypt\$131072\$/);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie: earlier })).status).toBe(200); // the upgrade signs no one out
    // a stored hash asking for an absurd cost is refused, not computed
    s.db.prepare(`UPDATE users SET password_hash = ? WHERE username='budi'`).run(old.replace('$16384$', '$1073741824$'));
    expect((await s.call('POST', '/api/login', null, { username: 'budi', password: 'budi password 1' })).status).toBe(401);
  });

  it('a disabled user is signed out at once and refused at login; enabling lets them back', async () => {
    expect((await s.call('POST', '/api/users', 'admin', { username: 'sari', password: 'sari password 1', role: 'operator' })).status).toBe(201);
    const cookie = cookieOf((await s.call('POST', '/api/login', null, { username: 'sari', password: 'sari password 1' })).headers);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie })).status).toBe(200);
    expect((await s.call('PUT', '/api/users/sari/disabled', 'operator', { disabled: true })).status).toBe(403);
    expect(await s.call('PUT', '/api/users/sari/disabled', 'admin', { disabled: 'yes' })).toMatchObject({ status: 400, body: { field: 'disabled' } });
    expect((await s.call('PUT', '/api/users/nobody/disabled', 'admin', { disabled: true })).status).toBe(404);
    expect((await s.call('PUT', '/api/users/sari/disabled', 'admin', { disabled: true })).status).toBe(200);
    expect((await s.call('GET', '/api/me', null, undefined, { cookie })).status).toBe(401);
    expect((await s.call('POST', '/api/login', null, { username: 'sari', password: 'sari password 1' })).status).toBe(401);
    expect((await s.call('PUT', '/api/users/sari/disabled', 'admin', { disabled: false })).status).toBe(200);
    expect((await s.call('POST', '/api/login', null, { username: 'sari', password: 'sari password 1' })).status).toBe(200);
  });
});

describe('intake rate limit', () => {
  it('answers 429 once a token exceeds its per-second budget (here 5/s), without storing', async () => {
    const n = s.count();
    const statuses = await Promise.all(
      Array.from({ length: 12 }, () => s.call('POST', '/api/intake/aml', 'integration', 'hello=world', { 'content-type': 'application/x-www-form-urlencoded' })),
    );
    expect(statuses.filter((r) => r.status === 429).length).toBeGreaterThan(0);
    expect(statuses.find((r) => r.status === 429)?.body.error).toBe('rate_limited');
    expect(s.count()).toBe(n);
  });
});
