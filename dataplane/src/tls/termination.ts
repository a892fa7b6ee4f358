// TLS termination as the build and the listeners use it: what tls/on-demand.ts loads, as one
// module, when the first snapshot that needs it is applied.
export { acceptHttps, acceptTcp, buildFrontendTls, closeTlsGracefully, routesTcpRules } from './frontend.js';
export { createH2Server } from './h2.js';
