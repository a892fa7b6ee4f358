// The parts of hpack.js (an RFC 7541 implementation) tls/h2-hpack.ts uses: its bit-level decoder
// (integers, literal and Huffman strings) and its header table (static + dynamic).
declare module 'hpack.js' {
  interface Decoder {
    push(chunk: Buffer): void;
    isEmpty(): boolean;
    decodeBit(): number;
    decodeInt(): number;
    /** Octets of a literal or Huffman-coded string. */
    decodeStr(): ArrayLike<number>;
  }
  interface TableEntry {
    name: string;
    value: string;
    nameSize: number;
  }
  interface Table {
    lookup(index: number): TableEntry;
    add(name: string, value: string, nameSize: number, valueSize: number): void;
    updateSize(size: number): void;
  }
  const hpack: {
    decoder: { create(): Decoder };
    table: { create(options: { maxSize: number }): Table };
    utils: { stringify(octets: ArrayLike<number>): string };
  };
  export default hpack;
}
