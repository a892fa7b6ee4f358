import { expect } from 'chai';
import { mkdir, mkdtemp, rename, rm, symlink, truncate, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ErrorCodes } from '#protocol/errors';
import type { CompileInput } from '#controller/compile/types';
import {
  differingFiles,
  DirSource,
  EMPTY_FILE_SETTLE_MS,
  readSmallSync,
  SYNC_READ_MAX_BYTES,
  type DirSourceOptions,
} from '#controller/sources/dir-source';
import { execFileSync } from 'node:child_process';
import { StoreFeed, type StoreFeedOptions } from '#controller/store/feed';
import { parseManifestFile } from '#controller/sources/parse-file';
import { backendDoc, sleep, waitFor } from './helpers.js';

const API = 'apiVersion: bascule.dev/v1alpha1';
const names = (input: CompileInput) =>
  input.resources.map((r) => `${r.kind}/${r.metadata.namespace}/${r.metadata.name}`);
const codes = (input: CompileInput) => (input.sourceDiagnostics ?? []).map((d) => d.code);

describe('directory source', function () {
  this.timeout(10_000);
  let dir: string;
  let source: DirSource | undefined;
  let feed: StoreFeed;

  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'bascule-dir-'));
  });
  afterEach(async () => {
    await source?.stop();
    await feed?.close();
    source = undefined;
    await rm(dir, { recursive: true, force: true });
  });

  const write = (rel: string, text: string) => writeFile(path.join(dir, rel), text);
  async function started(
    opts: Partial<DirSourceOptions> = {},
    batching: StoreFeedOptions = {},
  ): Promise<DirSource> {
    feed = new StoreFeed(batching);
    source = new DirSource({ dir, rescanMs: 0, ...opts });
    await source.start(feed);
    return source;
  }

  it('reads multi-document files recursively and records where each document starts', async () => {
    await mkdir(path.join(dir, 'nested/deeper'), { recursive: true });
    await write(
      'a.yaml',
      `# leading comment\n---\n${backendDoc('web')}---\n\n# a comment\n${API}\nkind: HealthPolicy\nmetadata: {name: hp, namespace: shop}\nspec: {}\n---\n`,
    );
    await write('nested/deeper/b.yml', backendDoc('api'));
    await write(
      'nested/c.json',
      JSON.stringify({
        apiVersion: 'bascule.dev/v1alpha1',
        kind: 'Frontend',
        metadata: { name: 'fe' },
        spec: {},
      }),
    );
    await write('notes.txt', 'ignored');
    await write('.hidden.yaml', 'ignored: [');
    const s = await started();
    const input = feed.current();
    expect(s.synced).to.equal(true);
    expect(names(input)).to.deep.equal([
      'Backend/default/api',
      'Backend/default/web',
      'Frontend/default/fe',
      'HealthPolicy/shop/hp',
    ]);
    const origin = (n: string) => input.resources.find((r) => r.metadata.name === n)!.origin!;
    expect(origin('web')).to.deep.include({ file: path.join(dir, 'a.yaml'), line: 3 });
    expect(origin('hp')).to.deep.include({ file: path.join(dir, 'a.yaml'), line: 12 });
    expect(origin('api')).to.deep.include({ file: path.join(dir, 'nested/deeper/b.yml'), line: 1 });
    // Every field is located too (line, column), for diagnostics that point at it.
    expect(origin('web').fields!['spec.servers[0].port']).to.deep.equal([8, 43]);
    expect(input.sourceDiagnostics).to.deep.equal([]);
    expect(Object.isFrozen(input.resources[0])).to.equal(true);
  });

  it('decodes Secrets and merges EndpointSlices into their Service', async () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64');
    await write(
      'core.yaml',
      [
        `apiVersion: v1\nkind: Secret\nmetadata: {name: tls}\ntype: kubernetes.io/tls\ndata:\n  tls.crt: ${b64('CERT')}\n  tls.key: ${b64('KEY')}\nstringData:\n  extra: plain\n`,
        `apiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec:\n  ports:\n  - {name: http, port: 80, targetPort: 8080}\n  - {name: dns, port: 53, protocol: UDP}\n`,
        `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-a\n  labels: {kubernetes.io/service-name: web}\naddressType: IPv4\nports: [{name: http, port: 8080}]\nendpoints:\n  - addresses: [10.1.0.2]\n    conditions: {ready: true}\n    targetRef: {kind: Pod, name: web-1}\n  - addresses: [10.1.0.1]\n    conditions: {ready: false, serving: true, terminating: true}\n`,
        `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: web-b\n  labels: {kubernetes.io/service-name: web}\nports: [{name: http, port: 8080}]\nendpoints:\n  - addresses: [10.1.0.3]\n`,
        `apiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata:\n  name: orphan\n  labels: {kubernetes.io/service-name: nothing}\nports: [{port: 1}]\nendpoints: [{addresses: [10.9.9.9]}]\n`,
      ].join('---\n'),
    );
    await started();
    const input = feed.current();
    expect(input.secrets).to.deep.equal([
      {
        namespace: 'default',
        name: 'tls',
        type: 'kubernetes.io/tls',
        data: { 'tls.crt': 'CERT', 'tls.key': 'KEY', extra: 'plain' },
      },
    ]);
    expect(input.services).to.have.length(1);
    const svc = input.services[0]!;
    expect(svc.ports).to.deep.equal([{ name: 'http', port: 80, targetPort: 8080 }]);
    expect(svc.endpoints).to.deep.equal([
      {
        address: '10.1.0.1',
        port: 8080,
        portName: 'http',
        ready: false,
        serving: true,
        terminating: true,
        name: '10.1.0.1',
      },
      {
        address: '10.1.0.2',
        port: 8080,
        portName: 'http',
        ready: true,
        serving: true,
        terminating: false,
        name: 'web-1',
      },
      {
        address: '10.1.0.3',
        port: 8080,
        portName: 'http',
        ready: true,
        serving: true,
        terminating: false,
        name: '10.1.0.3',
      },
    ]);
  });

  it('keeps the last good content of a file that stops parsing, and reports where', async () => {
    await write('a.yaml', backendDoc('web') + '---\n' + backendDoc('api'));
    await write('b.yaml', backendDoc('other'));
    const s = await started();
    expect(names(feed.current())).to.have.length(3);

    await write(
      'a.yaml',
      backendDoc('web') + '---\n' + backendDoc('api').replace('servers: [', 'servers: [{'),
    );
    await write('b.yaml', backendDoc('other', '10.0.0.9'));
    await s.rescanNow();
    const input = feed.current();
    expect(names(input)).to.deep.equal([
      'Backend/default/api',
      'Backend/default/other',
      'Backend/default/web',
    ]);
    const other = input.resources.find((r) => r.metadata.name === 'other')!;
    expect(JSON.stringify(other.spec)).to.contain('10.0.0.9'); // the healthy file still updates
    const [diag] = input.sourceDiagnostics!;
    expect(diag).to.include({ code: ErrorCodes.CONFIG_PARSE, file: path.join(dir, 'a.yaml') });
    expect(diag!.object).to.deep.equal({ kind: 'File', namespace: '', name: path.join(dir, 'a.yaml') });
    expect(diag!.line).to.be.within(11, 14);

    await write('a.yaml', backendDoc('web'));
    await s.rescanNow();
    expect(names(feed.current())).to.deep.equal(['Backend/default/other', 'Backend/default/web']);
    expect(feed.current().sourceDiagnostics).to.deep.equal([]);
  });

  it('a file that never parsed contributes nothing; non-objects and missing names fail the file', async () => {
    await write('list.yaml', '- just\n- a list\n');
    await write('noname.yaml', `${API}\nkind: Backend\nmetadata: {}\nspec: {}\n`);
    await write('nokind.yaml', `apiVersion: v1\nmetadata: {name: x}\n`);
    await started();
    const input = feed.current();
    expect(input.resources).to.deep.equal([]);
    const messages = input.sourceDiagnostics!.map(
      (d) => `${path.basename(d.file!)}:${d.line} ${d.code} ${d.message}`,
    );
    expect(messages).to.deep.equal([
      `list.yaml:1 ${ErrorCodes.CONFIG_PARSE} document is a list, expected an object with apiVersion and kind`,
      `nokind.yaml:1 ${ErrorCodes.CONFIG_PARSE} kind is missing`,
      `noname.yaml:1 ${ErrorCodes.CONFIG_PARSE} Backend: metadata.name is missing`,
    ]);
  });

  it('reports unknown kinds and wrong apiVersions but still loads the rest of the file', async () => {
    await write(
      'mixed.yaml',
      [
        backendDoc('web'),
        `apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\n`,
        `apiVersion: bascule.dev/v1beta9\nkind: Frontend\nmetadata: {name: fe, namespace: shop}\nspec: {}\n`,
        `apiVersion: v2\nkind: Secret\nmetadata: {name: s}\n`,
      ].join('---\n'),
    );
    await started();
    const input = feed.current();
    expect(names(input)).to.deep.equal(['Backend/default/web']);
    expect(codes(input)).to.deep.equal([
      ErrorCodes.CONFIG_UNKNOWN_KIND,
      ErrorCodes.CONFIG_API_VERSION,
      ErrorCodes.CONFIG_API_VERSION,
    ]);
    const [unknown, fe, secret] = input.sourceDiagnostics!;
    expect(unknown!.object.kind).to.equal('File');
    expect(unknown!.message).to.contain('Deployment');
    expect(unknown!.line).to.equal(8);
    expect(fe!.object).to.deep.equal({ kind: 'Frontend', namespace: 'shop', name: 'fe' });
    expect(fe!.field).to.equal('apiVersion');
    expect(fe!.message).to.contain('bascule.dev/v1alpha1');
    expect(secret!.object).to.deep.equal({ kind: 'Secret', namespace: 'default', name: 's' });
  });

  it('reports a duplicate object and keeps the first definition', async () => {
    await write('a.yaml', backendDoc('web', '10.0.0.1'));
    await write('b.yaml', backendDoc('web', '10.0.0.2') + '---\n' + backendDoc('web', '10.0.0.3'));
    await started();
    const input = feed.current();
    expect(input.resources).to.have.length(1);
    expect(JSON.stringify(input.resources[0]!.spec)).to.contain('10.0.0.1');
    const diags = input.sourceDiagnostics!;
    expect(diags.map((d) => [d.code, path.basename(d.file!), d.line])).to.deep.equal([
      [ErrorCodes.CONFIG_DUPLICATE, 'b.yaml', 1],
      [ErrorCodes.CONFIG_DUPLICATE, 'b.yaml', 8],
    ]);
    expect(diags[0]!.message).to.contain(`already defined at ${path.join(dir, 'a.yaml')}:1`);
  });

  it('removes the resources of a deleted file and picks up renamed-into-place writes', async () => {
    await write('a.yaml', backendDoc('web'));
    await write('b.yaml', backendDoc('api'));
    const s = await started();
    await unlink(path.join(dir, 'b.yaml'));
    // Editors write a temp file and rename it over the original.
    await write('.a.yaml.tmp', backendDoc('web', '10.0.0.7'));
    await rename(path.join(dir, '.a.yaml.tmp'), path.join(dir, 'a.yaml'));
    await s.rescanNow();
    expect(names(feed.current())).to.deep.equal(['Backend/default/web']);
    expect(JSON.stringify(feed.current().resources[0]!.spec)).to.contain('10.0.0.7');
  });

  it('follows watched changes with no periodic rescan: in place, renamed into place, deleted, new subdirectory, symlink swap', async () => {
    await write('a.yaml', backendDoc('web'));
    await write('b.yaml', backendDoc('api'));
    await mkdir(path.join(dir, 'cm', '..v1'), { recursive: true });
    await writeFile(path.join(dir, 'cm', '..v1', 'c.yaml'), backendDoc('cm', '10.0.1.1'));
    await symlink('..v1', path.join(dir, 'cm', '..data'));
    await symlink(path.join('..data', 'c.yaml'), path.join(dir, 'cm', 'c.yaml'));
    await started(); // rescanMs: 0 — only the watcher's events
    const spec = (name: string) =>
      JSON.stringify(feed.current().resources.find((r) => r.metadata.name === name)?.spec ?? null);
    await write('a.yaml', backendDoc('web', '10.0.0.2')); // in place
    await waitFor(() => spec('web').includes('10.0.0.2'), 3000, 'in-place write');
    await write('.a.yaml.tmp', backendDoc('web', '10.0.0.3')); // an editor's rename into place
    await rename(path.join(dir, '.a.yaml.tmp'), path.join(dir, 'a.yaml'));
    await waitFor(() => spec('web').includes('10.0.0.3'), 3000, 'renamed-into-place write');
    await unlink(path.join(dir, 'b.yaml'));
    await waitFor(() => spec('api') === 'null', 3000, 'deletion');
    await mkdir(path.join(dir, 'sub'));
    await write('sub/d.yaml', backendDoc('sub'));
    await waitFor(() => spec('sub').includes('10.0.0.1'), 3000, 'new subdirectory');
    // A ConfigMap update: a new data directory, then the ..data symlink swapped to it.
    await mkdir(path.join(dir, 'cm', '..v2'));
    await writeFile(path.join(dir, 'cm', '..v2', 'c.yaml'), backendDoc('cm', '10.0.1.2'));
    await symlink('..v2', path.join(dir, 'cm', '..data_tmp'));
    await rename(path.join(dir, 'cm', '..data_tmp'), path.join(dir, 'cm', '..data'));
    await waitFor(() => spec('cm').includes('10.0.1.2'), 3000, 'symlink swap');
    expect(names(feed.current()).sort()).to.deep.equal([
      'Backend/default/cm',
      'Backend/default/sub',
      'Backend/default/web',
    ]);
  });

  it('reads a watched edit on the main thread only when it is small; a large one and a FIFO go the asynchronous way', async () => {
    await write('small.yaml', backendDoc('small'));
    expect(readSmallSync(path.join(dir, 'small.yaml'))).to.equal(backendDoc('small'));
    // Past the bound (a YAML comment pads it): not read here, and still followed by the watcher.
    const pad = `# ${'x'.repeat(SYNC_READ_MAX_BYTES)}\n`;
    await write('large.yaml', pad + backendDoc('large'));
    expect(readSmallSync(path.join(dir, 'large.yaml'))).to.equal(undefined);
    execFileSync('mkfifo', [path.join(dir, 'pipe.yaml')]);
    // Opened without blocking (no writer on the other end) and refused as not a regular file.
    expect(readSmallSync(path.join(dir, 'pipe.yaml'))).to.equal(undefined);
    await unlink(path.join(dir, 'pipe.yaml'));
    await started();
    const spec = (name: string) =>
      JSON.stringify(feed.current().resources.find((r) => r.metadata.name === name)?.spec ?? null);
    await write('large.yaml', pad + backendDoc('large', '10.0.0.9'));
    await write('small.yaml', backendDoc('small', '10.0.0.8'));
    await waitFor(() => spec('large').includes('10.0.0.9'), 3000, 'large file edited');
    await waitFor(() => spec('small').includes('10.0.0.8'), 3000, 'small file edited');
  });

  it('watches the directory and coalesces a burst of writes into few changes', async () => {
    await write('a.yaml', backendDoc('web'));
    await started({}, { holdoffMs: 20, maxDelayMs: 200 });
    const changes: CompileInput[] = [];
    feed.on('change', (input) => changes.push(input));
    for (let i = 1; i <= 30; i++) await write('a.yaml', backendDoc('web', `10.0.0.${i}`));
    await mkdir(path.join(dir, 'new'));
    await write('new/b.yaml', backendDoc('api'));
    await waitFor(() => changes.at(-1)?.resources.length === 2, 3000, 'change with both files');
    await sleep(100);
    expect(changes.length).to.be.within(1, 4);
    expect(JSON.stringify(changes.at(-1)!.resources[1]!.spec)).to.contain('10.0.0.30');
  });

  it('keeps the objects of a file truncated for a rewrite until it stays empty', async () => {
    await write('a.yaml', backendDoc('web'));
    await write('b.yaml', backendDoc('api'));
    const s = await started();
    const seen: string[][] = [];
    feed.on('change', (input) => seen.push(names(input)));
    // The truncation of an in-place write, looked at before the write lands: nothing changes.
    await truncate(path.join(dir, 'a.yaml'));
    await s.rescanNow();
    expect(names(feed.current())).to.deep.equal(['Backend/default/api', 'Backend/default/web']);
    await write('a.yaml', backendDoc('web', '10.0.0.5'));
    await waitFor(() => JSON.stringify(feed.current().resources).includes('10.0.0.5'), 3000, 'the write');
    // Every input seen had both objects: the half-done write was never applied.
    expect(seen.length).to.be.at.least(1);
    for (const n of seen) expect(n).to.deep.equal(['Backend/default/api', 'Backend/default/web']);
    // Emptied for good: its objects go once it has stayed empty EMPTY_FILE_SETTLE_MS.
    const emptied = performance.now();
    await truncate(path.join(dir, 'b.yaml'));
    await s.rescanNow();
    expect(names(feed.current())).to.deep.equal(['Backend/default/api', 'Backend/default/web']);
    await waitFor(() => names(feed.current()).length === 1, 3000, 'the emptied file applied');
    expect(performance.now() - emptied).to.be.at.least(EMPTY_FILE_SETTLE_MS - 5);
    expect(names(feed.current())).to.deep.equal(['Backend/default/web']);
    // A file that was empty before is not held back when it gets content, nor when emptied again
    // after the settle (the timer is not re-armed forever).
    await write('b.yaml', backendDoc('api'));
    await waitFor(() => names(feed.current()).length === 2, 3000, 'content again');
  });

  it('emits nothing when a file is rewritten with the same content', async () => {
    await write('a.yaml', backendDoc('web'));
    const s = await started();
    let changes = 0;
    feed.on('change', () => changes++);
    await write('a.yaml', backendDoc('web'));
    await s.rescanNow();
    await sleep(60);
    expect(changes).to.equal(0);
  });

  it('emits only when what a file contributes changes, and the same input as a full read', async () => {
    for (let i = 0; i < 20; i++) await write(`b${i}.yaml`, backendDoc(`b${i}`));
    await write('broken.yaml', 'kind: [');
    const s = await started();
    // Atomic replacement: the watcher may rescan at any moment, and must never see half a file.
    const replace = async (rel: string, text: string) => {
      await write(`.${rel}.tmp`, text);
      await rename(path.join(dir, `.${rel}.tmp`), path.join(dir, rel));
    };
    const changes: CompileInput[] = [];
    feed.on('change', (input) => changes.push(input));

    // Records say where each document starts, so the comment goes after it.
    await replace('b3.yaml', `${backendDoc('b3')}# only a comment is new\n`);
    await s.rescanNow();
    expect(changes, 'a trailing comment changes no record').to.have.length(0);

    await replace('b7.yaml', backendDoc('b7', '10.0.0.77'));
    await s.rescanNow();
    expect(changes).to.have.length(1);
    await replace('broken.yaml', 'kind: [[');
    await s.rescanNow();
    expect(changes, 'a different parse error is a different diagnostic').to.have.length(2);
    await unlink(path.join(dir, 'b9.yaml'));
    await s.rescanNow();
    expect(changes).to.have.length(3);

    const freshFeed = new StoreFeed();
    const fresh = new DirSource({ dir, rescanMs: 0 });
    await fresh.start(freshFeed);
    try {
      expect(changes.at(-1)).to.deep.equal(freshFeed.current());
      expect(feed.current()).to.deep.equal(freshFeed.current());
    } finally {
      await fresh.stop();
      await freshFeed.close();
    }
  });

  it('emits when only a referenced file changes', async () => {
    await write('tls.crt', 'CERT-1');
    await write('tls.key', 'KEY-1');
    await write(
      'fe.yaml',
      `${API}\nkind: Frontend\nmetadata: {name: fe}\nspec:\n  bind: {port: 8443}\n  tls:\n    certificates:\n      - {certFile: tls.crt, keyFile: tls.key}\n`,
    );
    const s = await started();
    const replace = async (rel: string, text: string) => {
      await write(`.${rel}.tmp`, text);
      await rename(path.join(dir, `.${rel}.tmp`), path.join(dir, rel));
    };
    let changes = 0;
    feed.on('change', () => changes++);
    await s.rescanNow();
    expect(changes).to.equal(0);
    await replace('tls.key', 'KEY-2');
    await s.rescanNow();
    expect(changes).to.equal(1);
    expect(feed.current().secrets[0]!.data['tls.key']).to.equal('KEY-2');
  });

  /** Every watcher of `s` closed and none made again: every event from now on is missed. */
  function blindWatchers(s: DirSource): void {
    const inner = s as unknown as { watchers: Map<string, { close(): void }>; ensureWatcher: () => void };
    expect(inner.watchers.size).to.be.greaterThan(0);
    for (const w of inner.watchers.values()) w.close();
    inner.watchers.clear();
    inner.ensureWatcher = () => {};
  }

  it('falls back to the periodic rescan, looking only at the files that differ', async () => {
    await write('a.yaml', backendDoc('web'));
    await write('c.yaml', backendDoc('gone'));
    const s = await started({ rescanMs: 50 });
    expect(s.walks).to.equal(1); // the first read
    blindWatchers(s);
    const spec = (name: string) =>
      JSON.stringify(feed.current().resources.find((r) => r.metadata.name === name)?.spec ?? null);
    await write('b.yaml', backendDoc('api')); // new
    await write('a.yaml', backendDoc('web', '10.0.0.5')); // edited in place
    await unlink(path.join(dir, 'c.yaml')); // deleted
    await mkdir(path.join(dir, 'sub'));
    await write('sub/d.yaml', backendDoc('sub')); // in a new subdirectory
    await waitFor(
      () =>
        spec('api') !== 'null' &&
        spec('web').includes('10.0.0.5') &&
        spec('gone') === 'null' &&
        spec('sub') !== 'null',
      3000,
      'rescan',
    );
    expect(names(feed.current())).to.deep.equal([
      'Backend/default/api',
      'Backend/default/sub',
      'Backend/default/web',
    ]);
    // What the safety walk found was looked at file by file: the tree was not walked again.
    expect(s.walks).to.equal(1);
  });

  it('walks the tree when the periodic rescan finds more differences than a look takes', async () => {
    await write('a.yaml', backendDoc('web'));
    const s = await started({ rescanMs: 50 });
    blindWatchers(s);
    // Made beside the tree and renamed into it: one walk sees all 70 at once.
    const outside = await mkdtemp(path.join(tmpdir(), 'bascule-dir-many-'));
    for (let i = 0; i < 70; i++) await writeFile(path.join(outside, `n${i}.yaml`), backendDoc(`n${i}`));
    await rename(outside, path.join(dir, 'many'));
    await waitFor(() => feed.current().resources.length === 71, 3000, 'rescan');
    expect(s.walks).to.be.greaterThan(1);
  });

  it('differingFiles: new, changed and gone files, and nothing when the tree is as read', () => {
    const sig = (mtimeMs: number) => ({ mtimeMs, ctimeMs: mtimeMs, size: 10, ino: 1 });
    const known = new Map([
      ['/d/a.yaml', { sig: sig(1) }],
      ['/d/b.yaml', { sig: sig(1) }],
      ['/d/c.yaml', { sig: sig(1) }],
    ]);
    expect(differingFiles(new Map([...known].map(([f, k]) => [f, k.sig])), known)).to.deep.equal([]);
    const found = new Map([
      ['/d/a.yaml', sig(1)],
      ['/d/b.yaml', sig(2)],
      ['/d/new.yaml', sig(1)],
    ]);
    expect(differingFiles(found, known)).to.deep.equal(['/d/b.yaml', '/d/new.yaml', '/d/c.yaml']);
    // As many files as before, one gone and one new: both named.
    const swapped = new Map([
      ['/d/a.yaml', sig(1)],
      ['/d/b.yaml', sig(1)],
      ['/d/x.yaml', sig(1)],
    ]);
    expect(differingFiles(swapped, known)).to.deep.equal(['/d/x.yaml', '/d/c.yaml']);
  });

  it('refuses to start on a missing directory', async () => {
    feed = new StoreFeed();
    source = new DirSource({ dir: path.join(dir, 'missing'), rescanMs: 0 });
    let error: Error | undefined;
    await source.start(feed).catch((e: Error) => (error = e));
    expect(error?.message).to.match(/missing: ENOENT/);
  });

  it('turns certFile/keyFile/caFile references into synthetic Secrets and follows file changes', async () => {
    await mkdir(path.join(dir, 'certs'));
    await write('certs/tls.crt', 'CERT-1');
    await write('certs/tls.key', 'KEY-1');
    await write(
      'fe.yaml',
      `${API}\nkind: Frontend\nmetadata: {name: fe}\nspec:\n  bind: {port: 8443}\n  tls:\n    certificates:\n      - {certFile: certs/tls.crt, keyFile: certs/tls.key}\n      - {secretName: real}\n    clientAuth: {mode: required, caFile: certs/missing-ca.crt}\n`,
    );
    const s = await started();
    const input = feed.current();
    const tls = (input.resources[0]!.spec as { tls: { certificates: object[]; clientAuth: object } }).tls;
    const [synthetic] = input.secrets;
    expect(synthetic!.name).to.match(/^bascule-file-[0-9a-f]{16}$/);
    expect(synthetic!.data).to.deep.equal({ 'tls.crt': 'CERT-1', 'tls.key': 'KEY-1' });
    expect(tls.certificates).to.deep.equal([{ secretName: synthetic!.name }, { secretName: 'real' }]);
    expect(tls.clientAuth).to.deep.equal({ mode: 'required', caFile: 'certs/missing-ca.crt' });
    const [diag] = input.sourceDiagnostics!;
    expect(diag).to.include({
      code: ErrorCodes.TLS_INVALID,
      field: 'spec.tls.clientAuth.caFile',
      condition: 'ResolvedRefs',
    });
    expect(diag!.message).to.contain('ENOENT');

    await write('certs/tls.crt', 'CERT-2 rotated');
    await s.rescanNow();
    expect(feed.current().secrets[0]!.data['tls.crt']).to.equal('CERT-2 rotated');
  });

  it('expands a v1 List into its items', () => {
    const parsed = parseManifestFile(
      `apiVersion: v1\nkind: List\nitems:\n- ${backendDoc('a').replace(/\n(?=.)/g, '\n  ')}- ${backendDoc('b').replace(/\n(?=.)/g, '\n  ')}`,
      'l.yaml',
    );
    expect(parsed.ok).to.equal(true);
    if (!parsed.ok) return;
    expect(
      parsed.records.map((r) =>
        r.type === 'resource' ? [r.resource.metadata.name, r.resource.origin?.line] : [],
      ),
    ).to.deep.equal([
      ['a', 4],
      ['b', 10],
    ]);
  });

  it('rejects YAML with non-finite numbers or alias bombs as parse errors', () => {
    const inf = parseManifestFile(`${API}\nkind: Backend\nmetadata: {name: a}\nspec: {x: .inf}\n`, 'f.yaml');
    expect(inf.ok).to.equal(false);
    const bomb = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++)
      bomb.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    const bombed = parseManifestFile(bomb.join('\n') + '\n', 'bomb.yaml');
    expect(bombed.ok).to.equal(false);
  });
});
