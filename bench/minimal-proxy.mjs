// A deliberately minimal reverse proxy on Node's own http/net modules: round robin over two
// servers, a keep-alive pool like Bascule's, hop-by-hop headers dropped, optional forwardFor and
// X-Served-By. No routing, limits, retries, metrics or hot swap. It is the reference for "what
// does Node.js itself cost": the gap between it and HAProxy is the runtime's, the gap between it
// and Bascule is Bascule's own. Plain JavaScript so it runs on bare `node` (no loader thread).
//
//   node bench/minimal-proxy.mjs http|tcp PORT UPSTREAM_PORT_A UPSTREAM_PORT_B [rewrite] [pipeline]
//
// `pipeline` (an experiment, not used by run.ts): stream the response body with
// stream.pipeline() instead of pipe(), as Bascule's dataplane does — see README.md.
import http from 'node:http';
import net from 'node:net';
import { pipeline } from 'node:stream';

const [mode, portText, a, b, ...flags] = process.argv.slice(2);
const port = Number(portText);
const servers = [Number(a), Number(b)];
const rewrite = flags.includes('rewrite');
const usePipeline = flags.includes('pipeline');
let next = 0;
const pick = () => {
  const p = servers[next];
  next = (next + 1) % servers.length;
  return p;
};

if (mode === 'tcp') {
  net
    .createServer((client) => {
      const up = net.connect(pick(), '127.0.0.1');
      const kill = () => {
        client.destroy();
        up.destroy();
      };
      client.on('error', kill);
      up.on('error', kill);
      client.pipe(up);
      up.pipe(client);
    })
    .listen(port, '127.0.0.1');
} else {
  const agent = new http.Agent({ keepAlive: true, maxFreeSockets: 64, scheduling: 'lifo' });
  const HOP = new Set([
    'connection',
    'keep-alive',
    'proxy-connection',
    'te',
    'trailer',
    'transfer-encoding',
    'upgrade',
  ]);
  const endToEnd = (h) => {
    const out = {};
    for (const k in h) if (!HOP.has(k)) out[k] = h[k];
    return out;
  };
  http
    .createServer((req, res) => {
      const headers = endToEnd(req.headers);
      if (rewrite) {
        const ip = req.socket.remoteAddress;
        headers['x-forwarded-for'] = headers['x-forwarded-for'] ? `${headers['x-forwarded-for']}, ${ip}` : ip;
        headers['x-forwarded-proto'] = 'http';
        headers['x-forwarded-host'] = req.headers.host;
        headers['x-forwarded-port'] = String(port);
      }
      const up = http.request(
        { host: '127.0.0.1', port: pick(), method: req.method, path: req.url, headers, agent },
        (upRes) => {
          const h = endToEnd(upRes.headers);
          if (rewrite) h['x-served-by'] = 'node';
          res.writeHead(upRes.statusCode ?? 502, h);
          if (usePipeline) pipeline(upRes, res, () => {});
          else upRes.pipe(res);
        },
      );
      up.on('error', () => {
        if (!res.headersSent) res.writeHead(502).end();
        else res.destroy();
      });
      req.pipe(up);
    })
    .listen(port, '127.0.0.1');
}
