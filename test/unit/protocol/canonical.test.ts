// canonicalJson against its definition written the plain way (every object's defined keys
// sorted by UTF-16 code units, JSON.stringify for keys and leaves, undefined array items as null);
// JSON.stringify of a key-sorted copy cannot serve, as integer-like keys always come first in a
// JavaScript object whatever the insertion order.
import { expect } from 'chai';
import { canonicalEqual, canonicalItem, canonicalJson, deepFreeze, sortedKeys } from '#protocol/canonical';
import { prng, RandomConfig } from '../dataplane/delta-fixtures.js';

function reference(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : reference(v))).join(',')}]`;
  const obj = value as Record<string, unknown>;
  const keys = Object.keys(obj)
    .filter((k) => obj[k] !== undefined)
    .sort();
  return `{${keys.map((k) => `${JSON.stringify(k)}:${reference(obj[k])}`).join(',')}}`;
}

/** Random JSON-like values: nesting, unicode and escaped keys, undefined properties and holes. */
function randomValue(rnd: () => number, depth: number): unknown {
  const r = rnd();
  if (depth <= 0 || r < 0.3) {
    const leaves: unknown[] = [
      null,
      true,
      false,
      0,
      -1.5,
      1e21,
      Math.floor(rnd() * 1000),
      '',
      'plain',
      'quote " backslash \\ newline \n tab \t',
      'é ü 漢字 \u2028 \ud83d\ude00',
      '\u0000\u001f',
    ];
    return leaves[Math.floor(rnd() * leaves.length)];
  }
  if (r < 0.6) return Array.from({ length: Math.floor(rnd() * 4) }, () => randomValue(rnd, depth - 1));
  const keys = ['b', 'a', 'Z', 'aa', 'é', '10', '2', 'k"q', 'sp ace', '__proto__x', ''];
  const obj: Record<string, unknown> = {};
  for (let i = Math.floor(rnd() * 5); i > 0; i--) {
    const k = keys[Math.floor(rnd() * keys.length)]!;
    obj[k] = rnd() < 0.15 ? undefined : randomValue(rnd, depth - 1);
  }
  return obj;
}

/** A copy of `v` with every object's keys in another order, undefined properties dropped or added. */
function reordered(v: unknown, rnd: () => number): unknown {
  if (v === null || typeof v !== 'object') return v;
  if (Array.isArray(v)) return v.map((x) => (x === undefined && rnd() < 0.5 ? null : reordered(x, rnd)));
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj).sort(() => rnd() - 0.5);
  const out: Record<string, unknown> = {};
  for (const k of keys) if (obj[k] !== undefined || rnd() < 0.5) out[k] = reordered(obj[k], rnd);
  if (rnd() < 0.2) out.extra = undefined;
  return out;
}

/** `v` with one leaf, key or list length changed somewhere (sometimes to an equal value). */
function changed(v: unknown, rnd: () => number): unknown {
  if (v === null || typeof v !== 'object') {
    const r = rnd();
    return r < 0.3 ? v : r < 0.5 ? String(v) : r < 0.7 ? null : r < 0.85 ? 0 : 'x';
  }
  if (Array.isArray(v)) {
    if (v.length === 0 || rnd() < 0.2) return [...v, 1];
    const i = Math.floor(rnd() * v.length);
    return v.map((x, j) => (j === i ? changed(x, rnd) : x));
  }
  const obj = v as Record<string, unknown>;
  const keys = Object.keys(obj);
  if (keys.length === 0 || rnd() < 0.2) return { ...obj, [`k${Math.floor(rnd() * 3)}`]: 1 };
  const k = keys[Math.floor(rnd() * keys.length)]!;
  return { ...obj, [k]: changed(obj[k], rnd) };
}

describe('protocol: canonical JSON', () => {
  it('follows its definition for random values (nesting, escapes, integer-like keys)', () => {
    const rnd = prng(11);
    for (let i = 0; i < 2000; i++) {
      const v = randomValue(rnd, 5);
      expect(canonicalJson(v), JSON.stringify(v)).to.equal(reference(v));
    }
  });

  it('follows it for lists of strings (written in one call): escapes, lone surrogates, holes, digests', () => {
    const strings = ['a', 'k"q', 'back\\slash', 'nl\n', '\u2028', '\ud800', 'é', '', '\u0000'];
    const rnd = prng(13);
    for (let i = 0; i < 500; i++) {
      const list = Array.from(
        { length: 1 + Math.floor(rnd() * 6) },
        () => strings[Math.floor(rnd() * strings.length)]!,
      );
      expect(canonicalJson(list)).to.equal(reference(list));
      expect(canonicalJson({ x: list, y: [...list, 1] })).to.equal(reference({ x: list, y: [...list, 1] }));
    }
    const digests = Array.from({ length: 1100 }, (_, i) => i.toString(16).padStart(64, '0'));
    expect(canonicalJson({ backends: digests })).to.equal(reference({ backends: digests }));
    // A hole is null, as it was when each item was written on its own.
    const holes = ['a', 'b'];
    holes[3] = 'c';
    expect(canonicalJson(holes)).to.equal('["a","b",null,"c"]');
  });

  it('follows it for random snapshot bodies', () => {
    const rnd = prng(12);
    const config = new RandomConfig(rnd, [8001, 8002, 8003]);
    for (let i = 0; i < 100; i++) {
      config.edit();
      const body = config.body();
      expect(canonicalJson(body)).to.equal(reference(body));
    }
  });

  it('sorts keys as sort() does, short lists (in place) and long ones', () => {
    const rnd = prng(14);
    const pool = ['b', 'a', 'Z', 'aa', 'é', '10', '2', '', '\ud83d\ude00', '\uffff', 'a\u0000', 'A'];
    for (let i = 0; i < 500; i++) {
      const obj: Record<string, number> = {};
      const n = Math.floor(rnd() * 40);
      for (let j = 0; j < n; j++)
        obj[`${pool[Math.floor(rnd() * pool.length)]!}${Math.floor(rnd() * 50)}`] = j;
      expect(sortedKeys(obj)).to.deep.equal(Object.keys(obj).sort());
    }
  });

  it('uses the remembered text of a list element wherever the element appears', () => {
    const rule = deepFreeze({ name: 'r', match: { host: 'a.example' } });
    const text = canonicalItem(rule);
    expect(canonicalJson({ rules: [rule, { name: 's' }] })).to.equal(`{"rules":[${text},{"name":"s"}]}`);
    expect(canonicalJson({ rules: [rule] })).to.equal(reference({ rules: [rule] }));
  });

  it('canonicalEqual says whether two values have the same canonical JSON, without writing it', () => {
    const rnd = prng(15);
    let equal = 0;
    for (let i = 0; i < 3000; i++) {
      const a = randomValue(rnd, 4);
      // The same content in another key order, with undefined properties and holes moved about;
      // a small change of it; or an unrelated value.
      const r = rnd();
      const b = r < 0.4 ? reordered(a, rnd) : r < 0.8 ? changed(reordered(a, rnd), rnd) : randomValue(rnd, 4);
      const same = canonicalJson(a) === canonicalJson(b);
      if (same) equal++;
      expect(canonicalEqual(a, b), `${JSON.stringify(a)} / ${JSON.stringify(b)}`).to.equal(same);
      expect(canonicalEqual(b, a)).to.equal(same);
    }
    expect(equal).to.be.greaterThan(1000);
    expect(canonicalEqual([undefined], [null])).to.equal(true);
    expect(canonicalEqual({ a: undefined }, {})).to.equal(true);
    expect(canonicalEqual({ a: null }, {})).to.equal(false);
    expect(canonicalEqual([], {})).to.equal(false);
    expect(canonicalEqual(0, -0)).to.equal(true);
    expect(canonicalEqual('1', 1)).to.equal(false);
    for (const bad of [NaN, Infinity]) expect(canonicalEqual({ a: bad }, { a: bad })).to.equal(false);
  });

  it('refuses non-finite numbers', () => {
    for (const bad of [NaN, Infinity, -Infinity])
      expect(() => canonicalJson({ a: [1, { b: bad }] })).to.throw(TypeError, /non-finite/);
  });
});
