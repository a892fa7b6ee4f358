// Debian's HAProxy as a reference implementation in the security tests: one process per
// configuration, in the foreground (-db), on 127.0.0.1 ports the test picked. A missing binary
// fails the test (CI installs haproxy in .ci/run).
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { HOST, eventually } from '../../unit/dataplane/helpers.js';

export function findHaproxy(): string {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/usr/local/sbin', '/sbin'];
  for (const d of dirs) if (d && existsSync(path.join(d, 'haproxy'))) return path.join(d, 'haproxy');
  throw new Error('HAProxy is not installed: this test compares Bascule with it (CI installs it in .ci/run)');
}

export interface Haproxy {
  /** Directory for files the configuration refers to (certificates). */
  readonly dir: string;
  /** The HAProxy process (foreground mode: one process). */
  readonly pid: number;
  log(): string;
  close(): Promise<void>;
}

/**
 * Starts HAProxy with `config` (a full configuration; `files` are written beside it first) and
 * waits until `readyPort` accepts connections.
 */
export async function startHaproxy(
  config: (dir: string) => string,
  readyPort: number,
  files: Record<string, string> = {},
): Promise<Haproxy> {
  const bin = findHaproxy();
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bascule-haproxy-'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(dir, name), text);
  const file = path.join(dir, 'haproxy.cfg');
  writeFileSync(file, `${config(dir).trim()}\n`);
  let out = '';
  const child = spawn(bin, ['-f', file, '-db'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  const close = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await eventually(
      () =>
        new Promise<boolean>((resolve, reject) => {
          if (child.exitCode !== null) return reject(new Error(`haproxy exited: ${out}`));
          const s = net.connect(readyPort, HOST, () => {
            s.destroy();
            resolve(true);
          });
          s.on('error', () => resolve(false));
        }),
      10_000,
      50,
    );
  } catch (err) {
    await close();
    throw err;
  }
  return { dir, pid: child.pid!, log: () => out, close };
}

export interface ProxyOptions {
  /** Where HAProxy listens (127.0.0.1) and the one server it forwards to. */
  port: number;
  serverPort: number;
  /** Terminate TLS with this certificate and key, offering `alpn` (default h2,http/1.1). */
  tls?: { cert: string; key: string; alpn?: string };
  /** HAProxy timeouts in ms (`timeout client`, `http-request`, `http-keep-alive`); client: 30 s. */
  timeouts?: { client?: number; httpRequest?: number; keepAlive?: number };
  /** global and frontend maxconn (HAProxy's default is far below what some tests open). */
  maxconn?: number;
}

/** HAProxy as an HTTP proxy in front of one server: the reference the security tests compare with. */
export function startHaproxyProxy(o: ProxyOptions): Promise<Haproxy> {
  const t = o.timeouts ?? {};
  const lines = (dir: string): string[] => [
    ...(o.maxconn ? ['global', `  maxconn ${o.maxconn}`] : []),
    'defaults',
    '  mode http',
    ...(o.maxconn ? [`  maxconn ${o.maxconn}`] : []),
    '  timeout connect 5s',
    `  timeout client ${t.client ?? 30_000}ms`,
    '  timeout server 30s',
    ...(t.httpRequest ? [`  timeout http-request ${t.httpRequest}ms`] : []),
    ...(t.keepAlive ? [`  timeout http-keep-alive ${t.keepAlive}ms`] : []),
    'frontend site',
    o.tls
      ? `  bind ${HOST}:${o.port} ssl crt ${dir}/site.pem alpn ${o.tls.alpn ?? 'h2,http/1.1'}`
      : `  bind ${HOST}:${o.port}`,
    '  default_backend origin',
    'backend origin',
    `  server origin ${HOST}:${o.serverPort}`,
  ];
  return startHaproxy(
    (dir) => lines(dir).join('\n'),
    o.port,
    o.tls ? { 'site.pem': `${o.tls.cert}\n${o.tls.key}` } : {},
  );
}
