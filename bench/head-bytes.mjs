// How to turn a response head (status line + header fields, as strings) and a 64-byte body into
// the one Buffer that is written: the way the HTTP/1.1 engine does it (concatenate the head
// string, then one latin1 write and a copy of the body) against building the head straight into
// a pre-sized Buffer, byte by byte in JavaScript or with one latin1 write per piece. Prints CPU
// ns per head (process.cpuUsage: on a shared machine, preemption does not count); every way must
// produce the same bytes. Plain JavaScript: runs on bare `node`.
//
//   node bench/head-bytes.mjs [iterations]
const N = Number(process.argv[2] ?? 1e6);
// The headers scenario's response as the engine sends it (nginx's fields, X-Served-By added).
const headers = [
  ['Server', 'nginx/1.22.1'],
  ['Date', 'Wed, 02 Dec 2026 14:20:00 GMT'],
  ['Content-Type', 'application/octet-stream'],
  ['X-Upstream', 'a'],
  ['X-Seen-XFF', '127.0.0.1'],
  ['X-Served-By', 'bascule'],
];
const body = Buffer.alloc(64, 0x61);
const STATUS = 200;
const REASON = 'OK';

/** h1-server.ts: sendHead's string, then write.ts's writeJoined. */
function concatenated() {
  let out = `HTTP/1.1 ${STATUS} ${REASON}\r\n`;
  for (const [n, v] of headers) out += `${n}: ${v}\r\n`;
  out += `Content-Length: ${body.length}\r\n`;
  out += 'Connection: keep-alive\r\n';
  const head = `${out}\r\n`;
  const o = Buffer.allocUnsafe(head.length + body.length);
  const at = o.write(head, 0, 'latin1');
  o.set(body, at);
  return o;
}

function sized(put) {
  const status = `HTTP/1.1 ${STATUS} ${REASON}\r\n`;
  const length = `Content-Length: ${body.length}\r\n`;
  const connection = 'Connection: keep-alive\r\n';
  let bytes = status.length + length.length + connection.length + 2 + body.length;
  for (let i = 0; i < headers.length; i++) bytes += headers[i][0].length + headers[i][1].length + 4;
  const o = Buffer.allocUnsafe(bytes);
  let at = put(o, 0, status);
  for (let i = 0; i < headers.length; i++) {
    at = put(o, at, headers[i][0]);
    o[at] = 0x3a;
    o[at + 1] = 0x20;
    at = put(o, at + 2, headers[i][1]);
    o[at] = 0x0d;
    o[at + 1] = 0x0a;
    at += 2;
  }
  at = put(o, at, length);
  at = put(o, at, connection);
  o[at] = 0x0d;
  o[at + 1] = 0x0a;
  o.set(body, at + 2);
  return o;
}

function byteLoop(o, at, s) {
  for (let i = 0; i < s.length; i++) o[at + i] = s.charCodeAt(i);
  return at + s.length;
}

const nativePiece = (o, at, s) => at + o.latin1Write(s, at);

const ways = {
  'concatenated string, one latin1 write (the engine)': concatenated,
  'pre-sized buffer, JavaScript byte loop': () => sized(byteLoop),
  'pre-sized buffer, latin1 write per piece': () => sized(nativePiece),
};

const reference = concatenated();
for (const [name, f] of Object.entries(ways))
  if (!f().equals(reference)) throw new Error(`${name}: different bytes`);

for (let round = 0; round < 5; round++)
  for (const [name, f] of Object.entries(ways)) {
    let sink = 0;
    const t = process.cpuUsage();
    for (let i = 0; i < N; i++) sink += f().length;
    const used = process.cpuUsage(t);
    const ns = ((used.user + used.system) * 1000) / N;
    if (sink === 0) throw new Error('unreachable');
    console.log(`round ${round + 1}  ${ns.toFixed(0).padStart(5)} ns  ${name}`);
  }
