// validate's copy of a spec (cloneJson) against structuredClone, which it stands in for: the
// same properties in the same order, own `__proto__` keys, holes, and structuredClone itself
// for what is not JSON data.
import { expect } from 'chai';
import { cloneJson, validateResource } from '#controller/validate/validate';
import { prng } from '../../support/prng.js';

function randomJson(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth <= 0 || r < 0.35) {
    const leaves: unknown[] = [null, true, false, 0, -0, -1.5, 1e21, 'x', '', 'é \u2028', undefined];
    return leaves[Math.floor(rnd() * leaves.length)];
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomJson(rnd, depth - 1));
  const keys = ['b', 'a', '10', '2', '__proto__', 'constructor', 'name', ''];
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 5); i > 0; i--) {
    const k = keys[Math.floor(rnd() * keys.length)]!;
    Object.defineProperty(obj, k, {
      value: randomJson(rnd, depth - 1),
      enumerable: true,
      writable: true,
      configurable: true,
    });
  }
  return obj;
}

/** Every own key (in order), value and prototype, all the way down. */
function shape(v: unknown): unknown {
  if (v === null || typeof v !== 'object') return Object.is(v, -0) ? '-0' : v;
  const proto =
    Object.getPrototypeOf(v) === Array.prototype
      ? 'array'
      : Object.getPrototypeOf(v) === Object.prototype
        ? 'object'
        : 'other';
  return [
    proto,
    Reflect.ownKeys(v).map((k) => [String(k), shape((v as Record<string, unknown>)[k as string])]),
  ];
}

describe('controller: validate copies a spec as structuredClone does', () => {
  it('gives what structuredClone gives for random JSON data, frozen or not', () => {
    const rnd = prng(21);
    for (let i = 0; i < 2000; i++) {
      const v = randomJson(rnd, 5);
      if (rnd() < 0.5) Object.freeze(v);
      const copy = cloneJson(v);
      expect(shape(copy)).to.deep.equal(shape(structuredClone(v)));
      if (v !== null && typeof v === 'object') expect(copy).to.not.equal(v);
    }
    const holes = ['a'];
    holes[2] = 'c';
    const copy = cloneJson(holes) as unknown[];
    expect(1 in copy).to.equal(false);
    expect(copy).to.have.length(3);
    const proto = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const cloned = cloneJson(proto) as Record<string, unknown>;
    expect(Object.getPrototypeOf(cloned)).to.equal(Object.prototype);
    expect(Object.keys(cloned)).to.deep.equal(['__proto__']);
  });

  it('refuses what is not JSON data, so validation falls back to structuredClone', () => {
    for (const odd of [
      new Date(0),
      new Map(),
      { a: [new Uint8Array(2)] },
      { f: () => 1 },
      { s: Symbol('s') },
    ])
      expect(() => cloneJson(odd)).to.throw(TypeError);
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    expect(() => cloneJson(cyclic)).to.throw();
    // A spec with a Date in it validates as it did with structuredClone (the schema refuses it).
    const r = validateResource({
      apiVersion: 'bascule.dev/v1alpha1',
      kind: 'Backend',
      metadata: { name: 'b' },
      spec: { servers: [{ name: 's', address: '127.0.0.1', port: 80 }], when: new Date(0) },
    } as never);
    expect(r.valid).to.equal(undefined);
    expect(r.diagnostics.map((d) => d.field)).to.include('spec.when');
  });
});
