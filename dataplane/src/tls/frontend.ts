// What a frontend's listener does with TLS, per build:
//   http + tls  → terminate, then HTTP/2 (ALPN h2) or HTTP/1.1 on the listener's servers
//   tcp  + tls  → terminate, route (SNI rules), proxy the plaintext
//   tcp + `sni` rules, no tls → passthrough: read the ClientHello without consuming it, route
//                  by its server name, proxy the untouched bytes
import type http2 from 'node:http2';
import net from 'node:net';
import type tls from 'node:tls';
import type { Logger } from 'pino';
import type { FrontendSnap } from '#protocol/snapshot';
import { compileRouter } from '../router/router.js';
import type { Router } from '../router/types.js';
import { displayAddress } from '../util/address.js';
import { peekClientHello } from './client-hello.js';
import { closeSecure, serveH2 } from './h2.js';
import { rawSocketOf, terminatorFor, type TlsTerminator } from './terminator.js';

/**
 * A backend as the TLS side sees it: TCP rules name it by id. The side is generic over what a
 * backend is (runtime/backend.ts BackendRuntime): tls/ sits below runtime/ and never imports it.
 */
export interface RoutedBackend {
  readonly id: string;
}

export interface FrontendTlsRuntime<B extends RoutedBackend = RoutedBackend> {
  /** Set when this frontend terminates TLS (the snapshot has `tls`). */
  readonly terminator: TlsTerminator | undefined;
  /** TCP mode with rules: matched per connection on the SNI and the client address. */
  readonly tcpRouter: Router | undefined;
  /** Backends the TCP rules name. */
  readonly backends: ReadonlyMap<string, B>;
}

/** The parts of a TCP frontend runtime the TCP proxy needs (runtime/types.ts TcpFrontendRuntime). */
interface TcpFrontendLike<B extends RoutedBackend> {
  readonly id: string;
  readonly snap: Readonly<FrontendSnap>;
  readonly backend: B | undefined;
  readonly tls?: FrontendTlsRuntime<B> | undefined;
}

const hasSniRules = (f: Readonly<FrontendSnap>): boolean =>
  f.rules.some((r) => (r.match.sni?.length ?? 0) > 0);

/**
 * The TLS side of a frontend for one build, or undefined when it has none. `owner` is the
 * frontend's carried-over state object: terminators are cached on it (see terminator.ts).
 * Throws when certificates or settings cannot be loaded.
 */
export function buildFrontendTls<B extends RoutedBackend>(
  f: Readonly<FrontendSnap>,
  backends: ReadonlyMap<string, B>,
  owner: object,
  log: Logger,
): FrontendTlsRuntime<B> | undefined {
  const routesTcp = f.mode === 'tcp' && f.rules.length > 0 && (f.tls !== undefined || hasSniRules(f));
  if (!f.tls && !routesTcp) return undefined;
  const terminator = f.tls ? terminatorFor(owner, f, log) : undefined;
  let tcpRouter: Router | undefined;
  const used = new Map<string, B>();
  if (routesTcp) {
    tcpRouter = compileRouter(f);
    for (const r of f.rules) {
      if (r.action.type !== 'backend') continue;
      const b = backends.get(r.action.backend);
      if (!b)
        throw new Error(`frontend ${f.id} rule ${r.name} references unknown backend ${r.action.backend}`);
      used.set(b.id, b);
    }
  }
  return Object.freeze({ terminator, tcpRouter, backends: used });
}

/** True when a TCP frontend's rules are handled here (build.ts need not warn about them). */
export const routesTcpRules = (rt: FrontendTlsRuntime | undefined): boolean => rt?.tcpRouter !== undefined;

// ---- HTTP ----

/** Accepted sockets → their secured socket; sockets still in the handshake. */
const secured = new WeakMap<net.Socket, tls.TLSSocket>();
const handshaking = new WeakSet<net.Socket>();

/** Where a secured connection goes, by its ALPN protocol. */
export interface HttpServers {
  http1(socket: tls.TLSSocket): void;
  http2(): http2.Http2Server;
}

/** Terminates TLS on an accepted socket of an HTTP frontend and hands it to HTTP/2 or HTTP/1.1. */
export function acceptHttps(raw: net.Socket, terminator: TlsTerminator, servers: HttpServers): void {
  handshaking.add(raw);
  terminator.accept(raw, (s) => {
    handshaking.delete(raw);
    secured.set(raw, s);
    if (s.alpnProtocol === 'h2') serveH2(servers.http2(), s);
    else servers.http1(s);
  });
}

/**
 * Graceful close for a connection a listener tracks by its accepted socket: GOAWAY on HTTP/2,
 * close_notify on TLS, and a handshake in progress is simply cut. False for plain sockets.
 */
export function closeTlsGracefully(socket: object): boolean {
  const raw = rawSocketOf(socket);
  if (!(raw instanceof net.Socket)) return false;
  if (closeSecure(raw, secured.get(raw))) return true;
  if (handshaking.has(raw)) {
    raw.destroy();
    return true;
  }
  return false;
}

// ---- TCP ----

/**
 * The connection's trace, which this side only hands on to the TCP proxy, except when it refuses
 * the connection itself (types/traffic.ts Trace).
 */
interface RefusalTrace {
  local(termination: 'PR'): void;
}

export type TcpProxy<F, T> = (client: net.Socket, fe: F, log: Logger, trace?: T) => void;

/** The frontend as the TCP proxy should see it for this connection, or undefined: refuse. */
function routeTcp<B extends RoutedBackend, F extends TcpFrontendLike<B>>(
  fe: F,
  rt: FrontendTlsRuntime<B>,
  sni: string | undefined,
  source: string,
): F | undefined {
  if (!rt.tcpRouter) return fe;
  const d = rt.tcpRouter.route({
    method: '',
    path: '',
    query: '',
    host: '',
    headers: {},
    sourceAddress: source,
    scheme: rt.terminator ? 'https' : 'http',
    localPort: fe.snap.bind.port,
    ...(sni ? { sni } : {}),
  });
  if (d.action.type !== 'backend') return undefined;
  const backend =
    rt.backends.get(d.action.backend) ?? (d.action.backend === fe.backend?.id ? fe.backend : undefined);
  return backend ? { ...fe, backend } : undefined;
}

/**
 * A TCP connection on a frontend with TLS or SNI rules: terminate or peek, choose the backend by
 * the rules, then hand the (secured or untouched) socket to the TCP proxy.
 */
export function acceptTcp<B extends RoutedBackend, F extends TcpFrontendLike<B>, T extends RefusalTrace>(
  raw: net.Socket,
  fe: F,
  log: Logger,
  trace: T | undefined,
  proxy: TcpProxy<F, T>,
): void {
  const rt = fe.tls!;
  const source = displayAddress(raw.remoteAddress);
  const route = (client: net.Socket, sni: string | undefined): void => {
    const target = routeTcp(fe, rt, sni, source);
    if (!target) {
      log.debug(
        { frontend: fe.id, sni, source },
        'no tcp rule matches and no default backend; connection closed',
      );
      trace?.local('PR');
      client.destroy();
      return;
    }
    proxy(client, target, log, trace);
  };
  if (rt.terminator) {
    rt.terminator.accept(raw, (s) => route(s, s.servername || undefined));
    return;
  }
  raw.on('error', () => {});
  const wait = fe.snap.timeouts.httpRequest > 0 ? Math.min(fe.snap.timeouts.httpRequest, 60_000) : 10_000;
  void peekClientHello(raw, wait).then((hello) => {
    if (hello.kind === 'closed' || raw.destroyed) {
      raw.destroy();
      return;
    }
    route(raw, hello.kind === 'tls' ? hello.sni : undefined);
  });
}
