// Config generators for the benchmark: the same topology for every proxy (one listener on
// 127.0.0.1, round robin over two upstream servers), expressed in each proxy's own language.
// Pure functions of their inputs, so a run can be reproduced from the settings it prints.

export type ScenarioId = 'keepalive' | 'headers' | 'tcp' | 'close' | 'bigbody';
/** `node`: bench/minimal-proxy.mjs, a reference for what Node.js itself costs. */
export type ProxyId = 'haproxy' | 'nginx' | 'bascule' | 'node';

export interface Scenario {
  id: ScenarioId;
  title: string;
  /** L7 (http) or L4 (tcp) proxying. */
  mode: 'http' | 'tcp';
  /** forwardFor + a response header set, on every proxy. */
  rewriteHeaders: boolean;
  /** wrk sends `Connection: close`: one new client connection per request. */
  connectionClose: boolean;
  /** Large transfers with curl instead of wrk (bench/transfers.ts): 64 MiB down and up. */
  transfers?: boolean;
}

export const SCENARIOS: readonly Scenario[] = [
  {
    id: 'keepalive',
    title: 'HTTP keep-alive, round robin over 2 servers',
    mode: 'http',
    rewriteHeaders: false,
    connectionClose: false,
  },
  {
    id: 'headers',
    title: 'HTTP keep-alive + forwardFor + response header set',
    mode: 'http',
    rewriteHeaders: true,
    connectionClose: false,
  },
  {
    id: 'tcp',
    title: 'TCP mode (L4), round robin over 2 servers, keep-alive HTTP inside',
    mode: 'tcp',
    rewriteHeaders: false,
    connectionClose: false,
  },
  {
    id: 'close',
    title: 'HTTP, new client connection per request (Connection: close)',
    mode: 'http',
    rewriteHeaders: false,
    connectionClose: true,
  },
  {
    id: 'bigbody',
    title: 'HTTP, 64 MiB responses and 64 MiB uploads streamed through (curl, 2 of each at a time)',
    mode: 'http',
    rewriteHeaders: false,
    connectionClose: false,
    transfers: true,
  },
];

/** Size of each transfer in the bigbody scenario. */
export const BIG_BODY_BYTES = 64 * 1024 * 1024;

export interface Upstreams {
  a: number;
  b: number;
}

const HOST = '127.0.0.1';

/** The static body every upstream answers with: `bytes` bytes, ending in a newline. */
export function upstreamBody(bytes: number): string {
  return 'x'.repeat(Math.max(0, bytes - 1)) + '\n';
}

function nginxTempPaths(dir: string): string {
  return ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
    .map((k) => `  ${k}_temp_path ${dir}/tmp-${k};`)
    .join('\n');
}

/**
 * The upstream: one nginx instance with two `server` blocks (ports a and b) answering every
 * request with a static body from memory (`return 200`). It tags the answer with the server
 * that produced it (X-Upstream) and echoes the X-Forwarded-For it received (X-Seen-XFF, empty
 * and so omitted when absent) — the driver's pre-flight check uses both.
 */
export function upstreamNginxConf(o: {
  dir: string;
  ports: Upstreams;
  workers: number;
  bodyBytes: number;
  /** A file served at /big (the bigbody scenario); /upload reads and discards any body. */
  bigFile?: string;
}): string {
  const body = upstreamBody(o.bodyBytes).replace(/\n$/, '\\n');
  const big = o.bigFile
    ? `
    location = /big {
      alias ${o.bigFile};
      default_type application/octet-stream;
    }
    location = /upload {
      client_max_body_size 0;
      return 200 "received\\n";
    }`
    : '';
  const server = (port: number, tag: string) => `  server {
    listen ${HOST}:${port} backlog=4096;
    default_type text/plain;${big}
    location / {
      add_header X-Upstream ${tag};
      add_header X-Seen-XFF $http_x_forwarded_for;
      return 200 "${body}";
    }
  }`;
  return `# upstream for the Bascule benchmark (generated)
worker_processes ${o.workers};
daemon off;
master_process on;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  server_tokens off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
${nginxTempPaths(o.dir)}
${server(o.ports.a, 'a')}
${server(o.ports.b, 'b')}
}
`;
}

/**
 * HAProxy. Server connections are pooled and shared between client connections
 * (`http-reuse always`): that is what Bascule's per-server keep-alive pool does (HAProxy's
 * default, `safe`, gives the first request of every client connection a fresh server
 * connection, which would make the Connection: close scenario measure upstream connects).
 */
export function haproxyCfg(o: {
  port: number;
  upstreams: Upstreams;
  scenario: Scenario;
  threads: number;
}): string {
  const { scenario: s } = o;
  const http = s.mode === 'http';
  const fe = [
    `frontend fe`,
    `  bind ${HOST}:${o.port}`,
    `  default_backend be`,
    ...(s.rewriteHeaders
      ? [
          // Bascule's forwardFor: X-Forwarded-For appended, -Proto/-Host/-Port set.
          `  option forwardfor`,
          `  http-request set-header X-Forwarded-Proto http`,
          `  http-request set-header X-Forwarded-Host %[req.hdr(host)]`,
          `  http-request set-header X-Forwarded-Port %[dst_port]`,
          `  http-response set-header X-Served-By haproxy`,
        ]
      : []),
  ];
  const be = [
    `backend be`,
    `  balance roundrobin`,
    ...(http ? [`  http-reuse always`] : []),
    `  server a ${HOST}:${o.upstreams.a}`,
    `  server b ${HOST}:${o.upstreams.b}`,
  ];
  return `# HAProxy for the Bascule benchmark, scenario ${s.id} (generated)
global
  maxconn 4096
  nbthread ${o.threads}

defaults
  mode ${s.mode}
  timeout connect 5s
  timeout client 50s
  timeout server 50s
${http ? '  timeout http-request 10s\n  timeout http-keep-alive 5s\n' : ''}
${fe.join('\n')}

${be.join('\n')}
`;
}

/**
 * nginx. HTTP: HTTP/1.1 to an `upstream` block with a keep-alive pool (`keepalive 64`, the size
 * of Bascule's idle pool per server), client keep-alive unbounded in requests. TCP: the stream
 * module (`load_module`, Debian package libnginx-mod-stream).
 */
export function nginxProxyConf(o: {
  dir: string;
  port: number;
  upstreams: Upstreams;
  scenario: Scenario;
  workers: number;
  streamModule?: string;
}): string {
  const { scenario: s } = o;
  const head = `# nginx proxy for the Bascule benchmark, scenario ${s.id} (generated)
${s.mode === 'tcp' ? `load_module ${o.streamModule ?? 'modules/ngx_stream_module.so'};\n` : ''}worker_processes ${o.workers};
daemon off;
master_process on;
pid ${o.dir}/nginx.pid;
error_log ${o.dir}/error.log warn;
events { worker_connections 4096; }
`;
  if (s.mode === 'tcp') {
    return `${head}stream {
  upstream up {
    server ${HOST}:${o.upstreams.a};
    server ${HOST}:${o.upstreams.b};
  }
  server {
    listen ${HOST}:${o.port} backlog=4096;
    proxy_pass up;
  }
}
`;
  }
  const rewrite = s.rewriteHeaders
    ? `
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
      proxy_set_header X-Forwarded-Port $server_port;
      proxy_hide_header X-Served-By;
      add_header X-Served-By nginx always;`
    : '';
  return `${head}http {
  access_log off;
  server_tokens off;
  keepalive_requests 1000000;
  keepalive_timeout 75s;
${nginxTempPaths(o.dir)}
  upstream up {
    server ${HOST}:${o.upstreams.a};
    server ${HOST}:${o.upstreams.b};
    keepalive 64;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
  }
  server {
    listen ${HOST}:${o.port} backlog=4096;
    location / {
      proxy_pass http://up;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;${
        o.scenario.transfers
          ? `
      # bigbody: bodies of any size, streamed both ways like the other proxies (no temp files).
      client_max_body_size 0;
      proxy_request_buffering off;
      proxy_buffering off;`
          : ''
      }${rewrite}
    }
  }
}
`;
}

/** Bascule: one Frontend and one Backend (the quickstart's shape), no health checks (none of the others check either). */
export function basculeYaml(o: { port: number; upstreams: Upstreams; scenario: Scenario }): string {
  const { scenario: s } = o;
  const rewrite = s.rewriteHeaders
    ? `  forwardFor: true
  responseHeaders:
    set: [{name: X-Served-By, value: bascule}]
`
    : '';
  return `# Bascule for the benchmark, scenario ${s.id} (generated)
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata:
  name: bench
spec:
  bind: {port: ${o.port}, address: ${HOST}}
  mode: ${s.mode}
${rewrite}  defaultBackend: up
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata:
  name: up
spec:
  mode: ${s.mode}
  balance: {algorithm: roundrobin}
  servers:
    - {name: a, address: ${HOST}, port: ${o.upstreams.a}}
    - {name: b, address: ${HOST}, port: ${o.upstreams.b}}
`;
}

/** Arguments of bench/minimal-proxy.mjs. */
export function minimalProxyArgs(o: { port: number; upstreams: Upstreams; scenario: Scenario }): string[] {
  return [
    o.scenario.mode,
    String(o.port),
    String(o.upstreams.a),
    String(o.upstreams.b),
    ...(o.scenario.rewriteHeaders ? ['rewrite'] : []),
  ];
}
