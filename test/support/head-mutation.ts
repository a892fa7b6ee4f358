// One random edit of a message head for the seeded mutation tests of the field-line forms
// (field-lines.test.ts, request-lines.test.ts): insert, delete or replace one interesting byte,
// duplicate a slice, flip a letter's case. The last 4 bytes (the empty line) are left alone by
// deletes and replacements so that most mutants stay whole heads.

const INTERESTING = [0, 9, 10, 13, 32, 44, 58, 0x30, 0x41, 0x61, 127, 128, 255];

export function mutateHead(b: Buffer, rnd: () => number): Buffer {
  const at = Math.floor(rnd() * (b.length + 1));
  const byte = INTERESTING[Math.floor(rnd() * INTERESTING.length)]!;
  switch (Math.floor(rnd() * 5)) {
    case 0:
      return Buffer.concat([b.subarray(0, at), Buffer.from([byte]), b.subarray(at)]);
    case 1:
      return at < b.length - 4 ? Buffer.concat([b.subarray(0, at), b.subarray(at + 1)]) : b;
    case 2: {
      const c = Buffer.from(b);
      if (at < c.length - 4) c[at] = byte;
      return c;
    }
    case 3: {
      const len = 1 + Math.floor(rnd() * 20);
      return Buffer.concat([b.subarray(0, at + len), b.subarray(at, at + len), b.subarray(at + len)]);
    }
    default: {
      const c = Buffer.from(b);
      if (at < c.length && /[a-z]/i.test(String.fromCharCode(c[at]!))) c[at] = c[at]! ^ 0x20;
      return c;
    }
  }
}
