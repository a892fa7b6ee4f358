// A message's field section kept as the text the strict parser validated (HAProxy's HTX idea):
// per field, offsets into the head and what the field is (hop-by-hop, framing, written the way
// this proxy would write it). Forwarding it needs no [name, value] pair per field and no
// re-serialisation of the fields nobody touched: edits mark the fields they drop and list the
// fields they add, and the HTTP/1.1 engine writes runs of untouched lines as slices of that
// text. The list form (HeaderList) is made only when something asks for it.
//
// Nothing here can forward what the parser did not accept: the text is the head the parser
// validated (no obs-fold, no bare CR or LF, only valid name and value bytes), a line is copied
// only when it reads exactly "name: value" (one space, no trailing whitespace), and every other
// field is written from its name and trimmed value as the list form would be.
import type { CompiledHeaderEdits, HeaderList } from '../router/types.js';
import { isFieldName } from '../util/field-name.js';
import { ownCopy } from './own-copy.js';

/** Content-Length or Transfer-Encoding, in any ASCII case. */
const isFramingName = (n: string): boolean =>
  isFieldName(n, 'content-length') || isFieldName(n, 'transfer-encoding');

/** Connection, Keep-Alive, Proxy-Connection, TE, Trailer, Transfer-Encoding, Upgrade. */
export const FIELD_HOP_BY_HOP = 1;
/** Content-Length or Transfer-Encoding. */
export const FIELD_FRAMING = 2;
/** The line reads exactly `${name}: ${value}\r\n`: it may be copied as it is. */
export const FIELD_CANONICAL = 4;
/** Dropped by a header edit (or replaced by the proxy's own X-Forwarded-* fields). */
export const FIELD_DROPPED = 8;
/** Host (requests: admission counts them, routing reads the first). */
export const FIELD_HOST = 16;

/** Numbers kept per field in FieldLines.at. */
const STRIDE = 5;

/** Added [name, value] pairs; an array shared between messages is frozen and copied before a change. */
export type AddedFields = ReadonlyArray<readonly [name: string, value: string]>;

const NONE: AddedFields = Object.freeze([]);

/** `${name}: ${value}` CRLF per field, in order: the lines serialize() writes for added fields. */
function linesOf(added: AddedFields): string {
  let out = '';
  for (let i = 0; i < added.length; i++) out += `${added[i]![0]}: ${added[i]![1]}\r\n`;
  return out;
}

/** The X-Forwarded-* fields of one request, as pairs and as their lines (frozen, shareable). */
interface ForwardedBlock {
  readonly pairs: AddedFields;
  /** linesOf(pairs). */
  readonly lines: string;
}

function forwardedBlock(xff: string, proto: string, host: string, port: number): ForwardedBlock {
  const pairs: Array<readonly [string, string]> = [
    ['X-Forwarded-For', xff],
    ['X-Forwarded-Proto', proto],
  ];
  if (host) pairs.push(['X-Forwarded-Host', host]);
  pairs.push(['X-Forwarded-Port', String(port)]);
  // join: one flat string, not a tree of concatenations walked again at every write.
  const lines = pairs.map(([n, v]) => `${n}: ${v}\r\n`).join('');
  return Object.freeze({ pairs: Object.freeze(pairs.map((p) => Object.freeze(p))), lines });
}

/** Values up to this length are remembered by ForwardedMemo (longer ones are made per request). */
export const FORWARDED_VALUE_KEPT = 256;

/**
 * The X-Forwarded-* fields forwardFor() added last on one client connection, and exactly what they
 * were made from: the connection's next request with the same client address, scheme, Host and
 * port (most requests of a keep-alive connection) gets the same frozen pairs and lines instead of
 * four pairs and their lines per request. One entry per connection (its owner): bounded by the
 * connection count, each value at most FORWARDED_VALUE_KEPT long and a copy of its own.
 */
export class ForwardedMemo {
  private xff: string | undefined;
  private proto = '';
  private host = '';
  private port = -1;
  private last: ForwardedBlock | undefined;

  /** The fields for these inputs: the remembered ones only when every input equals the last's. */
  block(xff: string, proto: string, host: string, port: number): ForwardedBlock {
    const last = this.last;
    if (
      last !== undefined &&
      xff === this.xff &&
      proto === this.proto &&
      host === this.host &&
      port === this.port
    )
      return last;
    if (xff.length > FORWARDED_VALUE_KEPT || host.length > FORWARDED_VALUE_KEPT)
      return forwardedBlock(xff, proto, host, port);
    const ownXff = ownCopy(xff);
    const ownHost = ownCopy(host);
    const ownProto = ownCopy(proto);
    if (ownXff === undefined || ownHost === undefined || ownProto === undefined)
      return forwardedBlock(xff, proto, host, port);
    const b = forwardedBlock(ownXff, ownProto, ownHost, port);
    this.xff = ownXff;
    this.proto = ownProto;
    this.host = ownHost;
    this.port = port;
    this.last = b;
    return b;
  }
}

/** The offsets of a section with no field (shared: the parser gives each section its own array). */
const NO_FIELDS: number[] = [];

/**
 * `text` from `at` is the field name `lower` (given in lower case) in any ASCII case, `len` long.
 * Compared in place: no slice, no lower-cased copy.
 */
export function nameAt(text: string, at: number, len: number, lower: string): boolean {
  if (len !== lower.length) return false;
  for (let i = 0; i < len; i++) {
    const c = text.charCodeAt(at + i);
    const l = lower.charCodeAt(i);
    if (c !== l && !(l >= 0x61 && l <= 0x7a && c === l - 0x20)) return false;
  }
  return true;
}

export class FieldLines {
  /**
   * Per field, STRIDE numbers: line start, name end (the colon), value start, value end (OWS
   * trimmed), flags (FIELD_*). A field's line ends where the next one starts (the last: `end`).
   */
  at: number[] = NO_FIELDS;
  /**
   * A Connection field names fields besides close / keep-alive / upgrade: which fields are
   * hop-by-hop then depends on it, and the list form (http/headers.ts endToEnd) decides.
   */
  nominates = false;
  /**
   * Fields added by forwardFor and edits, written after the kept lines. May be an array shared with
   * other messages (frozen): every change below makes a new array.
   */
  get added(): AddedFields {
    return this.addedFields;
  }
  private addedFields: AddedFields = NONE;
  /**
   * linesOf(added) when known without making it (shared fields carry their lines); undefined when
   * serialize() must make it. Set together with `added` (setAdded), every time.
   */
  private addedLines: string | undefined = '';
  /** Set by the connection the message arrived on: forwardFor() reuses its last fields. */
  forwardedMemo: ForwardedMemo | undefined;
  /** Host fields, and the index of the first (-1: none). */
  hosts = 0;
  firstHost = -1;
  private list: HeaderList | undefined;
  private hostText: string | undefined;

  constructor(
    /** The head as latin1 text (status or request line included). */
    readonly text: string,
    /** Where the field section ends (the final empty line starts here). */
    readonly end: number,
  ) {}

  get count(): number {
    return this.at.length / STRIDE;
  }

  name(k: number): string {
    const a = this.at;
    return this.text.slice(a[k * STRIDE]!, a[k * STRIDE + 1]!);
  }

  /** The first Host field's value (read once: admission, routing and forwardFor each ask). */
  firstHostValue(): string {
    return (this.hostText ??= this.value(this.firstHost));
  }

  value(k: number): string {
    const a = this.at;
    return this.text.slice(a[k * STRIDE + 2]!, a[k * STRIDE + 3]!);
  }

  flags(k: number): number {
    return this.at[k * STRIDE + 4]!;
  }

  /** Field `k` is named `lower` (lower case). */
  is(k: number, lower: string): boolean {
    const a = this.at;
    const s = a[k * STRIDE]!;
    return nameAt(this.text, s, a[k * STRIDE + 1]! - s, lower);
  }

  /** Every field as received, in order (made once). */
  headers(): HeaderList {
    if (this.list) return this.list;
    const out: HeaderList = [];
    for (let k = 0; k < this.count; k++) out.push([this.name(k), this.value(k)]);
    this.list = out;
    return out;
  }

  /** What is forwarded: hop-by-hop and dropped fields left out, added ones appended. */
  forwarded(): HeaderList {
    const out: HeaderList = [];
    for (let k = 0; k < this.count; k++)
      if ((this.flags(k) & (FIELD_HOP_BY_HOP | FIELD_DROPPED)) === 0) out.push([this.name(k), this.value(k)]);
    for (const [n, v] of this.added) out.push([n, v]);
    return out;
  }

  /**
   * Header edits, with the same result as router/header-edits.ts applyHeaderEdits on the list:
   * each edit drops the fields it names (received or added by an earlier edit), then appends.
   */
  edit(edits: readonly CompiledHeaderEdits[]): void {
    for (const e of edits) {
      const names = e.dropNames;
      if (names.length > 0) {
        const a = this.at;
        for (let k = 0; k < this.count; k++) {
          const f = a[k * STRIDE + 4]!;
          if ((f & (FIELD_HOP_BY_HOP | FIELD_DROPPED)) === 0 && this.dropped(k, e))
            a[k * STRIDE + 4] = f | FIELD_DROPPED;
        }
        if (this.added.length > 0) {
          const kept = this.added.filter(([n]) => !e.drop.has(n.toLowerCase()));
          if (kept.length !== this.added.length) this.setAdded(kept, undefined);
        }
      }
      if (e.appendedPairs.length > 0) this.append(e.appendedPairs, e.appendedLines);
    }
  }

  /** `fields` (with `lines`, their linesOf) after the fields added so far. */
  private append(fields: AddedFields, lines: string): void {
    if (this.added.length === 0) this.setAdded(fields, lines);
    else {
      const before = this.addedLines;
      this.setAdded([...this.added, ...fields], before === undefined ? undefined : before + lines);
    }
  }

  private setAdded(fields: AddedFields, lines: string | undefined): void {
    this.addedFields = fields;
    this.addedLines = lines;
  }

  /**
   * X-Forwarded-For gets `f.clientAddress` appended, X-Forwarded-Proto/Host/Port are replaced:
   * the same result as http/headers.ts addForwarded on the list (the received X-Forwarded-*
   * fields dropped, the proxy's appended). Call before edit(), as the list path applies it first.
   */
  forwardFor(clientAddress: string, proto: string, host: string, port: number): void {
    const a = this.at;
    let prior: string | undefined;
    for (let k = 0; k < this.count; k++) {
      const i = k * STRIDE;
      const f = a[i + 4]!;
      const len = a[i + 1]! - a[i]!;
      if ((f & (FIELD_HOP_BY_HOP | FIELD_DROPPED)) !== 0 || len < 15 || len > 17) continue;
      if (this.is(k, 'x-forwarded-for')) {
        const v = this.value(k);
        prior = prior === undefined ? v : `${prior}, ${v}`;
      } else if (
        !this.is(k, 'x-forwarded-proto') &&
        !this.is(k, 'x-forwarded-host') &&
        !this.is(k, 'x-forwarded-port')
      )
        continue;
      a[i + 4] = f | FIELD_DROPPED;
    }
    const xff = prior === undefined ? clientAddress : `${prior}, ${clientAddress}`;
    const memo = this.forwardedMemo;
    const b =
      memo === undefined ? forwardedBlock(xff, proto, host, port) : memo.block(xff, proto, host, port);
    this.append(b.pairs, b.lines);
  }

  /** Added fields named Content-Length or Transfer-Encoding are dropped (the engine writes its own). */
  dropAddedFraming(): void {
    const added = this.added;
    // Compared in place (util/field-name.ts): with forwardFor every request adds four fields,
    // and lower-casing each name made four strings per request only to find none is framing.
    for (let i = 0; i < added.length; i++) {
      if (isFramingName(added[i]![0])) {
        this.setAdded(
          added.filter(([m]) => !isFramingName(m)),
          undefined,
        );
        return;
      }
    }
  }

  private dropped(k: number, e: CompiledHeaderEdits): boolean {
    const names = e.dropNames;
    if (names.length > 8) return e.drop.has(this.name(k).toLowerCase());
    for (let i = 0; i < names.length; i++) if (this.is(k, names[i]!)) return true;
    return false;
  }

  /**
   * The field lines to write, ending in CRLF (the head's final CRLF not included): kept lines
   * copied in runs, others written as "name: value", then the added fields. Framing fields are
   * left out when `dropFraming` (the engine writes its own).
   */
  serialize(dropFraming: boolean): string {
    const a = this.at;
    const text = this.text;
    const skip = FIELD_HOP_BY_HOP | FIELD_DROPPED | (dropFraming ? FIELD_FRAMING : 0);
    const n = a.length;
    let out = '';
    let run = -1; // start of the run of lines being copied
    for (let i = 0; i < n; i += STRIDE) {
      const f = a[i + 4]!;
      if ((f & skip) === 0 && (f & FIELD_CANONICAL) !== 0) {
        if (run < 0) run = a[i]!;
        continue;
      }
      if (run >= 0) {
        out += text.slice(run, a[i]!);
        run = -1;
      }
      if ((f & skip) === 0) out += `${text.slice(a[i]!, a[i + 1]!)}: ${text.slice(a[i + 2]!, a[i + 3]!)}\r\n`;
    }
    if (run >= 0) out += text.slice(run, this.end);
    return out + (this.addedLines ?? linesOf(this.added));
  }
}
