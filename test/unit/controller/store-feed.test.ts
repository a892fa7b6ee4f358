// The one store: several sources feed it, bursts become one build, and a write of equal content
// is no change at all (nothing downstream runs for it).
import { expect } from 'chai';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { CompileInput } from '#controller/compile/types';
import { DirSource } from '#controller/sources/dir-source';
import { StoreFeed } from '#controller/store/feed';
import type { StoreRecord } from '#controller/store/records';
import { ResourceStore } from '#controller/store/store';
import type { Diagnostic } from '#controller/validate/diagnostic';
import { ErrorCodes } from '#protocol/errors';
import { prng } from '../../support/prng.js';
import { backendDoc } from './helpers.js';

const names = (input: CompileInput) => input.resources.map((r) => r.metadata.name);
const backendRecord = (name: string, address: string): StoreRecord => ({
  type: 'resource',
  resource: {
    apiVersion: 'bascule.dev/v1alpha1',
    kind: 'Backend',
    metadata: { name },
    spec: { servers: [{ name: 's1', address, port: 80 }] },
  },
});

describe('store feed', () => {
  const dirs: string[] = [];
  afterEach(async () => {
    await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
  });
  const tempDir = async () => {
    const d = await mkdtemp(path.join(tmpdir(), 'bascule-feed-'));
    dirs.push(d);
    return d;
  };

  it('two sources write into one store; the input holds both, and each keeps working alone', async () => {
    const [a, b] = [await tempDir(), await tempDir()];
    await writeFile(path.join(a, 'web.yaml'), backendDoc('web'));
    await writeFile(path.join(b, 'api.yaml'), backendDoc('api'));
    const feed = new StoreFeed();
    const sources = [new DirSource({ dir: a, rescanMs: 0 }), new DirSource({ dir: b, rescanMs: 0 })];
    try {
      for (const s of sources) await s.start(feed);
      expect(names(feed.current())).to.deep.equal(['api', 'web']);
      const changes: CompileInput[] = [];
      feed.on('change', (input) => changes.push(input));
      await writeFile(path.join(b, 'api.yaml'), backendDoc('api', '10.0.0.2'));
      await sources[1]!.rescanNow();
      expect(changes).to.have.length(1);
      expect(names(changes[0]!)).to.deep.equal(['api', 'web']);
      expect(JSON.stringify(changes[0]!.resources[0]!.spec)).to.contain('10.0.0.2');
      await sources[1]!.stop();
      // The stopped source's records stay (it wrote nothing since); the other still reads.
      await writeFile(path.join(a, 'more.yaml'), backendDoc('more'));
      await sources[0]!.rescanNow();
      expect(names(feed.current())).to.deep.equal(['api', 'more', 'web']);
    } finally {
      for (const s of sources) await s.stop();
      await feed.close();
    }
  });

  it('a burst of writes is one build, and an equal write changes nothing', async () => {
    const feed = new StoreFeed({ holdoffMs: 20, maxDelayMs: 200 });
    let builds = 0;
    feed.attach({ refresh: () => void builds++ });
    const changes: CompileInput[] = [];
    feed.on('change', (input) => changes.push(input));
    try {
      const before = Date.now();
      for (let i = 1; i <= 20; i++) {
        feed.store.set('b', [backendRecord('web', `10.0.0.${i}`)]);
        feed.trigger();
      }
      await feed.flush();
      expect(builds).to.equal(1);
      expect(changes).to.have.length(1);
      // The batch's timing starts at its first event, not its last.
      const timing = feed.lastTiming!;
      expect(timing.firstEventAt).to.be.within(before, Date.now());
      for (const ms of [timing.queuedMs, timing.readMs, timing.buildMs]) expect(ms).to.be.at.least(0);
      const first = feed.current();
      expect(JSON.stringify(first.resources[0]!.spec)).to.contain('10.0.0.20');

      // The same content again: the store keeps its record (so later stages see the very same
      // frozen object), and the input is not even rebuilt.
      const kept = first.resources[0];
      expect(feed.store.set('b', [backendRecord('web', '10.0.0.20')])).to.equal(false);
      feed.trigger();
      await feed.flush();
      expect(changes).to.have.length(1);
      expect(feed.current()).to.equal(first);
      expect(feed.current().resources[0]).to.equal(kept);
      expect(Object.isFrozen(kept!.spec)).to.equal(true);

      expect(feed.store.delete('b')).to.equal(true);
      feed.trigger();
      await feed.flush();
      expect(changes).to.have.length(2);
      expect(changes[1]!.resources).to.deep.equal([]);
    } finally {
      await feed.close();
    }
  });

  it('a refresh step can postpone the build; it runs once the delay has passed', async () => {
    const feed = new StoreFeed({ holdoffMs: 5, maxDelayMs: 20 });
    let waits = 1;
    feed.attach({ refresh: () => (waits-- > 0 ? 50 : undefined) });
    const changed = new Promise<CompileInput>((resolve) => feed.once('change', resolve));
    try {
      feed.store.set('b', [backendRecord('web', '10.0.0.1')]);
      feed.trigger();
      await feed.flush();
      expect(feed.current().resources, 'postponed').to.deep.equal([]);
      expect(names(await changed)).to.deep.equal(['web']);
    } finally {
      await feed.close();
    }
  });
});

describe('store: a build after edits', () => {
  it('gives what a store holding the same buckets builds from scratch (randomized, seeded)', () => {
    const BUCKETS = ['a.yaml', 'b.yaml', 'c.yaml', 'd.yaml', 'e.yaml', 'f.yaml'];
    const NAMES = ['web', 'api', 'db', 'cache', 'auth', 'shop', 'blog', 'mail', 'cdn', 'search'];
    let patched = 0;
    let steps = 0;
    for (let seed = 1; seed <= 60; seed++) {
      const rnd = prng(seed);
      const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
      const store = new ResourceStore();
      /** What each bucket holds: a fresh store is filled from it to compare. */
      const held = new Map<string, { records: StoreRecord[]; diagnostics: Diagnostic[] }>();
      let serial = 0;
      const record = (name: string, kind: 'Backend' | 'Frontend' = 'Backend'): StoreRecord => ({
        type: 'resource',
        resource: {
          apiVersion: 'bascule.dev/v1alpha1',
          kind,
          metadata: { name, ...(rnd() < 0.3 ? { namespace: 'team' } : {}) },
          spec: { servers: [{ name: 's1', address: `10.0.0.${++serial % 250}`, port: 80 }] },
        },
      });
      const diagnostic = (bucket: string): Diagnostic => ({
        object: { kind: 'File', namespace: '', name: bucket },
        field: '',
        message: `problem ${++serial}`,
        code: ErrorCodes.CONFIG_PARSE,
        condition: 'Accepted',
        file: bucket,
      });
      for (let step = 0; step < 40; step++) {
        const bucket = pick(BUCKETS);
        const now = held.get(bucket);
        const op = rnd();
        if (now && op < 0.55) {
          // An edit: the same objects (kind, namespace, name) with new content, most of the time.
          const records = now.records.map((r) =>
            r.type === 'resource' && rnd() < 0.9
              ? {
                  type: 'resource' as const,
                  resource: {
                    ...r.resource,
                    spec: { servers: [{ name: 's1', address: `10.1.0.${++serial % 250}`, port: 80 }] },
                  },
                }
              : record(pick(NAMES), pick(['Backend', 'Frontend'] as const)),
          );
          held.set(bucket, { records, diagnostics: now.diagnostics });
          store.set(bucket, records, now.diagnostics);
        } else if (now && op < 0.65) {
          held.delete(bucket);
          store.delete(bucket);
        } else if (op < 0.75) {
          const diagnostics = [diagnostic(bucket)];
          const records = now?.records ?? [];
          held.set(bucket, { records, diagnostics });
          store.setDiagnostics(bucket, diagnostics);
        } else {
          // A new content: one or two objects, names shared across buckets (duplicates).
          const records = Array.from({ length: 1 + Math.floor(rnd() * 2) }, () => record(pick(NAMES)));
          held.set(bucket, { records, diagnostics: [] });
          store.set(bucket, records);
        }
        const before = store.build();
        const fresh = new ResourceStore();
        for (const [b, { records, diagnostics }] of held) fresh.set(b, records, diagnostics);
        const where = `seed ${seed} step ${step}`;
        const built = store.build();
        expect(built, where).to.equal(before);
        expect(built, where).to.deep.equal(fresh.build());
        // The very same resource objects, in the same places.
        fresh.build().resources.forEach((r, i) => expect(built.resources[i], where).to.deep.equal(r));
        if ((store as unknown as { positions?: unknown }).positions) patched++;
        steps++;
      }
    }
    expect(steps).to.equal(60 * 40);
    expect(patched, 'edits are patched in, not always rebuilt').to.be.greaterThan(steps / 20);
  });
});
