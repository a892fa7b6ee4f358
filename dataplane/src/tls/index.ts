// TLS in the dataplane: termination (SNI, ALPN, mTLS, resumption), HTTP/2 towards clients,
// SNI passthrough in TCP mode, and TLS towards servers. See docs/tls.md.
export { parseClientHello, peekClientHello, type ClientHelloInfo, type PeekResult } from './client-hello.js';
export {
  acceptHttps,
  acceptTcp,
  buildFrontendTls,
  closeTlsGracefully,
  routesTcpRules,
  type FrontendTlsRuntime,
  type HttpServers,
} from './frontend.js';
export { createH2Server, h2SessionOf, type H2Handlers } from './h2.js';
export { CertificateIndex, certificateNameMatches, normalizeServerName } from './names.js';
export { rawSocketOf, terminatorFor, TlsTerminator } from './terminator.js';
export {
  certificateProblem,
  describeUpstreamTlsError,
  reportUpstreamTlsFailure,
  upstreamConnectOptions,
  upstreamTlsOf,
  type UpstreamServer,
  type UpstreamTls,
} from './upstream.js';
