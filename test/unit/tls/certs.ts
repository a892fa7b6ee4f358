// Test certificates, generated at test time with the openssl CLI into a temp directory.
// `openssl ca` (with a throwaway database) is used for every leaf because it takes explicit
// -startdate/-enddate: that is how an already-expired certificate is made (OpenSSL 3.0's x509
// has no -not_before). EC P-256 keys keep generation fast on a loaded machine.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface Pem {
  cert: string;
  key: string;
  certFile: string;
  keyFile: string;
}

export interface LeafOptions {
  /** DNS names (subjectAltName); the first is also the CN. */
  dns?: string[];
  ips?: string[];
  /** openssl time format, e.g. 20200101000000Z. Default: yesterday. */
  start?: string;
  /** Default: in 30 days. */
  end?: string;
  /** Client certificate (extendedKeyUsage clientAuth) instead of server. */
  client?: boolean;
  cn?: string;
}

const fmt = (d: Date): string => `${d.toISOString().replace(/[-:T]/g, '').slice(0, 14)}Z`;

export class TestCa {
  readonly dir: string;
  readonly cert: string;
  readonly certFile: string;
  private readonly keyFile: string;
  private readonly slug: string;
  private n = 0;

  /** A CA in a fresh temp dir (or in `dir`), valid `start`..`end`. */
  constructor(name = 'Bascule Test CA', opts: { dir?: string; start?: string; end?: string } = {}) {
    this.dir = opts.dir ?? mkdtempSync(join(tmpdir(), 'bascule-tls-'));
    const slug = name.toLowerCase().replace(/[^a-z0-9]+/g, '-');
    this.slug = slug;
    this.keyFile = join(this.dir, `${slug}.key`);
    this.certFile = join(this.dir, `${slug}.crt`);
    writeFileSync(join(this.dir, `${slug}.index`), '');
    writeFileSync(join(this.dir, `${slug}.serial`), '1000\n');
    writeFileSync(
      join(this.dir, `${slug}.cnf`),
      [
        '[ca]',
        'default_ca = d',
        '[d]',
        `database = ${join(this.dir, `${slug}.index`)}`,
        `serial = ${join(this.dir, `${slug}.serial`)}`,
        `new_certs_dir = ${this.dir}`,
        'default_md = sha256',
        'policy = p',
        'copy_extensions = none',
        'unique_subject = no',
        '[p]',
        'commonName = supplied',
        '[req]',
        'distinguished_name = dn',
        '[dn]',
        '[ca_ext]',
        'basicConstraints = critical, CA:TRUE',
        'keyUsage = critical, keyCertSign, cRLSign',
        'subjectKeyIdentifier = hash',
        '',
      ].join('\n'),
    );
    this.genKey(this.keyFile);
    const csr = join(this.dir, `${slug}.csr`);
    this.openssl([
      'req',
      '-new',
      '-key',
      this.keyFile,
      '-subj',
      `/CN=${name}`,
      '-out',
      csr,
      '-config',
      this.cnf(slug),
    ]);
    // Self-signed through `ca -selfsign` so the validity window is explicit too.
    this.openssl([
      'ca',
      '-batch',
      '-selfsign',
      '-notext',
      '-config',
      this.cnf(slug),
      '-keyfile',
      this.keyFile,
      '-in',
      csr,
      '-out',
      this.certFile,
      '-extensions',
      'ca_ext',
      '-extfile',
      this.cnf(slug),
      '-startdate',
      opts.start ?? fmt(new Date(Date.now() - 86_400_000)),
      '-enddate',
      opts.end ?? fmt(new Date(Date.now() + 3650 * 86_400_000)),
    ]);
    this.cert = readFileSync(this.certFile, 'utf8');
  }

  private cnf(slug = this.slug): string {
    return join(this.dir, `${slug}.cnf`);
  }

  private openssl(args: string[]): void {
    execFileSync('openssl', args, { stdio: ['ignore', 'ignore', 'pipe'] });
  }

  private genKey(file: string): void {
    this.openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file]);
  }

  /** A leaf certificate signed by this CA. */
  issue(opts: LeafOptions = {}): Pem {
    const id = `leaf${++this.n}`;
    const keyFile = join(this.dir, `${this.slug}-${id}.key`);
    const certFile = join(this.dir, `${this.slug}-${id}.crt`);
    const csr = join(this.dir, `${this.slug}-${id}.csr`);
    const ext = join(this.dir, `${this.slug}-${id}.ext`);
    const dns = opts.dns ?? [];
    const sans = [...dns.map((d) => `DNS:${d}`), ...(opts.ips ?? []).map((i) => `IP:${i}`)];
    writeFileSync(
      ext,
      [
        '[x]',
        'basicConstraints = critical, CA:FALSE',
        'keyUsage = critical, digitalSignature, keyEncipherment',
        `extendedKeyUsage = ${opts.client ? 'clientAuth' : 'serverAuth'}`,
        ...(sans.length > 0 ? [`subjectAltName = ${sans.join(', ')}`] : []),
        '',
      ].join('\n'),
    );
    this.genKey(keyFile);
    const cn = opts.cn ?? dns[0] ?? opts.ips?.[0] ?? `client-${this.n}`;
    this.openssl(['req', '-new', '-key', keyFile, '-subj', `/CN=${cn}`, '-out', csr, '-config', this.cnf()]);
    this.openssl([
      'ca',
      '-batch',
      '-notext',
      '-config',
      this.cnf(),
      '-cert',
      this.certFile,
      '-keyfile',
      this.keyFile,
      '-in',
      csr,
      '-out',
      certFile,
      '-extfile',
      ext,
      '-extensions',
      'x',
      '-startdate',
      opts.start ?? fmt(new Date(Date.now() - 86_400_000)),
      '-enddate',
      opts.end ?? fmt(new Date(Date.now() + 30 * 86_400_000)),
    ]);
    return { cert: readFileSync(certFile, 'utf8'), key: readFileSync(keyFile, 'utf8'), certFile, keyFile };
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A key that belongs to no certificate (key-mismatch cases). */
export function strayKey(dir: string): string {
  const file = join(dir, `stray-${Date.now()}-${Math.random().toString(36).slice(2)}.key`);
  execFileSync(
    'openssl',
    ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', file],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  return readFileSync(file, 'utf8');
}
