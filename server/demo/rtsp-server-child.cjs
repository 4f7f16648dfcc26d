// RTSP server for the demo cameras, run as its OWN process (started by camera-sim.ts with child_process.fork).
// Why a separate process: `rtsp-streaming-server` is GPL-3.0 — we talk to it only over IPC, never link it in.
// Plain CommonJS so it runs on bare `node` without tsx.
//
// argv[2] = JSON { publishPort, clientPort, rtpPortStart?, rtpPortCount? } (ports 0 = pick free ones).
// IPC out: { type: 'ready', publishPort, clientPort, rtpPortStart, rtpPortCount } | { type: 'error', message }
// IPC in:  { type: 'drop', id, seq } → removes mount /<id> (a publisher that died without TEARDOWN), replies
//          { type: 'dropped', id, seq }.
// Dies with its parent: the IPC channel closes when the parent exits, even on SIGKILL.
'use strict';
const crypto = require('node:crypto');
const dgram = require('node:dgram');
const RtspServer = require('rtsp-streaming-server').default;

const opts = JSON.parse(process.argv[2] || '{}');
const HOST = '127.0.0.1';

process.on('disconnect', () => process.exit(0));
for (const sig of ['SIGINT', 'SIGTERM']) process.on(sig, () => process.exit(0));
// The library has a few un-awaited promises; a stray rejection must not take every camera down.
process.on('unhandledRejection', (err) => console.error('[rtsp-server] unhandled rejection', err && err.message));

/** Can every UDP port in [start, start+count) be bound right now? (The library's own retry on EADDRINUSE is broken.) */
async function udpRangeFree(start, count) {
  const sockets = [];
  try {
    for (let p = start; p < start + count; p++) {
      const s = dgram.createSocket('udp4');
      sockets.push(s);
      await new Promise((resolve, reject) => {
        s.once('error', reject);
        s.bind(p, () => resolve());
      });
    }
    return true;
  } catch {
    return false;
  } finally {
    await Promise.all(sockets.map((s) => new Promise((r) => { try { s.close(r); } catch { r(); } })));
  }
}

/**
 * Random even base in 1024…4999: below ffmpeg's RTP/UDP client ports and below Linux's ephemeral range. ffmpeg picks
 * its client ports at random anywhere in 5000…65000 (its -min_port/-max_port), publishers and pullers alike, so a range
 * up there was sometimes taken by a puller before a publisher's mount bound it: that camera's mount then received
 * nothing, and every pull failed with "Could not write header" (no picture size) until the demo restarted.
 */
async function pickRtpRange(count) {
  if (opts.rtpPortStart) return opts.rtpPortStart;
  const [low, high] = [1100, 5000];
  for (let attempt = 0; attempt < 30; attempt++) {
    const start = 2 * Math.floor((low + Math.random() * (high - low - count)) / 2);
    if (await udpRangeFree(start, count)) return start;
  }
  throw new Error('no free UDP port range for RTP');
}

function listen(server, port) {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, HOST, () => {
      server.removeListener('error', reject);
      resolve(server.address().port);
    });
  });
}

async function main() {
  const rtpPortCount = opts.rtpPortCount || 400;
  const rtpPortStart = await pickRtpRange(rtpPortCount);
  /** mount path → the publisher's RTSP control socket; a publisher that vanishes frees its mount. */
  const owners = new Map();
  let server;
  const publishHooks = {
    // Called on ANNOUNCE before the library's "mount exists → 503" check.
    checkMount(req) {
      const path = new URL(req.uri).pathname;
      const owner = owners.get(path);
      if (owner && !owner.destroyed) return false; // a live publisher owns it
      if (owner) server.Mounts.deleteMount(req.uri);
      owners.set(path, req.socket);
      req.socket.once('close', () => {
        if (owners.get(path) !== req.socket) return;
        owners.delete(path);
        server.Mounts.deleteMount(req.uri);
      });
      return true;
    },
  };
  const credentials = process.env.SIAGA_SIM_RTSP_CREDENTIALS ? JSON.parse(process.env.SIAGA_SIM_RTSP_CREDENTIALS) : null;
  delete process.env.SIAGA_SIM_RTSP_CREDENTIALS;
  const same = (a, b) => {
    const [x, y] = [Buffer.from(String(a)), Buffer.from(String(b))];
    return x.length === y.length && crypto.timingSafeEqual(x, y);
  };
  // like a real camera: a pull without the right user and password gets 401 (Basic; the library has no Digest)
  const clientServerHooks = credentials
    ? { authentication: async (user, password) => same(user, credentials.user) && same(password, credentials.password) }
    : undefined;
  server = new RtspServer({ serverPort: 0, clientPort: 0, rtpPortStart, rtpPortCount, publishServerHooks: publishHooks, clientServerHooks });
  const publishPort = await listen(server.PublishServer.server, opts.publishPort || 0);
  const clientPort = await listen(server.ClientServer.server, opts.clientPort || 0);
  // A malformed request makes rtsp-server emit 'error' on the server: log, never crash.
  for (const s of [server.PublishServer.server, server.ClientServer.server]) {
    s.on('error', (err) => console.error('[rtsp-server]', err && err.message));
  }

  process.on('message', (msg) => {
    if (msg && msg.type === 'drop' && typeof msg.id === 'string') {
      const uri = `rtsp://${HOST}:${publishPort}/${msg.id}`;
      const owner = owners.get(`/${msg.id}`);
      owners.delete(`/${msg.id}`);
      if (owner) owner.destroy();
      server.Mounts.deleteMount(uri);
      process.send({ type: 'dropped', id: msg.id, seq: msg.seq });
    }
  });
  process.send({ type: 'ready', publishPort, clientPort, rtpPortStart, rtpPortCount });
}

main().catch((err) => {
  if (process.send) process.send({ type: 'error', message: String((err && err.message) || err) });
  process.exit(1);
});
