// The whole pipeline with TLS: a controller reading manifests and PEM files from a directory,
// serving its channel over wss:// with a private CA; a dataplane that verifies it; certificates
// rotated on disk while clients run; a bad certificate that leaves the previous one serving; and
// no private key anywhere it could be read (logs, admin endpoints, stats page).
import { X509Certificate } from 'node:crypto';
import { mkdirSync, mkdtempSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { expect } from 'chai';
import { startController, type Controller } from '#controller/controller';
import { DirSource } from '#controller/sources/dir-source';
import { startDataplane, type Dataplane } from '#dataplane/dataplane';
import {
  HOST,
  TestCa,
  capturingLogger,
  eventually,
  freePort,
  httpsGet,
  sleep,
  startBackend,
  type Pem,
} from './support.js';

const TOKEN = 'tls-e2e-token-0123456789abcdef';

describe('e2e tls: controller → dataplane over wss://, certificates from files', function () {
  this.timeout(120_000);

  let ca: TestCa;
  let channelCa: TestCa;
  let dir: string;
  let pemDir: string;
  let web: Awaited<ReturnType<typeof startBackend>>;
  let controller: Controller;
  let source: DirSource;
  let dp: Dataplane | undefined;
  const clogs = capturingLogger();
  const dlogs = capturingLogger();
  let port: number;
  let otherPort: number;
  const current: Record<string, Pem> = {};

  /** Replaces a PEM pair on disk the way cert-manager/kubelet do: write beside, then rename. */
  function install(name: string, pem: { cert: string; key: string }): void {
    for (const [ext, text] of [
      ['crt', pem.cert],
      ['key', pem.key],
    ] as const) {
      const tmp = join(pemDir, `.${name}.${ext}.tmp`);
      writeFileSync(tmp, text);
      renameSync(tmp, join(pemDir, `${name}.${ext}`));
    }
  }

  const serialOf = (port: number, servername: string): Promise<string> =>
    new Promise((resolve, reject) => {
      const s = tls.connect({ host: HOST, port, servername, ca: ca.cert }, () => {
        const serial = s.getPeerCertificate().serialNumber;
        s.end();
        resolve(serial);
      });
      s.on('error', reject);
    });

  before(async () => {
    ca = new TestCa('Site CA');
    channelCa = new TestCa('Channel CA');
    dir = mkdtempSync(join(tmpdir(), 'bascule-tls-cp-'));
    pemDir = join(dir, 'pem');
    mkdirSync(pemDir);
    mkdirSync(join(dir, 'manifests'));
    web = await startBackend('web');
    port = await freePort();
    otherPort = await freePort();
    current.shop = ca.issue({ dns: ['shop.example.test'] });
    current.other = ca.issue({ dns: ['other.example.test'] });
    install('shop', current.shop);
    install('other', current.other);
    writeFileSync(
      join(dir, 'manifests', 'site.yaml'),
      `apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: shop}
spec:
  bind: {port: ${port}, address: ${HOST}}
  tls:
    certificates: [{certFile: ../pem/shop.crt, keyFile: ../pem/shop.key}]
    alpn: [h2, http/1.1]
  defaultBackend: web
---
apiVersion: bascule.dev/v1alpha1
kind: Frontend
metadata: {name: other}
spec:
  bind: {port: ${otherPort}, address: ${HOST}}
  tls: {certificates: [{certFile: ../pem/other.crt, keyFile: ../pem/other.key}]}
  defaultBackend: web
---
apiVersion: bascule.dev/v1alpha1
kind: Backend
metadata: {name: web}
spec:
  servers: [{name: web1, address: ${HOST}, port: ${web.port}}]
`,
    );
    const serving = channelCa.issue({ ips: ['127.0.0.1'], cn: 'bascule-controller' });
    source = new DirSource({
      dir: join(dir, 'manifests'),
      rescanMs: 100,
      logger: clogs.log,
    });
    controller = await startController({
      source,
      listen: { host: HOST, port: 0 },
      admin: { host: HOST, port: 0 },
      tokens: [TOKEN],
      tls: { cert: serving.cert, key: serving.key },
      logger: clogs.log,
      holdoffMs: 10,
      maxDelayMs: 50,
      heartbeatMs: 500,
    });
    expect(controller.channelUrl).to.match(/^wss:\/\//);
  });

  after(async () => {
    await dp?.close();
    await controller?.close();
    await web?.close();
    rmSync(dir, { recursive: true, force: true });
    ca?.cleanup();
    channelCa?.cleanup();
  });

  it('a dataplane without the controller CA (or with a wrong one) is refused with a clear log line', async () => {
    for (const tlsCa of [undefined, ca.cert]) {
      const logs = capturingLogger();
      const bad = await startDataplane({
        controllerUrl: controller.channelUrl,
        token: TOKEN,
        group: 'default',
        nodeId: `untrusting-${tlsCa ? 'wrong' : 'none'}`,
        admin: null,
        logger: logs.log,
        ...(tlsCa ? { tlsCa } : {}),
        channel: { backoffBaseMs: 50, backoffCapMs: 200 },
      });
      try {
        const line = (await eventually(
          () => logs.lines().find((l) => String(l.msg).startsWith('controller TLS certificate refused')),
          10_000,
        ))!;
        expect(line.msg).to.contain('certificate is not trusted');
        expect(line.msg).to.contain('--ca-file');
        expect(bad.currentVersion).to.equal(null);
        expect(bad.status().controller.connected).to.equal(false);
      } finally {
        await bad.close();
      }
    }
  });

  it('a dataplane with the CA connects over wss:// and serves the certificates read from files', async () => {
    const dpAdmin = await freePort();
    dp = await startDataplane({
      controllerUrl: controller.channelUrl,
      token: TOKEN,
      group: 'default',
      nodeId: 'trusting',
      admin: { host: HOST, port: dpAdmin },
      logger: dlogs.log,
      tlsCa: channelCa.cert,
    });
    await eventually(() => dp!.currentVersion !== null, 15_000);
    expect(dp.status().controller.connected).to.equal(true);
    await eventually(async () => (await serialOf(port, 'shop.example.test').catch(() => '')) !== '', 10_000);
    expect(await serialOf(port, 'shop.example.test')).to.equal(
      new X509Certificate(current.shop!.cert).serialNumber,
    );
    expect(await serialOf(otherPort, 'other.example.test')).to.equal(
      new X509Certificate(current.other!.cert).serialNumber,
    );
    const r = await httpsGet(port, { servername: 'shop.example.test', ca: ca.cert });
    expect(r.status).to.equal(200);
  });

  it('rotation under load: zero failed requests; new handshakes see the new certificate, open connections keep theirs', async () => {
    const oldSerial = new X509Certificate(current.shop!.cert).serialNumber;
    // A keep-alive connection opened before the rotation.
    const keep = new https.Agent({ keepAlive: true, maxSockets: 1 });
    const first = await new Promise<{ serial: string }>((resolve, reject) => {
      const req = https.get(
        {
          host: HOST,
          port,
          servername: 'shop.example.test',
          ca: ca.cert,
          agent: keep,
          headers: { host: 'shop.example.test' },
        },
        (res) => {
          const serial = (res.socket as tls.TLSSocket).getPeerCertificate().serialNumber;
          res.resume();
          res.on('end', () => resolve({ serial }));
        },
      );
      req.on('error', reject);
    });
    expect(first.serial).to.equal(oldSerial);

    let failures = 0;
    let done = 0;
    let stop = false;
    const errors: string[] = [];
    const loop = async (agent: https.Agent | undefined): Promise<void> => {
      while (!stop) {
        try {
          const r = await httpsGet(port, {
            servername: 'shop.example.test',
            ca: ca.cert,
            ...(agent ? { agent } : {}),
          });
          if (r.status === 200) done++;
          else {
            failures++;
            errors.push(`status ${r.status}`);
          }
        } catch (err) {
          failures++;
          errors.push((err as Error).message);
        }
      }
    };
    const loops = [loop(undefined), loop(undefined), loop(keep)];
    try {
      await sleep(300);
      current.shop = ca.issue({ dns: ['shop.example.test'] });
      const newSerial = new X509Certificate(current.shop.cert).serialNumber;
      install('shop', current.shop);
      await eventually(async () => (await serialOf(port, 'shop.example.test')) === newSerial, 15_000, 50);
      await sleep(300);
    } finally {
      // Stopped on a failure too: the loops would otherwise keep the process busy after the test.
      stop = true;
      await Promise.all(loops);
    }
    expect(failures, errors.slice(0, 5).join('; ')).to.equal(0);
    expect(done).to.be.greaterThan(10);
    // The connection made before the rotation is still the same one, still on the old certificate.
    const sockets = Object.values(keep.sockets)
      .flat()
      .concat(Object.values(keep.freeSockets).flat()) as tls.TLSSocket[];
    expect(sockets.length).to.equal(1);
    expect(sockets[0]!.getPeerCertificate().serialNumber).to.equal(oldSerial);
    keep.destroy();
    // The other frontend never changed.
    expect(await serialOf(otherPort, 'other.example.test')).to.equal(
      new X509Certificate(current.other!.cert).serialNumber,
    );
  });

  it('a bad certificate (expired, then key mismatch) leaves the previous one serving, with a clear condition', async () => {
    const goodSerial = new X509Certificate(current.shop!.cert).serialNumber;
    const version = dp!.currentVersion;
    const expired = ca.issue({
      dns: ['shop.example.test'],
      start: '20200101000000Z',
      end: '20210101000000Z',
    });
    install('shop', expired);
    const condition = async (): Promise<string | undefined> => {
      const st = controller.statusOf({ kind: 'Frontend', namespace: 'default', name: 'shop' });
      const c = st?.status.conditions?.find((x) => x.type === 'ResolvedRefs');
      return c?.status === 'False' ? c.message : undefined;
    };
    const msg = await eventually(condition, 10_000, 50);
    expect(msg).to.match(
      /expired on .* the previous certificate of "bascule-file-[0-9a-f]+" \(valid until .*\) keeps serving/,
    );
    expect(await serialOf(port, 'shop.example.test')).to.equal(goodSerial);
    expect(dp!.currentVersion).to.equal(version); // nothing new to serve
    const other = controller.statusOf({ kind: 'Frontend', namespace: 'default', name: 'other' });
    expect(other?.status.conditions?.find((x) => x.type === 'ResolvedRefs')?.status).to.equal('True');

    const stranger = ca.issue({ dns: ['shop.example.test'] });
    install('shop', { cert: stranger.cert, key: current.other!.key });
    await eventually(async () => /does not match/.test((await condition()) ?? ''), 10_000, 50);
    expect(await serialOf(port, 'shop.example.test')).to.equal(goodSerial);
    expect((await httpsGet(port, { servername: 'shop.example.test', ca: ca.cert })).status).to.equal(200);

    // A good certificate again clears the condition and is served.
    current.shop = ca.issue({ dns: ['shop.example.test'] });
    install('shop', current.shop);
    const fixed = new X509Certificate(current.shop.cert).serialNumber;
    await eventually(async () => (await serialOf(port, 'shop.example.test')) === fixed, 15_000, 50);
    await eventually(async () => (await condition()) === undefined, 10_000, 50);
  });

  it('private keys appear in no log, admin endpoint or stats page', async () => {
    const urls = [
      `${controller.adminUrl}/snapshot?full=1`,
      `${controller.adminUrl}/overview`,
      `${dp!.adminUrl}/status`,
      `${dp!.adminUrl}/stats;json`,
      `${dp!.adminUrl}/stats`,
      `${dp!.adminUrl}/metrics`,
    ];
    for (const url of urls) {
      const res = await fetch(url);
      const text = await res.text();
      expect(text, url).to.not.contain('PRIVATE KEY');
    }
    const full = await (await fetch(`${controller.adminUrl}/snapshot?full=1`)).text();
    expect(full).to.contain('<redacted>');
    expect(clogs.text()).to.not.contain('PRIVATE KEY');
    expect(dlogs.text()).to.not.contain('PRIVATE KEY');
    expect(clogs.text().length).to.be.greaterThan(0);
  });
});
