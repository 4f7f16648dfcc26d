// The credential relay against a camera that asks for Digest and names itself by its inside (NAT) address, as many
// Hikvision/Dahua installations do. A raw TCP client plays ffmpeg: it never holds the password, yet every request
// reaches the camera authenticated, and every camera URL it is shown points back at the relay.
import crypto from 'node:crypto';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { logger } from '../../server/log.ts';
import { startRtspRelay, type RtspRelay } from '../../server/streams/rtsp-relay.ts';

const USER = 'admin';
const PASSWORD = `p@ss:w"rd %20 '`;
const REALM = 'IP Camera(C1234)';
const NONCE = crypto.randomBytes(8).toString('hex');
const INSIDE = 'rtsp://192.168.1.64:554/Streaming/Channels/101';
const md5 = (s: string) => crypto.createHash('md5').update(s).digest('hex');

let camera: net.Server;
let relay: RtspRelay;
const seen: Array<{ method: string; uri: string; authorized: boolean }> = [];

/** One request at a time, as RTSP clients send them: enough for a test camera. */
function serveCamera(socket: net.Socket): void {
  let buf = '';
  socket.on('data', (d) => {
    buf += d.toString('latin1');
    let end: number;
    while ((end = buf.indexOf('\r\n\r\n')) !== -1) {
      const [line, ...headers] = buf.slice(0, end).split('\r\n');
      buf = buf.slice(end + 4);
      const [method, uri] = line.split(' ');
      const h = Object.fromEntries(headers.map((x) => [x.slice(0, x.indexOf(':')).toLowerCase(), x.slice(x.indexOf(':') + 1).trim()]));
      const auth = /response="([0-9a-f]+)"/.exec(h.authorization ?? '')?.[1];
      const authorized = auth === md5(`${md5(`${USER}:${REALM}:${PASSWORD}`)}:${NONCE}:${md5(`${method}:${uri}`)}`);
      seen.push({ method, uri, authorized });
      const cseq = `CSeq: ${h.cseq}\r\n`;
      if (!authorized) {
        socket.write(`RTSP/1.0 401 Unauthorized\r\n${cseq}WWW-Authenticate: Digest realm="${REALM}", nonce="${NONCE}", stale="FALSE"\r\n\r\n`);
      } else if (method === 'DESCRIBE') {
        const sdp = `v=0\r\no=- 1 1 IN IP4 192.168.1.64\r\ns=Media\r\nm=video 0 RTP/AVP 96\r\na=control:${INSIDE}/trackID=1\r\n`;
        socket.write(`RTSP/1.0 200 OK\r\n${cseq}Content-Base: ${INSIDE}/\r\nContent-Type: application/sdp\r\nContent-Length: ${sdp.length}\r\n\r\n${sdp}`);
      } else {
        socket.write(`RTSP/1.0 200 OK\r\n${cseq}Session: 1234\r\n\r\n`);
      }
    }
  });
}

/** Send one request through the relay and read one response (headers and body). */
function request(client: net.Socket, text: string): Promise<{ head: string; body: string }> {
  return new Promise((resolve) => {
    let buf = '';
    const onData = (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      const length = Number(/Content-Length: (\d+)/i.exec(buf.slice(0, end))?.[1] ?? 0);
      if (buf.length < end + 4 + length) return;
      client.off('data', onData);
      resolve({ head: buf.slice(0, end), body: buf.slice(end + 4, end + 4 + length) });
    };
    client.on('data', onData);
    client.write(text);
  });
}

beforeAll(async () => {
  camera = net.createServer(serveCamera);
  await new Promise<void>((r) => camera.listen(0, '127.0.0.1', r));
  relay = await startRtspRelay(logger('test'));
});
afterAll(async () => {
  await relay?.close();
  camera?.close();
});

describe('rtsp relay', () => {
  it('answers Digest for its client and rewrites the camera inside address back to itself', async () => {
    const port = (camera.address() as net.AddressInfo).port;
    const local = relay.localUrl(`rtsp://${USER}:${encodeURIComponent(PASSWORD)}@127.0.0.1:${port}/Streaming/Channels/101`);
    expect(local).toMatch(new RegExp(`^rtsp://127\\.0\\.0\\.1:${relay.port}/[\\w-]{16}/Streaming/Channels/101$`));
    expect(local).not.toContain(USER);
    const client = net.connect(relay.port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));

    const options = await request(client, `OPTIONS ${local} RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
    expect(options.head).toMatch(/^RTSP\/1\.0 200 OK/); // the camera's 401 never reached the client
    const describe = await request(client, `DESCRIBE ${local} RTSP/1.0\r\nCSeq: 2\r\nAccept: application/sdp\r\n\r\n`);
    const base = /Content-Base: (\S+)/.exec(describe.head)?.[1];
    expect(base).toBe(`${local}/`);
    const control = /a=control:(\S+)/.exec(describe.body)?.[1];
    expect(control).toBe(`${local}/trackID=1`);
    expect(describe.head + describe.body).not.toContain('192.168.1.64:554/');
    const setup = await request(client, `SETUP ${control} RTSP/1.0\r\nCSeq: 3\r\nTransport: RTP/AVP/TCP;unicast;interleaved=0-1\r\n\r\n`);
    expect(setup.head).toMatch(/^RTSP\/1\.0 200 OK[\s\S]*Session: 1234/);
    client.destroy();

    // the camera saw its own URLs (the configured host, not the relay's), each request answered with the right Digest
    const ok = seen.filter((s) => s.authorized);
    expect(ok.map((s) => s.method)).toEqual(['OPTIONS', 'DESCRIBE', 'SETUP']);
    expect(ok.map((s) => s.uri)).toEqual([
      `rtsp://127.0.0.1:${port}/Streaming/Channels/101`,
      `rtsp://127.0.0.1:${port}/Streaming/Channels/101`,
      `rtsp://127.0.0.1:${port}/Streaming/Channels/101/trackID=1`,
    ]);
    expect(relay.cameraText(`${local}: 404 Not Found`)).toBe(`rtsp://127.0.0.1:${port}/Streaming/Channels/101: 404 Not Found`);
    // the route was for that one connection: its id, readable in ffmpeg's argv, opens nothing now
    const again = net.connect(relay.port, '127.0.0.1');
    await new Promise((r) => again.once('connect', r));
    expect((await request(again, `OPTIONS ${local} RTSP/1.0\r\nCSeq: 1\r\n\r\n`)).head).toMatch(/^RTSP\/1\.0 404/);
    again.destroy();
  });

  it('answers an unknown route 404 and a camera it cannot reach 502, naming why', async () => {
    const client = net.connect(relay.port, '127.0.0.1');
    await new Promise((r) => client.once('connect', r));
    const unknown = await request(client, `OPTIONS rtsp://127.0.0.1:${relay.port}/nope/x RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
    expect(unknown.head).toMatch(/^RTSP\/1\.0 404/);
    client.destroy();
    const closed = net.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const deadPort = (closed.address() as net.AddressInfo).port;
    await new Promise((r) => closed.close(r));
    const local = relay.localUrl(`rtsp://${USER}:x@127.0.0.1:${deadPort}/ch1`);
    const c2 = net.connect(relay.port, '127.0.0.1');
    await new Promise((r) => c2.once('connect', r));
    const refused = await request(c2, `OPTIONS ${local} RTSP/1.0\r\nCSeq: 1\r\n\r\n`);
    expect(refused.head).toMatch(/^RTSP\/1\.0 502 Camera unreachable \(ECONNREFUSED\)\r\nCSeq: 1/);
    c2.destroy();
  });
});
