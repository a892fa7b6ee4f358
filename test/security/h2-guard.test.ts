// The HTTP/2 frame guard on its own, fed bytes as a client and a server would send them: which
// frames reach nghttp2, and which connection or stream errors it raises (the end-to-end behaviour
// is covered by h2spec and h2-fields.test.ts).
import { expect } from 'chai';
import { ErrorCode } from '#dataplane/tls/h2-frames';
import { H2FrameGuard } from '#dataplane/tls/h2-guard';

const { FLOW_CONTROL_ERROR, PROTOCOL_ERROR, STREAM_CLOSED } = ErrorCode;
import {
  END_HEADERS,
  END_STREAM,
  FrameType,
  PREFACE,
  fieldBlock,
  frame,
  getRequest,
} from './support/h2-raw.js';

interface Raised {
  connection: Array<{ code: number; reason: string }>;
  streams: Array<{ id: number; code: number }>;
  malformed: number[];
}

function guard(): { g: H2FrameGuard; raised: Raised; client(...frames: Buffer[]): Buffer } {
  const raised: Raised = { connection: [], streams: [], malformed: [] };
  const g = new H2FrameGuard({
    connectionError: (code, reason) => raised.connection.push({ code, reason }),
    streamError: (id, code) => raised.streams.push({ id, code }),
    malformed: (id) => raised.malformed.push(id),
  });
  g.fromClient(PREFACE);
  return { g, raised, client: (...frames) => Buffer.concat(g.fromClient(Buffer.concat(frames))) };
}

const headers = (id: number, flags = END_HEADERS | END_STREAM, fields = getRequest()): Buffer =>
  frame(FrameType.HEADERS, flags, id, fieldBlock(fields));
const u32 = (n: number): Buffer => {
  const b = Buffer.alloc(4);
  b.writeUInt32BE(n);
  return b;
};

describe('security: HTTP/2 frame guard', () => {
  it('forwards a well-formed exchange byte for byte, also split at any point', () => {
    const bytes = Buffer.concat([
      headers(1),
      headers(3, END_HEADERS),
      frame(FrameType.DATA, END_STREAM, 3, Buffer.from('hi')),
    ]);
    for (const cut of [1, 5, 9, 10, 20, bytes.length - 1]) {
      const { g, raised } = guard();
      const out = Buffer.concat([
        ...g.fromClient(bytes.subarray(0, cut)),
        ...g.fromClient(bytes.subarray(cut)),
      ]);
      expect(out.equals(bytes), `cut at ${cut}`).to.equal(true);
      expect(raised).to.deep.equal({ connection: [], streams: [], malformed: [] });
    }
  });

  it('drops an unsolicited PING ACK and passes a PING', () => {
    const { client } = guard();
    const ping = frame(FrameType.PING, 0, 0, Buffer.from('12345678'));
    expect(client(frame(FrameType.PING, 1, 0, Buffer.from('12345678')), ping).equals(ping)).to.equal(true);
  });

  it('a new stream id not above the previous ones is a connection error PROTOCOL_ERROR', () => {
    const { client, raised } = guard();
    client(headers(5), headers(3));
    expect(raised.connection.map((c) => c.code)).to.deep.equal([PROTOCOL_ERROR]);
  });

  it('DATA on a stream the client ended and the server answered is a connection error STREAM_CLOSED', () => {
    const { g, client, raised } = guard();
    client(headers(1));
    g.fromServer(frame(FrameType.HEADERS, END_HEADERS | END_STREAM, 1, Buffer.from([0x88])));
    client(frame(FrameType.DATA, 0, 1, Buffer.from('late')));
    expect(raised.connection.map((c) => c.code)).to.deep.equal([STREAM_CLOSED]);
  });

  it('frames on a stream the server reset are passed on (nghttp2 ignores them), not errors', () => {
    const { g, client, raised } = guard();
    client(headers(1, END_HEADERS));
    g.fromServer(frame(FrameType.RST_STREAM, 0, 1, u32(8)));
    const late = frame(FrameType.DATA, 0, 1, Buffer.from('in flight'));
    expect(client(late).equals(late)).to.equal(true);
    expect(raised.connection).to.deep.equal([]);
  });

  it('a field with CR in its value makes the stream malformed; the frame still reaches nghttp2 (HPACK state)', () => {
    const { client, raised } = guard();
    const h = headers(1, END_HEADERS | END_STREAM, [...getRequest(), ['x-a', 'a\rb']]);
    expect(client(h).equals(h)).to.equal(true);
    expect(raised.malformed).to.deep.equal([1]);
  });

  it("a WINDOW_UPDATE that takes a stream's window over 2^31-1 is kept from nghttp2 and resets the stream", () => {
    const { g, client, raised } = guard();
    client(headers(1, END_HEADERS));
    g.fromServer(frame(FrameType.DATA, 0, 1, Buffer.alloc(100)));
    const fits = frame(FrameType.WINDOW_UPDATE, 0, 1, u32(0x7fffffff - 65_535 + 100));
    expect(client(fits).equals(fits)).to.equal(true);
    expect(client(frame(FrameType.WINDOW_UPDATE, 0, 1, u32(1))).length).to.equal(0);
    expect(raised.streams).to.deep.equal([{ id: 1, code: FLOW_CONTROL_ERROR }]);
  });

  it('PRIORITY on stream 0, or a stream depending on itself, is a connection error PROTOCOL_ERROR', () => {
    for (const [stream, dependsOn] of [
      [0, 1],
      [3, 3],
    ] as const) {
      const { client, raised } = guard();
      client(frame(FrameType.PRIORITY, 0, stream, Buffer.concat([u32(dependsOn), Buffer.from([16])])));
      expect(
        raised.connection.map((c) => c.code),
        `stream ${stream}`,
      ).to.deep.equal([PROTOCOL_ERROR]);
    }
  });
});
