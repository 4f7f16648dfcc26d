// The relay's answers to a camera's 401: RFC 2617 §3.5's worked example and RFC 7617's Basic encoding.
import { describe, expect, it } from 'vitest';
import { authorization, pickChallenge } from '../../server/streams/rtsp-relay.ts';

describe('rtsp relay authentication', () => {
  it('answers a Digest qop=auth challenge exactly as RFC 2617 §3.5 does', () => {
    const c = pickChallenge([
      'Basic realm="testrealm@host.com"',
      'Digest realm="testrealm@host.com", qop="auth,auth-int", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", opaque="5ccc069c403ebaf9f0171e9517f40e41"',
    ])!;
    expect(c.scheme).toBe('digest'); // the stronger one wins over Basic
    const h = authorization(c, 'Mufasa', 'Circle Of Life', 'GET', '/dir/index.html', '0a4f113b');
    expect(h).toContain('response="6629fae49393a05397450978507c4ef1"');
    expect(h).toContain('nc=00000001');
    expect(h).toContain('opaque="5ccc069c403ebaf9f0171e9517f40e41"');
    // the nonce count goes up with each request on the same nonce
    expect(authorization(c, 'Mufasa', 'Circle Of Life', 'GET', '/dir/index.html', '0a4f113b')).toContain('nc=00000002');
  });

  it('answers a Digest challenge without qop (RFC 2069 form, common on cameras)', () => {
    const c = pickChallenge(['Digest realm="IP Camera(10789)", nonce="abc", stale="FALSE"'])!;
    const h = authorization(c, 'admin', 'p@ss:w"rd', 'DESCRIBE', 'rtsp://10.0.0.5:554/Streaming/Channels/101');
    expect(h).toMatch(/^Digest username="admin", realm="IP Camera\(10789\)", nonce="abc", uri="rtsp:\/\/10\.0\.0\.5:554\/Streaming\/Channels\/101", response="[0-9a-f]{32}"$/);
    expect(h).not.toContain('p@ss');
  });

  it('answers SHA-256 and MD5 Digest as RFC 7616 §3.9.1 does', () => {
    const challenge = (algorithm: string) =>
      pickChallenge([`Digest realm="http-auth@example.org", qop="auth, auth-int", algorithm=${algorithm}, nonce="7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", opaque="FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"`])!;
    const cnonce = 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ';
    expect(authorization(challenge('SHA-256'), 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', cnonce)).toContain(
      'response="753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"',
    );
    expect(authorization(challenge('MD5'), 'Mufasa', 'Circle of Life', 'GET', '/dir/index.html', cnonce)).toContain('response="8ca523f5e9506fed4657c9700eebdbec"');
  });

  it('answers Basic with user:password in base64 and refuses algorithms it cannot compute', () => {
    const basic = pickChallenge(['Basic realm="rtsp"'])!;
    expect(authorization(basic, 'op', "a'b c", 'OPTIONS', '*')).toBe(`Basic ${Buffer.from("op:a'b c").toString('base64')}`);
    expect(pickChallenge(['Digest realm="x", nonce="n", algorithm=SHA-512-256'])).toBeUndefined();
  });
});
