// The indexed rule lookup must pick exactly the rule the ordered linear scan picks. A seeded,
// randomized differential test: many rule sets drawn from small pools of overlapping hosts,
// paths and conditions (so rules shadow each other often), many requests against each.
import { expect } from 'chai';
import { compileRouter } from '#dataplane/router/router';
import { PrefixTree } from '#dataplane/router/prefix-tree';
import type { RequestHead } from '#dataplane/router/types';
import type { RuleSnap } from '#protocol/snapshot';
import { frontend } from './helpers.js';
import { prng } from '../../support/prng.js';
import { randomHead, randomRule } from './router-fixtures.js';

describe('router: indexed lookup', () => {
  it('picks the same rule as the linear scan (randomized, seeded)', () => {
    let compared = 0;
    let matchedRule = 0;
    for (let seed = 1; seed <= 300; seed++) {
      const rnd = prng(seed);
      const count = 1 + Math.floor(rnd() * 60);
      const rules = Array.from({ length: count }, (_, i) => randomRule(rnd, i));
      const fe = frontend('default/fe', 8080, {
        rules,
        ...(rnd() < 0.5 ? { defaultBackend: 'default/fallback' } : {}),
      });
      const indexed = compileRouter(fe);
      const linear = compileRouter(fe, { lookup: 'linear' });
      for (let n = 0; n < 200; n++) {
        const head = randomHead(rnd);
        const got = indexed.route(head);
        const want = linear.route(head);
        expect(got, `seed ${seed}, request ${JSON.stringify(head)}`).to.deep.equal(want);
        compared++;
        if (want.rule !== undefined) matchedRule++;
      }
    }
    // The pools must produce both outcomes often, or the comparison proves little.
    expect(compared).to.equal(60_000);
    expect(matchedRule).to.be.greaterThan(compared * 0.3);
    expect(compared - matchedRule).to.be.greaterThan(compared * 0.05);
  });

  it('finds a later rule among thousands without losing order', () => {
    const rules: RuleSnap[] = [];
    for (let i = 0; i < 5000; i++)
      rules.push({
        name: `r${i}`,
        match: { host: `h${i % 100}.example.com`, path: { prefix: `/svc${i}/` } },
        action: { type: 'backend', backend: `default/b${i}` },
      });
    // A broader rule after a narrower one for the same host: order, not specificity, decides.
    rules.push({
      name: 'broad',
      match: { host: 'h7.example.com', path: { prefix: '/' } },
      action: { type: 'backend', backend: 'default/broad' },
    });
    const router = compileRouter(frontend('default/fe', 8080, { rules }));
    const head = (host: string, path: string): RequestHead => ({
      method: 'GET',
      path,
      query: '',
      host,
      headers: {},
      sourceAddress: '127.0.0.1',
      scheme: 'http',
      localPort: 8080,
    });
    expect(router.route(head('h7.example.com', '/svc4907/x')).rule).to.equal('r4907');
    expect(router.route(head('h7.example.com', '/svc4908/x')).rule).to.equal('broad');
    expect(router.route(head('h8.example.com', '/svc4907/x')).rule).to.equal(undefined);
  });
});

describe('router: prefix tree', () => {
  it('visits every stored prefix of a key, shortest first, across edge splits', () => {
    const tree = new PrefixTree<string>();
    for (const k of ['/abc', '/a', '/ab', '', '/abd', '/b']) tree.upsert(k, () => k);
    expect(tree.upsert('/ab', () => 'new')).to.equal('/ab');
    const seen = (key: string): string[] => {
      const out: string[] = [];
      tree.prefixesOf(key, (v) => out.push(v));
      return out;
    };
    expect(seen('/abcd')).to.deep.equal(['', '/a', '/ab', '/abc']);
    expect(seen('/abd')).to.deep.equal(['', '/a', '/ab', '/abd']);
    expect(seen('/ax')).to.deep.equal(['', '/a']);
    expect(seen('/b')).to.deep.equal(['', '/b']);
    expect(seen('x')).to.deep.equal(['']);
  });
});
