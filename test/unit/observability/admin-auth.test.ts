import { expect } from 'chai';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CredentialSource,
  credentialsMatch,
  isLoopback,
  parseBasicAuth,
  parseCredentials,
  requireAdmin,
} from '#dataplane/admin/auth';

const basic = (u: string, p: string) => `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`;

/** Serves one protected route; `remote` pretends to be the client address the check sees. */
async function serve(source: CredentialSource, loopbackOnly: boolean, remote?: string) {
  const check = requireAdmin(source, loopbackOnly);
  const srv = http.createServer((req, res) => {
    if (remote)
      Object.defineProperty(req, 'socket', { value: { remoteAddress: remote, localAddress: '10.0.0.5' } });
    if (check(req, res)) res.end('ok');
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(srv.address() as AddressInfo).port}/x`;
  return { url, close: () => new Promise<void>((r) => srv.close(() => r())) };
}

describe('observability/admin auth', () => {
  const dir = mkdtempSync(join(tmpdir(), 'bascule-auth-'));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('parses "username:password" files and Authorization headers', () => {
    expect(parseCredentials('ops:a:b:c\n', 'f')).to.deep.equal({ username: 'ops', password: 'a:b:c' });
    expect(() => parseCredentials('nocolon', 'f')).to.throw(/username:password/);
    expect(() => parseCredentials(':x', 'f')).to.throw();
    expect(() => parseCredentials('x:', 'f')).to.throw();
    expect(parseBasicAuth(basic('u', 'p:q'))).to.deep.equal({ username: 'u', password: 'p:q' });
    expect(parseBasicAuth('Bearer abc')).to.equal(null);
    expect(parseBasicAuth(undefined)).to.equal(null);
    expect(credentialsMatch({ username: 'u', password: 'p' }, { username: 'u', password: 'p' })).to.equal(
      true,
    );
    expect(credentialsMatch({ username: 'u', password: 'p' }, { username: 'u', password: 'P' })).to.equal(
      false,
    );
    expect(credentialsMatch({ username: 'U', password: 'p' }, { username: 'u', password: 'p' })).to.equal(
      false,
    );
  });

  it('resolves credentials from options, a file (re-read when it changes) or the environment', () => {
    expect(CredentialSource.resolve(undefined, {}).configured).to.equal(false);
    expect(CredentialSource.resolve({ username: 'a', password: 'b' }, {}).get()).to.deep.equal({
      username: 'a',
      password: 'b',
    });
    expect(() => CredentialSource.resolve({ username: 'a', password: '' }, {})).to.throw();
    expect(
      CredentialSource.resolve(undefined, { BASCULE_ADMIN_USERNAME: 'e', BASCULE_ADMIN_PASSWORD: 'f' }).get(),
    ).to.deep.equal({ username: 'e', password: 'f' });
    expect(() => CredentialSource.resolve(undefined, { BASCULE_ADMIN_USERNAME: 'e' })).to.throw(/together/);
    const file = join(dir, 'auth');
    writeFileSync(file, 'one:first\n');
    const src = CredentialSource.resolve(undefined, { BASCULE_ADMIN_AUTH_FILE: file });
    expect(src.get()).to.deep.equal({ username: 'one', password: 'first' });
    writeFileSync(file, 'two:second-longer\n'); // a rotated Secret
    utimesSync(file, new Date(), new Date(Date.now() + 5000));
    expect(src.get()).to.deep.equal({ username: 'two', password: 'second-longer' });
    expect(() => CredentialSource.resolve({ file: join(dir, 'missing') })).to.throw();
  });

  it('knows loopback addresses', () => {
    for (const a of ['127.0.0.1', '127.8.9.1', '::1', '::ffff:127.0.0.1'])
      expect(isLoopback(a), a).to.equal(true);
    for (const a of ['10.0.0.1', '0.0.0.0', '::', undefined])
      expect(isLoopback(a), String(a)).to.equal(false);
  });

  it('answers 401 with a challenge to wrong credentials, and lets the right ones in', async () => {
    const s = await serve(CredentialSource.resolve({ username: 'ops', password: 'pw' }, {}), false);
    try {
      const none = await fetch(s.url);
      expect(none.status).to.equal(401);
      expect(none.headers.get('www-authenticate')).to.equal(
        'Basic realm="Bascule dataplane", charset="UTF-8"',
      );
      expect(await none.text()).to.not.include('pw');
      expect((await fetch(s.url, { headers: { authorization: basic('ops', 'bad') } })).status).to.equal(401);
      expect((await fetch(s.url, { headers: { authorization: basic('ops', 'pw') } })).status).to.equal(200);
    } finally {
      await s.close();
    }
  });

  it('without credentials: open to loopback clients of a loopback admin, 403 anywhere else', async () => {
    const none = CredentialSource.resolve(undefined, {});
    const local = await serve(none, true);
    const remote = await serve(none, true, '10.9.9.9');
    const exposed = await serve(none, false);
    try {
      expect((await fetch(local.url)).status).to.equal(200);
      expect((await fetch(remote.url)).status).to.equal(403);
      const r = await fetch(exposed.url);
      expect(r.status).to.equal(403);
      expect(await r.text()).to.match(/BASCULE_ADMIN_AUTH_FILE/);
    } finally {
      await Promise.all([local.close(), remote.close(), exposed.close()]);
    }
  });
});
