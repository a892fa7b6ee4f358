// Fixtures for the observability tests: snapshot builders, an access-log capture, HTTP helpers
// and the Prometheus exposition checker (the reference Go parser, see promcheck/).
import { execFile, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import http from 'node:http';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { backend as baseBackend, eventually as pollUntil } from '../../unit/dataplane/helpers.js';
import type { BackendSnap, FrontendSnap, HealthSnap, ServerSnap, SnapshotBody } from '#protocol/snapshot';

export const HOST = '127.0.0.1';
export const ADMIN = { username: 'ops', password: 'correct horse battery staple' };

export { quietLogger } from '../../support/logger.js';

/** Access-log lines written to memory (JSON objects, or raw text lines). */
export function logCapture(): {
  write(chunk: string): void;
  lines(): string[];
  json(): Array<Record<string, unknown>>;
} {
  const chunks: string[] = [];
  return {
    write: (chunk: string) => void chunks.push(chunk),
    lines: () => chunks.join('').split('\n').filter(Boolean),
    json: () =>
      chunks
        .join('')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Record<string, unknown>),
  };
}

// Snapshot builders shared with the dataplane tests; retries default off here so that every
// counted attempt in the metrics and access-log tests is one the test asked for.
export { frontend, server } from '../../unit/dataplane/helpers.js';

export function backend(id: string, servers: ServerSnap[], extra: Partial<BackendSnap> = {}): BackendSnap {
  return baseBackend(id, servers, {
    retries: { attempts: 0, redispatch: true, onResponseTimeout: false },
    ...extra,
  });
}

/** A fast HTTP health policy: GET /health expecting 200, every 100 ms, one failure takes it down. */
export function httpHealth(extra: Partial<HealthSnap> = {}): HealthSnap {
  return {
    policy: 'default/fast',
    intervalMs: 100,
    fastIntervalMs: 100,
    downIntervalMs: 100,
    timeoutMs: 500,
    rise: 1,
    fall: 1,
    initialState: 'up',
    http: { method: 'GET', path: '/health', headers: [], expect: { status: [200] } },
    ...extra,
  };
}

export const body = (
  frontends: FrontendSnap[],
  backends: BackendSnap[],
  group = 'default',
): SnapshotBody => ({
  group,
  frontends,
  backends,
});

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** One request on a fresh connection. */
export function request(
  port: number,
  path = '/',
  opts: { method?: string; headers?: http.OutgoingHttpHeaders; body?: string; host?: string } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: opts.host ?? HOST,
        port,
        path,
        method: opts.method ?? 'GET',
        headers: opts.headers,
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            body: Buffer.concat(chunks).toString(),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(opts.body);
  });
}

export const basic = (u: string, p: string): string => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

export { sleep } from '../../unit/dataplane/helpers.js';

/** The shared poller with this suite's longer defaults (real processes, scrapes). */
export const eventually = <T>(fn: () => T | Promise<T>, ms = 5000, step = 25): Promise<NonNullable<T>> =>
  pollUntil(fn, ms, step);

/** Where artifacts go (gitignored): screenshots, expositions. */
export function resultsDir(): string {
  const dir = join(dirname(fileURLToPath(import.meta.url)), '../../../test-results/observability');
  mkdirSync(dir, { recursive: true });
  return dir;
}

// ---- Prometheus exposition checker ----

export interface PromSample {
  labels: Record<string, string>;
  value?: string;
  count?: number;
  sum?: string;
  buckets?: Array<{ le: string; count: number }>;
}

export interface PromFamily {
  name: string;
  type: 'COUNTER' | 'GAUGE' | 'HISTOGRAM' | 'SUMMARY' | 'UNTYPED';
  help: string;
  samples: PromSample[];
}

export interface PromCheck {
  families: PromFamily[];
  /** promlint findings (naming and type conventions). */
  problems: string[];
}

const PROMCHECK_SRC = join(dirname(fileURLToPath(import.meta.url)), 'promcheck');

function goBinary(): string {
  for (const candidate of ['go', '/usr/local/go/bin/go', '/usr/lib/go/bin/go']) {
    const r = spawnSync(candidate, ['version'], { encoding: 'utf8' });
    if (r.status === 0) return candidate;
  }
  throw new Error(
    'the Go toolchain is needed to build promcheck (the reference Prometheus text parser); install Go',
  );
}

/**
 * Builds (once, cached by source hash) the promcheck tool: prometheus/common's expfmt text
 * parser — the one promtool uses — plus promlint. Returns its path.
 */
export function buildPromcheck(): string {
  const hash = createHash('sha256');
  for (const f of ['main.go', 'go.mod', 'go.sum']) hash.update(readFileSync(join(PROMCHECK_SRC, f)));
  const cache = process.env.BASCULE_TEST_CACHE || join(homedir(), '.cache', 'bascule-test');
  const bin = join(cache, `promcheck-${hash.digest('hex').slice(0, 16)}`);
  if (existsSync(bin)) return bin;
  mkdirSync(cache, { recursive: true });
  const r = spawnSync(goBinary(), ['build', '-o', bin, '.'], {
    cwd: PROMCHECK_SRC,
    encoding: 'utf8',
    env: { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false', CGO_ENABLED: '0' },
    timeout: 600_000,
  });
  if (r.status !== 0) throw new Error(`building promcheck failed:\n${r.stderr || r.error?.message}`);
  return bin;
}

/** Parses an exposition with the reference parser; rejects when it is not valid text format. */
export function promcheck(bin: string, exposition: string): Promise<PromCheck> {
  return new Promise((resolve, reject) => {
    const child = execFile(bin, [], { maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
      if (err)
        return reject(new Error(`exposition rejected by the Prometheus parser: ${stderr || err.message}`));
      resolve(JSON.parse(stdout) as PromCheck);
    });
    child.stdin!.end(exposition);
  });
}

/** The value of one series (counter/gauge), or undefined when absent. */
export function value(
  check: PromCheck,
  name: string,
  labels: Record<string, string> = {},
): number | undefined {
  const fam = check.families.find((f) => f.name === name);
  const s = fam?.samples.find(
    (x) =>
      Object.entries(labels).every(([k, v]) => x.labels[k] === v) &&
      Object.keys(x.labels).length === Object.keys(labels).length,
  );
  if (!s) return undefined;
  if (s.value !== undefined) return Number(s.value);
  return s.count;
}

export function family(check: PromCheck, name: string): PromFamily | undefined {
  return check.families.find((f) => f.name === name);
}
