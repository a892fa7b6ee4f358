// Echo server for the cluster tests: answers every request with the pod that served it, so a
// client can see how a load balancer spread its requests. Stops accepting on SIGTERM and lets
// in-flight requests finish.
import { createServer } from 'node:http';
import { hostname } from 'node:os';

const port = Number(process.env.PORT ?? 8080);
const pod = process.env.POD_NAME ?? hostname();

const server = createServer((req, res) => {
  const body = JSON.stringify({ pod, method: req.method, url: req.url, host: req.headers.host ?? null });
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) });
  res.end(body);
});
server.keepAliveTimeout = 5000;
server.listen(port, '0.0.0.0', () => console.log(`echo ${pod} listening on ${port}`));
process.on('SIGTERM', () => {
  server.close(() => process.exit(0));
  server.closeIdleConnections();
});
