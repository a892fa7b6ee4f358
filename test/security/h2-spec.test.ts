// h2spec (HTTP/2 conformance, 145 cases of RFC 7540/7541) against a Bascule TLS frontend with
// ALPN h2, and against HAProxy 2.6 on the same certificate and server as the reference. Both must
// pass every case. h2spec is built from its Go module by .ci/build-h2spec.sh (cached); a missing
// binary is built here, and a build that fails fails the test.
//
// Bascule serves HTTP/2 over TLS only (no cleartext h2c), so there is no h2c run.
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { expect } from 'chai';
import {
  HOST,
  backend,
  certSnap,
  freePort,
  frontend,
  server,
  startBackend,
  tlsOf,
  type Harness,
  type Pem,
} from '../e2e/tls/support.js';
import { ROOT } from '../support/process.js';
import { tlsSite, type TlsSite } from './support/tls-site.js';
import { startHaproxyProxy } from './support/haproxy-process.js';

const CACHE = process.env.BASCULE_H2SPEC_CACHE ?? path.join(os.homedir(), '.cache/bascule-h2spec');
const H2SPEC = path.join(CACHE, 'bin/h2spec');
const CASES = 145;

function ensureH2spec(): string {
  if (!existsSync(H2SPEC))
    execFileSync('bash', [path.join(ROOT, '.ci/build-h2spec.sh')], {
      stdio: 'inherit',
      timeout: 15 * 60_000,
    });
  if (!existsSync(H2SPEC)) throw new Error(`h2spec is missing at ${H2SPEC} after .ci/build-h2spec.sh`);
  return H2SPEC;
}

interface H2specRun {
  total: number;
  failed: string[];
  skipped: string[];
  output: string;
}

/** Runs every h2spec case against 127.0.0.1:port over TLS; results from its JUnit report. */
function h2spec(port: number): Promise<H2specRun> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'bascule-h2spec-'));
  const report = path.join(dir, 'junit.xml');
  return new Promise((resolve, reject) => {
    // -o: seconds h2spec waits for an expected frame; generous on a loaded 2-core machine.
    execFile(
      H2SPEC,
      ['-t', '-k', '-h', HOST, '-p', String(port), '-o', '5', '-j', report],
      { encoding: 'utf8', maxBuffer: 16 << 20, timeout: 10 * 60_000 },
      (err, stdout, stderr) => {
        try {
          if (!existsSync(report))
            return reject(new Error(`h2spec wrote no report: ${err?.message ?? ''}\n${stdout}\n${stderr}`));
          const xml = readFileSync(report, 'utf8');
          const failed: string[] = [];
          const skipped: string[] = [];
          let total = 0;
          for (const m of xml.matchAll(
            /<testcase package="([^"]*)" classname="([^"]*)"[^>]*>([\s\S]*?)<\/testcase>/g,
          )) {
            total++;
            const name = `${m[1]}: ${m[2]}`;
            if (/<failure|<error/.test(m[3]!)) failed.push(name);
            else if (/<skipped/.test(m[3]!)) skipped.push(name);
          }
          resolve({ total, failed, skipped, output: stdout });
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      },
    );
  });
}

describe('security: h2spec conformance, Bascule beside HAProxy', function () {
  this.timeout(20 * 60_000);

  let cert: Pem;
  let h: Harness;
  let origin: Awaited<ReturnType<typeof startBackend>>;
  let site: TlsSite | undefined;

  before(async () => {
    ensureH2spec();
    // h2spec needs a response body of at least 5 bytes for its flow-control cases: the name.
    ({ cert, origin, h } = site = await tlsSite('h2spec-origin'));
  });

  after(async () => {
    await site?.close();
  });

  it(`HAProxy 2.6 (reference, TLS + ALPN h2): ${CASES}/${CASES}`, async () => {
    const port = await freePort();
    const hap = await startHaproxyProxy({ port, serverPort: origin.port, tls: { ...cert, alpn: 'h2' } });
    try {
      const r = await h2spec(port);
      console.log(`      haproxy: ${r.total - r.failed.length - r.skipped.length}/${r.total} passed`);
      expect(r.failed, r.output).to.deep.equal([]);
      expect(r.skipped).to.deep.equal([]);
      expect(r.total).to.equal(CASES);
    } finally {
      await hap.close();
    }
  });

  it(`Bascule (TLS + ALPN h2): ${CASES}/${CASES}`, async () => {
    const port = await freePort();
    await h.apply(
      [
        frontend('default/site', port, {
          defaultBackend: 'default/origin',
          tls: tlsOf([certSnap('a', cert)], { alpn: ['h2'] }),
        }),
      ],
      [backend('default/origin', [server('origin', origin.port)])],
    );
    const r = await h2spec(port);
    console.log(`      bascule: ${r.total - r.failed.length - r.skipped.length}/${r.total} passed`);
    expect(r.failed, r.output).to.deep.equal([]);
    expect(r.skipped).to.deep.equal([]);
    expect(r.total).to.equal(CASES);
  });
});
