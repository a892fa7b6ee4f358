// A bounded client for the cluster tests: sequential GETs to 127.0.0.1:<port> (a relay to a
// Service address), each on a new connection, so that every request exercises the whole path
// (kube-proxy's choice of dataplane pod, the dataplane's choice of server). It stops by itself
// after maxRequests or maxDurationMs, whichever comes first.
import { request } from 'node:http';

export interface EchoReply {
  pod: string;
  url: string;
}

export interface LoopResult {
  sent: number;
  ok: number;
  failed: number;
  /** Failure reason (error code or "HTTP <status>") → count. */
  failures: Record<string, number>;
  /** Echo pod → requests it answered. */
  pods: Record<string, number>;
  durationMs: number;
}

export interface LoopOptions {
  path?: string;
  /** Pause between two requests (default 20ms). */
  intervalMs?: number;
  maxRequests?: number;
  maxDurationMs?: number;
  /** Per-request time limit (default 3s). */
  timeoutMs?: number;
}

/** One GET on a fresh connection; resolves with the echo reply or rejects with a short reason. */
export function getOnce(port: number, path = '/', timeoutMs = 3000): Promise<EchoReply> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path, agent: false, timeout: timeoutMs }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code ?? err.message)));
      res.on('end', () => {
        if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode}`));
        try {
          resolve(JSON.parse(body) as EchoReply);
        } catch {
          reject(new Error('not an echo reply'));
        }
      });
    });
    req.on('timeout', () => req.destroy(Object.assign(new Error('timeout'), { code: 'TIMEOUT' })));
    req.on('error', (err: NodeJS.ErrnoException) => reject(new Error(err.code ?? err.message)));
    req.end();
  });
}

/** Start the loop; stop() ends it early and resolves with the counts. */
export function startRequestLoop(port: number, opts: LoopOptions = {}): { stop(): Promise<LoopResult> } {
  const {
    path = '/',
    intervalMs = 20,
    maxRequests = 20_000,
    maxDurationMs = 300_000,
    timeoutMs = 3000,
  } = opts;
  const result: LoopResult = { sent: 0, ok: 0, failed: 0, failures: {}, pods: {}, durationMs: 0 };
  const started = Date.now();
  let stopping = false;
  const done = (async () => {
    while (!stopping && result.sent < maxRequests && Date.now() - started < maxDurationMs) {
      result.sent++;
      try {
        const reply = await getOnce(port, path, timeoutMs);
        result.ok++;
        result.pods[reply.pod] = (result.pods[reply.pod] ?? 0) + 1;
      } catch (err) {
        result.failed++;
        const reason = (err as Error).message;
        result.failures[reason] = (result.failures[reason] ?? 0) + 1;
      }
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    result.durationMs = Date.now() - started;
    return result;
  })();
  return {
    stop: () => {
      stopping = true;
      return done;
    },
  };
}
