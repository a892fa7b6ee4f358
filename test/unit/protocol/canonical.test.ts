// canonicalJson against its definition written the plain way (every object's defined keys
// sorted by UTF-16 code units, JSON.stringify for keys and leaves, undefined array items as null);
// JSON.stringify of a key-sorted copy cannot serve, as integer-like keys always come first in a
// JavaScript object whatever the insertion order.
import { expect } from 'chai';
import { canonicalJson } from '#protocol/canonical';
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

  it('refuses non-finite numbers', () => {
    for (const bad of [NaN, Infinity, -Infinity])
      expect(() => canonicalJson({ a: [1, { b: bad }] })).to.throw(TypeError, /non-finite/);
  });
});
