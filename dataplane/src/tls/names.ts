// Server-name matching for certificate selection (SNI): exact name first, then a wildcard
// certificate, then the default (the first certificate of the frontend) unless strict SNI.
// A wildcard "*.example.com" covers exactly one label, as TLS clients verify it (RFC 6125 §6.4.3),
// so picking a certificate by it never selects one the client would then refuse.

/** Lower case, no trailing dot: "Example.COM." → "example.com". */
export function normalizeServerName(name: string): string {
  const n = name.trim().toLowerCase();
  return n.endsWith('.') ? n.slice(0, -1) : n;
}

/** Whether a certificate name (exact or "*.suffix") covers `name` (already normalized). */
export function certificateNameMatches(pattern: string, name: string): boolean {
  const p = normalizeServerName(pattern);
  if (!p.startsWith('*.')) return p === name;
  const dot = name.indexOf('.');
  return dot > 0 && name.slice(dot + 1) === p.slice(2);
}

export type SelectionKind = 'exact' | 'wildcard' | 'default';

export interface Selection<T> {
  readonly value: T;
  readonly kind: SelectionKind;
}

/**
 * Certificates indexed by the names they serve. The first entry naming a given name wins (spec
 * order), and the first entry overall is the default.
 */
export class CertificateIndex<T> {
  private readonly exact = new Map<string, T>();
  /** Keyed by the wildcard's parent domain: "*.example.com" → "example.com". */
  private readonly wildcard = new Map<string, T>();
  readonly fallback: T | undefined;

  constructor(entries: ReadonlyArray<{ readonly names: readonly string[]; readonly value: T }>) {
    this.fallback = entries[0]?.value;
    for (const { names, value } of entries) {
      for (const raw of names) {
        const n = normalizeServerName(raw);
        if (n.startsWith('*.')) {
          const parent = n.slice(2);
          if (!this.wildcard.has(parent)) this.wildcard.set(parent, value);
        } else if (!this.exact.has(n)) this.exact.set(n, value);
      }
    }
  }

  /** The certificate for a client's SNI; undefined when none matches and `strict`. */
  select(serverName: string | undefined | false, strict: boolean): Selection<T> | undefined {
    if (serverName) {
      const n = normalizeServerName(serverName);
      const e = this.exact.get(n);
      if (e !== undefined) return { value: e, kind: 'exact' };
      const dot = n.indexOf('.');
      const w = dot > 0 ? this.wildcard.get(n.slice(dot + 1)) : undefined;
      if (w !== undefined) return { value: w, kind: 'wildcard' };
    }
    if (strict || this.fallback === undefined) return undefined;
    return { value: this.fallback, kind: 'default' };
  }
}
