// A second HPACK decoder for a client's field blocks, kept in step with nghttp2's: both decode
// every block of the connection in order with the same table size (Bascule never changes
// SETTINGS_HEADER_TABLE_SIZE from the default), so both hold the same dynamic table. It only
// exists so tls/h2-guard.ts can see the fields nghttp2 would silently drop (tls/h2-fields.ts).
import { createRequire } from 'node:module';
import type hpackModule from 'hpack.js';

// hpack.js loads with the first HTTP/2 connection, as node:http2 does (tls/h2.ts).
const requireOnUse = createRequire(import.meta.url);
let hpackLoaded: typeof hpackModule | undefined;
const hpack = (): typeof hpackModule => (hpackLoaded ??= requireOnUse('hpack.js') as typeof hpackModule);

/** The HPACK dynamic table size this server advertises (the protocol default). */
export const HPACK_TABLE_SIZE = 4096;

export class HpackShadow {
  private readonly table = hpack().table.create({ maxSize: HPACK_TABLE_SIZE });

  /**
   * The fields of one complete field block, as byte strings. Throws on a block nghttp2 would
   * also refuse (COMPRESSION_ERROR): truncated, index out of range, bad Huffman padding, a table
   * size above the maximum.
   */
  decode(block: Buffer): Array<[string, string]> {
    const { decoder, utils } = hpack();
    const d = decoder.create();
    d.push(block);
    const fields: Array<[string, string]> = [];
    while (!d.isEmpty()) {
      if (d.decodeBit()) {
        // Indexed field (§6.1).
        const e = this.table.lookup(d.decodeInt());
        fields.push([e.name, e.value]);
        continue;
      }
      const incremental = d.decodeBit();
      if (!incremental && d.decodeBit()) {
        // Dynamic table size update (§6.3).
        this.table.updateSize(d.decodeInt());
        continue;
      }
      if (!incremental) d.decodeBit(); // never-indexed flag (§6.2.3): no effect on decoding
      const index = d.decodeInt();
      let name: string;
      let nameSize: number;
      if (index === 0) {
        const octets = d.decodeStr();
        nameSize = octets.length;
        name = utils.stringify(octets);
      } else {
        const e = this.table.lookup(index);
        name = e.name;
        nameSize = e.nameSize;
      }
      const octets = d.decodeStr();
      const value = utils.stringify(octets);
      if (incremental) this.table.add(name, value, nameSize, octets.length);
      fields.push([name, value]);
    }
    return fields;
  }
}
