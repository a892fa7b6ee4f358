// Shared HTTP listeners in a snapshot: the Frontends of one bind travel as separate objects (each
// with `listener` set), so a change to one of them is a change of that object alone. What they
// serve together is defined here as one flat, ordered rule list — the listener a single
// Frontend with all those rules would be. The dataplane's router does not build this list (it
// keeps a part per Frontend, dataplane/src/router/shared-router.ts); its linear lookup does, and
// is the reference the indexed one is tested against.
import type { CertificateSnap, FrontendSnap, RuleSnap } from './snapshot.js';

const isWildcard = (host: string): boolean => host.startsWith('*.');

/** The name a Frontend's rule answers to on a shared listener: "<frontend id>:<rule name>". */
export const listenerRuleName = (frontendId: string, ruleName: string): string => `${frontendId}:${ruleName}`;

/** The name of the catch-all a Frontend's defaultBackend gives one of its hosts. */
export const listenerDefaultName = (frontendId: string, host: string): string =>
  `${frontendId}:defaultBackend:${host}`;

/**
 * The owner's TLS settings with the certificates of every Frontend of the listener (owner first,
 * then the members in order; each certificate name once): what the listener serves by SNI.
 */
export function listenerTls(
  owner: Readonly<FrontendSnap>,
  frontends: readonly Readonly<FrontendSnap>[],
): FrontendSnap['tls'] {
  if (!owner.tls) return undefined;
  const certificates: CertificateSnap[] = [];
  const names = new Set<string>();
  for (const f of frontends)
    for (const c of f.tls?.certificates ?? []) {
      if (names.has(c.name)) continue;
      names.add(c.name);
      certificates.push(c);
    }
  return { ...owner.tls, certificates };
}

/**
 * The shared listener as one frontend: the owner's settings, and the rules in the order they are
 * tried — for every Frontend (owner first, then the members in `owner.listener.members` order):
 *
 * 1. rules on exact hosts, Frontend by Frontend in rule order (a rule without a host counts, in
 *    place, once for each host of its Frontend's `listener.hosts`);
 * 2. the catch-alls of exact hosts (`listener.defaultHosts` → that Frontend's defaultBackend);
 * 3. rules on wildcard hosts (`*.example.com`), likewise;
 * 4. the catch-alls of wildcard hosts;
 * 5. the owner's rules without a host, as they are, for hosts nobody claimed;
 *
 * then the owner's defaultBackend. `members` are the member Frontends in that order.
 */
export function flattenListener(
  owner: Readonly<FrontendSnap>,
  members: readonly Readonly<FrontendSnap>[],
): FrontendSnap {
  const exact: RuleSnap[] = [];
  const wild: RuleSnap[] = [];
  const exactDefaults: RuleSnap[] = [];
  const wildDefaults: RuleSnap[] = [];
  const fallbacks: RuleSnap[] = [];
  const frontends = [owner, ...members];
  for (const f of frontends) {
    const hosts = f.listener?.hosts ?? [];
    const put = (r: RuleSnap, host: string): void => {
      const rule = { ...r, name: listenerRuleName(f.id, r.name), match: { ...r.match, host } };
      (isWildcard(host) ? wild : exact).push(rule);
    };
    for (const r of f.rules) {
      if (r.match.host !== undefined) put(r, r.match.host);
      else {
        if (f === owner) fallbacks.push({ ...r, name: listenerRuleName(f.id, r.name) });
        for (const host of hosts) put(r, host);
      }
    }
    if (f.defaultBackend !== undefined)
      for (const host of f.listener?.defaultHosts ?? [])
        (isWildcard(host) ? wildDefaults : exactDefaults).push({
          name: listenerDefaultName(f.id, host),
          match: { host },
          action: { type: 'backend', backend: f.defaultBackend },
        });
  }
  const { listener: _listener, ...settings } = owner;
  const tls = listenerTls(owner, frontends);
  return {
    ...settings,
    rules: [...exact, ...exactDefaults, ...wild, ...wildDefaults, ...fallbacks],
    ...(tls ? { tls } : {}),
  };
}
